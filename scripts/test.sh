#!/usr/bin/env bash
# Quick start: set up (test extras, chromium) and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python -m ruff check indexer search_app tests bench tools
exec .venv/bin/python -m pytest "$@"
