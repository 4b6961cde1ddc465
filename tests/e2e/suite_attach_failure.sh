# SPDX-License-Identifier: MIT
# End-to-end tests of a program that cannot attach: it is logged and exported, the others keep
# working, and --config.strict makes it fatal.
#
# Sourced by run.sh, which calls suite_attach_failure; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

run_attach_failure()
{
	local s=$WORK/attach.prom bad good ok

	section "attach failure beside working programs"
	start_exporter attach --config.dir="$HERE" --config.names=counters,attachfail || return
	check_log "attach: failure logged" "$EXP_LOG" \
		'Failed to attach program "e2e_kprobe_fail" for config "attachfail": failed to attach program: '
	check_log "attach: start-up log counts programs" "$EXP_LOG" \
		"Started with 3 programs found in the config in "
	check_log "attach: logs the listen address" "$EXP_LOG" "Listening on 127.0.0.1:$EXP_PORT"
	trigger "$CPU_A" 10:4:0:0 5:1:42:0
	scrape "$s" >/dev/null
	bad=$(prog_id "$s" attachfail e2e_kprobe_fail)
	good=$(prog_id "$s" attachfail e2e_uprobe_ok)
	ok=$(prog_id "$s" counters e2e_uprobe)
	if [ -n "$bad" ] && has_line "$s" "ebpf_exporter_ebpf_program_attached{id=\"$bad\"} 0"; then
		pass "attach: the failed program is exported as not attached"
	else
		fail "attach: the failed program is exported as not attached" \
			"$(grep -E 'program_(info|attached)' "$s")"
	fi
	if [ -n "$good" ] && [ -n "$ok" ] &&
		has_line "$s" "ebpf_exporter_ebpf_program_attached{id=\"$good\"} 1" &&
		has_line "$s" "ebpf_exporter_ebpf_program_attached{id=\"$ok\"} 1"; then
		pass "attach: the other programs are exported as attached"
	else
		fail "attach: the other programs are exported as attached" \
			"$(grep -E 'program_(info|attached)' "$s")"
	fi
	check_line "attach: the failing config's working program counts" "$s" \
		'ebpf_exporter_e2e_attach_hits_total 4'
	check_line "attach: the unattached program's map is still exported" "$s" \
		'ebpf_exporter_e2e_kprobe_hits_total 0'
	check_line "attach: the other config still works" "$s" 'ebpf_exporter_e2e_nolabels_total 42'
	check_line "attach: enabled_configs lists both" "$s" \
		'ebpf_exporter_enabled_configs{name="attachfail"} 1'
	promcheck "attach-failure scrape" "$s"
	stop_exporter TERM
	check_exit "attach: SIGTERM exits 0" 0

	run_once strict --config.dir="$HERE" --config.names=counters,attachfail --config.strict
	check_exit "strict: exits 1 on a missed attachment" 1
	if grep -qE 'Missed attachments \(module:prog\): attachfail:e2e_kprobe_fail$' "$EXP_LOG"; then
		pass "strict: names the missed attachment"
	else
		fail "strict: names the missed attachment" "$(tail -n 5 "$EXP_LOG")"
	fi

	run_once check --config.dir="$HERE" --config.names=counters --config.check \
		--log.no-timestamps
	check_exit "check: exits 0 when everything attaches" 0
	check_line "check: logs success (--log.no-timestamps: no prefix)" "$EXP_LOG" \
		"Config check successful, exiting"
	run_once check-nonstrict --config.dir="$HERE" --config.names=counters,attachfail --config.check
	check_exit "check: without --config.strict an attach failure is not fatal" 0
}

suite_attach_failure()
{
	run_attach_failure
}
