# Sourced by scripts/demo and scripts/test: a venv in .venv with kizuna installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "kizuna needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $PYTHON …"
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=".venv/.kizuna-installed-$(cat pyproject.toml scripts/_setup.sh | cksum | cut -d' ' -f1)-${KIZUNA_EXTRAS:-}"
if [ ! -f "$stamp" ]; then
  echo "Installing kizuna${KIZUNA_EXTRAS:+[$KIZUNA_EXTRAS]} into .venv …"
  python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  python -m pip install --quiet -e ".${KIZUNA_EXTRAS:+[$KIZUNA_EXTRAS]}"
  # CDNOW sample data (Fader, Hardie & Lee 2005) ships in `lifetimes`; only its data files
  # are used, so skip its old dependency pins.
  python -m pip install --quiet --no-deps "lifetimes>=0.11.3"
  # MovieLens 100K (GroupLens; no redistribution) ships in `recbole`; the recommender's offline
  # evaluation reads only its data files, so skip its deep-learning dependencies.
  python -m pip install --quiet --no-deps "recbole>=1.2.1"
  rm -f .venv/.kizuna-installed-*
  touch "$stamp"
fi
