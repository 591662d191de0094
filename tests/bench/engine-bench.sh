#!/usr/bin/env bash
# engine-bench.sh - the engine's numbers (a benchmark, not a test):
#   1. state transitions per second of a long Pass/Choice loop, with the
#      journal off and on (on: every event is write()+fsync()'d);
#   2. time to load and validate the shipped workflows and a generated
#      50-state workflow (whole `prewarm validate` process, and in-process
#      per-validation time from the lang module's bench_validate if built);
#   3. peak RSS of a run.
# Usage: tests/bench/engine-bench.sh [BUILD_DIR]   (default: current dir)
# Env: ITER (loop iterations, journal off; default 200000), ITER_J (journal
# on; default 20000), STATE_DIR (journal location; default a temp dir under
# /var/tmp, i.e. a real disk).
set -euo pipefail

build=$(cd "${1:-.}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
prewarm="$build/prewarm"
[ -x "$prewarm" ] || { echo "no prewarm binary in $build (make prewarm)" >&2; exit 2; }
export PREWARM_PLUGIN_PATH="$build/plugins/notify/.libs:$build/plugins/rds/.libs:$build/plugins/cloudwatch/.libs:$build/plugins/s3/.libs:$build/plugins/secrets/.libs:$build/plugins/sqs/.libs:$build/plugins/postgres-warm/.libs"
work=$(mktemp -d /var/tmp/pw-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
state="${STATE_DIR:-$work/state}"
iter="${ITER:-200000}"
iter_j="${ITER_J:-20000}"

now_ns() { date +%s%N; }

cat > "$work/loop.json" <<'JSON'
{"StartAt": "Inc", "States": {
  "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"},
          "Next": "Loop"},
  "Loop": {"Type": "Choice",
           "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Inc"}],
           "Default": "Done"},
  "Done": {"Type": "Succeed"}}}
JSON

loop() { # loop ITERATIONS EXTRA-ARGS... -> prints transitions/s
	local n=$1; shift
	local t0 t1 out
	t0=$(now_ns)
	out=$(echo "{\"i\": 0, \"n\": $n}" | taskset -c 0 "$prewarm" run "$work/loop.json" \
		--input - --log-level warn "$@")
	t1=$(now_ns)
	[ "$out" = "{\"i\":$n,\"n\":$n}" ] || { echo "unexpected output: $out" >&2; exit 1; }
	# Each iteration is two transitions (Inc, Loop), plus Done.
	awk -v n="$n" -v ns=$((t1 - t0)) \
		'BEGIN { printf "%d transitions in %.3f s: %.0f transitions/s\n", 2*n+1, ns/1e9, (2*n+1)/(ns/1e9) }'
}

echo "== 1. Pass/Choice loop on one core (taskset -c 0)"
printf "journal off: "; loop "$iter" --no-journal
printf "journal on (%s): " "$state"; loop "$iter_j" --state-dir "$state"

echo
echo "== 2. load + validate"
{
	echo '{"StartAt": "S0", "States": {'
	for i in $(seq 0 48); do
		if [ $((i % 5)) -eq 4 ]; then
			echo "\"S$i\": {\"Type\": \"Choice\", \"Choices\": [{\"Variable\": \"\$.x\", \"NumericGreaterThan\": $i, \"Next\": \"S$((i + 1))\"}], \"Default\": \"S$((i + 1))\"},"
		else
			echo "\"S$i\": {\"Type\": \"Pass\", \"Parameters\": {\"x.\$\": \"States.MathAdd(\$.x, 1)\"}, \"ResultPath\": \"\$.r$i\", \"Next\": \"S$((i + 1))\"},"
		fi
	done
	echo '"S49": {"Type": "Succeed"}}}'
} > "$work/fifty.json"
time_validate() { # time_validate RUNS FILES... -> mean wall ms per process
	local runs=$1; shift
	local t0 t1
	t0=$(now_ns)
	for _ in $(seq "$runs"); do "$prewarm" validate "$@" > /dev/null; done
	t1=$(now_ns)
	awk -v ns=$((t1 - t0)) -v r="$runs" 'BEGIN { printf "%.2f ms per prewarm validate process\n", ns/1e6/r }'
}
printf "generated 50-state workflow: "; time_validate 20 "$work/fifty.json"
shipped=$(ls "$src"/workflows/*.yaml "$src"/workflows/*.json 2>/dev/null || true)
if [ -n "$shipped" ]; then
	printf "shipped workflows (%s): " "$(echo $shipped | xargs -n1 basename | tr '\n' ' ')"
	# shellcheck disable=SC2086
	if "$prewarm" validate $shipped > /dev/null 2>"$work/validate.err"; then
		time_validate 10 $shipped
	else
		echo "not all valid here (plugins missing?):"; head -3 "$work/validate.err"
	fi
fi
if [ -x "$build/tests/unit/bench_validate" ]; then
	echo "in-process (bench_validate of the language module):"
	"$build/tests/unit/bench_validate" | sed 's/^/  /'
fi

echo
echo "== 3. peak RSS"
rss() { # rss ARGS... -> max RSS of one prewarm process
	/usr/bin/time -f "%M" -o "$work/rss" "$prewarm" "$@" > /dev/null 2>&1 || true
	echo "$(cat "$work/rss") KiB"
}
printf "example workflow (Lua step + notify): "
rss run "$src/workflows/examples/hello.yaml" --input "$src/workflows/examples/hello-input.json" --no-journal
printf "Pass/Choice loop, %s iterations, journal off: " "$iter"
echo "{\"i\": 0, \"n\": $iter}" > "$work/in.json"
rss run "$work/loop.json" --input "$work/in.json" --no-journal
