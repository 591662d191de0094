#!/bin/bash
# Builds the aurora-prewarm container image from this source tree.
#
#   contrib/container/build.sh [--tag NAME] [--engine docker|podman|buildah]
#
# With a Docker or Podman engine that can reach a registry, it is an
# ordinary `docker build` / `podman build`. Without one (this project's CI,
# air-gapped hosts) it uses buildah with chroot isolation and makes the
# base image itself with debootstrap from the Debian mirror apt already
# uses, tagged as the image names the Dockerfile expects, so nothing is
# pulled from a registry.
#
# Build arguments passed to the Dockerfile: BASE_IMAGE, RUNTIME_IMAGE,
# VERSION (configure.ac's), REVISION (git HEAD), SOURCE.
# Env: PW_IMAGE_BASE (default debian:12), PW_IMAGE_RUNTIME_BASE
# (default debian:12-slim), PW_DEBIAN_MIRROR (default: apt's first deb URI),
# PW_BUILDAH_STORAGE (default vfs), PW_IMAGE_ROOTFS (debootstrap cache dir).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
tag=aurora-prewarm
engine=
while [ $# -gt 0 ]; do
	case "$1" in
	--tag) tag=$2; shift 2 ;;
	--engine) engine=$2; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

base=${PW_IMAGE_BASE:-debian:12}
runtime_base=${PW_IMAGE_RUNTIME_BASE:-debian:12-slim}
version=$(sed -n 's/^AC_INIT(\[aurora-prewarm\], \[\([^]]*\)\].*/\1/p' "$here/configure.ac")
revision=$(git -C "$here" rev-parse HEAD 2>/dev/null || echo unknown)
source_url=${PW_IMAGE_SOURCE:-https://github.com/aurora-prewarm/aurora-prewarm}
args=(--build-arg "BASE_IMAGE=$base" --build-arg "RUNTIME_IMAGE=$runtime_base"
	--build-arg "VERSION=$version" --build-arg "REVISION=$revision"
	--build-arg "SOURCE=$source_url")

engine_works() { command -v "$1" >/dev/null 2>&1 && "$1" info >/dev/null 2>&1; }
if [ -z "$engine" ]; then
	if engine_works docker; then engine=docker
	elif engine_works podman; then engine=podman
	elif command -v buildah >/dev/null 2>&1; then engine=buildah
	else
		echo "build.sh: no docker or podman engine and no buildah (apt-get install buildah debootstrap)" >&2
		exit 1
	fi
fi

start=$(date +%s)
case "$engine" in
docker|podman)
	"$engine" build -f "$here/contrib/container/Dockerfile" "${args[@]}" -t "$tag" "$here"
	;;
buildah)
	storage=${PW_BUILDAH_STORAGE:-vfs}
	bh() { buildah --storage-driver "$storage" "$@"; }
	has_image() { bh inspect --type image "$1" >/dev/null 2>&1; }
	# The base images, made locally when absent: a minbase Debian 12 from
	# the mirror apt uses (the same release the Dockerfile names).
	if ! has_image "$base" || ! has_image "$runtime_base"; then
		mirror=${PW_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
		mirror=${mirror:-$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)}
		mirror=${mirror:-http://deb.debian.org/debian}
		rootfs=${PW_IMAGE_ROOTFS:-/var/tmp/aurora-prewarm-rootfs}
		if [ ! -x "$rootfs/usr/bin/apt-get" ]; then
			echo "build.sh: debootstrap bookworm from $mirror into $rootfs"
			rm -rf "$rootfs"
			debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
				{ tail -n 20 "$rootfs.log" >&2; exit 1; }
			# The security suite as in the official image.
			printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" \
				>"$rootfs/etc/apt/sources.list"
			rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
		fi
		c=$(bh from scratch)
		bh copy "$c" "$rootfs" / >/dev/null
		bh config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$c"
		for t in "$base" "$runtime_base"; do bh commit -q "$c" "docker.io/library/$t" >/dev/null; done
		bh rm "$c" >/dev/null
	fi
	# docker format keeps HEALTHCHECK (OCI image config has no such field).
	bh bud --isolation chroot --pull-never --format docker --layers=false \
		-f "$here/contrib/container/Dockerfile" "${args[@]}" -t "$tag" "$here"
	;;
*) echo "build.sh: unknown engine '$engine'" >&2; exit 2 ;;
esac
echo "build.sh: built $tag ($engine) in $(( $(date +%s) - start )) s"
