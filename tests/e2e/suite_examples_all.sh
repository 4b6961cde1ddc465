# SPDX-License-Identifier: MIT
# Every example that attaches on this kind of machine (all but the ones skip.txt lists), loaded
# into one exporter at once: all of their programs attach, a scrape under some load passes
# promtool, and shutdown unloads them. Three examples are left out because they reuse another
# example's metric names, as upstream's do (one exporter cannot serve both):
# cgroup_id_map (cgroup), softirq-latency-net-rx (softirq-latency) and
# tcp-syn-backlog-exp2zero (tcp-syn-backlog). Each example's own series are checked by
# suite_examples_tracepoints, _no_kprobes and _workloads and the core examples checks.
# Sourced by run.sh, which calls suite_examples_all; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

suite_examples_all()
{
	local s=$WORK/examples-all.prom yaml name names='' n=0 ids ok attached total
	local -A skip=()
	local clash=" cgroup_id_map softirq-latency-net-rx tcp-syn-backlog-exp2zero "

	section "examples: every attaching example in one exporter"
	while IFS=$'\t' read -r name _; do
		case $name in '' | '#'*) continue ;; esac
		skip[$name]=1
	done <"$HERE/skip.txt"
	for yaml in "$EXAMPLES"/*.yaml; do
		name=$(basename "$yaml" .yaml)
		[ -n "${skip[$name]+set}" ] && continue
		[[ $clash == *" $name "* ]] && continue
		names="$names${names:+,}$name"
		n=$((n + 1))
	done
	# The USDT examples name their demos by paths relative to the repository root.
	pushd "$ROOT" >/dev/null || return
	OTEL_TRACES_EXPORTER=none start_exporter examples-all --config.dir="$EXAMPLES" \
		--config.names="$names"
	ok=$?
	popd >/dev/null || return
	[ $ok -eq 0 ] || return
	# Some load for the examples to see: processes, syscalls, disk writes, loopback traffic.
	for ((i = 0; i < 5; i++)); do
		/bin/true
		dd if=/dev/zero of="$WORK/examples-all.dat" bs=64k count=4 conv=fsync status=none
		curl -s -o /dev/null "http://127.0.0.1:$EXP_PORT/" || true
	done
	/usr/bin/python3 -c 'import json' >/dev/null 2>&1 || true
	rm -f "$WORK/examples-all.dat"
	scrape "$s" >/dev/null
	check_line "examples all: $n configs enabled" "$s" \
		"$(printf 'ebpf_exporter_enabled_configs{name="%s"} 1' "${names%%,*}")"
	if [ "$(grep -c '^ebpf_exporter_enabled_configs{' "$s")" -eq "$n" ]; then
		pass "examples all: all $n configs are enabled"
	else
		fail "examples all: all $n configs are enabled" "$(grep '^ebpf_exporter_enabled_configs' "$s")"
	fi
	total=$(grep -c '^ebpf_exporter_ebpf_program_attached{' "$s")
	attached=$(grep -c '^ebpf_exporter_ebpf_program_attached{.*} 1$' "$s")
	if [ "$total" -gt 0 ] && [ "$attached" -eq "$total" ]; then
		pass "examples all: every program attached ($total)"
	else
		fail "examples all: every program attached ($attached of $total)" \
			"$(grep '^ebpf_exporter_ebpf_program_attached' "$s" | grep ' 0$')" \
			"$(grep -i 'fail' "$EXP_LOG" | head -5)"
	fi
	if grep -qE '^ebpf_exporter_syscalls_total\{syscall="[a-z0-9_]+"\} [1-9]' "$s"; then
		pass "examples all: series under load (syscalls_total)"
	else
		fail "examples all: series under load (syscalls_total)" "$(grep syscalls_total "$s" | head -3)"
	fi
	promcheck "every attaching example at once" "$s"
	ids=$(all_prog_ids "$s")
	stop_exporter TERM
	check_exit "examples all: SIGTERM exits 0" 0
	# shellcheck disable=SC2086
	check_progs_gone "examples all: programs unloaded after shutdown" $ids
}
