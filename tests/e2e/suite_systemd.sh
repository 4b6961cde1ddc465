# SPDX-License-Identifier: MIT
# systemd integration (fd://N, sd_notify): a socket passed by socket activation is
# served, READY=1 / STATUS= / STOPPING=1 reach $NOTIFY_SOCKET, and libsystemd and libcurl are
# loaded only when systemd or tracing asks for them (an exporter started any other way with
# tracing off maps neither).
# Sourced by run.sh, which calls suite_systemd; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# maps_lib PID NAME: true when the process maps a library whose file name starts with NAME.
maps_lib()
{
	grep -q "/$2" "/proc/$1/maps" 2>/dev/null
}

systemd_lazy_libraries()
{
	section "systemd: libraries loaded on demand"
	OTEL_TRACES_EXPORTER=none start_exporter sd-plain --config.dir="$HERE" \
		--config.names=counters || return
	if maps_lib "$EXP_PID" libsystemd.so || maps_lib "$EXP_PID" libcurl; then
		fail "systemd: plain start maps neither libsystemd nor libcurl" \
			"$(grep -e libsystemd -e libcurl "/proc/$EXP_PID/maps")"
	else
		pass "systemd: plain start maps neither libsystemd nor libcurl"
	fi
	stop_exporter TERM
	check_exit "systemd: plain exporter exits 0" 0
}

systemd_socket_activation()
{
	local s=$WORK/sd-activate.prom pid port i code=

	section "systemd: socket activation (fd://0)"
	pick_port || return
	port=$EXP_PORT
	EXP_LOG=$WORK/sd-activate.log
	OTEL_TRACES_EXPORTER=none systemd-socket-activate -l "127.0.0.1:$port" "$EXPORTER" \
		--web.listen-address=fd://0 --config.dir="$HERE" --config.names=counters \
		>"$EXP_LOG" 2>&1 &
	pid=$!
	for ((i = 0; i < START_TIMEOUT * 20; i++)); do
		code=$(curl -s -o "$s" -w '%{http_code}' --max-time 2 \
			"http://127.0.0.1:$port/metrics" 2>/dev/null)
		[ "$code" = 200 ] && break
		sleep 0.05
	done
	if [ "$code" = 200 ] && grep -qF 'ebpf_exporter_enabled_configs{name="counters"} 1' "$s"; then
		pass "systemd: metrics served on the activated socket"
	else
		fail "systemd: metrics served on the activated socket" "HTTP $code" \
			"$(tail -n 10 "$EXP_LOG")"
	fi
	# systemd-socket-activate execs the exporter: the same process.
	if maps_lib "$pid" libsystemd.so; then
		pass "systemd: libsystemd loaded for fd://"
	else
		fail "systemd: libsystemd loaded for fd://"
	fi
	check_log "systemd: the log names the fd address" "$EXP_LOG" "Listening on fd://0"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	EXP_RC=$?
	check_exit "systemd: activated exporter exits 0 on SIGTERM" 0
}

systemd_notify()
{
	local sock=$WORK/notify.sock out=$WORK/notify.out lpid

	section "systemd: sd_notify"
	rm -f "$sock" "$out"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w") as f:
    while True:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            break
        f.write(m.replace("\n", " ") + "\n")
        f.flush()
        if "STOPPING=1" in m:
            break
' "$sock" "$out" &
	lpid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	NOTIFY_SOCKET=$sock OTEL_TRACES_EXPORTER=none start_exporter sd-notify \
		--config.dir="$HERE" --config.names=counters || {
		kill "$lpid" 2>/dev/null
		return
	}
	for ((i = 0; i < 100; i++)); do
		grep -q 'READY=1' "$out" 2>/dev/null && break
		sleep 0.05
	done
	check_log "systemd: READY=1 with a status naming the programs" "$out" \
		"READY=1 STATUS=ready with"
	stop_exporter TERM
	check_exit "systemd: notified exporter exits 0" 0
	wait "$lpid" 2>/dev/null
	check_log "systemd: STOPPING=1 on SIGTERM" "$out" "STOPPING=1"
}

suite_systemd()
{
	systemd_lazy_libraries
	systemd_socket_activation
	systemd_notify
}
