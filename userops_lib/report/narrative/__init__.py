"""What the reports say: one narrative module per stage report.

Each module holds pure functions from library results to Markdown text in the report's language
(``style.lang`` of a :class:`~userops_lib.report.formatting.NumberStyle`): the sentence under a
table or chart, the notes that warn about the data, and the closing recommendations. The rules
that choose a sentence are here, with their thresholds as named parameters, so they are tested
(``tests/test_narrative_*.py`` check the exact sentence in both languages) and a notebook section
stays one library call, one table or chart, one narrative call.

Nothing here reads data or displays anything.
"""
