# The two commands of the README:
#   make report   set up (if needed), generate the demo data, run every stage report (demo in Chinese and
#                 English, CDNOW in English), build reports/index.html
#   make test     set up (if needed), run the whole test suite on Python 3.11 (.venv) and 3.13 (.venv-3.13),
#                 the lowest and highest supported versions (.ci/run calls exactly this)
#   make lock     re-pin requirements.lock after changing pyproject.toml's dependencies
#   make test-fast  the edit-test loop: no Spark, no notebook runs (under 3 minutes on 2 cores)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The second test run: the highest supported Python. PYTHON313=/path/to/python3.13 overrides; else
# python3.13 on PATH if it runs (a pyenv shim may not), else the newest pyenv-installed 3.13.
ifndef PYTHON313
PYTHON313 := $(shell for p in python3.13 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 \
	2>/dev/null | sort -V | tail -n 1); do "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' \
	>/dev/null 2>&1 && command -v "$$p" && break; done)
endif
VENV313  := .venv-3.13
STAMP313 := $(VENV313)/.installed

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

# The same pinned packages on Python 3.13 (the lock covers 3.11-3.13). No 3.13 is an error, not a skip.
$(STAMP313): pyproject.toml requirements.lock
	@test -n "$(PYTHON313)" || { echo "make test needs Python 3.13 for its second run and found none" \
		"(python3.13, ~/.pyenv/versions/3.13.*): install it or pass PYTHON313=/path/to/python3.13" >&2; exit 1; }
	test -x $(VENV313)/bin/python || $(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --upgrade pip
	$(VENV313)/bin/python -m pip install --quiet -r requirements.lock
	$(VENV313)/bin/python -m pip install --quiet --no-deps -e .
	touch $(STAMP313)

# After changing a dependency in pyproject.toml: re-pin every package (all supported Pythons, one file).
# Updating the pins is a deliberate change, committed with the reason.
lock:
	test -x $(VENV)/bin/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--no-header --annotation-style line -o requirements.lock

# the demo shop in Chinese and English (linked to each other in the index), CDNOW (an American shop) in English
report: $(STAMP)
	$(BIN)/userops run --data demo --lang zh --lang en
	$(BIN)/userops run --data cdnow --lang en

test: $(STAMP) $(STAMP313)
	bash .ci/system-packages
	$(BIN)/python -m pytest
	$(VENV313)/bin/python -m pytest

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
