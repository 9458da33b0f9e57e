#!/bin/bash
# tests/vm/pyfork/build.sh: builds the pyfork client (pyfork.c) into build/pyfork/pyfork, on
# the host (the guest runs it from the shared repo). Quiet when it is up to date.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out="$repo/build/pyfork/pyfork"
mkdir -p "$(dirname "$out")"
if [ ! -x "$out" ] || [ "$here/pyfork.c" -nt "$out" ]; then
	gcc -O2 -Wall -Wextra -Werror -o "$out" "$here/pyfork.c"
fi
