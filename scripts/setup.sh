#!/usr/bin/env bash
# Sets up everything textkit needs on this machine, idempotently:
#   1. the native Voikko library and Finnish dictionary (Debian: libvoikko1, voikko-fi),
#      and with --browser also Chromium + ChromeDriver for the browser test;
#   2. a local virtual environment in .venv with textkit and its dependencies
#      (with --bench also the benchmark's reference systems, e.g. tantivy).
# Re-running is cheap: it only does what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --bench) want_bench=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in libvoikko1 voikko-fi; do have_deb "$pkg" || missing+=("$pkg"); done
  if [ "$want_browser" = 1 ]; then
    for pkg in chromium chromium-driver; do have_deb "$pkg" || missing+=("$pkg"); done
  fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "textkit setup: installing system packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "textkit setup: cannot install ${missing[*]}: not root and no sudo." >&2
    echo "Ask an administrator to run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
elif ! command -v dpkg-query >/dev/null 2>&1; then
  # Not Debian/Ubuntu: we cannot install the native library for you.
  if ! { ldconfig -p 2>/dev/null | grep -q libvoikko; } && [ ! -e /usr/local/lib/libvoikko.dylib ] \
     && [ ! -e /opt/homebrew/lib/libvoikko.dylib ]; then
    echo "textkit setup: this is not a Debian-based system, so the Voikko library cannot be installed automatically." >&2
    echo "Install libvoikko and its Finnish dictionary (voikko-fi / 'Finnish morphology for Voikko')" >&2
    echo "with your package manager (e.g. 'brew install libvoikko', 'dnf install libvoikko malaga-suomi-voikko')," >&2
    echo "then run this command again." >&2
    exit 1
  fi
fi

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && \
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"; break
  fi
done
if [ -z "$python" ]; then
  echo "textkit setup: Python 3.11 or newer is required (python3 --version)." >&2
  exit 1
fi

# pip's notes about unreachable local mirrors and setuptools' editable-install banner (real
# errors still shown).
pip_noise="is ignored: it is neither|BuildBackendWarning|return '\\\\n'.join|^ *$|^ *!! *$|^ *\\*{20,} *$|Please be careful with folders|name as your package as they may take|WheelFile\\(wheel_path"

stamp=.venv/.textkit-installed
if [ ! -x .venv/bin/python ]; then
  echo "textkit setup: creating virtual environment .venv ($("$python" --version))"
  "$python" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "textkit setup: installing Python dependencies into .venv (first time takes a minute)"
  { .venv/bin/python -m pip install -q --upgrade pip >/dev/null && \
    .venv/bin/python -m pip install -q -e ".[test]"; } 2> >(grep -v -E "$pip_noise" >&2)
  touch "$stamp"
fi
# --bench: the benchmark's reference systems (tantivy; bench/speed.py), not textkit's own.
if [ "$want_bench" = 1 ] && ! .venv/bin/python -c "import tantivy" 2>/dev/null; then
  echo "textkit setup: installing the benchmark's reference systems (tantivy)"
  .venv/bin/python -m pip install -q -e ".[test,bench]" 2> >(grep -v -E "$pip_noise" >&2)
fi
# simplemma's Finnish dictionary as an on-disk trie in the user's cache folder: built once per
# machine (a few seconds), then every process opens it at once (textkit/analysis.py).
.venv/bin/python -c "from textkit.analysis import warm_simplemma; warm_simplemma()"
