# SPDX-License-Identifier: MIT
# End-to-end tests of --capabilities.keep on every thread: the exporter runs perf buffers
# (perfarray), ring buffers (spans, console exporter), the cgroup monitor (cgidmap) and the
# HTTP server; after the drop every /proc/PID/task/TID/status must hold exactly the kept set
# (effective, permitted; empty ambient and inheritable; nothing more in the bounding set;
# no_new_privs), and each of those parts must still work.
#
# Sourced by run.sh, which calls suite_privileges; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

PRIV_CG_PREFIX=ee_e2e_priv # cgidmap.yaml matches /ee_e2e_[a-z]+_match$

priv_cgroup2()
{
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

priv_cleanup()
{
	local v2 d

	v2=$(priv_cgroup2)
	[ -n "$v2" ] || return 0
	for d in "$v2/${PRIV_CG_PREFIX}"*; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}

# priv_threads MASK_HEX: every thread of the exporter holds exactly MASK (16 hex digits).
# Prints one line per thread that differs and fails; prints the thread count on success.
priv_threads()
{
	local want=$1 t eff prm amb inh bnd nnp n=0 bad=0

	for t in /proc/"$EXP_PID"/task/*; do
		[ -r "$t/status" ] || continue
		eff=$(awk '$1 == "CapEff:" { print $2 }' "$t/status")
		prm=$(awk '$1 == "CapPrm:" { print $2 }' "$t/status")
		amb=$(awk '$1 == "CapAmb:" { print $2 }' "$t/status")
		inh=$(awk '$1 == "CapInh:" { print $2 }' "$t/status")
		bnd=$(awk '$1 == "CapBnd:" { print $2 }' "$t/status")
		nnp=$(awk '$1 == "NoNewPrivs:" { print $2 }' "$t/status")
		n=$((n + 1))
		if [ "$eff" != "$want" ] || [ "$prm" != "$want" ] || [ "$amb" != 0000000000000000 ] ||
			[ "$inh" != 0000000000000000 ] || [ $((0x$bnd & ~0x$want)) -ne 0 ] ||
			[ "$nnp" != 1 ]; then
			echo "thread ${t##*/} ($(cat "$t/comm")): CapEff $eff CapPrm $prm CapAmb $amb CapInh $inh CapBnd $bnd NoNewPrivs $nnp"
			bad=1
		fi
	done
	echo "$n threads"
	[ "$bad" -eq 0 ] && [ "$n" -ge 2 ]
}

# priv_wait_id ID: the cgroup id map holds ID within 5 s.
priv_wait_id()
{
	local i

	for ((i = 0; i < 50; i++)); do
		bpftool -j map dump name e2e_cg_id_map 2>/dev/null | grep -qE "\"key\":$1," && return 0
		sleep 0.1
	done
	return 1
}

# priv_run KEEP MASK_HEX: one exporter with every thread-owning part, capabilities dropped to
# KEEP; checks the threads and that perf buffers, ring buffers, the cgroup monitor and scrapes
# keep working afterwards.
priv_run()
{
	local keep=$1 want=$2 s=$WORK/priv.prom v2 cg id out threads

	v2=$(priv_cgroup2)
	OTEL_TRACES_EXPORTER=console OTEL_BSP_SCHEDULE_DELAY=50 \
		start_exporter "privileges-$keep" --config.dir="$HERE" \
		--config.names=perfarray,spans,cgidmap --capabilities.keep="$keep" || return
	check_log "capabilities ($keep): the drop is logged" "$EXP_LOG" \
		"Dropped capabilities to \"$([ "$keep" = none ] && echo = || echo 'cap_perfmon,cap_bpf=ep')\""
	if out=$(priv_threads "$want"); then
		threads=${out##*$'\n'}
		pass "capabilities ($keep): every thread holds exactly $want ($threads)"
	else
		fail "capabilities ($keep): every thread holds exactly $want" "$out"
	fi
	check "capabilities ($keep): more than the main thread was checked" \
		[ "$(find /proc/"$EXP_PID"/task -mindepth 1 -maxdepth 1 | wc -l)" -ge 5 ]

	trigger "$CPU_A" 100:25:7:s=keep-me 80:1:0x7a0:0x7a || return
	check_within "capabilities ($keep): perf buffer samples still counted" 5 \
		sh -c "curl -s http://127.0.0.1:$EXP_PORT/metrics | grep -qx 'ebpf_exporter_e2e_perf_events_total{a=\"7\",name=\"me\"} 25'"
	check_within "capabilities ($keep): ring buffer records still become spans" 5 \
		grep -q '"spanId":"7b00000000000000","parentSpanId":"7a00000000000000"' "$EXP_LOG"
	if [ -n "$v2" ]; then
		cg=$v2/${PRIV_CG_PREFIX}post_match
		mkdir "$cg" && id=$(stat -c %i "$cg")
		check "capabilities ($keep): the cgroup monitor still sees new cgroups" \
			priv_wait_id "${id:-none}"
		rmdir "$cg" 2>/dev/null
	fi
	check "capabilities ($keep): a scrape answers 200" [ "$(scrape "$s")" = 200 ]
	check_line "capabilities ($keep): the ring buffer is counted" "$s" \
		'ebpf_exporter_spans_received_total{config="spans"} 1'
	if out=$(priv_threads "$want"); then
		pass "capabilities ($keep): threads started later hold the same set"
	else
		fail "capabilities ($keep): threads started later hold the same set" "$out"
	fi
	stop_exporter TERM
	check "capabilities ($keep): exits 0" [ "$EXP_RC" -eq 0 ]
}

suite_privileges()
{
	local s=$WORK/priv-all.prom

	section "privileges: --capabilities.keep on every thread"
	priv_cleanup
	priv_run none 0000000000000000
	# cap_perfmon is 38, cap_bpf 39
	priv_run cap_bpf,cap_perfmon 000000c000000000
	priv_cleanup

	# "all" keeps what the exporter started with, on every thread alike.
	start_exporter privileges-all --config.dir="$HERE" --config.names=perfarray \
		--capabilities.keep=all || return
	check_log "capabilities (all): retained" "$EXP_LOG" "Retaining all existing capabilities"
	check "capabilities (all): every thread has the main thread's set" sh -c \
		"[ \$(grep -h '^CapEff' /proc/$EXP_PID/task/*/status | sort -u | wc -l) -eq 1 ]"
	check "capabilities (all): a scrape answers 200" [ "$(scrape "$s")" = 200 ]
	stop_exporter TERM
}
