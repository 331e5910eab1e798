#!/usr/bin/env bash
# Creates the project's virtual environment and installs the pinned development requirements.
# Prefers Python 3.13 (the Lambda runtime in template.yaml); falls back to python3 (3.11+).
# A pyenv shim refuses to run without a selected version, so candidates are probed by running them.
set -euo pipefail
venv=${1:-.venv}

pick_python() {
  local candidate
  for candidate in "python3.13" "PYENV_VERSION=3.13.0 python3.13" "python3"; do
    if env $candidate -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  python=$(pick_python) || { echo "error: need Python 3.11 or newer (3.13 preferred) on the PATH" >&2; exit 1; }
  echo "creating $venv with $(env $python -c 'import sys; print(sys.executable, sys.version.split()[0])')"
  env $python -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
