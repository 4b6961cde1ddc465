# SPDX-License-Identifier: MIT
# End-to-end tests of stopping: SIGTERM and SIGINT with no OTEL_* variable (no span exporter,
# libcurl never loaded), with an OTLP endpoint that refuses connections, and with one that
# accepts them and never answers (the final flush keeps its budget; while running, scrapes go
# on and every span is counted as dropped); start-up errors (a taken
# port, a bad flag, a bad config) exit at once. The time bounds are functional requirements
# with wide margins, not benchmarks.
#
# Sourced by run.sh, which calls suite_shutdown; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

SD_PY=/usr/bin/python3
SD_LISTENER_PID=

sd_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# sd_listen PORT: a loopback listener that completes TCP handshakes and never reads or answers.
sd_listen()
{
	"$SD_PY" -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
held = []
s.settimeout(0.2)
end = time.monotonic() + 120
while time.monotonic() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass' "$1" &
	SD_LISTENER_PID=$!
	for ((i = 0; i < 50; i++)); do
		port_in_use "$1" && return 0
		sleep 0.1
	done
	return 1
}

sd_unlisten()
{
	[ -n "$SD_LISTENER_PID" ] || return 0
	kill "$SD_LISTENER_PID" 2>/dev/null
	wait "$SD_LISTENER_PID" 2>/dev/null
	SD_LISTENER_PID=
}

# sd_stop NAME SIGNAL MAX_MS: stops the exporter and checks it exits 0 within MAX_MS.
sd_stop()
{
	local name=$1 sig=$2 max=$3 t0 ms

	t0=$(sd_ms)
	stop_exporter "$sig"
	ms=$(($(sd_ms) - t0))
	check "$name: SIG$sig exits 0 (rc $EXP_RC)" [ "$EXP_RC" -eq 0 ]
	check "$name: ... within ${max} ms (took $ms ms)" [ "$ms" -le "$max" ]
	SD_LAST_MS=$ms
}

# sd_no_tracing NAME: the running exporter has no span exporter and no libcurl.
sd_no_tracing()
{
	local s=$WORK/sd.prom

	check "$1: libcurl is not mapped" eval "! grep -q libcurl /proc/$EXP_PID/maps"
	check "$1: a scrape answers 200" [ "$(scrape "$s")" = 200 ]
	check "$1: no tracing metrics, so no export error" \
		eval "! grep -q '^ebpf_exporter_span' $s"
}

sd_plain()
{
	local sig

	for sig in TERM INT; do
		start_exporter "shutdown-plain-$sig" --config.dir="$HERE" --config.names=counters ||
			return
		sd_no_tracing "shutdown (no OTEL variable, SIG$sig)"
		sd_stop "shutdown (no OTEL variable)" "$sig" 1000
		check "shutdown (no OTEL variable, SIG$sig): no export was attempted" \
			eval "! grep -q 'tracing:' '$EXP_LOG'"
		check_log "shutdown (no OTEL variable, SIG$sig): detached" "$EXP_LOG" "Detached in"
	done
}

sd_refused()
{
	local port n

	pick_port || return
	port=$EXP_PORT # nothing listens there
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port start_exporter shutdown-refused \
		--config.dir="$HERE" --config.names=counters || return
	check "shutdown (endpoint refuses): libcurl is loaded for the asked-for export" \
		grep -q libcurl "/proc/$EXP_PID/maps"
	sd_stop "shutdown (endpoint refuses)" TERM 2500
	n=$(grep -c 'tracing: dropped .* spans at shutdown' "$EXP_LOG")
	check "shutdown (endpoint refuses): the dropped spans are logged once ($n)" [ "$n" -eq 1 ]
	check_log "shutdown (endpoint refuses): ... with their count and the reason" "$EXP_LOG" \
		"spans at shutdown for http://127.0.0.1:$port/v1/traces: Failed to connect to 127.0.0.1 port $port"
}

sd_blackhole()
{
	local port

	pick_port || return
	port=$EXP_PORT
	sd_listen "$port" || {
		fail "shutdown: the silent listener did not start"
		sd_unlisten
		return
	}
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port start_exporter shutdown-silent \
		--config.dir="$HERE" --config.names=counters || {
		sd_unlisten
		return
	}
	sd_stop "shutdown (endpoint never answers, default 5s budget)" TERM 8000
	check "shutdown (endpoint never answers): the flush used its budget (${SD_LAST_MS} ms)" \
		[ "$SD_LAST_MS" -ge 4000 ]
	check_log "shutdown (endpoint never answers): the dropped spans are logged" "$EXP_LOG" \
		"spans at shutdown for http://127.0.0.1:$port/v1/traces: Operation timed out"

	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port start_exporter shutdown-silent-1s \
		--config.dir="$HERE" --config.names=counters --tracing.shutdown-timeout=1s || {
		sd_unlisten
		return
	}
	sd_stop "shutdown (endpoint never answers, --tracing.shutdown-timeout=1s)" INT 3000
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port start_exporter shutdown-silent-0 \
		--config.dir="$HERE" --config.names=counters --tracing.shutdown-timeout=0s || {
		sd_unlisten
		return
	}
	sd_stop "shutdown (--tracing.shutdown-timeout=0s sends nothing)" TERM 1500
	check_log "shutdown (--tracing.shutdown-timeout=0s): what was queued is dropped" \
		"$EXP_LOG" "spans at shutdown for http://127.0.0.1:$port/v1/traces: the shutdown flush ran out of its 0 ms"
	sd_unlisten
}

