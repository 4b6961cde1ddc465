#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Span throughput benchmark (`make bench-spans`, as root): how many spans a second go from a
# ring buffer to an OTLP receiver on loopback with the exporter pinned to one CPU, and how many
# are dropped on the way. A driver process makes getppid() calls at a set rate (or as fast as
# it can); spans.bpf.c writes one span record per call; the exporter decodes them and sends
# them over http/protobuf to a sink that reads each request and answers 200. Each rate runs for
# BENCH_SECONDS; then the queue drains and the exporter's own counters are read.
#
# Usage: run.sh BUILD_DIR   (holding ebpf_exporter, bench/spans-driver and bench/spans-sink)
# Environment: BENCH_RATES (calls per second, "max" for no limit; default "50000 200000 max"),
# BENCH_SECONDS (default 3), BENCH_PORT (first of two loopback ports, default 19635),
# BENCH_CPU (the exporter's CPU, default 0; the driver and the sink use the others),
# BENCH_QUEUE (OTEL_BSP_MAX_QUEUE_SIZE, default the SDK's 2048).
# Prints a Markdown table.

set -u -o pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
BUILD=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EXPORTER=$BUILD/ebpf_exporter
DRIVER=$BUILD/bench/spans-driver
SINK=$BUILD/bench/spans-sink
RATES=${BENCH_RATES:-50000 200000 max}
SECONDS_PER_RATE=${BENCH_SECONDS:-3}
PORT=${BENCH_PORT:-19635}
SINK_PORT=$((PORT + 1))
CPU=${BENCH_CPU:-0}
OTHER_CPUS=$(awk -v c="$CPU" -F- '{ for (i = $1; i <= ($2 == "" ? $1 : $2); i++) if (i != c) printf "%s%d", (n++ ? "," : ""), i }' /sys/devices/system/cpu/online)
[ -n "$OTHER_CPUS" ] || OTHER_CPUS=$CPU

WORK=$(mktemp -d /tmp/ebpf-exporter-bench-spans.XXXXXX)
EXP_PID=
SINK_PID=

cleanup()
{
	[ -n "$EXP_PID" ] && kill "$EXP_PID" 2>/dev/null && wait "$EXP_PID" 2>/dev/null
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

die()
{
	echo "bench-spans: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$EXPORTER" ] && [ -x "$DRIVER" ] && [ -x "$SINK" ] || die "build the exporter, the driver and the sink first"
[ -e "$HERE/spans.bpf.o" ] || die "build bench/spans/spans.bpf.o first"

# The sink (spans-sink) answers every request with an empty response, decoding nothing, so
# that the exporter is what is measured.
taskset -c "$OTHER_CPUS" "$SINK" "$SINK_PORT" >"$WORK/sink.log" 2>&1 &
SINK_PID=$!

metric()
{
	local v

	v=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | grep -F -- "$1 " | grep -v '^#' |
		awk '{ print $NF }' | head -n 1)
	printf '%.0f' "${v:-0}"
}

# cpu_seconds PID: user + system time so far.
cpu_seconds()
{
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

run_rate()
{
	local rate=$1 i received exported qfull failed rbdrops start end cpu0 cpu1 wall offered

	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$SINK_PORT OTEL_BSP_SCHEDULE_DELAY=100 \
		OTEL_BSP_MAX_QUEUE_SIZE=${BENCH_QUEUE:-2048} \
		taskset -c "$CPU" "$EXPORTER" --config.dir="$HERE" --config.names=spans \
		--web.listen-address="127.0.0.1:$PORT" >"$WORK/exporter.log" 2>&1 &
	EXP_PID=$!
	for ((i = 0; i < 100; i++)); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/" && break
		sleep 0.1
	done
	kill -0 "$EXP_PID" 2>/dev/null || die "the exporter did not start: $(tail -n 5 "$WORK/exporter.log")"
	cpu0=$(cpu_seconds "$EXP_PID")
	start=$(date +%s%N)
	if [ "$rate" = max ]; then
		taskset -c "$OTHER_CPUS" "$DRIVER" "$SECONDS_PER_RATE" >/dev/null
	else
		taskset -c "$OTHER_CPUS" "$DRIVER" "$SECONDS_PER_RATE" "$rate" >/dev/null
	fi
	# drain: everything received is exported or dropped
	for ((i = 0; i < 300; i++)); do
		received=$(metric 'ebpf_exporter_spans_received_total{config="spans"}')
		exported=$(metric 'ebpf_exporter_spans_exported_total{service="span-bench"}')
		qfull=$(metric 'ebpf_exporter_spans_dropped_total{reason="queue_full",service="span-bench"}')
		failed=$(metric 'ebpf_exporter_spans_dropped_total{reason="export_failed",service="span-bench"}')
		[ $((exported + qfull + failed)) -ge "$received" ] && [ "$received" -gt 0 ] && break
		sleep 0.1
	done
	end=$(date +%s%N)
	cpu1=$(cpu_seconds "$EXP_PID")
	rbdrops=$(metric ebpf_exporter_bench_ringbuf_drops_total)
	kill "$EXP_PID"
	wait "$EXP_PID" 2>/dev/null
	EXP_PID=
	offered=$((received + rbdrops))
	wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }')
	printf '| %s | %d | %d | %d | %d | %d | %s | %s |\n' \
		"$rate" "$((offered / SECONDS_PER_RATE))" "$(awk -v n="$exported" -v w="$wall" 'BEGIN { printf "%d", n / w }')" \
		"$exported" "$rbdrops" "$((qfull + failed))" "$wall" \
		"$(awk -v a="$cpu0" -v b="$cpu1" -v w="$wall" 'BEGIN { printf "%.0f%%", 100 * (b - a) / w }')"
}

echo "Span throughput: exporter on CPU $CPU, ${SECONDS_PER_RATE}s per rate, queue ${BENCH_QUEUE:-2048}, $(nproc) CPUs, $(uname -r)"
echo
echo "| driver rate (calls/s) | offered spans/s | exported spans/s | exported | ring buffer drops | queue drops | wall s | exporter CPU |"
echo "|---|---|---|---|---|---|---|---|"
for rate in $RATES; do
	run_rate "$rate"
done
