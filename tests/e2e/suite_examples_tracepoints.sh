# SPDX-License-Identifier: MIT
# Examples that count and bucket on tracepoints , loaded together in one
# exporter and driven by real events: failing syscalls, UDP to a port without a socket and to a
# socket with a full buffer on loopback, drop_caches under two command names, wake-ups that
# must move a task between CPUs inside a cgroup of the suite's own, TCP retransmissions and
# tail loss probes between two network namespaces whose return path is blackholed, and TCP
# handshakes piling up in the accept queue of a listener that never accepts. Values are
# exact where the workload fixes them (or match the kernel's own counters), otherwise the
# series must exist and be non-zero. A second run checks tcp-syn-backlog-exp2zero next to the
# kprobe examples, which load but cannot attach here.
# Sourced by run.sh, which calls suite_examples_tracepoints; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

EXA_PY=/usr/bin/python3 # Debian's: python3 first on PATH may be a version-manager shim
EXA_NS_A=ee-e2e-rtx-a     # the TCP client's namespace
EXA_NS_B=ee-e2e-rtx-b     # the TCP server's namespace, whose replies get blackholed
EXA_IF_A=eearx0
EXA_IF_B=eearx1
EXA_ADDR_A=10.231.78.1
EXA_ADDR_B=10.231.78.2
EXA_ADDR6_A=fd00:ee:78::1
EXA_ADDR6_B=fd00:ee:78::2
EXA_RTX_PORT=4242
EXA_NOSOCK_PORT=54331 # UDP port without a socket (kfree_skb)
EXA_FULL_PORT=8931    # UDP port of a socket with a full receive buffer (below udp-drops' 9024)
EXA_CG_NAME=ee_e2e_a_migrations
EXA_MIGRATIONS=20 # wake-ups that each move a task to the other CPU
EXA_ELOOP=100     # opens of a symlink loop
EXA_DIR=
EXA_PIDS=()          # background processes to kill on cleanup
EXA_RTX_CLIENT=
EXA_RTX_SERVER=
# The configs of the first run: every example of part A that attaches here.
EXA_CONFIGS=syscalls,kfree_skb,udp-drops,cgroup,regexp,softirq-latency-net-rx,tcp-retransmit
EXA_CONFIGS+=,tcp-syn-backlog
EXA_PROGRAMS=11 # programs in those configs

# The cgroup v2 mount point (/sys/fs/cgroup/unified on hybrid machines), or empty.
exa_cgroup2()
{
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

# Removes what this suite creates; safe to call at any time.
exa_cleanup()
{
	local pid v2

	stop_exporter TERM >/dev/null 2>&1
	for pid in "${EXA_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	EXA_PIDS=()
	exa_retransmit_stop
	v2=$(exa_cgroup2)
	[ -n "$v2" ] && [ -d "$v2/$EXA_CG_NAME" ] && rmdir "$v2/$EXA_CG_NAME" 2>/dev/null
	return 0
}

# exa_delta BEFORE AFTER SERIES: how much SERIES grew between two scrapes (integer).
exa_delta()
{
	awk -v a="$(sample_value_or0 "$1" "$3")" -v b="$(sample_value_or0 "$2" "$3")" \
		'BEGIN { printf "%.0f\n", b - a }'
}

# exa_sum FILE REGEX: the sum of the values of the sample lines matching REGEX.
exa_sum()
{
	grep -E -- "$2" "$1" | awk '{ n += $NF } END { printf "%.0f\n", n }'
}

# exa_check_eq NAME GOT WANT
exa_check_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got $2, want $3"
	fi
}

# exa_check_ge NAME GOT MIN
exa_check_ge()
{
	if [ -n "$2" ] && [ "$2" -ge "$3" ] 2>/dev/null; then
		pass "$1 ($2)"
	else
		fail "$1" "got ${2:-nothing}, want at least $3"
	fi
}

