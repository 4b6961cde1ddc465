# SPDX-License-Identifier: MIT
# The examples whose upstream versions use kprobes, fentry/fexit, kaddrs or hardware perf
# events (accept-latency, bpf-jit, cachestat, cephfs-dist, cfs-throttling,
# cgroup-rstat-flushing, ext4dist, kstack, llcstat, pci, shrinklat, tcp-window-clamps,
# unix-accept-latency, unix-socket-backlog, xfsdist), on machines like the test machines
# (kprobes load but do not attach, fentry/fexit do not load, no hardware perf
# events, no data symbols in kallsyms):
# - the ten that load run in one exporter: every program that cannot attach is logged with
#   its name and reason and exported as not attached, the exporter keeps serving, and the
#   programs that replaced upstream's probes with tracepoints (cachestat, ext4dist's sync,
#   cgroup-rstat-flushing's lock) count a workload the suite makes: file writes with fsync,
#   and cpu.stat reads of a cgroup five levels deep (exact lock counts);
# - the fentry/fexit examples stop the exporter at load, naming config, program and EPERM;
#   bpf-jit stops it before loading, naming the missing kernel symbol.
# Sourced by run.sh, which calls suite_examples_no_kprobes; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

EXB_CG=ee_e2e_b_rstat # top of the nested cgroups the suite creates under the v2 mount
EXB_CG_DEPTH=5        # the deepest one's level (cgroup-rstat-flushing counts levels 0..5)
EXB_CPUSTAT_READS=20  # cpu.stat reads of the deepest cgroup
EXB_FILES=5           # files written with fsync

# The examples that load here, in one exporter.
EXB_LOADED=accept-latency,cachestat,ext4dist,xfsdist,cephfs-dist,pci,shrinklat,tcp-window-clamps,cgroup-rstat-flushing,llcstat

# config:program pairs that are kprobes (or kretprobes) and cannot attach here.
EXB_KPROBES="
accept-latency:kprobe__inet_csk_reqsk_queue_hash_add accept-latency:kprobe__inet_csk_accept
cachestat:folio_mark_accessed
ext4dist:ext4_file_read_enter ext4dist:ext4_file_read_exit
ext4dist:ext4_file_write_enter ext4dist:ext4_file_write_exit
ext4dist:ext4_file_open_enter ext4dist:ext4_file_open_exit
ext4dist:ext4_file_getattr_enter ext4dist:ext4_file_getattr_exit
xfsdist:xfs_file_read_enter xfsdist:xfs_file_read_exit
xfsdist:xfs_file_write_enter xfsdist:xfs_file_write_exit
xfsdist:xfs_file_open_enter xfsdist:xfs_file_open_exit
xfsdist:xfs_file_sync_enter xfsdist:xfs_file_sync_exit
cephfs-dist:cephfs_read_enter cephfs-dist:cephfs_read_exit
cephfs-dist:cephfs_write_enter cephfs-dist:cephfs_write_exit
cephfs-dist:cephfs_mkdir_enter cephfs-dist:cephfs_mkdir_exit
cephfs-dist:cephfs_unlink_enter cephfs-dist:cephfs_unlink_exit
cephfs-dist:cephfs_fsync_enter cephfs-dist:cephfs_fsync_exit
pci:pci_user_read_config_byte pci:pci_user_read_config_word pci:pci_user_read_config_dword
shrinklat:shrink_node_enter shrinklat:shrink_node_exit
tcp-window-clamps:tcp_try_rmem_schedule tcp-window-clamps:tcp_try_rmem_schedule_ret
cgroup-rstat-flushing:css_rstat_flush cgroup-rstat-flushing:css_rstat_flush_exit
"

# config:program pairs on tracepoints (tp_btf, raw_tp) that attach here.
EXB_TRACEPOINTS="
cachestat:mark_buffer_dirty cachestat:add_to_page_cache cachestat:writeback_dirty_folio
ext4dist:ext4_file_sync_enter ext4dist:ext4_file_sync_exit
cgroup-rstat-flushing:rstat_lock_contended cgroup-rstat-flushing:rstat_locked
cgroup-rstat-flushing:rstat_unlock
"

# The examples whose fentry/fexit programs do not load here: config:first program.
EXB_FENTRY="cfs-throttling:unthrottle_cfs_rq kstack:mark_page_accessed
unix-accept-latency:trace_connect unix-socket-backlog:unix_find_other"

