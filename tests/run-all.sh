#!/bin/bash
# The project's test command, on a fresh Debian 12 machine:
#   installs the dependencies, builds with -Werror and runs `make check`,
#   rebuilds with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
#   suite again, runs the libFuzzer harnesses for a short time each (clang
#   build in build/fuzz, fuzz/README.md), runs the engine's unit tests under
#   valgrind and under ThreadSanitizer (build/tsan), builds the container
#   image and runs it
#   (tests/integration/test_container_image.py), and checks the release
#   tarball (`make distcheck`, unit tests only).
# Usage: tests/run-all.sh            (build trees go to ./build/)
# Env:   PW_SKIP_ASAN=1 / PW_SKIP_FUZZ=1 / PW_SKIP_VALGRIND=1 / PW_SKIP_TSAN=1 /
#        PW_SKIP_CONTAINER=1 / PW_SKIP_DISTCHECK=1 for quicker local runs (CI, .ci/run, sets none of
#        them); FUZZ_SECONDS (20) per harness. A skipped test fails the run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=${PW_JOBS:-2}
# The engine loads plugins only from directories nobody else can write to
# (engine/RUNTIME.md, "Plugin search path"), build trees included: with a
# umask of 002 libtool's .libs directories would be group-writable and
# refused. Build with the usual 022 whatever the runner's default is.
umask 022

"$here/contrib/dev/install-deps.sh"
export PREWARM_VENV="${PREWARM_VENV:-$here/.venv}"
# The official SigV4 test vectors live in shared/ beside the clone; an
# absolute path also reaches the tests that `make distcheck` runs.
if [ -z "${PW_SHARED_TESTDATA:-}" ] && [ -d "$here/../shared/testdata" ]; then
	PW_SHARED_TESTDATA=$(cd "$here/../shared/testdata" && pwd)
fi
export PW_SHARED_TESTDATA="${PW_SHARED_TESTDATA:-$here/../shared/testdata}"

autoreconf -fi >/dev/null 2>&1 || autoreconf -fi

passed=0 failed=0
count_results() { # $1: build dir; fails when a test was skipped
	local log="$1/test-suite.log" p f e x s
	[ -f "$log" ] || return 0
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	x=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
	s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	passed=$((passed + ${p:-0}))
	# A skipped test (exit 77) checked nothing: it counts as failed.
	failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0} + ${s:-0}))
	if [ "${s:-0}" -ne 0 ]; then
		echo "=== $1: ${s} test(s) SKIPPED, which fails the run:"
		grep -h '^SKIP' "$1"/test-suite.log || true
		return 1
	fi
}