# Helper programs the workloads run, written into $EXA_DIR.
exa_write_scripts()
{
	# udp_full.py PORT COUNT: sends COUNT 1000-byte datagrams on loopback to a socket with a
	# 4 KiB receive buffer that reads nothing until the end; prints how many were dropped.
	cat >"$EXA_DIR/udp_full.py" <<'EOF'
import socket, sys

port, count = int(sys.argv[1]), int(sys.argv[2])
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
rx.bind(("127.0.0.1", port))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(count):
    tx.sendto(b"x" * 1000, ("127.0.0.1", port))
rx.setblocking(False)
received = 0
while True:
    try:
        rx.recv(2048)
    except BlockingIOError:
        break
    received += 1
print(count - received)
EOF
	# backlog.py FAMILY COUNT: COUNT connections to a listener (backlog 128) that never
	# accepts, one after the other, so that the n-th handshake finds n - 1 queued.
	cat >"$EXA_DIR/backlog.py" <<'EOF'
import socket, sys

family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
listener = socket.socket(family)
listener.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
listener.listen(128)
clients = []
for _ in range(int(sys.argv[2])):
    client = socket.socket(family)
    client.connect(listener.getsockname()[:2])
    clients.append(client)
EOF
	# rtx_server.py ADDR...: accepts one connection per address and holds them for 5 s.
	cat >"$EXA_DIR/rtx_server.py" <<'EOF'
import socket, sys, time

port = int(sys.argv[1])
listeners = []
for addr in sys.argv[2:]:
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4)
    listeners.append(s)
print("listening", flush=True)
conns = [s.accept()[0] for s in listeners]
time.sleep(5)
EOF
	# rtx_client.py NS_B PORT ADDR...: connects to every address, exchanges data once, has
	# NS_B blackhole the routes back to us, sends again and waits while TCP retransmits; then
	# resets the connections, so that no retransmission comes after it exits.
	cat >"$EXA_DIR/rtx_client.py" <<'EOF'
import socket, struct, subprocess, sys, time

ns_b, port, addrs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
conns = [socket.create_connection((a, port), timeout=5) for a in addrs]
for c in conns:
    c.sendall(b"a")
time.sleep(0.2)
for c in conns:
    local = c.getsockname()[0]
    prefix = "/128" if ":" in local else "/32"
    subprocess.run(["ip", "-n", ns_b, "route", "add", "blackhole", local + prefix], check=True)
for c in conns:
    c.sendall(b"b" * 100)
time.sleep(1.2)
for c in conns:
    # tcpi_total_retrans, the 24th u32 after tcp_info's 8 bytes of flags: for a failure report
    info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    print(c.getsockname()[0], "total_retrans", struct.unpack_from("I", info, 100)[0], flush=True)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
EOF
	# migrate.sh CGROUP FIFO COUNT CPU_A CPU_B: joins CGROUP, then wakes a reader sleeping on
	# FIFO COUNT times, each time after pinning it to the other CPU, so that every wake-up
	# moves it (sched_migrate_task in the waker's context, the waker being in CGROUP).
	cat >"$EXA_DIR/migrate.sh" <<'EOF'
cg=$1 fifo=$2 n=$3 a=$4 b=$5
echo $$ >"$cg/cgroup.procs" || exit 1
mkfifo "$fifo" || exit 1
bash -c 'while read -r _; do :; done' <"$fifo" &
reader=$!
exec 3>"$fifo"
for ((i = 0; i < n; i++)); do
	for ((j = 0; j < 500; j++)); do
		read -r _ _ state _ <"/proc/$reader/stat"
		[ "$state" = S ] && break
		sleep 0.001
	done
	taskset -p -c $((i % 2 ? a : b)) "$reader" >/dev/null || exit 1
	echo x >&3
done
exec 3>&-
wait "$reader"
EOF
}

exa_netns_setup()
{
	ip netns add "$EXA_NS_A" && ip netns add "$EXA_NS_B" &&
		ip -n "$EXA_NS_A" link add "$EXA_IF_A" type veth peer name "$EXA_IF_B" netns "$EXA_NS_B" &&
		ip -n "$EXA_NS_A" addr add "$EXA_ADDR_A/30" dev "$EXA_IF_A" &&
		ip -n "$EXA_NS_A" addr add "$EXA_ADDR6_A/64" dev "$EXA_IF_A" nodad &&
		ip -n "$EXA_NS_B" addr add "$EXA_ADDR_B/30" dev "$EXA_IF_B" &&
		ip -n "$EXA_NS_B" addr add "$EXA_ADDR6_B/64" dev "$EXA_IF_B" nodad &&
		ip -n "$EXA_NS_A" link set "$EXA_IF_A" up && ip -n "$EXA_NS_A" link set lo up &&
		ip -n "$EXA_NS_B" link set "$EXA_IF_B" up && ip -n "$EXA_NS_B" link set lo up &&
		exa_static_neighbours
}