# The cgroup v2 mount point (/sys/fs/cgroup/unified on hybrid machines), or empty.
exb_cgroup2()
{
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

# exb_cg_path LEVEL: the suite's cgroup at that level (1 is $EXB_CG).
exb_cg_path()
{
	local path i

	path=$(exb_cgroup2)/$EXB_CG
	for ((i = 2; i <= $1; i++)); do
		path=$path/l$i
	done
	echo "$path"
}

# Removes what this suite creates; safe to call at any time.
exb_cleanup()
{
	local i

	stop_exporter TERM >/dev/null 2>&1
	if [ -n "$(exb_cgroup2)" ]; then
		for ((i = EXB_CG_DEPTH; i >= 1; i--)); do
			[ -d "$(exb_cg_path "$i")" ] && rmdir "$(exb_cg_path "$i")" 2>/dev/null
		done
	fi
	rm -rf "$WORK/examples-b"
	return 0
}

# exb_delta S0 S1 SERIES: the series' increase from scrape S0 to S1, as an integer.
exb_delta()
{
	awk -v a="$(sample_value_or0 "$1" "$3")" -v b="$(sample_value_or0 "$2" "$3")" \
		'BEGIN { printf "%d", b - a }'
}

# exb_locked_sum FILE LEVEL YIELD: cgroup_rstat_locked_total at that level and yield,
# contended or not.
exb_locked_sum()
{
	local m=ebpf_exporter_cgroup_rstat_locked_total rest="level=\"$2\",yield=\"$3\"}"

	echo $(($(sample_value_or0 "$1" "$m{contended=\"0\",$rest") + $(sample_value_or0 "$1" "$m{contended=\"1\",$rest")))
}

# exb_check_programs NAME SCRAPE WANT PAIRS [REASON]: every config:program of PAIRS is
# exported with attached WANT (0 or 1); with REASON, the log also has its attach failure
# ending in REASON.
exb_check_programs()
{
	local name=$1 s=$2 want=$3 pairs=$4 reason=${5:-} pair cfg prog id bad=()

	for pair in $pairs; do
		cfg=${pair%%:*}
		prog=${pair#*:}
		id=$(prog_id "$s" "$cfg" "$prog")
		if [ -z "$id" ] || ! has_line "$s" "ebpf_exporter_ebpf_program_attached{id=\"$id\"} $want"; then
			bad+=("$cfg/$prog: not exported with attached $want (id '$id')")
		fi
		if [ -n "$reason" ] && ! grep -qF "Failed to attach program \"$prog\" for config \"$cfg\": failed to attach program: $reason" "$EXP_LOG"; then
			bad+=("$cfg/$prog: no attach failure '$reason' in the log")
		fi
	done
	if [ ${#bad[@]} -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "${bad[@]}"
	fi
}

# The workload: cpu.stat reads of the deepest cgroup, new files written with fsync in the
# work directory (ext4 on the test machines), and reads of PCI config space (which pci would
# count, were it attached).
exb_workload()
{
	local i deep

	deep=$(exb_cg_path "$EXB_CG_DEPTH")
	for ((i = 0; i < EXB_CPUSTAT_READS; i++)); do
		cat "$deep/cpu.stat" >/dev/null || return 1
	done
	for ((i = 0; i < EXB_FILES; i++)); do
		dd if=/dev/zero of="$WORK/examples-b/file$i" bs=4k count=16 conv=fsync status=none ||
			return 1
	done
	cat /sys/bus/pci/devices/*/config >/dev/null 2>&1
	return 0
}

exb_loaded()
{
	local s0=$WORK/examples-b0.prom s1=$WORK/examples-b1.prom v2 d ids n lines

	section "examples b: $EXB_LOADED in one exporter"
	v2=$(exb_cgroup2)
	if [ -z "$v2" ]; then
		fail "examples b: a cgroup v2 hierarchy is mounted"
		return
	fi
	mkdir -p "$WORK/examples-b"
	if ! mkdir -p "$(exb_cg_path "$EXB_CG_DEPTH")"; then
		fail "examples b: create the nested cgroups under $v2/$EXB_CG"
		exb_cleanup
		return
	fi
	start_exporter examples-b --config.dir="$EXAMPLES" --config.names="$EXB_LOADED" || {
		exb_cleanup
		return
	}
	check_log "examples b: all 48 programs are found" "$EXP_LOG" \
		"Started with 48 programs found in the config in "
	scrape "$s0" >/dev/null
	if ! exb_workload; then
		fail "examples b: the workload runs"
		exb_cleanup
		return
	fi
	if [ "$(scrape "$s1")" = 200 ]; then
		pass "examples b: the exporter keeps serving after the attach failures"
	else
		fail "examples b: the exporter keeps serving after the attach failures"
	fi

	# Programs that cannot attach: logged by name with the reason, exported as not attached.
	exb_check_programs "examples b: every kprobe is logged as failing (ENOENT) and exported as not attached" \
		"$s1" 0 "$EXB_KPROBES" "no such file or directory"
	exb_check_programs "examples b: the tracepoint programs that replace upstream's probes are attached" \
		"$s1" 1 "$EXB_TRACEPOINTS"
	if grep -qF 'Failed to attach program "on_cache_miss" for config "llcstat"' "$EXP_LOG"; then
		check_log "llcstat: the hardware event that cannot open is logged" "$EXP_LOG" \
			'Error attaching perf event: failed to open perf_event: perf_event_open: '
		exb_check_programs "llcstat: both programs are logged as failing and exported as not attached" \
			"$s1" 0 "llcstat:on_cache_miss llcstat:on_cache_reference" "invalid argument"
		check "llcstat: no perf event is left open" \
			[ "$(find "/proc/$EXP_PID/fd" -lname 'anon_inode:\[perf_event\]' 2>/dev/null | wc -l)" -eq 0 ]
		if family_lines "$s1" 'ebpf_exporter_llc_(references|misses)_total' | grep -qv '^#'; then
			fail "llcstat: no samples without the events" \
				"$(family_lines "$s1" 'ebpf_exporter_llc_(references|misses)_total')"
		else
			pass "llcstat: no samples without the events"
		fi
	else
		echo "SKIP: this machine has hardware perf events (llcstat's on_cache_miss attached)"
	fi

	# cachestat: the three tracepoints count the file writes; accesses (a kprobe) stay absent.
	n=$(exb_delta "$s0" "$s1" 'ebpf_exporter_page_cache_ops_total{operation="page_add_lru"}')
	check "cachestat: page_add_lru counts the new files' folios (+$n, want >= $EXB_FILES)" \
		[ "$n" -ge "$EXB_FILES" ]
	n=$(exb_delta "$s0" "$s1" 'ebpf_exporter_page_cache_ops_total{operation="page_mark_dirties"}')
	check "cachestat: page_mark_dirties counts the dirtied folios (+$n, want >= $EXB_FILES)" \
		[ "$n" -ge "$EXB_FILES" ]
	n=$(exb_delta "$s0" "$s1" 'ebpf_exporter_page_cache_ops_total{operation="cache_writes"}')
	check "cachestat: cache_writes counts dirtied buffers (+$n, want > 0)" [ "$n" -gt 0 ]
	if grep -q 'operation="cache_access"' "$s1"; then
		fail "cachestat: no cache_access series without its kprobe"
	else
		pass "cachestat: no cache_access series without its kprobe"
	fi

	# ext4dist: only sync is measured (its tracepoints), at least once per fsync.
	if [ "$(findmnt -n -o FSTYPE -T "$WORK/examples-b")" = ext4 ]; then
		n=$(exb_delta "$s0" "$s1" 'ebpf_exporter_ext4_latency_seconds_count{operation="sync"}')
		check "ext4dist: every fsync is timed (+$n, want >= $EXB_FILES)" [ "$n" -ge "$EXB_FILES" ]
		check "ext4dist: the sync latencies add up to more than 0 s" \
			awk -v v="$(sample_value_or0 "$s1" 'ebpf_exporter_ext4_latency_seconds_sum{operation="sync"}')" \
			'BEGIN { exit !(v > 0) }'
	else
		echo "SKIP: $WORK is not on ext4 (ext4dist's fsync timing)"
	fi
	lines=$(family_lines "$s1" 'ebpf_exporter_ext4_latency_seconds(_bucket|_sum|_count)?' |
		grep -v '^#' | grep -vc 'operation="sync"')
	check "ext4dist: no other operation without its kprobes ($lines other lines)" [ "$lines" -eq 0 ]

	# cgroup-rstat-flushing: a cpu.stat read of a cgroup flushes its stats, taking the rstat
	# lock once per possible CPU (yield=1), then once more to read them (yield=0).
	n=$(($(exb_locked_sum "$s1" "$EXB_CG_DEPTH" 0) - $(exb_locked_sum "$s0" "$EXB_CG_DEPTH" 0)))
	check "cgroup-rstat-flushing: one plain lock per cpu.stat read at level $EXB_CG_DEPTH (+$n, want $EXB_CPUSTAT_READS)" \
		[ "$n" -eq "$EXB_CPUSTAT_READS" ]
	n=$(($(exb_locked_sum "$s1" "$EXB_CG_DEPTH" 1) - $(exb_locked_sum "$s0" "$EXB_CG_DEPTH" 1)))
	check "cgroup-rstat-flushing: one flush lock per possible CPU and read (+$n, want $((EXB_CPUSTAT_READS * NCPU)))" \
		[ "$n" -eq $((EXB_CPUSTAT_READS * NCPU)) ]
	n=$(exb_delta "$s0" "$s1" 'ebpf_exporter_cgroup_rstat_lock_hold_seconds_count')
	check "cgroup-rstat-flushing: every lock hold is timed (+$n, want >= $((EXB_CPUSTAT_READS * (NCPU + 1))))" \
		[ "$n" -ge $((EXB_CPUSTAT_READS * (NCPU + 1))) ]
	for d in 0 1 2 3 4 5; do
		echo "ebpf_exporter_cgroup_rstat_flush_total{level=\"$d\"} 0"
	done >"$WORK/examples-b-flush.want"
	if diff -u "$WORK/examples-b-flush.want" \
		<(family_lines "$s1" ebpf_exporter_cgroup_rstat_flush_total | grep -v '^#') >/dev/null; then
		pass "cgroup-rstat-flushing: flushes stay 0 on every level without the kprobe"
	else
		fail "cgroup-rstat-flushing: flushes stay 0 on every level without the kprobe" \
			"$(family_lines "$s1" ebpf_exporter_cgroup_rstat_flush_total)"
	fi
	check_line "cgroup-rstat-flushing: no flush latency without the kretprobe" "$s1" \
		'ebpf_exporter_cgroup_rstat_flush_latency_seconds_count 0'

	# The kprobe-only examples export their maps, empty.
	check_line "tcp-window-clamps: the array's single series is 0" "$s1" \
		'ebpf_exporter_tcp_window_clamps_total 0'
	check_line "shrinklat: the array histogram is empty" "$s1" \
		'ebpf_exporter_shrink_node_latency_seconds_count 0'
	lines=$(family_lines "$s1" 'ebpf_exporter_(accept_latency_seconds|xfs_latency_seconds|cephfs_latency_seconds|pci_user_read_config_ops_total)(_bucket|_sum|_count)?' |
		grep -vc '^#')
	check "accept-latency, xfsdist, cephfs-dist, pci: no series, even after PCI config reads ($lines lines)" \
		[ "$lines" -eq 0 ]

	promcheck "examples b scrape" "$s1"
	ids=$(all_prog_ids "$s1")
	stop_exporter TERM
	check_exit "examples b: SIGTERM exits 0" 0
	# shellcheck disable=SC2086 # one id per word
	check_progs_gone "examples b: programs unloaded after SIGTERM" $ids
	exb_cleanup
}

# The examples that cannot start here: the exporter exits 1 and says why, naming the config
# and the program (libbpf's line) or the kernel symbol.
exb_refused()
{
	local pair name prog text

	section "examples b: fentry/fexit examples and bpf-jit are refused"
	for pair in $EXB_FENTRY; do
		name=${pair%%:*}
		prog=${pair#*:}
		run_once "examples-b-$name" --config.dir="$EXAMPLES" --config.names="$name"
		text="Error attaching exporter: error loading bpf object from \"$EXAMPLES/$name.bpf.o\" for config \"$name\": operation not permitted"
		if [ "$EXP_RC" -eq 1 ] && grep -qF -- "$text" "$EXP_LOG" &&
			grep -qF "libbpf: prog '$prog': BPF program load failed: Operation not permitted" "$EXP_LOG" &&
			! grep -qF 'Listening on ' "$EXP_LOG"; then
			pass "$name: refused at load (EPERM), naming config and program $prog, before serving"
		else
			fail "$name: refused at load (EPERM), naming config and program $prog, before serving" \
				"exit code $EXP_RC (want 1)" "$(grep -v 'libbpf \[debug\]' "$EXP_LOG" | tail -n 6)"
		fi
	done

	if grep -q ' bpf_jit_current$' /proc/kallsyms; then
		echo "SKIP: this machine's kallsyms has bpf_jit_current (bpf-jit gets past kaddrs)"
		return
	fi
	run_once examples-b-bpf-jit --config.dir="$EXAMPLES" --config.names=bpf-jit
	text='Error attaching exporter: error passing kaddrs to config "bpf-jit": error finding kaddr for "bpf_jit_current"'
	if [ "$EXP_RC" -eq 1 ] && grep -qF -- "$text" "$EXP_LOG" && ! grep -q 'libbpf' "$EXP_LOG"; then
		pass "bpf-jit: refused before loading, naming the missing symbol bpf_jit_current"
	else
		fail "bpf-jit: refused before loading, naming the missing symbol bpf_jit_current" \
			"exit code $EXP_RC (want 1)" "$(tail -n 6 "$EXP_LOG")"
	fi
}

suite_examples_no_kprobes()
{
	# Lifecycle spans would be sent to the default OTLP endpoint at every exit, and retried;
	# these runs are about the examples.
	local -x EBPF_EXPORTER_TRACE_LIFECYCLE=0

	exb_cleanup
	exb_loaded
	exb_refused
	exb_cleanup
}