# sd_drops FILE: the test config's spans dropped as queue_full or export_failed, summed (the
# exporter's own start-up trace, service ebpf_exporter, is dropped beside them).
sd_drops()
{
	awk '/^ebpf_exporter_spans_dropped_total\{reason="(queue_full|export_failed)",service="e2e-spans"\}/ { n += $2 }
		END { print n + 0 }' "$1"
}

# While the exporter runs, a collector that accepts connections and never answers: scrapes
# answer with the exact series meanwhile, the queue stays within OTEL_BSP_MAX_QUEUE_SIZE, and
# every span is accounted for: dropped as queue_full or, once its export timed out, as
# export_failed.
sd_silent_running()
{
	local port s=$WORK/sd-silent.prom i ok=1 queued max_q=0 drops=

	pick_port || return
	port=$EXP_PORT
	sd_listen "$port" || {
		fail "shutdown: the silent listener did not start"
		sd_unlisten
		return
	}
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port OTEL_BSP_SCHEDULE_DELAY=50 \
		OTEL_BSP_MAX_QUEUE_SIZE=5 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=5 \
		OTEL_EXPORTER_OTLP_TIMEOUT=1000 OTEL_BSP_EXPORT_TIMEOUT=1500 \
		start_exporter silent-collector --config.dir="$HERE" --config.names=counters,spans \
		--tracing.shutdown-timeout=0s || {
		sd_unlisten
		return
	}
	trigger "$CPU_A" 1:3:42:s=silent 80:30:0x600:0 || {
		stop_exporter TERM
		sd_unlisten
		return
	}
	for ((i = 0; i < 100; i++)); do
		if [ "$(scrape "$s")" != 200 ] ||
			! has_line "$s" 'ebpf_exporter_e2e_hash_total{id="42",name="silent"} 3'; then
			ok=0
		fi
		queued=$(sample_value "$s" ebpf_exporter_spans_queued)
		[ "${queued:-0}" -gt "$max_q" ] && max_q=${queued:-0}
		drops=$(sd_drops "$s")
		[ "$drops" = 30 ] && break
		sleep 0.1
	done
	check "silent collector: every scrape meanwhile answers 200 with the exact series" [ "$ok" = 1 ]
	check "silent collector: the queue stays within its 5 spans (at most $max_q seen)" \
		[ "$max_q" -le 5 ]
	check "silent collector: all 30 spans are counted as dropped, queue_full or export_failed ($drops)" \
		[ "$drops" = 30 ]
	check "silent collector: ... some of them because the queue was full" \
		[ "$(sample_value "$s" 'ebpf_exporter_spans_dropped_total{reason="queue_full",service="e2e-spans"}')" -gt 0 ]
	check_log "silent collector: the timed-out export is logged" "$EXP_LOG" \
		"http://127.0.0.1:$port/v1/traces"
	stop_exporter TERM
	check "silent collector: SIGTERM exits 0" [ "$EXP_RC" = 0 ]
	sd_unlisten
}

# sd_startup_error NAME MAX_MS EXPECTED_LOG ARGS...: the exporter exits 1 within MAX_MS.
sd_startup_error()
{
	local name=$1 max=$2 want=$3 t0 ms

	shift 3
	t0=$(sd_ms)
	timeout -s KILL 30 "$EXPORTER" "$@" >"$WORK/sd-start.log" 2>&1 </dev/null
	EXP_RC=$?
	ms=$(($(sd_ms) - t0))
	check "$name: exits 1 (rc $EXP_RC)" [ "$EXP_RC" -eq 1 ]
	check "$name: ... within $max ms (took $ms ms)" [ "$ms" -le "$max" ]
	check_log "$name: says why" "$WORK/sd-start.log" "$want"
}

sd_startup_errors()
{
	local port

	pick_port || return
	port=$EXP_PORT
	sd_listen "$port" || {
		fail "shutdown: the listener holding the port did not start"
		sd_unlisten
		return
	}
	sd_startup_error "start-up (port taken)" 2000 \
		"Error listening on 127.0.0.1:$port: listen tcp 127.0.0.1:$port: bind: address already in use" \
		--config.dir="$HERE" --config.names=counters --web.listen-address="127.0.0.1:$port"
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port sd_startup_error \
		"start-up (port taken, OTLP endpoint that never answers)" 2000 \
		"bind: address already in use" \
		--config.dir="$HERE" --config.names=counters --web.listen-address="127.0.0.1:$port"
	sd_unlisten
	sd_startup_error "start-up (bad flag)" 2000 "unknown long flag '--web.bogus'" \
		--config.dir="$HERE" --config.names=counters --web.bogus=1
	sd_startup_error "start-up (bad config)" 2000 "Error parsing configs: " \
		--config.dir="$HERE" --config.names=no_such_config
}

suite_shutdown()
{
	section "shutdown: signals, the final span flush, start-up errors"
	otel_env_clear
	sd_plain
	sd_refused
	sd_blackhole
	sd_silent_running
	sd_startup_errors
	otel_env_clear
}