# The client never has to resolve the server's addresses: the server's replies (ARP, neighbour
# advertisements) get blackholed with the rest, and a retransmission waiting for them fails.
exa_static_neighbours()
{
	local mac

	mac=$(ip netns exec "$EXA_NS_B" cat "/sys/class/net/$EXA_IF_B/address") &&
		ip -n "$EXA_NS_A" neigh add "$EXA_ADDR_B" lladdr "$mac" dev "$EXA_IF_A" nud permanent &&
		ip -n "$EXA_NS_A" neigh add "$EXA_ADDR6_B" lladdr "$mac" dev "$EXA_IF_A" nud permanent
}

# Starts the retransmission workload in the background (about 2 s); exa_retransmit_wait
# collects it. Returns non-zero if it could not start.
exa_retransmit_start()
{
	local i

	exa_netns_setup || return 1
	ip netns exec "$EXA_NS_B" "$EXA_PY" "$EXA_DIR/rtx_server.py" "$EXA_RTX_PORT" \
		"$EXA_ADDR_B" "$EXA_ADDR6_B" >"$EXA_DIR/rtx_server.out" 2>&1 &
	EXA_RTX_SERVER=$!
	EXA_PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		grep -qs listening "$EXA_DIR/rtx_server.out" && break
		sleep 0.05
	done
	ip netns exec "$EXA_NS_A" "$EXA_PY" "$EXA_DIR/rtx_client.py" "$EXA_NS_B" "$EXA_RTX_PORT" \
		"$EXA_ADDR_B" "$EXA_ADDR6_B" >"$EXA_DIR/rtx_client.out" 2>&1 &
	EXA_RTX_CLIENT=$!
	EXA_PIDS+=("$EXA_RTX_CLIENT")
}

exa_retransmit_wait()
{
	wait "$EXA_RTX_CLIENT"
}

# exa_nstat NAME: the absolute value of a TCP counter in the client's namespace.
exa_nstat()
{
	ip netns exec "$EXA_NS_A" nstat -asz "$1" | awk -v n="$1" '$1 == n { print $2 }'
}

# The migration workload in a cgroup of ours; prints nothing, returns non-zero on failure.
exa_migrations()
{
	local v2=$1

	mkdir -p "$v2/$EXA_CG_NAME" || return 1
	rm -f "$EXA_DIR/fifo"
	bash "$EXA_DIR/migrate.sh" "$v2/$EXA_CG_NAME" "$EXA_DIR/fifo" "$EXA_MIGRATIONS" \
		"$CPU_A" "$CPU_B"
}

# The drop_caches writes, as two copies of dash named ee-shrink and kswapd-ee; the second
# first fills the dentry cache with negative entries, so that a shrinker has work.
exa_drop_caches()
{
	local i

	cp /bin/dash "$EXA_DIR/ee-shrink" && cp /bin/dash "$EXA_DIR/kswapd-ee" || return 1
	for ((i = 0; i < 300; i++)); do
		[ -e "$EXA_DIR/absent-$i" ]
	done
	"$EXA_DIR/ee-shrink" -c 'echo 2 >/proc/sys/vm/drop_caches' || return 1
	for ((i = 0; i < 300; i++)); do
		[ -e "$EXA_DIR/absent-again-$i" ]
	done
	"$EXA_DIR/kswapd-ee" -c 'echo 2 >/proc/sys/vm/drop_caches'
}

