#!/usr/bin/env bash
# Installs the Debian packages the tests need, when missing (npm test runs this first).
# Usage: install-system-deps.sh [package…]   (default: the list in scripts/system-packages.txt)
# As root the missing ones are installed with apt-get; anyone else is told the exact
# command to run first, and the script fails so no test runs without them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -gt 0 ]; then
  wanted=("$@")
else
  mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/system-packages.txt")
fi
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
need=()
for pkg in "${wanted[@]}"; do installed "$pkg" || need+=("$pkg"); done
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "edgefl: the tests need these Debian packages, and this system has no apt-get: ${need[*]}" >&2
  echo "  fix: install the equivalents with your package manager, or run the tests on Debian" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "edgefl: the tests need Debian packages that are not installed: ${need[*]}" >&2
  echo "  fix: run this first, then npm test again:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "edgefl: installing Debian packages the tests need: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >&2
# A package's own service (mosquitto, redis-server) is not what the tests use: each test
# starts its own server on a free port. Leave the system's as the package set it up.
for pkg in "${need[@]}"; do
  installed "$pkg" || { echo "edgefl: apt-get did not install $pkg" >&2; exit 1; }
done
