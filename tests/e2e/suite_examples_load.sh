# SPDX-License-Identifier: MIT
# End-to-end tests that the examples load: the default examples serve their series, and every
# example attaches with --config.check --config.strict or, where this machine lacks what it
# needs (skip.txt), fails cleanly.
#
# Sourced by run.sh, which calls suite_examples_load; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# example_has_functions FILE METRIC: METRIC has a non-zero series whose function label is a
# resolved symbol name.
example_has_functions()
{
	grep -E "^ebpf_exporter_$2\{function=\"[^\"]+\"\} [0-9.e+]+$" "$1" |
		grep -v 'function="unknown_addr:' | grep -qvE ' 0$'
}

softirq_ok()
{
	local file=$1 n names

	n=$(grep -cE '^ebpf_exporter_softirqs_total\{cpu="[0-9]+",vec="[a-z_]+"\} [0-9.e+]+$' "$file")
	names=$(sed -n 's/^ebpf_exporter_softirqs_total{cpu="[0-9]*",vec="\([a-z_]*\)"} .*/\1/p' "$file" |
		LC_ALL=C sort -u | tr '\n' ' ')
	[ "$n" -eq $((10 * NCPU)) ] &&
		[ "$names" = "block hi hrtimer irq_poll net_rx net_tx rcu sched tasklet timer " ] &&
		grep -E '^ebpf_exporter_softirqs_total\{' "$file" | grep -qvE ' 0$'
}

run_examples()
{
	local s=$WORK/examples.prom i ok_t=1 ok_r=1 ok_s=1 ids prog id

	section "examples: timers, percpu-softirq, raw-tracepoints"
	start_exporter examples --config.dir="$EXAMPLES" \
		--config.names=timers,percpu-softirq,raw-tracepoints || return
	for ((i = 0; i < 50; i++)); do
		scrape "$s" >/dev/null
		example_has_functions "$s" timer_starts_total
		ok_t=$?
		example_has_functions "$s" raw_timer_starts_total
		ok_r=$?
		softirq_ok "$s"
		ok_s=$?
		[ $ok_t -eq 0 ] && [ $ok_r -eq 0 ] && [ $ok_s -eq 0 ] && break
		sleep 0.1
	done
	check "examples: timers counts timer starts by function name" [ $ok_t -eq 0 ]
	check "examples: raw-tracepoints counts timer starts by function name" [ $ok_r -eq 0 ]
	check "examples: percpu-softirq has every vector on every CPU" [ $ok_s -eq 0 ]
	for prog in timers:timer_start raw-tracepoints:raw_timer_start percpu-softirq:softirq_entry; do
		id=$(prog_id "$s" "${prog%%:*}" "${prog#*:}")
		if [ -n "$id" ] && has_line "$s" "ebpf_exporter_ebpf_program_attached{id=\"$id\"} 1"; then
			pass "examples: ${prog#*:} of ${prog%%:*} is attached"
		else
			fail "examples: ${prog#*:} of ${prog%%:*} is attached" \
				"$(grep -E 'program_(info|attached)' "$s")"
		fi
	done
	promcheck "examples scrape" "$s"
	ids=$(all_prog_ids "$s")
	stop_exporter TERM
	check_exit "examples: SIGTERM exits 0" 0
	# shellcheck disable=SC2086
	check_progs_gone "examples: programs unloaded after shutdown" $ids
}

# example_crashed NAME: the last run ended by a signal (a crash, or the KILL of run_once's
# timeout) or a sanitizer reported something; prints why.
example_crashed()
{
	if [ "$EXP_RC" -ge 124 ]; then
		echo "exit code $EXP_RC (a signal or the timeout)"
	elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$EXP_LOG"; then
		echo "sanitizer report"
	else
		return 1
	fi
}

# check_example_fails_cleanly NAME REASON: an example skip.txt lists cannot attach here. It
# must fail cleanly in one of three ways:
# - it loads but a program does not attach (kprobe, hardware perf event): --config.check
#   without --config.strict exits 0 after logging the failed attachment with its program;
# - its object does not load (fentry/fexit: EPERM here): exit code 1 with an error naming the
#   config and libbpf's line naming the program;
# - a kaddrs symbol is missing from kallsyms: exit code 1 naming the config and the symbol.
check_example_fails_cleanly()
{
	local name=$1 reason=$2 what why

	what="examples: $name fails cleanly ($reason)"

	run_once "check-$name" --config.dir="$EXAMPLES" --config.names="$name" --config.check
	if why=$(example_crashed); then
		fail "$what" "$why" "$(tail -n 10 "$EXP_LOG")"
	elif [ "$EXP_RC" -eq 0 ] && grep -qF "Config check successful, exiting" "$EXP_LOG" &&
		grep -qE "^(.* )?Failed to attach program \"[^\"]+\" for config \"$name\": " "$EXP_LOG"; then
		pass "$what: attach failure logged"
	elif [ "$EXP_RC" -eq 1 ] &&
		grep -qF "Error attaching exporter: error loading bpf object from \"$EXAMPLES/$name.bpf.o\" for config \"$name\": " "$EXP_LOG" &&
		grep -qE "libbpf: prog '[^']+': failed to load" "$EXP_LOG"; then
		pass "$what: load failure reported"
	elif [ "$EXP_RC" -eq 1 ] &&
		grep -qE "Error attaching exporter: error passing kaddrs to config \"$name\": error finding kaddr for \"[^\"]+\"" "$EXP_LOG"; then
		pass "$what: missing kaddr symbol reported"
	else
		fail "$what" "exit code $EXP_RC, no attach or load failure naming config and program" \
			"$(tail -n 10 "$EXP_LOG")"
	fi
}

# Every example loads and attaches with --config.check --config.strict, except the ones
# skip.txt lists (`NAME<TAB>reason` per line, # comments): those cannot attach on this kind
# of machine (no kprobes, fentry or hardware perf events) and must fail cleanly instead.
run_example_checks()
{
	local yaml name reason line skip=$HERE/skip.txt
	local -A skipped=()

	section "examples: --config.check --config.strict"
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '' | '#'*) continue ;; esac
		name=${line%%$'\t'*}
		reason=${line#*$'\t'}
		if [ "$name" = "$line" ] || [ -z "$name" ] || [ -z "$reason" ]; then
			fail "examples: skip.txt line is NAME<TAB>reason" "line: $line"
		elif [ ! -e "$EXAMPLES/$name.yaml" ]; then
			fail "examples: skip.txt names an existing example" "no $EXAMPLES/$name.yaml"
		else
			skipped[$name]=$reason
		fi
	done <"$skip"
	for yaml in "$EXAMPLES"/*.yaml; do
		name=$(basename "$yaml" .yaml)
		if [ -n "${skipped[$name]+set}" ]; then
			check_example_fails_cleanly "$name" "${skipped[$name]}"
			continue
		fi
		run_once "check-$name" --config.dir="$EXAMPLES" --config.names="$name" \
			--config.check --config.strict
		if [ "$EXP_RC" -eq 0 ] && grep -qF "Config check successful, exiting" "$EXP_LOG"; then
			pass "examples: $name passes --config.check --config.strict"
		else
			fail "examples: $name passes --config.check --config.strict" \
				"exit code $EXP_RC" "$(tail -n 10 "$EXP_LOG")"
		fi
	done
}

suite_examples_load()
{
	run_examples
	run_example_checks
}
