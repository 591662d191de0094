#!/bin/sh
# Creates the Python virtual environment the integration tests use: moto in
# server mode (the AWS emulator), boto3 and awscli (benchmark baselines),
# pytest; and, in the same directory, the asl-validator npm package that
# checks `prewarm export --to stepfunctions` (tests/integration/test_sfn_worker.py).
# Usage: tests/setup-venv.sh [DIR]   (default: .venv in the source tree)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
venv="${1:-${PREWARM_VENV:-$here/.venv}}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/tests/requirements.txt"
# Pinned: its checks are what the test asserts against.
[ -x "$venv/node_modules/.bin/asl-validator" ] ||
	npm install --prefix "$venv" --no-audit --no-fund --silent asl-validator@4.0.0 >&2
echo "$venv"
