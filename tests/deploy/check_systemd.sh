# SPDX-License-Identifier: MIT
# contrib/systemd: both units pass `systemd-analyze verify` (whose only allowed complaint is
# the binary path that does not exist here), a broken copy does not; the service's capability
# set is consistent, and the exporter run the way the unit runs it (a user of its own, exactly
# the unit's ambient capabilities and bounding set, no_new_privs, the unit's default configs)
# attaches every program, resolves kernel symbols, reloads on SIGHUP (ExecReload=) and
# serves; run under systemd-socket-activate on a socket like the socket unit's, it serves
# that socket.
#
# Sourced by run.sh, which calls check_systemd; uses its globals and e2e's lib.sh helpers.
# shellcheck shell=bash disable=SC2154

SY_DIR=$ROOT/contrib/systemd
SY_PORT=19970
SY_PID=

# sy_verify FILE...: systemd-analyze verify's complaints, less the missing binary's.
sy_verify()
{
	systemd-analyze verify "$@" 2>&1 |
		grep -v -F 'Command /usr/local/bin/ebpf_exporter is not executable: No such file or directory'
	return 0
}

# sy_key UNIT KEY: the value of KEY= in UNIT (the last one).
sy_key()
{
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# sy_env UNIT NAME: the default of Environment=NAME=... in UNIT.
sy_env()
{
	sed -n "s/^Environment=$2=//p" "$1" | tail -n 1
}

sy_stop()
{
	bg_stop "$SY_PID"
	SY_PID=
}

check_systemd()
{
	local svc=$SY_DIR/ebpf_exporter.service sock=$SY_DIR/ebpf_exporter.socket out
	local amb bnd caps want got configs prom=$WORK/sy.prom cfg n key

	if ! command -v systemd-analyze >/dev/null; then
		fail "systemd: systemd-analyze is not installed"
		return
	fi
	out=$(cd "$SY_DIR" && sy_verify ebpf_exporter.service ebpf_exporter.socket)
	check "systemd: systemd-analyze verify accepts both units (only the missing binary: ${out:-nothing else})" \
		[ -z "$out" ]
	mkdir -p "$WORK/sy-broken"
	sed 's/^ProtectSystem=/ProtectSystm=/; s/^Type=notify/Type=notfy/' "$svc" \
		>"$WORK/sy-broken/ebpf_exporter.service"
	out=$(cd "$WORK/sy-broken" && sy_verify ebpf_exporter.service)
	check "systemd: ... and rejects a copy with a misspelt directive and value" \
		grep -q -e 'ProtectSystm' -e 'notfy' <<<"$out"

	check "systemd: the service is Type=notify, reloads with SIGHUP, runs as a dynamic user" \
		[ "$(sy_key "$svc" Type)/$(sy_key "$svc" ExecReload)/$(sy_key "$svc" DynamicUser)" = \
		'notify//bin/kill -HUP $MAINPID/yes' ]
	amb=$(sy_key "$svc" AmbientCapabilities)
	bnd=$(sy_key "$svc" CapabilityBoundingSet)
	check "systemd: the ambient capabilities are the bounding set ($amb)" [ "$amb" = "$bnd" ]
	check "systemd: ... CAP_BPF and CAP_PERFMON among them" \
		grep -qE '(^| )CAP_BPF( .*)? CAP_PERFMON|CAP_PERFMON( .*)? CAP_BPF' <<<" $amb "
	for key in ProtectSystem ProtectHome PrivateTmp NoNewPrivileges; do
		check "systemd: $key= is set ($(sy_key "$svc" "$key"))" \
			grep -qxE 'strict|yes' <<<"$(sy_key "$svc" "$key")"
	done
	check "systemd: the socket listens where the exporter does by default ($(sy_key "$sock" ListenStream))" \
		[ "$(sy_key "$sock" ListenStream)" = 9435 ]

	# The exporter as the unit runs it: nobody, the unit's capabilities, no_new_privs.
	caps=$(tr 'A-Z' 'a-z' <<<"$amb" | sed 's/cap_//g; s/ /,+/g; s/^/+/')
	configs=$(sy_env "$svc" EBPF_EXPORTER_CONFIGS)
	OTEL_TRACES_EXPORTER=none setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps" \
		--no-new-privs "$BUILD/ebpf_exporter" --web.listen-address="127.0.0.1:$SY_PORT" \
		--config.dir="$ROOT/examples" --config.names="$configs" >"$WORK/sy.log" 2>&1 &
	SY_PID=$!
	cleanup_add sy_stop
	if ! bg_wait_http "$SY_PORT" "$SY_PID"; then
		fail "systemd: the exporter with the unit's capabilities serves" "$(tail -n 20 "$WORK/sy.log")"
		sy_stop
		return
	fi
	want=$(tr 'A-Z' 'a-z' <<<"$amb" | tr ' ' '\n' | sort | tr '\n' ',')
	got=$(sed -n 's/.*Started with capabilities: "\(.*\)=eip".*/\1/p' "$WORK/sy.log" | tr ',' '\n' |
		sort | tr '\n' ',')
	check "systemd: the exporter runs with exactly the unit's capabilities (${got%,})" \
		[ "${got:-none}" = "$want" ]
	check "systemd: ... as uid 65534" \
		grep -qE '^Uid:[[:space:]]+65534[[:space:]]' "/proc/$SY_PID/status"
	curl -s --max-time 10 -o "$prom" "http://127.0.0.1:$SY_PORT/metrics"
	n=0
	for cfg in ${configs//,/ }; do
		has_line "$prom" "ebpf_exporter_enabled_configs{name=\"$cfg\"} 1" && n=$((n + 1))
	done
	check "systemd: every default config of the unit is enabled ($configs)" \
		[ "$n" -eq "$(tr ',' '\n' <<<"$configs" | grep -c .)" ]
	check "systemd: ... and every program attached" \
		sh -c "grep -q '^ebpf_exporter_ebpf_program_attached' '$prom' && ! grep -qE '^ebpf_exporter_ebpf_program_attached\{.*\} 0' '$prom'"
	if [[ ",$configs," == *,timers,* ]]; then
		check "systemd: kernel symbols resolve (CAP_SYSLOG): timers has function names" \
			grep -qE '^ebpf_exporter_timer_starts_total\{function="[a-z_]' "$prom"
	fi
	kill -HUP "$SY_PID"
	check_within "systemd: SIGHUP (ExecReload=) reloads the configs" 15 \
		sh -c "curl -s --max-time 5 http://127.0.0.1:$SY_PORT/metrics | grep -qx 'ebpf_exporter_config_reloads_total{result=\"success\"} 1'"
	sy_stop

	# Socket activation: the socket unit's port is passed in, served with --web.systemd-socket.
	OTEL_TRACES_EXPORTER=none systemd-socket-activate -l "127.0.0.1:$((SY_PORT + 1))" \
		"$BUILD/ebpf_exporter" --web.systemd-socket --config.dir="$ROOT/examples" \
		--config.names="$configs" >"$WORK/sy-sock.log" 2>&1 &
	SY_PID=$!
	sleep 0.3
	check "systemd: under socket activation, the passed socket is served" \
		sh -c "curl -s --max-time 30 http://127.0.0.1:$((SY_PORT + 1))/metrics | grep -q '^ebpf_exporter_enabled_configs'"
	sy_stop
}
