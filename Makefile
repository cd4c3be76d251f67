# The two commands of the README:
#   make report   set up (if needed), generate the demo data, run every stage report, build reports/index.html
#   make test     set up (if needed), run the whole test suite (.ci/run calls exactly this)
#   make test-fast  the edit-test loop: no Spark, no notebook runs (under 3 minutes on 2 cores)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install report test test-fast bench clean-reports messages

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/userops run --data demo --data cdnow

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not spark and not notebooks"

bench: $(STAMP)
	$(BIN)/python -m bench

clean-reports:
	rm -rf reports/20*

# After changing report text: extract tr()/ntr()/N_() messages and merge them into the Chinese catalog
# (new ones arrive untranslated; tests/test_i18n.py fails until they are translated).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k tr -k ntr:1,2 -k N_ --no-location --sort-output --project userops \
		--omit-header -o userops_lib/report/locale/userops.pot .
	$(BIN)/pybabel update -i userops_lib/report/locale/userops.pot -d userops_lib/report/locale -D userops -l zh \
		--no-fuzzy-matching --ignore-obsolete --width 120
