#!/usr/bin/env bash
# redact-bench.sh - what secrets found in data cost (a benchmark, not a
# test): a Map over N items, each with a conninfo whose password differs
# (N distinct secrets, ~20 spellings each, in the registry), against the
# same Map without passwords ("plain"), and with passwords whose lengths
# differ too ("lengths": 4..399, cycling; its Map keeps no result). Prints the wall time of each
# whole run (journal on, in a temp dir).
# Usage: tests/bench/redact-bench.sh [BUILD_DIR] [N...]   (default: . 200 1000)
set -euo pipefail

build=$(cd "${1:-.}" && pwd)
shift || true
prewarm="$build/prewarm"
[ -x "$prewarm" ] || { echo "no prewarm binary in $build (make prewarm)" >&2; exit 2; }
work=$(mktemp -d /var/tmp/pw-redact-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200 1000)
for n in "${sizes[@]}"; do
	for kind in plain secret lengths; do
		python3 - "$n" "$kind" >"$work/wf.json" <<'PY'
import json, sys
n, kind = int(sys.argv[1]), sys.argv[2]
dsns = {"plain": lambda i: "host=h",
        "secret": lambda i: "host=h password=pw-%05d-x" % i,
        "lengths": lambda i: "host=h password=" + ("L%05d" % i + "y" * 400)[:4 + i % 396]}
dsn = dsns[kind]
# the Map's own result would be over the 256 KB payload limit for "lengths"
out = None if kind == "lengths" else "$.out"
print(json.dumps({"StartAt": "Gen", "States": {
    "Gen": {"Type": "Pass", "Result": [{"dsn": dsn(i), "n": i} for i in range(n)],
            "ResultPath": "$.items", "Next": "M"},
    "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 4, "ResultPath": out,
          "End": True, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}))
PY
		rm -rf "$work/state"
		start=$(date +%s.%N)
		"$prewarm" run "$work/wf.json" --state-dir "$work/state" --log-format json >/dev/null 2>&1
		end=$(date +%s.%N)
		printf '%5d items, %-7s: %.2f s\n' "$n" "$kind" "$(echo "$end - $start" | bc)"
	done
done
