# SPDX-License-Identifier: MIT
# End-to-end tests of the examples that come with a workload of their own:
# - sched-trace with examples/sched-trace-demo: the demo's own spans (OTLP/gRPC, its default)
#   and the kernel's sched_switch/sched_wakeup spans under its `traced sleep` span (the
#   exporter's OTLP/HTTP), checked in the OTLP receiver of suite_tracing.sh;
# - usdt: CPython's import probe counts the imports of real /usr/bin/python3 processes, by
#   exact module name.
# Both configs run in one exporter, started from the repository root (the USDT sections name
# ./examples/sched-trace-demo). sock-trace and cfs-throttling-trace need fentry, which does not
# load here: run.sh's example checks cover them (skip.txt).
#
# Sourced by run.sh, which calls suite_examples_workloads; uses its globals, lib.sh's helpers and the
# receiver helpers (tr_*) of suite_tracing.sh.
# shellcheck shell=bash disable=SC2154

# shellcheck source-path=SCRIPTDIR source=suite_tracing.sh
. "$HERE/suite_tracing.sh"

EXC_PYMOD=ee_usdt_import_probe # a module name no other process imports

# exc_sched_check TGID TRACE TRACED UNTRACED: the receiver holds the demo's three spans and the
# kernel's spans under `traced sleep`, none under `non-traced sleep`. Prints what is wrong.
exc_sched_check()
{
	"$TR_PY" - "$TR_OUT" "$@" <<'EOF'
import json, sys

out, tgid, trace, traced, untraced = sys.argv[1:]
spans = [s for l in open(out) for s in json.loads(l)["spans"]]
mine = [s for s in spans if s["trace_id"] == trace]
by_name = {}
for s in mine:
    by_name.setdefault(s["name"], []).append(s)
problems = []

def one(name):
    got = by_name.get(name, [])
    if len(got) != 1:
        problems.append(f"{len(got)} spans named {name!r} in trace {trace}, want 1")
        return None
    return got[0]

life, tsl, nsl = one("lifetime"), one("traced sleep"), one("non-traced sleep")
if life and tsl and nsl:
    for s in (life, tsl, nsl):
        if s["resource"].get("service.name") != "demo":
            problems.append(f"{s['name']}: service {s['resource'].get('service.name')!r}, want 'demo'")
    if life["parent_span_id"] != "" or life["attributes"].get("tgid") != tgid:
        problems.append(f"lifetime: want a root span with tgid={tgid}: {life}")
    if (tsl["span_id"], nsl["span_id"]) != (traced, untraced):
        problems.append(f"span ids {tsl['span_id']}, {nsl['span_id']}, the demo printed {traced}, {untraced}")
    for s in (tsl, nsl):
        if s["parent_span_id"] != life["span_id"]:
            problems.append(f"{s['name']}: parent {s['parent_span_id']}, want {life['span_id']}")
        if not 0.12e9 <= s["end"] - s["start"] < 2e9:
            problems.append(f"{s['name']}: lasts {s['end'] - s['start']} ns, want about 123 ms")

kernel = [s for s in mine if s["name"].startswith("sched_")]
for s in kernel:
    a = s["attributes"]
    if (s["parent_span_id"] != traced or s["resource"].get("service.name") != "sched"
            or a.get("ebpf_exporter.config") != "sched-trace" or a.get("tgid") != tgid
            or s["start"] != s["end"] or s["name"] == "sched_migrate"):
        problems.append(f"kernel span not a zero-length child of traced sleep in service sched: {s}")
    elif tsl and not tsl["start"] <= s["start"] <= tsl["end"]:
        problems.append(f"kernel span outside traced sleep ({tsl['start']}..{tsl['end']}): {s}")
switches = [s for s in kernel if s["name"] == "sched_switch" and s["attributes"].get("pid") == tgid
            and s["attributes"].get("state") == "interruptible_sleep"
            and s["attributes"].get("preempt") == "false"]
wakeups = [s for s in kernel if s["name"] == "sched_wakeup" and s["attributes"].get("pid") == tgid]
if not switches:
    problems.append("no sched_switch span of the main thread going to sleep (interruptible_sleep, preempt false)")
if not wakeups:
    problems.append("no sched_wakeup span of the main thread")
if switches and wakeups and not any(0.1e9 <= w["start"] - s["start"] <= 1e9 for s in switches for w in wakeups):
    problems.append("no wakeup 100 ms..1 s after a switch to sleep (the demo sleeps 123 ms): "
                    f"{[s['start'] for s in switches]} {[w['start'] for w in wakeups]}")
stray = [s for s in spans if s["parent_span_id"] == untraced]
if stray:
    problems.append(f"spans under non-traced sleep: {stray}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF
}

# The demo's spans and the kernel's, in one trace.
exc_sched_trace()
{
	local out tgid trace traced untraced i why=

	: >"$TR_OUT"
	out=$(cd "$ROOT" && OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_GRPC_PORT \
		./examples/sched-trace-demo 2>&1)
	check "sched-trace: the demo exits 0" [ $? -eq 0 ]
	read -r tgid trace traced untraced < <(sed -n \
		's/^tgid=\([0-9]*\) trace_id=\([0-9a-f]\{32\}\) traced_span_id=\([0-9a-f]\{16\}\) non_traced_span_id=\([0-9a-f]\{16\}\)$/\1 \2 \3 \4/p' \
		<<<"$out")
	if [ -z "$untraced" ]; then
		fail "sched-trace: the demo prints its ids" "$out"
		return
	fi
	# The demo flushed its spans before exiting; the exporter's follow within its 50 ms batch.
	for ((i = 0; i < 100; i++)); do
		why=$(exc_sched_check "$tgid" "$trace" "$traced" "$untraced") && break
		sleep 0.1
	done
	if [ -z "$why" ]; then
		pass "sched-trace: switch and wakeup spans of the demo under its traced sleep span"
	else
		fail "sched-trace: switch and wakeup spans of the demo under its traced sleep span" \
			"$why" "demo: $out"
	fi
}

# The demos of sock-trace and cfs-throttling-trace, whose BPF side needs fentry and does not
# load here: their own spans still reach the receiver over OTLP/gRPC, with the ids they print.
# sock-trace-demo's HTTP request goes to the receiver's HTTP port (which answers GET with 501
# and closes the connection).
exc_demos()
{
	local out

	: >"$TR_OUT"
	out=$(cd "$ROOT" && OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_GRPC_PORT \
		./examples/sock-trace-demo 127.0.0.1 "$TR_HTTP_PORT" 2>&1)
	check "sock-trace-demo: exits 0" [ $? -eq 0 ]
	if [[ $out =~ ^trace_id=([0-9a-f]{32})\ cookie=[1-9][0-9]*\ dial=([0-9a-f]{16})\ write=([0-9a-f]{16})\ read=([0-9a-f]{16})\ close=([0-9a-f]{16})$ ]]; then
		tr_wait_spans 5 10
		tr_check "sock-trace-demo: connection span with dial, write, read and close children" "[
 {\"match\": {\"name\": \"connection\"}, \"want\": {\"trace_id\": \"${BASH_REMATCH[1]}\",
   \"parent_span_id\": \"\", \"resource\": {\"service.name\": \"demo\"}, \"parent_of\": \"dial\"}},
 {\"match\": {\"name\": \"dial\"}, \"want\": {\"span_id\": \"${BASH_REMATCH[2]}\"}},
 {\"match\": {\"name\": \"write\"}, \"want\": {\"span_id\": \"${BASH_REMATCH[3]}\"}},
 {\"match\": {\"name\": \"read\"}, \"want\": {\"span_id\": \"${BASH_REMATCH[4]}\"}},
 {\"match\": {\"name\": \"close\"}, \"want\": {\"span_id\": \"${BASH_REMATCH[5]}\",
   \"trace_id\": \"${BASH_REMATCH[1]}\"}}]"
	else
		fail "sock-trace-demo: prints its ids" "$out"
	fi

	: >"$TR_OUT"
	out=$(cd "$ROOT" && OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_GRPC_PORT \
		./examples/cfs-throttling-trace-demo 50 2>&1)
	check "cfs-throttling-trace-demo: exits 0" [ $? -eq 0 ]
	if [[ $out =~ ^trace_id=([0-9a-f]{32})\ traced_span_id=([0-9a-f]{16})$ ]]; then
		tr_wait_spans 3 10
		tr_check "cfs-throttling-trace-demo: work span with a traced and an untraced busy child" "[
 {\"match\": {\"name\": \"work\"}, \"want\": {\"trace_id\": \"${BASH_REMATCH[1]}\",
   \"parent_span_id\": \"\", \"resource\": {\"service.name\": \"demo\"}, \"parent_of\": \"busy\"}},
 {\"match\": {\"name\": \"busy\", \"attributes\": {\"kernel.traced\": \"true\"}},
  \"want\": {\"span_id\": \"${BASH_REMATCH[2]}\", \"trace_id\": \"${BASH_REMATCH[1]}\"}},
 {\"match\": {\"name\": \"busy\", \"attributes\": {\"kernel.traced\": \"false\"}},
  \"want\": {\"trace_id\": \"${BASH_REMATCH[1]}\"}}]"
	else
		fail "cfs-throttling-trace-demo: prints its ids" "$out"
	fi
}

# usdt: imports of a module no other process imports, by three fresh interpreters.
exc_usdt()
{
	local s=$1 dir=$WORK/exc-py i

	mkdir -p "$dir"
	echo 'VALUE = 1' >"$dir/$EXC_PYMOD.py"
	for ((i = 0; i < 3; i++)); do
		PYTHONPATH=$dir PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c "import $EXC_PYMOD, json" ||
			fail "usdt: /usr/bin/python3 -c 'import $EXC_PYMOD, json' runs"
	done
	scrape "$s" >/dev/null
	check_line "usdt: python_module_imports_total counts each interpreter's import" "$s" \
		"ebpf_exporter_python_module_imports_total{module=\"$EXC_PYMOD\"} 3"
	if [ "$(sample_value "$s" 'ebpf_exporter_python_module_imports_total{module="json"}')" -ge 3 ] 2>/dev/null; then
		pass "usdt: python_module_imports_total counts json"
	else
		fail "usdt: python_module_imports_total counts json" \
			"$(grep -F 'module="json"' "$s")"
	fi
}

suite_examples_workloads()
{
	local s=$WORK/examples-c.prom ok ids prog id

	section "examples (C): sched-trace with its demo, usdt on python3"
	export EBPF_EXPORTER_TRACE_LIFECYCLE=0
	tr_setup || return
	tr_receiver_start || return
	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_HTTP_PORT OTEL_BSP_SCHEDULE_DELAY=50
	pushd "$ROOT" >/dev/null || return
	start_exporter examples-c --config.dir="$EXAMPLES" --config.names=sched-trace,usdt
	ok=$?
	popd >/dev/null || return
	unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_BSP_SCHEDULE_DELAY
	if [ $ok -eq 0 ]; then
		exc_sched_trace
		exc_usdt "$s"
		exc_demos
		for prog in sched-trace:sched_switch sched-trace:sched_wakeup \
			sched-trace:sched_set_parent_span usdt:import_start; do
			id=$(prog_id "$s" "${prog%%:*}" "${prog#*:}")
			if [ -n "$id" ] && has_line "$s" "ebpf_exporter_ebpf_program_attached{id=\"$id\"} 1"; then
				pass "examples (C): ${prog#*:} of ${prog%%:*} is attached"
			else
				fail "examples (C): ${prog#*:} of ${prog%%:*} is attached" \
					"$(grep -E 'program_(info|attached)' "$s")"
			fi
		done
		promcheck "examples (C) scrape" "$s"
		ids=$(all_prog_ids "$s")
		stop_exporter TERM
		check_exit "examples (C): SIGTERM exits 0" 0
		# shellcheck disable=SC2086 # one id per word
		check_progs_gone "examples (C): programs unloaded after shutdown" $ids
	fi
	tr_receiver_stop
	otel_env_clear
	unset EBPF_EXPORTER_TRACE_LIFECYCLE
}