exa_check_attached()
{
	local s=$1 n bad

	n=$(grep -c '^ebpf_exporter_ebpf_program_attached{' "$s")
	bad=$(grep '^ebpf_exporter_ebpf_program_attached{' "$s" | grep -v ' 1$')
	if [ "$n" -eq "$EXA_PROGRAMS" ] && [ -z "$bad" ]; then
		pass "examples A: all $EXA_PROGRAMS programs attached"
	else
		fail "examples A: all $EXA_PROGRAMS programs attached" "$n programs" \
			"$(grep -E 'program_(info|attached)' "$s")"
	fi
}

# exa_rtx_labels FAMILY: the labels before type of our connection's series (4 or 6).
exa_rtx_labels()
{
	if [ "$1" = 4 ]; then
		printf 'local_ip="%s",main_port="%s",peer_ip="%s"' \
			"$EXA_ADDR_A" "$EXA_RTX_PORT" "$EXA_ADDR_B"
	else
		printf 'local_ip="%s",main_port="%s",peer_ip="%s"' \
			"$EXA_ADDR6_A" "$EXA_RTX_PORT" "$EXA_ADDR6_B"
	fi
}

# exa_rtx_totals FILE: "ALL TLP V4 V6" for our connections in a scrape: all their
# retransmissions, the tail loss probes among them, and the IPv4 and IPv6 retransmit series.
exa_rtx_totals()
{
	local s=$1 re m=ebpf_exporter_tcp_retransmit_ipv

	# The dots of the addresses match any character: close enough for these labels.
	re="^(${m}4_packets_total\\{$(exa_rtx_labels 4)|${m}6_packets_total\\{$(exa_rtx_labels 6)),"
	echo "$(exa_sum "$s" "${re}type=\"(retransmit|tail_loss_probe)\"\\} ")" \
		"$(exa_sum "$s" "${re}type=\"tail_loss_probe\"\\} ")" \
		"$(sample_value_or0 "$s" "${m}4_packets_total{$(exa_rtx_labels 4),type=\"retransmit\"}")" \
		"$(sample_value_or0 "$s" "${m}6_packets_total{$(exa_rtx_labels 6),type=\"retransmit\"}")"
}

# exa_rtx_sent: the retransmissions the client namespace sent: the kernel counts each in
# TcpRetransSegs before it tries to send it, and in TcpExtTCPRetransFail if that failed.
exa_rtx_sent()
{
	local segs fail

	segs=$(exa_nstat TcpRetransSegs)
	fail=$(exa_nstat TcpExtTCPRetransFail)
	[ -n "$segs" ] && [ -n "$fail" ] && echo $((segs - fail))
}

# exa_rtx_report FILE: what a mismatch is judged by: the series, the client namespace's TCP
# counters, each socket's own count, and the program's recursion misses (the kernel skips a
# program that fires again on a CPU where it is already running).
exa_rtx_report()
{
	local id

	echo "    the scrape's series:"
	grep '^ebpf_exporter_tcp_retransmit' "$1" | sed 's/^/      /'
	echo "    the client namespace's counters:"
	ip netns exec "$EXA_NS_A" nstat -asz | grep -iE 'retrans|probe|timeout' | sed 's/^/      /'
	echo "    the client's output:"
	sed 's/^/      /' "$EXA_DIR/rtx_client.out"
	id=$(prog_id "$1" tcp-retransmit tcp_retransmit_skb)
	[ -n "$id" ] && bpftool prog show id "$id" 2>&1 | sed 's/^/      /'
}

# Ends the retransmission workload: its server and both namespaces.
exa_retransmit_stop()
{
	[ -n "$EXA_RTX_SERVER" ] && kill "$EXA_RTX_SERVER" 2>/dev/null && wait "$EXA_RTX_SERVER" 2>/dev/null
	EXA_RTX_SERVER=
	ip netns del "$EXA_NS_A" 2>/dev/null
	ip netns del "$EXA_NS_B" 2>/dev/null
}

