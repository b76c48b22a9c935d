#!/bin/sh
# deps.sh: installs the Debian packages ward needs (apt-get when root and a package is
# missing), otherwise prints the exact command to run. Arguments: package names.
# BENCH_DEB lists packages only the benchmarks and some tests need (installed too).
set -e
missing=""
for p in "$@" $BENCH_DEB; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps: all Debian packages present"
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $missing || { apt-get update && apt-get install -y --no-install-recommends $missing; }
else
    echo "deps: missing packages; run:"
    echo "  sudo apt-get install -y$missing"
    exit 1
fi
