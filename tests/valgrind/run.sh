#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The exporter under valgrind's memcheck (make test-valgrind): started with two examples
# (timers and percpu-softirq, whose maps fill by themselves) and --debug, scraped in every
# format (text, protobuf, OpenMetrics, each also gzip-compressed), /maps read, then stopped
# with SIGTERM. Passes when every answer is a 200 with the examples' series, the exporter
# exits 0, and memcheck reports no error and no leaked block of any kind. The only
# suppressions are those in libbpf.supp, each saying why.
#
# Usage (as root): run.sh EXPORTER_BINARY
# VALGRIND_PORT (default 19995) is the loopback port; VALGRIND_KEEP=1 keeps the work dir.

set -u -o pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 EXPORTER_BINARY" >&2
	exit 2
fi
EXPORTER=$(realpath "$1")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PORT=${VALGRIND_PORT:-19995}
WORK=$(mktemp -d /tmp/ebpf-exporter-valgrind.XXXXXX)
START_TIMEOUT=180 # valgrind makes start-up about 30 times slower
STOP_TIMEOUT=60
PASSED=0
FAILED=0
VG_PID=

# pass and fail are e2e's.
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$HERE/../e2e/lib.sh"

# shellcheck disable=SC2317 # trap handler
cleanup()
{
	if [ -n "$VG_PID" ] && kill -0 "$VG_PID" 2>/dev/null; then
		kill -KILL "$VG_PID" 2>/dev/null
		wait "$VG_PID" 2>/dev/null
	fi
	[ "${VALGRIND_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v valgrind >/dev/null; then
	echo "valgrind: not installed (make deps installs it)" >&2
	exit 1
fi
if [ ! -e /sys/kernel/tracing/trace_pipe ] && [ -d /sys/kernel/tracing ]; then
	mount -t tracefs nodev /sys/kernel/tracing
fi

echo "== valgrind: memcheck on two examples, every format, /maps, SIGTERM"
OTEL_TRACES_EXPORTER=none valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=all --errors-for-leak-kinds=all --track-origins=yes \
	--num-callers=30 --suppressions="$HERE/libbpf.supp" --log-file="$WORK/memcheck.log" \
	"$EXPORTER" --web.listen-address="127.0.0.1:$PORT" --config.dir="$ROOT/examples" \
	--config.names=timers,percpu-softirq --web.enable-openmetrics --debug \
	>"$WORK/exporter.log" 2>&1 &
VG_PID=$!
up=0
for ((i = 0; i < START_TIMEOUT * 4; i++)); do
	if curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/"; then
		up=1
		break
	fi
	kill -0 "$VG_PID" 2>/dev/null || break
	sleep 0.25
done
if [ "$up" != 1 ]; then
	fail "valgrind: the exporter answered within ${START_TIMEOUT}s" "$(tail -n 20 "$WORK/exporter.log")" \
		"$(tail -n 20 "$WORK/memcheck.log")"
	echo "valgrind: $PASSED passed, $FAILED failed"
	exit 1
fi
pass "valgrind: the exporter serves under memcheck"

# scrape NAME ACCEPT GZIP WANT: one answer, 200 and holding the WANT line prefix.
scrape()
{
	local name=$1 accept=$2 gzip=$3 want=$4 body=$WORK/body code
	local -a args=(-sS --max-time 60 -o "$body.raw" -w '%{http_code}')

	[ -n "$accept" ] && args+=(-H "Accept: $accept")
	[ "$gzip" = gzip ] && args+=(-H 'Accept-Encoding: gzip')
	code=$(curl "${args[@]}" "http://127.0.0.1:$PORT$5")
	if [ "$gzip" = gzip ]; then
		gzip -dc <"$body.raw" >"$body" 2>/dev/null || : >"$body"
	else
		cp "$body.raw" "$body"
	fi
	if [ "$code" = 200 ] && grep -aq -- "$want" "$body"; then
		pass "valgrind: $name answers 200 with $want"
	else
		fail "valgrind: $name answers 200 with $want" "status $code" "$(head -c 300 "$body")"
	fi
}

PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
OM='application/openmetrics-text;version=1.0.0'
for gz in plain gzip; do
	scrape "text ($gz)" '' "$gz" 'ebpf_exporter_timer_starts_total{' /metrics
	scrape "OpenMetrics ($gz)" "$OM" "$gz" '# EOF' /metrics
	scrape "protobuf ($gz)" "$PB" "$gz" 'ebpf_exporter_timer_starts_total' /metrics
done
scrape "/maps (--debug)" '' plain 'timer_starts_total' /maps

kill -TERM "$VG_PID"
rc=
for ((i = 0; i < STOP_TIMEOUT * 4; i++)); do
	if ! kill -0 "$VG_PID" 2>/dev/null; then
		wait "$VG_PID"
		rc=$?
		break
	fi
	sleep 0.25
done
vg_done=$VG_PID
VG_PID=
if [ -z "$rc" ]; then
	kill -KILL "$vg_done" 2>/dev/null
	wait "$vg_done" 2>/dev/null
	fail "valgrind: SIGTERM stops the exporter within ${STOP_TIMEOUT}s"
else
	if [ "$rc" = 0 ]; then
		pass "valgrind: SIGTERM exits 0, and memcheck found no error (exit $rc)"
	else
		fail "valgrind: SIGTERM exits 0, and memcheck found no error (exit $rc)" \
			"$(grep -E '^==[0-9]+== ' "$WORK/memcheck.log" | tail -n 60)"
	fi
fi
summary=$(grep -E 'ERROR SUMMARY' "$WORK/memcheck.log" | tail -n 1 | sed 's/^==[0-9]*== //')
leaks=$(grep -E 'All heap blocks were freed|definitely lost:|indirectly lost:|possibly lost:|still reachable:' \
	"$WORK/memcheck.log" | sed 's/^==[0-9]*== *//')
echo "    $summary"
printf '%s\n' "$leaks" | sed 's/^/    /'
if [[ "$summary" == "ERROR SUMMARY: 0 errors from 0 contexts"* ]]; then
	pass "valgrind: no memcheck error"
else
	fail "valgrind: no memcheck error" "$summary"
fi
if grep -q 'All heap blocks were freed -- no leaks are possible' "$WORK/memcheck.log"; then
	pass "valgrind: every heap block freed at exit"
else
	fail "valgrind: every heap block freed at exit" "$leaks"
fi
echo "valgrind: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