# The retransmissions of our two connections must add up to what the client namespace counted.
# They run beside the other workloads; if the totals differ, the difference is reported and
# the workload runs once more, alone, in new namespaces, and its own increase is judged.
exa_check_retransmits()
{
	local s=$1 s2=$WORK/exa-rtx2.prom sent probes ours tlp v4 v6 o2 t2 round=

	read -r ours tlp v4 v6 <<<"$(exa_rtx_totals "$s")"
	sent=$(exa_rtx_sent)
	probes=$(exa_nstat TcpExtTCPLossProbes)
	exa_check_ge "tcp-retransmit: IPv4 retransmissions counted by address and service port" \
		"$v4" 1
	exa_check_ge "tcp-retransmit: IPv6 retransmissions counted by address and service port" \
		"$v6" 1
	if [ "$ours" != "$sent" ] || [ "$tlp" != "$probes" ]; then
		echo "NOTE: tcp-retransmit: beside the other workloads, $ours retransmissions ($tlp" \
			"tail loss probes) against $sent sent ($probes TcpExtTCPLossProbes);" \
			"once more, alone"
		exa_rtx_report "$s"
		exa_retransmit_stop
		round=" (alone)"
		if exa_retransmit_start && exa_retransmit_wait && scrape "$s2" >/dev/null; then
			read -r o2 t2 _ <<<"$(exa_rtx_totals "$s2")"
			ours=$((o2 - ours)) tlp=$((t2 - tlp)) s=$s2
			sent=$(exa_rtx_sent)
			probes=$(exa_nstat TcpExtTCPLossProbes)
		fi
	fi
	exa_check_eq "tcp-retransmit: our series add up to the namespace's TcpRetransSegs - TCPRetransFail ($sent)$round" \
		"$ours" "${sent:-none}"
	exa_check_eq "tcp-retransmit: tail_loss_probe ones to its TcpExtTCPLossProbes ($probes)$round" \
		"$tlp" "${probes:-none}"
	if [ "$ours" != "$sent" ] || [ "$tlp" != "$probes" ]; then
		exa_rtx_report "$s"
	fi
}

