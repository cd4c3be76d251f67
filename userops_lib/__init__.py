"""userops: user-operations (CRM) analytics for e-commerce teams."""
__version__ = "0.1.0"
