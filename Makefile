# The two commands of the README:
#   make report   set up (if needed), generate the demo data, run every stage report, build reports/index.html
#   make test     set up (if needed), run the whole test suite (.ci/run calls exactly this)
#   make lock     re-pin requirements.lock after changing pyproject.toml's dependencies
#   make test-fast  the edit-test loop: no Spark, no notebook runs (under 3 minutes on 2 cores)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install report test test-fast bench clean-reports messages lock

install: $(STAMP)

# The exact versions in requirements.lock (compiled from pyproject.toml by `make lock`), so CI and a
# fresh machine get the same packages; then this checkout itself, editable, without re-resolving.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing a dependency in pyproject.toml: re-pin every package (all supported Pythons, one file).
# Updating the pins is a deliberate change, committed with the reason.
lock:
	test -x $(VENV)/bin/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--no-header --annotation-style line -o requirements.lock

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
