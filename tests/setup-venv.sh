#!/bin/sh
# Creates the Python virtual environment the integration tests use: moto in
# server mode (the AWS emulator), boto3 and awscli (benchmark baselines),
# pytest. Usage: tests/setup-venv.sh [DIR]   (default: .venv in the source tree)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
venv="${1:-${PREWARM_VENV:-$here/.venv}}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/tests/requirements.txt"
echo "$venv"
