#!/usr/bin/env bash
# deploy/demo.sh - the README's first command: set up this machine, build
# sluice, and run it on its built-in default configuration (the seed's
# www.foobar.com tier). Safe to run again.
#
# Today sluiced validates that configuration and prints it in normal form;
# the data-plane demo (namespaces, nginx backends, curl through the VIP)
# takes this place when the engines land.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
	bash deploy/install-deps.sh
else
	echo "demo.sh: not root: assuming the packages are installed" >&2
fi
if [ -f build/build.ninja ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
ninja -C build
echo
echo "== sluiced --check (built-in default configuration)"
build/sluiced --check
