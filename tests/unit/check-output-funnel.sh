#!/bin/bash
# Every byte the engine writes goes through pw_out (redaction): no file
# under engine/ but pw_out.c may call a stdio or write(2) output function
# itself (comment lines aside). A line that writes no output (an id into a lock file) says so
# with the marker "pw-out-ok". pw_graph.c draws into the FILE its caller
# gives it (cli_graph passes a memory stream, then pw_out); watch_metrics.c
# renders the metrics into a memory stream it then writes with pw_out.
set -u
src="${PW_TOP_SRCDIR:-$(dirname "$0")/../..}/engine"
pattern='(^|[^a-z_>.])(printf|fprintf|vfprintf|vprintf|dprintf|fputs|puts|fputc|putc|putchar|fwrite|write)[[:space:]]*\('
bad=$(grep -nE "$pattern" "$src"/*.c | grep -v 'pw-out-ok' |
	grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|/\*|//)' |
	grep -vE "^$src/(pw_out|pw_graph|watch_metrics)\.c:" || true)
if [ -n "$bad" ]; then
	echo "output written around pw_out (unredacted):"
	echo "$bad"
	exit 1
fi
# The check itself must see an output call when one is there.
probe=$(printf 'int f(void) { fprintf(stderr, "x"); }\n' | grep -cE "$pattern")
[ "$probe" = 1 ] || { echo "the pattern misses fprintf"; exit 1; }
echo "ok: engine output goes through pw_out"
