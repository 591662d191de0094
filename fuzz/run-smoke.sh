#!/bin/bash
# Runs libFuzzer harnesses for a bounded time each (make fuzz-smoke).
# Usage: run-smoke.sh SRCDIR FUZZ_BUILDDIR HARNESS...
# Env:   FUZZ_SECONDS (20) per harness, FUZZ_JOBS (2) harnesses at a time,
#        FUZZ_TIMEOUT (10) seconds one input may take, FUZZ_RSS_MB (2048),
#        PW_SHARED_TESTDATA (the SigV4 vectors, used as seeds when present).
# Each harness's corpus grows in FUZZ_BUILDDIR/work/NAME/corpus (kept between
# runs); the seeds are collected afresh into work/NAME/seeds. One line per
# harness: "PASS: fuzz_NAME" or "FAIL: fuzz_NAME" followed by the end of its
# log and the reproducer (crash-*, leak-*, timeout-*, oom-* in work/NAME/).
# Exit status 1 when any harness failed.
set -u
src=$1 build=$2
shift 2
seconds=${FUZZ_SECONDS:-20} jobs=${FUZZ_JOBS:-2}
timeout=${FUZZ_TIMEOUT:-10} rss=${FUZZ_RSS_MB:-2048}
for v in "$seconds" "$jobs" "$timeout" "$rss"; do
	# libFuzzer reads 0 as "no limit": a smoke run must end
	case $v in '' | *[!0-9]* | 0) echo "run-smoke: FUZZ_SECONDS, FUZZ_JOBS, FUZZ_TIMEOUT and FUZZ_RSS_MB must be positive integers" >&2; exit 2 ;; esac
done
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Seeds from the tree: the project's own fixtures for each kind of input.
collect_seeds() { # $1: harness name without fuzz_, $2: seed dir
	local k=$1 d=$2 f
	cp "$src/fuzz/corpus/$k"/* "$d"/ 2>/dev/null
	case $k in
	workflow_yaml) cp "$src"/tests/data/workflows/*/*.yaml "$src"/workflows/*.yaml \
		"$src"/workflows/examples/*.yaml "$d"/ ;;
	workflow_json) cp "$src"/tests/data/workflows/*/*.json "$d"/ ;;
	workflow_lua) cp "$src"/tests/data/workflows/*/*.lua "$src"/workflows/*.lua \
		"$src"/workflows/examples/*.lua "$src"/workflows/steps/*.lua "$d"/ ;;
	path) # every path and intrinsic call the shipped workflows use
		grep -ohE '(States\.[A-Za-z0-9]+\(.*\)|\$\$?(\.[A-Za-z0-9_.]*|\[[^] ]*\])*)' \
			"$src"/workflows/*.yaml "$src"/tests/data/workflows/*/*.yaml |
			sed -e "s/[\"']*\$//" | sort -u | while IFS= read -r f; do
				printf '%s' "$f" >"$d/wf-$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
			done ;;
	aws_json) cp "$src"/tests/data/events/*.json "$d"/ ;;
	config) cp "$src"/contrib/config/*.yaml "$d"/ ;;
	jsonata) # the expressions of JSONata's own test suite, one a file
		grep -h '"expr": ' "$src"/tests/jsonata-suite/groups/*/*.json |
			sed -e 's/^ *"expr": "//' -e 's/",\{0,1\}$//' -e 's/\\"/"/g' |
			while IFS= read -r f; do
				printf '%s' "$f" >"$d/js-$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
			done ;;
	sigv4) for f in "${PW_SHARED_TESTDATA:-/nonexistent}"/sigv4/*/request.txt; do
			[ -f "$f" ] && cp "$f" "$d/$(basename "$(dirname "$f")").txt"
		done ;;
	esac
	return 0
}

dict_for() { # the dictionary a harness uses, if any
	case $1 in
	workflow_*|config) echo workflow.dict ;;
	path|choice) echo path.dict ;;
	aws_xml) echo aws_xml.dict ;;
	sigv4) echo sigv4.dict ;;
	esac
}

run_one() { # $1: harness program name (fuzz_NAME)
	local h=$1 k=${1#fuzz_} w="$build/work/${1#fuzz_}" dict rc
	mkdir -p "$w/corpus"
	rm -rf "$w/seeds" "$w"/crash-* "$w"/leak-* "$w"/timeout-* "$w"/oom-* "$w/rc"
	mkdir -p "$w/seeds"
	collect_seeds "$k" "$w/seeds"
	dict=$(dict_for "$k")
	set -- -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" \
		-artifact_prefix="$w/" -print_final_stats=1
	[ -n "$dict" ] && set -- "$@" -dict="$src/fuzz/$dict"
	"$build/$h" "$@" "$w/corpus" "$w/seeds" >"$w/log" 2>&1
	rc=$?
	# a sanitizer report that did not stop the run still fails it
	if [ $rc -eq 0 ] && grep -qE '^SUMMARY: [A-Za-z]+Sanitizer|runtime error:' "$w/log"; then
		rc=1
	fi
	echo $rc >"$w/rc"
}

running=0
for h in "$@"; do
	run_one "$h" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

status=0
for h in "$@"; do
	w="$build/work/${h#fuzz_}"
	rc=$(cat "$w/rc" 2>/dev/null || echo 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log" | tail -1)
	if [ "$rc" = 0 ]; then
		echo "PASS: $h (${runs:-?} inputs in ${seconds} s)"
	else
		status=1
		echo "FAIL: $h (exit $rc); from $w/log:"
		# the report from its first line, else the end of the log
		if grep -qE 'ERROR: |runtime error:' "$w/log"; then
			sed -n '/ERROR: \|runtime error:/,$p' "$w/log" | head -n 80
		else
			tail -n 40 "$w/log"
		fi
		for a in "$w"/crash-* "$w"/leak-* "$w"/timeout-* "$w"/oom-*; do
			[ -f "$a" ] && echo "reproduce: $build/$h $a"
		done
	fi
done
exit $status
