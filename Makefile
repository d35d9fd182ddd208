# The two commands in the README: `make run` and `make test`.
VENV := .venv
PY   := $(VENV)/bin/python

.PHONY: run test bench setup build clean-models

setup:
	@bash scripts/setup.sh

run: setup
	$(VENV)/bin/textkit build
	$(VENV)/bin/streamlit run app.py

test:
	@bash scripts/setup.sh --browser
	$(PY) -m pytest

bench:
	@bash scripts/setup.sh --bench
	$(PY) bench/run.py

build: setup
	$(VENV)/bin/textkit build

clean-models:
	# keeps the user data: the excerpt database (and its WAL/backup files) and the topic names
	find models -mindepth 1 -maxdepth 1 ! -name README.md ! -name 'excerpts.sqlite3*' ! -name 'topic-names.json' -exec rm -rf {} +
