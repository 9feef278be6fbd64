#!/usr/bin/env bash
# The whole test suite (lint, types, lit, pytest) on the oldest and on the newest supported
# combination, each in a fresh virtualenv of its own:
#   oldest: Python 3.11, jax/jaxlib 0.10.2, egglog 13.2
#   newest: Python 3.13, jax/jaxlib 0.12.x, egglog 14.x
# An interpreter that is missing is an error, never a silent skip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {  # find_python 3.13 -> a path to a working python3.13
  local v=$1 candidate home
  home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
  for candidate in "$(command -v "python$v" || true)" "$home"/.pyenv/versions/"$v"*/bin/"python$v"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c '' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "test/run_suites.sh: error: Python $v not found (neither python$v on PATH nor ~/.pyenv/versions/$v*); it is needed for the test combination that uses it" >&2
  return 1
}

suite() {  # suite NAME PYTHON PINS...
  local name=$1 python=$2
  shift 2
  local venv=".venv-$name"
  echo "== $name: $("$python" --version), $*"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q -e '.[test]' "$@"
  (
    . "$venv/bin/activate"
    export MYPY_CACHE_DIR="$venv/mypy_cache"  # never another interpreter's incremental cache
    python -c 'from importlib.metadata import version as v; print("== jax", v("jax"), "jaxlib", v("jaxlib"), "egglog", v("egglog"))'
    ruff check . && ruff format --check . && mypy && lit -sv test && pytest -n 2 -q
  )
}

oldest=$(find_python 3.11)
newest=$(find_python 3.13)
suite oldest "$oldest" "jax==0.10.2" "jaxlib==0.10.2" "egglog==13.2.0"
suite newest "$newest" "jax==0.12.*" "jaxlib==0.12.*" "egglog==14.*"
