# SPDX-License-Identifier: MIT
# End-to-end tests of stopping: SIGTERM and SIGINT with no OTEL_* variable (no span exporter,
# libcurl never loaded), with an OTLP endpoint that refuses connections, and with one that
# accepts them and never answers (the final flush keeps its budget); start-up errors (a taken
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
	sd_startup_errors
	otel_env_clear
}