exa_run_main()
{
	local s0=$WORK/exa0.prom s1=$WORK/exa1.prom v2 drops cg ids v rtx_ok=1
	local udp='ebpf_exporter_kfree_skb_total{eth_proto="ipv4",ip_proto="udp"'
	local nosock="$udp,port=\"$EXA_NOSOCK_PORT\",reason=\"SKB_DROP_REASON_NO_SOCKET\"}"
	local rcvbuf="$udp,port=\"$EXA_FULL_PORT\",reason=\"SKB_DROP_REASON_SOCKET_RCVBUFF\"}"
	local i

	section "examples A: ${EXA_CONFIGS//,/, } under real workloads"
	# No OTLP collector here: without this the exporter spends seconds at exit retrying to
	# send its own lifecycle trace.
	OTEL_TRACES_EXPORTER=none start_exporter examples-a --config.dir="$EXAMPLES" \
		--config.names="$EXA_CONFIGS" || return
	if ! exa_retransmit_start; then
		fail "tcp-retransmit: set up namespaces $EXA_NS_A/$EXA_NS_B and start the workload"
		rtx_ok=0
	fi
	scrape "$s0" >/dev/null
	exa_check_attached "$s0"

	# Workloads; the retransmissions run meanwhile.
	ln -sf "$EXA_DIR/loop-b" "$EXA_DIR/loop-a" && ln -sf "$EXA_DIR/loop-a" "$EXA_DIR/loop-b"
	for ((i = 0; i < EXA_ELOOP; i++)); do
		: <"$EXA_DIR/loop-a"
	done 2>/dev/null
	for ((i = 0; i < 20; i++)); do
		printf x >"/dev/udp/127.0.0.1/$EXA_NOSOCK_PORT"
	done
	drops=$("$EXA_PY" "$EXA_DIR/udp_full.py" "$EXA_FULL_PORT" 200) ||
		fail "udp-drops: run the full-buffer workload"
	if ! { "$EXA_PY" "$EXA_DIR/backlog.py" 4 60 && "$EXA_PY" "$EXA_DIR/backlog.py" 6 40; }; then
		fail "tcp-syn-backlog: run the accept queue workload"
	fi
	exa_drop_caches || fail "regexp: write drop_caches as ee-shrink and kswapd-ee"
	v2=$(exa_cgroup2)
	if [ -z "$v2" ] || [ "$CPU_A" = "$CPU_B" ]; then
		echo "SKIP: cgroup: needs a cgroup v2 hierarchy and two online CPUs"
		v2=
	elif ! exa_migrations "$v2"; then
		fail "cgroup: run the migration workload in $v2/$EXA_CG_NAME"
	fi
	if [ $rtx_ok -eq 1 ] && ! exa_retransmit_wait; then
		fail "tcp-retransmit: client workload" "$(cat "$EXA_DIR/rtx_client.out")"
		rtx_ok=0
	fi
	scrape "$s1" >/dev/null

	# syscalls
	exa_check_eq "syscalls: every open of a symlink loop counted as ELOOP" \
		"$(exa_delta "$s0" "$s1" 'ebpf_exporter_syscall_errors_total{errno="ELOOP"}')" "$EXA_ELOOP"
	exa_check_ge "syscalls: openat calls counted by name" \
		"$(exa_delta "$s0" "$s1" 'ebpf_exporter_syscalls_total{syscall="openat"}')" "$EXA_ELOOP"

	# kfree_skb, udp-drops
	check_line "kfree_skb: UDP to a port without a socket, exactly, as NO_SOCKET" "$s1" \
		"$nosock 20"
	exa_check_ge "udp-drops: the workload saw drops" "${drops:-0}" 1
	check_line "udp-drops: exactly the datagrams the full socket dropped, by local port" "$s1" \
		"ebpf_exporter_udp_fail_queue_rcv_skbs_total{local_port=\"$EXA_FULL_PORT\"} ${drops:-0}"
	check_line "kfree_skb: the same drops, as SOCKET_RCVBUFF" "$s1" "$rcvbuf ${drops:-0}"

	# softirq-latency-net-rx: loopback traffic raises NET_RX.
	for v in softirq_raised_total softirq_serviced_total softirq_wait_seconds_count \
		softirq_runtime_seconds_count; do
		exa_check_ge "softirq-latency-net-rx: $v grows with loopback traffic" \
			"$(exa_delta "$s0" "$s1" "ebpf_exporter_$v")" 1
	done

	# regexp
	exa_check_ge "regexp: shrinker runs of ee-shrink kept under their name" \
		"$(sample_value_or0 "$s1" 'ebpf_exporter_mm_shrink_slab_events_total{comm="ee-shrink"}')" 1
	exa_check_ge "regexp: those of kswapd-ee counted as kswapd" \
		"$(sample_value_or0 "$s1" 'ebpf_exporter_mm_shrink_slab_events_total{comm="kswapd"}')" 1
	if grep -q 'comm="kswapd-' "$s1"; then
		fail "regexp: no series keeps the name kswapd-ee" "$(grep mm_shrink "$s1")"
	else
		pass "regexp: no series keeps the name kswapd-ee"
	fi

	# cgroup
	if [ -n "$v2" ]; then
		cg="ebpf_exporter_cgroup_sched_migrations_total{cgroup=\"$v2/$EXA_CG_NAME\"}"
		exa_check_ge "cgroup: migrations on wake-ups by a task of our cgroup, by its path" \
			"$(sample_value_or0 "$s1" "$cg")" $((EXA_MIGRATIONS / 2))
	fi

	# tcp-syn-backlog: 60 + 40 handshakes find 0..59 and 0..39 queued; bucket 1 (le 50)
	# holds 50..99.
	exa_check_eq "tcp-syn-backlog: 10 handshakes found 50-59 connections queued" \
		"$(($(exa_delta "$s0" "$s1" 'ebpf_exporter_tcp_syn_backlog_bucket{le="50"}') - \
			$(exa_delta "$s0" "$s1" 'ebpf_exporter_tcp_syn_backlog_bucket{le="0"}')))" 10
	exa_check_ge "tcp-syn-backlog: every handshake sampled" \
		"$(exa_delta "$s0" "$s1" 'ebpf_exporter_tcp_syn_backlog_count')" 100

	if [ $rtx_ok -eq 1 ]; then
		exa_check_retransmits "$s1"
	fi
	promcheck "examples A scrape" "$s1"
	ids=$(all_prog_ids "$s1")
	stop_exporter TERM
	check_exit "examples A: SIGTERM exits 0" 0
	# shellcheck disable=SC2086 # one id per word
	check_progs_gone "examples A: programs unloaded after SIGTERM" $ids
}

