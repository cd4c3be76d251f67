"""Benchmarks: speed and peak memory against peer libraries, measured in the same run (see README.md)."""