run_suite() { # $1: name, rest: configure args
	local name=$1 dir="$here/build/$1" rc=0
	shift
	echo "=== [$name] configure, build and make check"
	mkdir -p "$dir"
	(cd "$dir" && "$here/configure" -q --enable-werror "$@" && make -s -j"$jobs" && make -s -j"$jobs" check) || rc=$?
	count_results "$dir" || rc=1
	if [ $rc -ne 0 ]; then
		echo "=== [$name] FAILED; failing logs:"
		grep -l -E '^(FAIL|ERROR)' "$dir"/tests/unit/*.log "$dir"/tests/integration/*.log 2>/dev/null | while read -r l; do
			echo "--- $l"; tail -n 60 "$l"; done
	fi
	return $rc
}

status=0
run_suite plain || status=1

if [ "${PW_SKIP_ASAN:-}" != 1 ]; then
	san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
	# Leaks are checked by the Check units (LeakSanitizer here, valgrind
	# below). In the integration tests, which start hundreds of short
	# prewarm processes, LeakSanitizer's stop-the-world tracer itself
	# crashes now and then ("Tracer caught signal 11") and fails a correct
	# run; there ASan and UBSan errors still fail the test, leaks are off.
	export PW_PYTEST_ASAN_OPTIONS="detect_leaks=0:abort_on_error=0"
	run_suite asan CFLAGS="-O1 -g $san" LDFLAGS="$san" || status=1
	unset ASAN_OPTIONS UBSAN_OPTIONS PW_PYTEST_ASAN_OPTIONS
fi

if [ "${PW_SKIP_FUZZ:-}" != 1 ]; then
	# One PASS/FAIL line per harness. A crash, leak, timeout or sanitizer
	# report fails CI; the reproducer stays in build/fuzz/fuzz/work/NAME/
	# and its path is printed with the end of the harness's log.
	echo "=== [fuzz] smoke"
	fdir="$here/build/fuzz" flog="$here/build/fuzz.log" frc=0
	mkdir -p "$fdir"
	(cd "$fdir" && "$here/configure" -q --enable-fuzzing CC=clang &&
		make -s -j"$jobs" fuzz-smoke FUZZ_SECONDS="${FUZZ_SECONDS:-20}" FUZZ_JOBS="$jobs") >"$flog" 2>&1 || frc=$?
	p=$(grep -cE '^PASS: fuzz_' "$flog" || true)
	f=$(grep -cE '^FAIL: fuzz_' "$flog" || true)
	passed=$((passed + p)); failed=$((failed + f))
	if [ $frc -eq 0 ]; then
		grep -E '^PASS: fuzz_' "$flog"
	else
		status=1
		if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
			failed=$((failed + 1)); echo "FAIL: fuzz build"; tail -n 40 "$flog"
		else
			sed -n '/^\(PASS\|FAIL\): fuzz_/,$p' "$flog"
		fi
	fi
fi

engine_units() { # $1: build dir; the engine's Check units (not the plugins')
	local t
	for t in "$1"/tests/unit/check_*; do
		[ -x "$t" ] || continue
		case "$(basename "$t")" in
		check_sigv4|check_aws_*|check_pgwarm_*|check_plugin_*) continue ;; # not the engine's
		esac
		echo "$t"
	done
}
if [ "${PW_SKIP_VALGRIND:-}" != 1 ]; then
	echo "=== [valgrind] engine unit tests"
	# --fair-sched: valgrind runs one thread at a time, and by default a
	# thread spinning in a Lua loop can starve the branch whose failure
	# should cancel it (check_exec_map timed out that way once).
	vdir="$here/build/plain"
	for t in $(engine_units "$vdir"); do
		if (cd "$vdir" && env PW_TOP_SRCDIR="$here" PW_TOP_BUILDDIR="$vdir" CK_FORK=no CK_DEFAULT_TIMEOUT=600 \
			PREWARM_PLUGIN_PATH="$vdir/plugins/notify/.libs" \
			PW_SHARED_TESTDATA="${PW_SHARED_TESTDATA:-$here/../shared/testdata}" \
			valgrind -q --fair-sched=yes --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--error-exitcode=1 "$t" >"$t.valgrind.log" 2>&1); then
			passed=$((passed + 1)); echo "PASS: valgrind $(basename "$t")"
		else
			failed=$((failed + 1)); status=1; echo "FAIL: valgrind $(basename "$t")"; tail -n 40 "$t.valgrind.log"
		fi
	done
fi

# The engine's Check units built with -fsanitize=thread: Map items and
# Parallel branches run on threads (engine/pw_exec_map.c); any data race
# or lock-order report fails the unit (halt_on_error, exit code 66).
if [ "${PW_SKIP_TSAN:-}" != 1 ]; then
	echo "=== [tsan] engine unit tests under ThreadSanitizer"
	tdir="$here/build/tsan" tlog="$here/build/tsan-build.log"
	mkdir -p "$tdir"
	tsan="-fsanitize=thread"
	if (cd "$tdir" && "$here/configure" -q --enable-werror CFLAGS="-O1 -g $tsan" LDFLAGS="$tsan" &&
		make -s -j"$jobs" && make -s -j"$jobs" check TESTS=) >"$tlog" 2>&1; then
		for t in $(engine_units "$tdir"); do
			if (cd "$tdir" && env PW_TOP_SRCDIR="$here" PW_TOP_BUILDDIR="$tdir" CK_FORK=no CK_DEFAULT_TIMEOUT=600 \
				TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1" \
				PREWARM_PLUGIN_PATH="$tdir/plugins/notify/.libs" \
				PW_SHARED_TESTDATA="${PW_SHARED_TESTDATA:-$here/../shared/testdata}" \
				"$t" >"$t.tsan.log" 2>&1); then
				passed=$((passed + 1)); echo "PASS: tsan $(basename "$t")"
			else
				failed=$((failed + 1)); status=1; echo "FAIL: tsan $(basename "$t")"; tail -n 60 "$t.tsan.log"
			fi
		done
	else
		failed=$((failed + 1)); status=1; echo "FAIL: tsan build"; tail -n 40 "$tlog"
	fi
fi

if [ "${PW_SKIP_CONTAINER:-}" != 1 ]; then
	# contrib/container/build.sh: docker/podman when an engine runs, else
	# buildah (chroot isolation) on a debootstrap'd base, as in CI. Then the
	# image's own tests: what it holds, and one real run inside it against
	# this machine's PostgreSQL and moto.
	echo "=== [container] image built from this tree and exercised"
	image=aurora-prewarm:ci
	t0=$(date +%s)
	if "$here/contrib/container/build.sh" --tag "$image" >"$here/build/container-build.log" 2>&1; then
		echo "container: built $image in $(( $(date +%s) - t0 )) s;" \
			"size $(buildah --storage-driver vfs images --format '{{.Size}}' "$image" 2>/dev/null | head -1)"
		if (cd "$here/build/plain" && env PW_CONTAINER_IMAGE="$image" PW_TOP_SRCDIR="$here" \
			PW_TOP_BUILDDIR="$here/build/plain" PREWARM="$here/build/plain/prewarm" \
			"$here/tests/run-pytest" "$here/tests/integration/test_container_image.py" \
			>"$here/build/container-test.log" 2>&1); then
			passed=$((passed + 1)); echo "PASS: container image"
		else
			failed=$((failed + 1)); status=1; echo "FAIL: container image"; tail -n 60 "$here/build/container-test.log"
		fi
	else
		failed=$((failed + 1)); status=1; echo "FAIL: container build"; tail -n 60 "$here/build/container-build.log"
	fi
fi

if [ "${PW_SKIP_DISTCHECK:-}" != 1 ]; then
	echo "=== [distcheck] release tarball builds and passes its unit tests"
	units=$(cd "$here/build/plain" && ls tests/unit/ | grep -E '^check_[a-z0-9_]+$' | sed 's|^|tests/unit/|' | tr '\n' ' ')
	if (cd "$here/build/plain" && make -s distcheck TESTS="$units" DISTCHECK_CONFIGURE_FLAGS=--enable-werror >"$here/build/distcheck.log" 2>&1); then
		passed=$((passed + 1)); echo "PASS: distcheck"
	else
		failed=$((failed + 1)); status=1; echo "FAIL: distcheck"; tail -n 40 "$here/build/distcheck.log"
	fi
fi

echo "$passed passed, $failed failed"
exit $status
