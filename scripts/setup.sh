#!/usr/bin/env bash
# Prepare the project on a Debian machine with Python 3.11+: a virtual environment in .venv with the
# package installed in editable mode, and Tesseract with its French and English data for the OCR of scanned
# PDFs. With "test", also the test extras and the Debian packages the browser tests and PDF fixtures need
# (chromium, DejaVu fonts). Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=${1:-}
PYTHON=${PYTHON:-python3}

apt_install() {
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 ou plus récent est requis (trouvé : $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    apt_install python3-venv
    "$PYTHON" -m venv .venv
  fi
fi
stamp=.venv/.installed-${want_test:-run}
if [[ ! -f $stamp || setup.cfg -nt $stamp ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [[ $want_test == test ]]; then
    .venv/bin/python -m pip install -q -e '.[test,dev]'
  else
    .venv/bin/python -m pip install -q -e .
  fi
  touch "$stamp"
fi
missing=()
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
for lang in fra eng; do
  ls /usr/share/tesseract-ocr/*/tessdata/$lang.traineddata >/dev/null 2>&1 || missing+=(tesseract-ocr-$lang)
done
if [[ $want_test == test ]]; then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  [[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)
fi
if (( ${#missing[@]} )); then apt_install "${missing[@]}"; fi
