# SPDX-License-Identifier: MIT
# Attach types and event sources: perf_event/ programs (one software
# cpu-clock event per online CPU), xdp/ on a veth pair whose peer lives in a network namespace
# of the suite's own, USDT probes and libc uprobes with exact counts, post_attach_mark,
# perf_event_array counters (exact counts, flush_interval, lost samples, decode errors),
# cgroup_id_map of both types on cgroups the suite creates, the examples of these attach
# types, and that nothing of ours (programs, perf events, XDP hooks) outlives SIGTERM.
# Sourced by run.sh, which calls suite_attach; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

ATT_NS=ee-e2e-veth # network namespace holding the veth peer
ATT_IF=eexdp0     # the veth end the exporter attaches to (named in xdpcount.bpf.c)
ATT_PEER=eexdp1
ATT_ADDR=10.231.77.1
ATT_PEER_ADDR=10.231.77.2
ATT_CG_PREFIX=ee_e2e_ # cgroups the suite creates (cgidmap.yaml matches ee_e2e_*_match)
ATT_MEMCG_V1=/sys/fs/cgroup/memory

# The cgroup v2 mount point (/sys/fs/cgroup/unified on hybrid machines), or empty.
att_cgroup2()
{
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

# Removes what this suite creates; safe to call at any time.
att_cleanup()
{
	local v2 d

	stop_exporter TERM >/dev/null 2>&1
	ip netns del "$ATT_NS" 2>/dev/null
	v2=$(att_cgroup2)
	for d in "$v2/$ATT_CG_PREFIX"* "$ATT_MEMCG_V1/$ATT_CG_PREFIX"*; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}

# The online CPUs, one per line.
att_online_cpus()
{
	local part lo hi

	for part in $(tr ',' ' ' </sys/devices/system/cpu/online); do
		lo=${part%-*}
		hi=${part#*-}
		seq "$lo" "$hi"
	done
}

# Number of perf event fds the running exporter holds.
att_perf_fds()
{
	find "/proc/$EXP_PID/fd" -lname 'anon_inode:\[perf_event\]' 2>/dev/null | wc -l
}

# att_wait_line FILE LINE: scrapes into FILE until it has LINE (at most about 5 s).
att_wait_line()
{
	local file=$1 line=$2 i

	for ((i = 0; i < 50; i++)); do
		scrape "$file" >/dev/null
		has_line "$file" "$line" && return 0
		sleep 0.1
	done
	return 1
}

# att_startup_error NAME TEXT ARGS...: the exporter exits 1 and its output contains TEXT.
att_startup_error()
{
	local name=$1 text=$2

	shift 2
	run_once attach-error "$@"
	if [ "$EXP_RC" -eq 1 ] && grep -qF -- "$text" "$EXP_LOG"; then
		pass "$name"
	else
		fail "$name" "exit code $EXP_RC (want 1), want text: $text" \
			"output: $(tail -n 5 "$EXP_LOG")"
	fi
}

# att_stop NAME IDS...: SIGTERM, exit code 0, and every program of the run unloaded.
att_stop()
{
	local name=$1

	shift
	stop_exporter TERM
	check_exit "$name: SIGTERM exits 0" 0
	check_progs_gone "$name: programs unloaded after SIGTERM" "$@"
}

# ---------------------------------------------------------------------------------------
# perf_event/ programs

att_perf_events()
{
	local s0=$WORK/perfev0.prom s1=$WORK/perfev1.prom cpu t0 t1 v0 v1 rate n ncpu ids pids

	section "attach: perf_event/ programs (software cpu-clock on every online CPU)"
	start_exporter perfev --config.dir="$HERE" --config.names=perfev || return
	ncpu=$(att_online_cpus | wc -l)
	n=$(att_perf_fds)
	check "perf events: one per online CPU for each of the 2 attached programs ($n for $ncpu CPUs)" \
		[ "$n" -eq $((2 * ncpu)) ]
	if grep -qF 'Failed to attach program "e2e_hw_cycles"' "$EXP_LOG"; then
		check_log "perf events: a hardware event that cannot open is logged" "$EXP_LOG" \
			'Error attaching perf event: failed to open perf_event: perf_event_open: '
		check_log "perf events: ... and the program is not attached (EINVAL, as upstream)" \
			"$EXP_LOG" \
			'Failed to attach program "e2e_hw_cycles" for config "perfev": failed to attach program: invalid argument'
	else
		echo "SKIP: this machine has hardware perf events (e2e_hw_cycles attached)"
	fi
	check_log "perf events: a section without frequency is warned about" "$EXP_LOG" \
		'Warning: program "e2e_no_freq" for config "perfev": perf event "type=1,config=0" has no frequency and will never fire'

	scrape "$s0" >/dev/null
	t0=$(date +%s%N)
	pids=()
	for cpu in $(att_online_cpus); do
		timeout 2 taskset -c "$cpu" bash -c 'while :; do :; done' &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$(date +%s%N)
	scrape "$s1" >/dev/null
	for cpu in $(att_online_cpus); do
		v0=$(sample_value "$s0" "ebpf_exporter_e2e_cpu_clock_samples_total{cpu=\"$cpu\"}")
		v1=$(sample_value "$s1" "ebpf_exporter_e2e_cpu_clock_samples_total{cpu=\"$cpu\"}")
		rate=$(((${v1:-0} - ${v0:-0}) * 1000000000 / (t1 - t0)))
		check "perf events: CPU $cpu samples at about 99 Hz under a busy loop ($rate/s)" \
			test "$rate" -ge 50 -a "$rate" -le 130
	done
	check_line "perf events: the hardware event and the one without frequency never fire" \
		"$s1" 'ebpf_exporter_e2e_perf_unfired_total 0'
	ids=$(all_prog_ids "$s1")
	# shellcheck disable=SC2086
	att_stop "perf events" $ids
}

# ---------------------------------------------------------------------------------------
# xdp/ on a veth pair

att_netns_setup()
{
	ip netns add "$ATT_NS" &&
		ip link add "$ATT_IF" type veth peer name "$ATT_PEER" netns "$ATT_NS" &&
		ip addr add "$ATT_ADDR/30" dev "$ATT_IF" &&
		ip link set "$ATT_IF" up &&
		ip -n "$ATT_NS" addr add "$ATT_PEER_ADDR/30" dev "$ATT_PEER" &&
		ip -n "$ATT_NS" link set "$ATT_PEER" up &&
		ip -n "$ATT_NS" link set lo up &&
		ip -n "$ATT_NS" neigh add "$ATT_ADDR" lladdr "$(cat "/sys/class/net/$ATT_IF/address")" \
			dev "$ATT_PEER" nud permanent
}

# att_has_xdp IFNAME: an XDP program (any mode) is attached to the interface.
att_has_xdp()
{
	ip link show dev "$1" | grep -qE 'prog/xdp|[[:space:]]xdp(generic|drv|offload)?[[:space:]]'
}

# att_send_udp COUNT PORT: COUNT one-byte UDP datagrams from the namespace to $ATT_ADDR:PORT.
att_send_udp()
{
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$ATT_NS" bash -c \
		'for ((i = 0; i < $1; i++)); do printf x >"/dev/udp/$2/$3" || exit 1; done' \
		_ "$1" "$ATT_ADDR" "$2"
}

att_xdp()
{
	local s=$WORK/xdp.prom want=$WORK/xdp.want id ids i

	section "attach: xdp/ on a veth pair in a network namespace"
	if ! att_netns_setup; then
		fail "xdp: set up the veth pair $ATT_IF/$ATT_PEER and namespace $ATT_NS"
		att_cleanup
		return
	fi
	start_exporter xdpcount --config.dir="$HERE" --config.names=xdpcount || {
		att_cleanup
		return
	}
	scrape "$s" >/dev/null
	id=$(prog_id "$s" xdpcount e2e_xdp)
	if [ -n "$id" ] && ip link show dev "$ATT_IF" | grep -q "prog/xdp id $id "; then
		pass "xdp: e2e_xdp is attached to $ATT_IF"
	else
		fail "xdp: e2e_xdp is attached to $ATT_IF" "id $id" "$(ip link show dev "$ATT_IF")"
	fi
	check_log "xdp: an unknown interface is logged as upstream does" "$EXP_LOG" \
		'Error attaching XDP: failed to find device "ee-no-such-if" for program "e2e_xdp_missing": route ip+net: no such network interface'
	check_log "xdp: xdp/devmap stays libbpf's (not auto-attached)" "$EXP_LOG" \
		'Failed to attach program "e2e_xdp_devmap" for config "xdpcount": failed to attach program: operation not supported'
	if grep -qF 'failed to find device "devmap"' "$EXP_LOG"; then
		fail "xdp: xdp/devmap is not taken for an interface name" "$(grep devmap "$EXP_LOG")"
	else
		pass "xdp: xdp/devmap is not taken for an interface name"
	fi

	if att_send_udp 100 4242 && att_send_udp 7 4243; then
		cat >"$want" <<'EOF'
# HELP ebpf_exporter_e2e_xdp_udp_packets_total UDP packets received on eexdp0, by destination port
# TYPE ebpf_exporter_e2e_xdp_udp_packets_total counter
ebpf_exporter_e2e_xdp_udp_packets_total{port="4242"} 100
ebpf_exporter_e2e_xdp_udp_packets_total{port="4243"} 7
EOF
		att_wait_line "$s" 'ebpf_exporter_e2e_xdp_udp_packets_total{port="4243"} 7'
		check_block "xdp: exactly the UDP packets sent, by port" "$s" \
			ebpf_exporter_e2e_xdp_udp_packets_total "$want"
	else
		fail "xdp: send UDP packets from $ATT_NS"
	fi
	ids=$(all_prog_ids "$s")
	# shellcheck disable=SC2086
	att_stop "xdp" $ids
	if att_has_xdp "$ATT_IF"; then
		fail "xdp: no XDP program left on $ATT_IF" "$(ip link show dev "$ATT_IF")"
	else
		pass "xdp: no XDP program left on $ATT_IF"
	fi
	ip netns del "$ATT_NS"
	# The kernel dismantles the namespace's devices asynchronously.
	for ((i = 0; i < 100; i++)); do
		[ -e "/sys/class/net/$ATT_IF" ] || break
		sleep 0.05
	done
	check "xdp: the namespace and the veth pair are gone" \
		[ ! -e "/sys/class/net/$ATT_IF" ]
}

# ---------------------------------------------------------------------------------------
# USDT, libc uprobes, post_attach_mark

att_probes()
{
	local s=$WORK/probes.prom want=$WORK/probes.want ids

	section "attach: USDT probes, libc uprobe and uretprobe, post_attach_mark"
	cp "$BIN_DIR/usdt_trigger" "$WORK/usdt_trigger"
	start_exporter probes --config.dir="$HERE" --config.names=probes || return
	scrape "$s" >/dev/null
	check_line "post_attach_mark: ran exactly once, after attaching" "$s" \
		'ebpf_exporter_e2e_post_attach_mark_total 1'
	if taskset -c "$CPU_A" "$WORK/usdt_trigger" tick:7:42 tick:3:0xffffffffffffffff \
		tock:5:hello tock:2:world labs:11:-5 labs:2:9; then
		scrape "$s" >/dev/null
		cat >"$want" <<'EOF'
# HELP ebpf_exporter_e2e_libc_labs_calls_total labs() calls of usdt_trigger by argument (as unsigned)
# TYPE ebpf_exporter_e2e_libc_labs_calls_total counter
ebpf_exporter_e2e_libc_labs_calls_total{arg="18446744073709551611"} 11
ebpf_exporter_e2e_libc_labs_calls_total{arg="9"} 2
# HELP ebpf_exporter_e2e_libc_labs_returns_total labs() returns in usdt_trigger by value
# TYPE ebpf_exporter_e2e_libc_labs_returns_total counter
ebpf_exporter_e2e_libc_labs_returns_total{ret="5"} 11
ebpf_exporter_e2e_libc_labs_returns_total{ret="9"} 2
# HELP ebpf_exporter_e2e_usdt_ticks_total ee_e2e:tick USDT probe hits by argument
# TYPE ebpf_exporter_e2e_usdt_ticks_total counter
ebpf_exporter_e2e_usdt_ticks_total{arg="18446744073709551615",probe="tick"} 3
ebpf_exporter_e2e_usdt_ticks_total{arg="42",probe="tick"} 7
# HELP ebpf_exporter_e2e_usdt_tocks_total ee_e2e:tock USDT probe hits by string argument
# TYPE ebpf_exporter_e2e_usdt_tocks_total counter
ebpf_exporter_e2e_usdt_tocks_total{name="hello"} 5
ebpf_exporter_e2e_usdt_tocks_total{name="world"} 2
EOF
		check_block "probes: exact USDT and libc uprobe/uretprobe counts" "$s" \
			'ebpf_exporter_e2e_(libc|usdt)_[a-z_]+' "$want"
		check_line "post_attach_mark: still exactly once" "$s" \
			'ebpf_exporter_e2e_post_attach_mark_total 1'
	else
		fail "probes: usdt_trigger runs"
	fi
	ids=$(all_prog_ids "$s")
	# shellcheck disable=SC2086
	att_stop "probes" $ids
}

# ---------------------------------------------------------------------------------------
# perf_event_array counters

# att_wait_stable FILE SERIES: scrapes until SERIES has the same value twice 0.3 s apart.
att_wait_stable()
{
	local file=$1 series=$2 prev=x cur i

	for ((i = 0; i < 30; i++)); do
		scrape "$file" >/dev/null
		cur=$(sample_value "$file" "$series")
		[ -n "$cur" ] && [ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 0.3
	done
	return 1
}

att_perf_array_flush()
{
	local s=$WORK/perfflush.prom a seen='' i

	# A flush may fall between a sample and the scrape: try again with another value.
	for a in 5 6 7; do
		trigger "$CPU_A" "101:1:$a:0" || return
		if att_wait_line "$s" "ebpf_exporter_e2e_perf_flushed_total{a=\"$a\"} 1"; then
			seen=$a
			break
		fi
	done
	if [ -z "$seen" ]; then
		fail "perf_event_array: a sample shows up in the flushed counter" \
			"$(grep e2e_perf_flushed "$s")"
		return
	fi
	pass "perf_event_array: a sample shows up in the flushed counter"
	for ((i = 0; i < 40; i++)); do
		scrape "$s" >/dev/null
		grep -qE '(^| )ebpf_exporter_e2e_perf_flushed_total' "$s" || break
		sleep 0.1
	done
	if grep -qE '(^| )ebpf_exporter_e2e_perf_flushed_total' "$s"; then
		fail "perf_event_array: flush_interval 2s drops the series (family gone)" \
			"$(grep e2e_perf_flushed "$s")"
	else
		pass "perf_event_array: flush_interval 2s drops the series (family gone)"
	fi
	check_line "perf_event_array: counters with the default interval keep their series" "$s" \
		'ebpf_exporter_e2e_perf_events_total{a="7",name="me"} 1000'
}

att_perf_array()
{
	local s=$WORK/perfarray.prom want=$WORK/perfarray.want lost got ids
	local lost_series='ebpf_exporter_perf_event_array_lost_samples_total{config="perfarray",map="e2e_perf_burst_total"}'

	section "attach: perf_event_array counters"
	run_once perfarray-check --config.dir="$HERE" --config.names=perfarray --config.check
	check_exit "perf_event_array: --config.check opens the perf buffers and passes" 0
	cp "$HERE/probes.bpf.o" "$CFG/perfcheck.bpf.o"
	cat >"$CFG/perfcheck.yaml" <<'EOF'
metrics:
  counters:
    - name: e2e_post_attach_mark_total
      help: An array map, not a perf event array
      perf_event_array: true
EOF
	att_startup_error "perf_event_array: --config.check fails on a map that is not a perf event array" \
		"Can't init PerfBuf: failed to initialize perf buffer: map \"e2e_post_attach_mark_total\" of config \"perfcheck\" is not a BPF_MAP_TYPE_PERF_EVENT_ARRAY" \
		--config.dir="$CFG" --config.names=perfcheck --config.check

	# Capabilities are dropped after the perf buffers are open: `none` still works.
	start_exporter perfarray --config.dir="$HERE" --config.names=perfarray \
		--capabilities.keep=none || return
	check_log "perf_event_array: all capabilities dropped" "$EXP_LOG" 'Dropped capabilities to "="'
	scrape "$s" >/dev/null
	check_line "perf_event_array: lost samples are exported from the start" "$s" \
		"$lost_series 0"
	if grep -q '^ebpf_exporter_e2e_perf_events_total' "$s"; then
		fail "perf_event_array: no family before the first sample" "$(grep e2e_perf "$s")"
	else
		pass "perf_event_array: no family before the first sample"
	fi
	# The reader thread shares CPU_A with the trigger, so that the burst cannot be drained
	# while the kernel writes it.
	taskset -a -p -c "$CPU_A" "$EXP_PID" >/dev/null
	trigger "$CPU_A" 100:1000:7:s=keep-me 100:5:8:s=drop-me 100:3:9:s=keep-x 104:4:1:0 ||
		return
	att_wait_line "$s" 'ebpf_exporter_e2e_perf_events_total{a="7",name="me"} 1000'
	cat >"$want" <<'EOF'
# HELP ebpf_exporter_e2e_perf_events_total Perf samples by number and name
# TYPE ebpf_exporter_e2e_perf_events_total counter
ebpf_exporter_e2e_perf_events_total{a="7",name="me"} 1000
ebpf_exporter_e2e_perf_events_total{a="9",name="x"} 3
EOF
	check_block "perf_event_array: exact counts per label set (padding, regexp skips dropped)" \
		"$s" ebpf_exporter_e2e_perf_events_total "$want"
	att_wait_line "$s" 'ebpf_exporter_decoder_errors_total{config="perfarray"} 4'
	check_line "perf_event_array: short samples are decoder errors" "$s" \
		'ebpf_exporter_decoder_errors_total{config="perfarray"} 4'
	check_log "perf_event_array: a decode failure is logged" "$EXP_LOG" \
		'Failed to decode labels: error decoding labels: total size of key []byte{0x1, 0x0, 0x0, 0x0} is 4 bytes, but we have labels to decode 16'
	check "perf_event_array: ... once a minute at most" \
		[ "$(grep -c 'Failed to decode labels' "$EXP_LOG")" -eq 1 ]
	if grep -qE '(^| )ebpf_exporter_e2e_perf_short_total' "$s"; then
		fail "perf_event_array: samples that fail to decode are dropped" "$(grep short "$s")"
	else
		pass "perf_event_array: samples that fail to decode are dropped"
	fi

	# 1024 samples of 32 KiB in one program run overflow the 4 MiB per-CPU buffer.
	trigger "$CPU_A" 102:1:0:0 || return
	att_wait_stable "$s" 'ebpf_exporter_e2e_perf_burst_total{a="0"}'
	# The kernel reports losses before the next sample it manages to write.
	trigger "$CPU_A" 103:1:1:0 || return
	att_wait_line "$s" 'ebpf_exporter_e2e_perf_burst_total{a="1"} 1'
	got=$(sample_value "$s" 'ebpf_exporter_e2e_perf_burst_total{a="0"}')
	lost=$(sample_value "$s" "$lost_series")
	check "perf_event_array: the overflow loses samples ($lost lost)" [ "${lost:-0}" -gt 0 ]
	check "perf_event_array: received + lost = the 1024 written ($got + $lost)" \
		[ $((${got:-0} + ${lost:-0})) -eq 1024 ]
	att_perf_array_flush
	promcheck "perf_event_array scrape" "$s"
	ids=$(all_prog_ids "$s")
	# shellcheck disable=SC2086
	att_stop "perf_event_array" $ids
}

# ---------------------------------------------------------------------------------------
# cgroup_id_map

# att_in_cgroup DIR COUNT: runs the trigger inside cgroup DIR, calling kind 200 COUNT times.
att_in_cgroup()
{
	# shellcheck disable=SC2016 # expanded by the inner shell
	sh -c 'echo $$ >"$1/cgroup.procs" && exec taskset -c "$2" "$3" "200:$4:0:0"' \
		_ "$1" "$CPU_A" "$TRIGGER" "$2"
}

# att_id_in_map ID: the hash cgroup_id_map holds ID.
att_id_in_map()
{
	bpftool -j map dump name e2e_cg_id_map 2>/dev/null | grep -qE "\"key\":$1,"
}

att_cgroup_id_map()
{
	local s=$WORK/cgidmap.prom v2 pre post other id_pre id_post id_other i ids

	section "attach: cgroup_id_map (hash and cgrp_storage)"
	v2=$(att_cgroup2)
	if [ -z "$v2" ]; then
		echo "SKIP: cgroup_id_map: no cgroup v2 hierarchy"
		return
	fi
	pre=$v2/${ATT_CG_PREFIX}pre_match
	post=$v2/${ATT_CG_PREFIX}post_match
	other=$v2/${ATT_CG_PREFIX}other
	mkdir "$pre" || {
		fail "cgroup_id_map: create $pre"
		return
	}
	start_exporter cgidmap --config.dir="$HERE" --config.names=cgidmap,cgidmap_storage || {
		att_cleanup
		return
	}
	mkdir "$post" "$other"
	id_pre=$(stat -c %i "$pre")
	id_post=$(stat -c %i "$post")
	id_other=$(stat -c %i "$other")
	check "cgroup_id_map: a matching cgroup present at start is in the hash map" \
		att_id_in_map "$id_pre"
	for ((i = 0; i < 50; i++)); do
		att_id_in_map "$id_post" && break
		sleep 0.1
	done
	check "cgroup_id_map: a matching cgroup created after start is added" att_id_in_map "$id_post"
	check "cgroup_id_map: a cgroup that does not match is not added" \
		eval "! att_id_in_map $id_other"
	if ! { att_in_cgroup "$pre" 3 && att_in_cgroup "$post" 5 && att_in_cgroup "$other" 7; }; then
		fail "cgroup_id_map: run the trigger in the test cgroups"
	fi
	scrape "$s" >/dev/null
	for t in cg cgs; do
		check_block "cgroup_id_map ($t): events counted by whether the cgroup matched" "$s" \
			"ebpf_exporter_e2e_${t}_(not_)?matched_total" <(
				cat <<EOF
# HELP ebpf_exporter_e2e_${t}_matched_total Trigger calls from cgroups $([ $t = cg ] && echo "in the cgroup id map" || echo "marked in the cgroup storage"), by cgroup id
# TYPE ebpf_exporter_e2e_${t}_matched_total counter
$(printf '%s\n' "ebpf_exporter_e2e_${t}_matched_total{cgroup=\"$id_post\"} 5" \
					"ebpf_exporter_e2e_${t}_matched_total{cgroup=\"$id_pre\"} 3" | LC_ALL=C sort)
# HELP ebpf_exporter_e2e_${t}_not_matched_total Trigger calls from cgroups not $([ $t = cg ] && echo "in the cgroup id map" || echo "marked in the cgroup storage"), by cgroup id
# TYPE ebpf_exporter_e2e_${t}_not_matched_total counter
ebpf_exporter_e2e_${t}_not_matched_total{cgroup="$id_other"} 7
EOF
			)
	done
	rmdir "$post"
	for ((i = 0; i < 50; i++)); do
		att_id_in_map "$id_post" || break
		sleep 0.1
	done
	check "cgroup_id_map: a deleted cgroup leaves the hash map" eval "! att_id_in_map $id_post"
	check "cgroup_id_map: ... the others stay" att_id_in_map "$id_pre"
	ids=$(all_prog_ids "$s")
	# shellcheck disable=SC2086
	att_stop "cgroup_id_map" $ids
	rmdir "$pre" "$other"

	cp "$HERE/cgidmap.bpf.o" "$CFG/cgidmap_bad.bpf.o"
	sed '/^cgroup_id_map:/,$d' "$HERE/cgidmap.yaml" >"$CFG/cgidmap_bad.yaml"
	printf 'cgroup_id_map:\n  name: e2e_cg_matched_total\n  type: cgrp_storage\n' \
		>>"$CFG/cgidmap_bad.yaml"
	att_startup_error "cgroup_id_map: key size checked for the type" \
		'Error attaching exporter: key size for map "e2e_cg_matched_total" is not expected 4 bytes for map type cgrp_storage, it is 8 bytes' \
		--config.dir="$CFG" --config.names=cgidmap_bad
	sed -i 's/^  name: e2e_cg_matched_total$/  name: e2e_no_such_map/' "$CFG/cgidmap_bad.yaml"
	att_startup_error "cgroup_id_map: a missing map is an error" \
		'Error attaching exporter: failed to get map "e2e_no_such_map"' \
		--config.dir="$CFG" --config.names=cgidmap_bad
	sed -i -e 's/^  name: e2e_no_such_map$/  name: e2e_cg_id_map/' -e '/^  type:/d' \
		"$CFG/cgidmap_bad.yaml"
	printf '  regexps:\n    - "(unclosed"\n' >>"$CFG/cgidmap_bad.yaml"
	att_startup_error "cgroup_id_map: a bad regexp is an error" \
		'Error attaching exporter: error compiling regexp "(unclosed": ' \
		--config.dir="$CFG" --config.names=cgidmap_bad
}

# ---------------------------------------------------------------------------------------
# Examples of these attach types, with real events

# The OOM killer through the oomkill example (perf_event_array): a task in a cgroup limited to
# 16 MiB allocates until it is killed.
att_example_oomkill()
{
	local s=$WORK/oomkill.prom v2 cg memcg rc ids

	v2=$(att_cgroup2)
	if [ -z "$v2" ] || [ ! -d "$ATT_MEMCG_V1" ]; then
		echo "SKIP: examples: oomkill needs a v1 memory controller and a v2 hierarchy here"
		return
	fi
	cg=$v2/${ATT_CG_PREFIX}oom
	memcg=$ATT_MEMCG_V1/${ATT_CG_PREFIX}oom
	start_exporter oomkill --config.dir="$EXAMPLES" --config.names=oomkill || return
	if mkdir "$cg" "$memcg" && echo 16M >"$memcg/memory.limit_in_bytes"; then
		# In a subshell, so that the shell's "Killed" notice goes to /dev/null too.
		# shellcheck disable=SC2016 # expanded by the inner shell
		(
			timeout 30 sh -c 'echo $$ >"$1/cgroup.procs" && echo $$ >"$2/cgroup.procs" &&
				exec tail /dev/zero' _ "$memcg" "$cg"
			exit $?
		) 2>/dev/null
		rc=$?
		check "examples: oomkill: the memory hog is killed by SIGKILL (exit $rc)" [ "$rc" -eq 137 ]
		att_wait_line "$s" "ebpf_exporter_oom_kills_total{cgroup_path=\"$cg\"} 1"
		check_line "examples: oomkill counts the kill by the victim's cgroup path" "$s" \
			"ebpf_exporter_oom_kills_total{cgroup_path=\"$cg\"} 1"
	else
		fail "examples: oomkill: create a memory-limited cgroup"
	fi
	scrape "$s" >/dev/null
	ids=$(all_prog_ids "$s")
	# shellcheck disable=SC2086
	att_stop "examples: oomkill" $ids
	rmdir "$cg" "$memcg" 2>/dev/null
}

att_examples()
{
	local s=$WORK/attach-examples.prom want=$WORK/attach-examples.want cpu v ids ok pids

	section "examples: cpu-clock, xdp, usdt-demo-jobs, uprobe, oomkill with real events"
	# usdt-demo-jobs names its demo by a path relative to the repository root, as upstream's
	# demos do.
	pushd "$ROOT" >/dev/null || return
	start_exporter attach-examples --config.dir="$EXAMPLES" \
		--config.names=cpu-clock,xdp,usdt-demo-jobs
	ok=$?
	popd >/dev/null || return
	[ $ok -eq 0 ] || return
	for ((v = 0; v < 25; v++)); do
		printf x >/dev/udp/127.0.0.1/54329
	done
	(cd "$ROOT" && ./examples/usdt-demo 30) || fail "examples: usdt-demo runs"
	# Idle CPUs may go unsampled (their tick stops); busy ones are sampled at 99 Hz.
	pids=()
	for cpu in $(att_online_cpus); do
		timeout 1 taskset -c "$cpu" bash -c 'while :; do :; done' &
		pids+=($!)
	done
	wait "${pids[@]}"
	scrape "$s" >/dev/null
	check_line "examples: xdp on lo counts the UDP packets sent to a port" "$s" \
		'ebpf_exporter_xdp_incoming_packets_total{dst_port="54329",ip="ipv4",protocol="udp"} 25'
	cat >"$want" <<'EOF'
# HELP ebpf_exporter_usdt_demo_jobs_total Jobs finished by usdt-demo, by queue
# TYPE ebpf_exporter_usdt_demo_jobs_total counter
ebpf_exporter_usdt_demo_jobs_total{queue="emails"} 10
ebpf_exporter_usdt_demo_jobs_total{queue="reports"} 10
ebpf_exporter_usdt_demo_jobs_total{queue="thumbnails"} 10
EOF
	check_block "examples: usdt-demo-jobs counts the demo's probes exactly" "$s" \
		ebpf_exporter_usdt_demo_jobs_total "$want"
	for cpu in $(att_online_cpus); do
		v=$(grep -E "^ebpf_exporter_cpu_clock_samples_total\{cpu=\"$cpu\",mode=\"(idle|kernel|user)\"\} " "$s" |
			awk '{ n += $NF } END { print n + 0 }')
		check "examples: cpu-clock samples CPU $cpu ($v, 1 s of it busy)" [ "$v" -ge 60 ]
	done
	promcheck "attach examples scrape" "$s"
	ids=$(all_prog_ids "$s")
	# shellcheck disable=SC2086
	att_stop "examples: cpu-clock, xdp, usdt-demo-jobs" $ids
	if att_has_xdp lo; then
		fail "examples: no XDP program left on lo" "$(ip link show dev lo)"
	else
		pass "examples: no XDP program left on lo"
	fi

	start_exporter uprobe-example --config.dir="$EXAMPLES" --config.names=uprobe || return
	ls / >/dev/null
	scrape "$s" >/dev/null
	if grep -qE '^ebpf_exporter_libc_malloc_calls_total\{cgroup="/[^"]*"\} [1-9]' "$s"; then
		pass "examples: uprobe counts libc malloc calls by cgroup path"
	else
		fail "examples: uprobe counts libc malloc calls by cgroup path" \
			"$(grep libc_malloc "$s")"
	fi
	ids=$(all_prog_ids "$s")
	# shellcheck disable=SC2086
	att_stop "examples: uprobe" $ids

	att_example_oomkill
}

# ---------------------------------------------------------------------------------------

suite_attach()
{
	att_cleanup
	# Interrupted runs clean up too (run.sh's own cleanup runs after ours).
	trap 'att_cleanup; cleanup' EXIT

	att_perf_events
	att_xdp
	att_probes
	att_perf_array
	att_cgroup_id_map
	att_examples

	att_cleanup
	trap cleanup EXIT
}
