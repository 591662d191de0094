#!/bin/sh
# The aurora-prewarm local demo: one command on a fresh Debian/Ubuntu machine.
#
#   contrib/demo/run-demo.sh [--quick] [--no-deps] [--keep] [--runner auto|watch|run]
#
# Installs what it needs (contrib/dev/install-deps.sh: Debian packages and the
# Python venv; needs root or sudo; --no-deps skips it), builds aurora-prewarm
# into build/demo (PREWARM_DEMO_BUILD overrides; an existing build is only
# brought up to date), then runs contrib/demo/demo.py: PostgreSQL primary +
# 2 streaming standbys, moto as AWS, a simulated Aurora cluster, a skewed
# read workload, a new replica warmed by the real workflow, and the table
# of results. Everything it starts is stopped and removed at the end, also
# on Ctrl-C or SIGTERM. Exit status: the demo's (0: the replica was warmed
# and added, and its hit ratio rose).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${PREWARM_DEMO_BUILD:-$here/build/demo}
venv=${PREWARM_VENV:-$here/.venv}

deps=1
for a in "$@"; do
	[ "$a" = "--no-deps" ] && deps=0
done

if [ "$deps" = 1 ]; then
	echo "==> installing dependencies (contrib/dev/install-deps.sh)"
	"$here/contrib/dev/install-deps.sh"
elif [ ! -x "$venv/bin/python" ]; then
	"$here/tests/setup-venv.sh" >/dev/null
fi

echo "==> building into $build"
if [ ! -x "$here/configure" ]; then
	(cd "$here" && autoreconf -fi >/dev/null)
fi
mkdir -p "$build"
if [ ! -f "$build/Makefile" ]; then
	(cd "$build" && "$here/configure" -q)
fi
jobs=$(nproc 2>/dev/null || echo 2)
make -s -C "$build" -j"$jobs" >"$build/demo-build.log" 2>&1 || {
	tail -n 40 "$build/demo-build.log" >&2
	echo "run-demo: the build failed (full log: $build/demo-build.log)" >&2
	exit 2
}

PREWARM="$build/prewarm"
PREWARM_PLUGIN_PATH=$(for d in "$build"/plugins/*/.libs; do printf '%s:' "$d"; done)
export PREWARM PREWARM_PLUGIN_PATH
export PW_TOP_SRCDIR="$here"

# The driver cleans up after itself (try/finally, SIGTERM/SIGHUP handlers);
# pass signals on and wait for it, so nothing outlives this script.
args=
for a in "$@"; do
	[ "$a" = "--no-deps" ] || args="$args $a"
done
# shellcheck disable=SC2086
"$venv/bin/python" "$here/contrib/demo/demo.py" --prewarm "$PREWARM" $args &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM HUP
status=0
wait "$pid" || status=$?
# wait returns early when a trapped signal arrives: wait for the cleanup.
while kill -0 "$pid" 2>/dev/null; do
	wait "$pid" || status=$?
done
exit "$status"