# tcp-syn-backlog-exp2zero beside the kprobe examples, which load but cannot attach here.
exa_run_exp2zero()
{
	local s0=$WORK/exa2-0.prom s1=$WORK/exa2-1.prom prog id sum_d over_d ids

	section "examples A: tcp-syn-backlog-exp2zero beside icmp-ip and inet-frags (kprobes)"
	OTEL_TRACES_EXPORTER=none start_exporter examples-a2 --config.dir="$EXAMPLES" \
		--config.names=tcp-syn-backlog-exp2zero,icmp-ip,inet-frags || return
	scrape "$s0" >/dev/null
	for prog in icmp-ip:icmp_rcv icmp-ip:icmpv6_rcv inet-frags:inet_frag_queue_insert; do
		check_log "${prog%%:*}: the kprobe attach failure of ${prog#*:} is logged" "$EXP_LOG" \
			"Failed to attach program \"${prog#*:}\" for config \"${prog%%:*}\": failed to attach program: "
		id=$(prog_id "$s0" "${prog%%:*}" "${prog#*:}")
		if [ -n "$id" ] && has_line "$s0" "ebpf_exporter_ebpf_program_attached{id=\"$id\"} 0"; then
			pass "${prog%%:*}: ${prog#*:} is loaded and exported as not attached"
		else
			fail "${prog%%:*}: ${prog#*:} is loaded and exported as not attached" \
				"$(grep -E 'program_(info|attached)' "$s0")"
		fi
	done
	id=$(prog_id "$s0" tcp-syn-backlog-exp2zero inet_sock_set_state)
	check "tcp-syn-backlog-exp2zero: attached beside them" \
		has_line "$s0" "ebpf_exporter_ebpf_program_attached{id=\"${id:-none}\"} 1"

	if "$EXA_PY" "$EXA_DIR/backlog.py" 4 60 && "$EXA_PY" "$EXA_DIR/backlog.py" 6 40; then
		scrape "$s1" >/dev/null
		# Queue lengths 0..59 and 0..39 sum to 1770 + 780; 27 + 7 of them are above 32.
		sum_d=$(exa_delta "$s0" "$s1" ebpf_exporter_tcp_syn_backlog_sum)
		exa_check_eq "tcp-syn-backlog-exp2zero: the sum grows by the queue lengths seen" \
			"$sum_d" 2550
		over_d=$(($(exa_delta "$s0" "$s1" ebpf_exporter_tcp_syn_backlog_count) - \
			$(exa_delta "$s0" "$s1" 'ebpf_exporter_tcp_syn_backlog_bucket{le="32"}')))
		exa_check_eq "tcp-syn-backlog-exp2zero: 34 handshakes found 33-64 queued (le 64)" \
			"$over_d" 34
	else
		fail "tcp-syn-backlog-exp2zero: run the accept queue workload"
	fi
	check "icmp-ip, inet-frags: no series from programs that never ran" \
		eval "! grep -qE '^ebpf_exporter_(icmp[46]_received_packets|inet_frags)_total' '$s1'"
	promcheck "examples A (exp2zero, kprobes) scrape" "$s1"
	ids=$(all_prog_ids "$s1")
	stop_exporter TERM
	check_exit "examples A (exp2zero, kprobes): SIGTERM exits 0" 0
	# shellcheck disable=SC2086 # one id per word
	check_progs_gone "examples A (exp2zero, kprobes): programs unloaded after SIGTERM" $ids
}

suite_examples_tracepoints()
{
	if [ ! -x "$EXA_PY" ]; then
		fail "examples A: $EXA_PY is needed for the workloads"
		return
	fi
	exa_cleanup
	EXA_DIR=$WORK/examples-a
	rm -rf "$EXA_DIR"
	mkdir -p "$EXA_DIR"
	exa_write_scripts
	# Interrupted runs clean up too (run.sh's own cleanup runs after ours).
	trap 'exa_cleanup; cleanup' EXIT

	exa_run_main
	exa_cleanup
	exa_run_exp2zero

	exa_cleanup
	trap cleanup EXIT
}
