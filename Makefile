.PHONY: setup run build update status test lint bench corpus
PY := .venv/bin/python

setup:
	bash scripts/setup.sh test
run:
	bash scripts/run.sh
build:
	$(PY) -m indexer build
update:
	$(PY) -m indexer update
status:
	$(PY) -m indexer status
test:
	bash scripts/test.sh
lint:
	$(PY) -m ruff check indexer search_app tests bench tools
	$(PY) -m ruff format --check indexer search_app tests bench tools
bench:
	$(PY) bench/build_split.py
	$(PY) bench/request_latency.py
corpus:
	$(PY) tools/make_corpus.py
