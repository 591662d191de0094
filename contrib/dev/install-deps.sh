#!/bin/sh
# Installs the Debian packages aurora-prewarm needs to build, test and run
# its local demo, and the Python virtual environment the integration tests
# use (moto, boto3, awscli, pytest, and the asl-validator npm package).
# Idempotent. Needs root (or sudo).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

PACKAGES="build-essential autoconf automake libtool pkg-config
  liblua5.4-dev libjson-c-dev libyaml-dev libcurl4-openssl-dev libpq-dev
  libxml2-dev libssl-dev uuid-dev libcsv-dev libpg-query-dev check valgrind
  postgresql-15 postgresql-contrib postgresql-client-15
  python3 python3-venv python3-pip procps time systemd graphviz
  buildah debootstrap clang libclang-rt-14-dev nodejs npm"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
"$here/tests/setup-venv.sh" >/dev/null
echo "install-deps: ready (venv: ${PREWARM_VENV:-$here/.venv})"
