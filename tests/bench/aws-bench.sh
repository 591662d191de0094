#!/bin/bash
# aws-bench.sh - cost of AWS calls through the plugins vs boto3/awscli,
# against a local moto server (with the custom endpoint extension).
#
#   tests/bench/aws-bench.sh            (from a build dir, or set
#                                        PW_TOP_BUILDDIR / PW_TOP_SRCDIR)
#
# Measures, each as a whole process under /usr/bin/time -v (wall time and
# peak RSS), plus the in-process loop time where there is one:
#   1. 100 DescribeDBInstances through the rds plugin: plugin-call --repeat
#   2. the same 100 calls as a prewarm workflow (a Map of 100 Tasks)
#   3. boto3 doing the same 100 calls in one Python process
#   4. one `prewarm run` of a one-call workflow
#   5. one `aws rds describe-db-instances` (awscli from the venv)
# Numbers go to stdout as a table; plugins/PLUGINS.md records a run.
set -euo pipefail

top_src="${PW_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
top_build="${PW_TOP_BUILDDIR:-$PWD}"
venv="${PREWARM_VENV:-$top_src/.venv}"
py="$venv/bin/python"
prewarm="${PREWARM:-$top_build/prewarm}"
plugin_call="$top_build/tests/unit/plugin-call"
n=100

for exe in "$py" "$prewarm" "$plugin_call" /usr/bin/time; do
	[ -x "$exe" ] || { echo "aws-bench: missing $exe (build first)" >&2; exit 99; }
done

work=$(mktemp -d)
moto_pid=
cleanup() {
	[ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$py" "$top_src/tests/integration/fixtures/moto_custom_endpoints.py" -p "$port" \
	>"$work/moto.log" 2>&1 &
moto_pid=$!

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 \
	AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIABENCHBENCHBENCH1 \
	AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_EC2_METADATA_DISABLED=true \
	AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
export PREWARM_PLUGIN_PATH="$top_build/plugins/rds/.libs"

for _ in $(seq 100); do
	curl -sf "$AWS_ENDPOINT_URL/moto-api/data.json" >/dev/null 2>&1 && break
	sleep 0.1
done

"$py" - <<'PY'
import boto3
rds = boto3.client("rds")
rds.create_db_cluster(DBClusterIdentifier="bench", Engine="aurora-postgresql",
                      MasterUsername="postgres", MasterUserPassword="bench-pw-1")
for name in ("bench-writer", "bench-reader-1", "bench-reader-2"):
    rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier="bench",
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
PY

cat >"$work/one.yaml" <<'YAML'
StartAt: Describe
States:
  Describe:
    Type: Task
    Resource: rds:DescribeDBInstances
    ResultSelector:
      Count.$: States.ArrayLength($.DBInstances)
    End: true
YAML
cat >"$work/map.yaml" <<'YAML'
StartAt: Loop
States:
  Loop:
    Type: Map
    ItemsPath: $.items
    MaxConcurrency: 1
    ItemProcessor:
      StartAt: Describe
      States:
        Describe:
          Type: Task
          Resource: rds:DescribeDBInstances
          ResultSelector:
            Count.$: States.ArrayLength($.DBInstances)
          End: true
    ResultSelector:
      Calls.$: States.ArrayLength($)
    End: true
YAML
"$py" -c "import json; print(json.dumps({'items': list(range($n))}))" >"$work/items.json"
cat >"$work/boto.py" <<PY
import sys, time, boto3
rds = boto3.client("rds")
t = time.perf_counter()
for _ in range($n):
    assert len(rds.describe_db_instances()["DBInstances"]) == 3
sys.stderr.write("loop_seconds=%.3f\n" % (time.perf_counter() - t))
PY

# measure NAME CMD...: runs CMD under time -v; prints a row.
measure() {
	local name=$1 out="$work/out" tv="$work/time"
	shift
	/usr/bin/time -v -o "$tv" "$@" >"$out" 2>"$work/err" || {
		echo "aws-bench: $name failed:" >&2
		cat "$out" "$work/err" >&2
		exit 1
	}
	local wall rss loop
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.3f", s}' "$tv")
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$tv")
	loop=$(sed -n 's/^loop_seconds=//p' "$work/err")
	printf '%-44s %9s s %9s MiB %10s\n' "$name" "$wall" "$rss" "${loop:--}"
}

printf '%-44s %11s %13s %10s\n' "what (whole process)" "wall" "peak RSS" "loop s"
measure "plugin-call --repeat $n DescribeDBInstances" \
	"$plugin_call" --repeat "$n" rds DescribeDBInstances '{}'
measure "prewarm run: Map of $n DescribeDBInstances" \
	"$prewarm" run "$work/map.yaml" --input "$work/items.json" --no-journal
measure "python + boto3: $n describe_db_instances" "$py" "$work/boto.py"
measure "prewarm run: one DescribeDBInstances" \
	"$prewarm" run "$work/one.yaml" --no-journal
measure "aws rds describe-db-instances (awscli)" \
	"$venv/bin/aws" --endpoint-url "$AWS_ENDPOINT_URL" rds describe-db-instances --output json
