#!/usr/bin/env bash
# Quick start: set up, build the index from the sample corpus, then serve the search page on
# http://127.0.0.1:5000/ (HOST and PORT may be set in the environment).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m indexer build --corpus "${CRPV_CORPUS:-corpus}" --index "${CRPV_INDEX:-index}"
exec .venv/bin/python -m search_app --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}" \
  --corpus "${CRPV_CORPUS:-corpus}" --index "${CRPV_INDEX:-index}"
