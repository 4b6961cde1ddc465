#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end tests: runs the real exporter on real BPF programs and checks what it serves
# and logs against the documented behaviour. Counters are driven by uprobes on a trigger
# binary, so every expected value is exact.
#
# Usage (as root): run.sh EXPORTER_BINARY E2E_BIN_DIR
#   E2E_BIN_DIR holds the built tests/e2e/*.c programs (trigger). The BPF objects and configs
#   are read next to this script, the examples from ../../examples.
# Prints one PASS/FAIL line per check and ends with `e2e: N passed, M failed`; exits non-zero
# if anything failed. Safe to re-run: it removes what an interrupted run left and cleans up
# (exporter, sysctl, tracefs mount, temporary files) on every exit.
#
# Examples that cannot attach on this kind of machine are listed in skip.txt next to this
# script, one `NAME<TAB>reason` per line; they are checked to fail cleanly instead.
# Concurrent runs wait for each other on the lock file /tmp/ebpf-exporter-e2e.lock (left in
# place). E2E_KEEP=1 keeps the logs and scrapes in the work directory for inspection.

set -u -o pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 EXPORTER_BINARY E2E_BIN_DIR" >&2
	exit 2
fi
EXPORTER=$1
BIN_DIR=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EXAMPLES=$ROOT/examples
WORK=/tmp/ebpf-exporter-e2e # fixed: the test programs' uprobe sections name $WORK/trigger
LOCK=/tmp/ebpf-exporter-e2e.lock
TRIGGER=$WORK/trigger
CFG=$WORK/configs
PORT_BASE=19435
PORT_LAST=19934
START_TIMEOUT=15 # seconds for the exporter to start serving
STOP_TIMEOUT=10  # seconds for it to exit after a signal

PASSED=0
FAILED=0
NEXT_PORT=$PORT_BASE
EXP_PID=
EXP_PORT=
EXP_LOG=
EXP_RC=
MOUNTED_TRACEFS=0
STATS_ORIG=
LOCKED=0

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

# ---------------------------------------------------------------------------------------
# Setup and cleanup

# shellcheck disable=SC2317 # trap handlers
cleanup()
{
	# Until the lock is held, everything below may belong to another run.
	[ "$LOCKED" -eq 1 ] || return 0
	stop_exporter TERM >/dev/null 2>&1
	if [ -n "$STATS_ORIG" ]; then
		sysctl -q -w kernel.bpf_stats_enabled="$STATS_ORIG" >/dev/null 2>&1
	fi
	if [ "$MOUNTED_TRACEFS" -eq 1 ]; then
		umount /sys/kernel/tracing 2>/dev/null
	fi
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "e2e: kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}

# shellcheck disable=SC2317
on_signal()
{
	fail "interrupted"
	echo "e2e: $PASSED passed, $FAILED failed"
	exit 130
}

trap cleanup EXIT
trap on_signal INT TERM HUP

setup()
{
	if [ "$(id -u)" -ne 0 ]; then
		fail "setup: must run as root"
		finish
	fi
	if [ ! -x "$EXPORTER" ]; then
		fail "setup: exporter binary $EXPORTER not found"
		finish
	fi
	if [ ! -x "$BIN_DIR/trigger" ]; then
		fail "setup: trigger binary $BIN_DIR/trigger not found"
		finish
	fi
	for tool in curl bpftool promtool taskset sysctl gzip flock; do
		if ! command -v "$tool" >/dev/null; then
			fail "setup: $tool is not installed"
			finish
		fi
	done
	# One run at a time: runs share $WORK, the uprobe target and the machine's settings.
	exec 9>"$LOCK"
	if ! flock -w 900 9; then
		fail "setup: another run holds $LOCK"
		finish
	fi
	LOCKED=1
	# tracepoint/ programs need tracefs, which is not mounted at boot here.
	if [ ! -e /sys/kernel/tracing/events ]; then
		if mount -t tracefs nodev /sys/kernel/tracing; then
			MOUNTED_TRACEFS=1
		else
			fail "setup: cannot mount tracefs"
			finish
		fi
	fi
	rm -rf "$WORK"
	mkdir -p "$CFG"
	# The uprobes attach to this inode: copy once, before any exporter starts.
	cp "$BIN_DIR/trigger" "$TRIGGER"
	STATS_ORIG=$(sysctl -n kernel.bpf_stats_enabled)

	NCPU=$(possible_cpus)
	read -r CPU_A CPU_B < <(two_online_cpus)
	GOARCH=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
	VERSION=$(cat "$ROOT/VERSION" 2>/dev/null || echo 0.0.0)
}

# ---------------------------------------------------------------------------------------
# 1. Counters on every key layout, driven by the trigger

# The trigger calls for the counters config: the first batch on CPU_A, the second on CPU_B.
trigger_counters()
{
	trigger "$CPU_A" \
		1:3:1:s=alpha~junk1 1:4:1:s=alpha~junk2 1:5:2:s=beta 1:2:10:s=0123456789abcdef \
		'1:1:4:s=q"uo\te' \
		2:2:1:10 2:1:3:7 \
		3:2:7:10 \
		4:2:0:3 \
		9:2:0:0 \
		5:1:1200000:0 \
		6:2:0:0x101 6:3:0:0x102 6:1:1:0x203 6:1:7:0x904 \
		7:3:1:s=keep-one 7:2:2:s=also 7:4:3:s=drop-me 7:1:5:s=keepnot \
		8:1:0xdeadbeef:0 8:2:0xff:0 || return 1
	trigger "$CPU_B" 3:3:7:5 3:1:8:1 4:1:1:100 9:3:0:0 5:1:34567:0
}

# Per-CPU slot labels in the order the series sort (as strings).
cpu_labels()
{
	seq 0 $((NCPU - 1)) | LC_ALL=C sort
}

# The exact lines the counters config must produce after trigger_counters.
expect_counters()
{
	local c v

	cat <<'EOF'
# HELP ebpf_exporter_e2e_array_total Array values by index
# TYPE ebpf_exporter_e2e_array_total counter
ebpf_exporter_e2e_array_total{idx="0"} 0
ebpf_exporter_e2e_array_total{idx="1"} 20
ebpf_exporter_e2e_array_total{idx="2"} 0
ebpf_exporter_e2e_array_total{idx="3"} 7
# HELP ebpf_exporter_e2e_hash_total Hits by id and name; a backslash \\ and a\nnewline in help
# TYPE ebpf_exporter_e2e_hash_total counter
ebpf_exporter_e2e_hash_total{id="1",name="alpha"} 7
ebpf_exporter_e2e_hash_total{id="10",name="0123456789abcdef"} 2
ebpf_exporter_e2e_hash_total{id="2",name="beta"} 5
ebpf_exporter_e2e_hash_total{id="4",name="q\"uo\\te"} 1
# HELP ebpf_exporter_e2e_hex_total Raw key bytes in hex
# TYPE ebpf_exporter_e2e_hex_total counter
ebpf_exporter_e2e_hex_total{raw="efbeadde"} 1
ebpf_exporter_e2e_hex_total{raw="ff000000"} 2
# HELP ebpf_exporter_e2e_nolabels_total Array of one element without labels
# TYPE ebpf_exporter_e2e_nolabels_total counter
ebpf_exporter_e2e_nolabels_total 1.234567e+06
# HELP ebpf_exporter_e2e_padded_total Keys with padding and static maps
# TYPE ebpf_exporter_e2e_padded_total counter
ebpf_exporter_e2e_padded_total{mode="9",op="unknown:7"} 1
ebpf_exporter_e2e_padded_total{mode="one",op="read"} 5
ebpf_exporter_e2e_padded_total{mode="two",op="write"} 1
# HELP ebpf_exporter_e2e_pcpu_array_total Per-CPU array values by index and CPU
# TYPE ebpf_exporter_e2e_pcpu_array_total counter
EOF
	for c in $(cpu_labels); do
		v=0
		[ "$c" -eq "$CPU_A" ] && v=$((v + 6))
		echo "ebpf_exporter_e2e_pcpu_array_total{cpu=\"$c\",idx=\"0\"} $v"
		v=0
		[ "$c" -eq "$CPU_B" ] && v=$((v + 100))
		echo "ebpf_exporter_e2e_pcpu_array_total{cpu=\"$c\",idx=\"1\"} $v"
	done
	echo '# HELP ebpf_exporter_e2e_pcpu_cpu_total Per-CPU array of one element with only a cpu label'
	echo '# TYPE ebpf_exporter_e2e_pcpu_cpu_total counter'
	for c in $(cpu_labels); do
		v=0
		[ "$c" -eq "$CPU_A" ] && v=$((v + 2))
		[ "$c" -eq "$CPU_B" ] && v=$((v + 3))
		echo "ebpf_exporter_e2e_pcpu_cpu_total{cpu=\"$c\"} $v"
	done
	cat <<'EOF'
# HELP ebpf_exporter_e2e_pcpu_hash_total Per-CPU hash values summed over CPUs
# TYPE ebpf_exporter_e2e_pcpu_hash_total counter
ebpf_exporter_e2e_pcpu_hash_total{id="7"} 35
ebpf_exporter_e2e_pcpu_hash_total{id="8"} 1
# HELP ebpf_exporter_e2e_regexp_total Names filtered and rewritten by regexps
# TYPE ebpf_exporter_e2e_regexp_total counter
ebpf_exporter_e2e_regexp_total{id="1",name="one"} 3
ebpf_exporter_e2e_regexp_total{id="2",name="also"} 2
EOF
}

# ---------------------------------------------------------------------------------------
# 2. Built-in metrics

check_builtins()
{
	local s=$1 id tag line name n1 n2 s2=$WORK/builtins2.prom

	line=$(bpftool prog show name e2e_uprobe 2>/dev/null | head -n 1)
	id=$(printf '%s\n' "$line" | sed -n 's/^\([0-9]*\):.*/\1/p')
	tag=$(printf '%s\n' "$line" | sed -n 's/.* tag \([0-9a-f]*\).*/\1/p')
	if [ -z "$id" ] || [ -z "$tag" ]; then
		fail "builtins: bpftool shows program e2e_uprobe" "$line"
		return
	fi
	check_line "builtins: enabled_configs" "$s" 'ebpf_exporter_enabled_configs{name="counters"} 1'
	check_line "builtins: program_info matches bpftool's id and tag" "$s" \
		"ebpf_exporter_ebpf_program_info{config=\"counters\",id=\"$id\",program=\"e2e_uprobe\",tag=\"$tag\"} 1"
	check_line "builtins: program_attached" "$s" "ebpf_exporter_ebpf_program_attached{id=\"$id\"} 1"
	check_line "builtins: decoder_errors_total" "$s" \
		'ebpf_exporter_decoder_errors_total{config="counters"} 0'
	if grep -qE "^ebpf_exporter_build_info\{branch=\"[^\"]*\",goarch=\"$GOARCH\",goos=\"linux\",goversion=\"[^\"]+\",revision=\"[^\"]*\",tags=\"[^\"]*\",version=\"$VERSION\"\} 1$" "$s"; then
		pass "builtins: build_info"
	else
		fail "builtins: build_info" "have: $(grep build_info "$s")"
	fi

	# HELP and TYPE of the built-in families.
	while IFS='|' read -r name type help; do
		if has_line "$s" "# HELP $name $help" && has_line "$s" "# TYPE $name $type"; then
			pass "builtins: HELP and TYPE of $name"
		else
			fail "builtins: HELP and TYPE of $name" "have: $(grep -E "^# (HELP|TYPE) $name " "$s")"
		fi
	done <<'EOF'
ebpf_exporter_enabled_configs|gauge|The set of enabled configs
ebpf_exporter_ebpf_program_info|gauge|Info about ebpf programs
ebpf_exporter_ebpf_program_attached|gauge|Whether a program is attached
ebpf_exporter_decoder_errors_total|counter|How many times has decoders encountered errors
ebpf_exporter_build_info|gauge|A metric with a constant '1' value labeled by version, revision, branch, goversion from which ebpf_exporter was built, and the goos and goarch for the build.
promhttp_metric_handler_requests_total|counter|Total number of scrapes by HTTP status code.
promhttp_metric_handler_requests_in_flight|gauge|Current number of scrapes being served.
EOF

	for name in process_start_time_seconds process_resident_memory_bytes process_open_fds \
		process_max_fds process_cpu_seconds_total process_virtual_memory_bytes; do
		if grep -qE "^$name [0-9.e+-]+$" "$s"; then
			pass "builtins: $name"
		else
			fail "builtins: $name" "have: $(grep "^$name" "$s")"
		fi
	done
	if grep -q '^go_' "$s"; then
		fail "builtins: no go_* metrics" "$(grep '^go_' "$s" | head -n 5)"
	else
		pass "builtins: no go_* metrics"
	fi
	check_line "builtins: requests_in_flight counts the current scrape" "$s" \
		'promhttp_metric_handler_requests_in_flight 1'
	check_line "builtins: requests_total code 500 pre-created" "$s" \
		'promhttp_metric_handler_requests_total{code="500"} 0'
	check_line "builtins: requests_total code 503 pre-created" "$s" \
		'promhttp_metric_handler_requests_total{code="503"} 0'
	n1=$(sample_value "$s" 'promhttp_metric_handler_requests_total{code="200"}')
	scrape "$s2" >/dev/null
	n2=$(sample_value "$s2" 'promhttp_metric_handler_requests_total{code="200"}')
	if [ -n "$n1" ] && [ -n "$n2" ] && [ "$n2" -eq $((n1 + 1)) ]; then
		pass "builtins: requests_total code 200 counts scrapes"
	else
		fail "builtins: requests_total code 200 counts scrapes" "first $n1, then $n2"
	fi

	# Run statistics appear only while kernel.bpf_stats_enabled is 1.
	sysctl -q -w kernel.bpf_stats_enabled=0
	scrape "$s2" >/dev/null
	if grep -qE '^ebpf_exporter_ebpf_program_run_(count_total|time_seconds)' "$s2"; then
		fail "builtins: no run statistics while bpf_stats_enabled=0"
	else
		pass "builtins: no run statistics while bpf_stats_enabled=0"
	fi
	sysctl -q -w kernel.bpf_stats_enabled=1
	trigger "$CPU_A" 99:5:0:0
	scrape "$s2" >/dev/null
	sysctl -q -w kernel.bpf_stats_enabled="$STATS_ORIG"
	n1=$(sample_value "$s2" "ebpf_exporter_ebpf_program_run_count_total{id=\"$id\"}")
	if [ -n "$n1" ] && [ "$n1" -ge 5 ] 2>/dev/null; then
		pass "builtins: run_count_total with bpf_stats_enabled=1"
	else
		fail "builtins: run_count_total with bpf_stats_enabled=1" "value '$n1'" \
			"have: $(grep run_count "$s2")"
	fi
	if grep -qE "^ebpf_exporter_ebpf_program_run_time_seconds\{id=\"$id\"\} [0-9.e+-]+$" "$s2"; then
		pass "builtins: run_time_seconds with bpf_stats_enabled=1"
	else
		fail "builtins: run_time_seconds with bpf_stats_enabled=1" \
			"have: $(grep run_time "$s2")"
	fi
	promcheck "scrape with run statistics" "$s2"
}

# ---------------------------------------------------------------------------------------
# 5. HTTP

landing_page()
{
	printf '<html>\n\t\t\t<head><title>eBPF Exporter</title></head>\n\t\t\t<body>\n\t\t\t<h1>eBPF Exporter</h1>\n\t\t\t<p><a href="%s">Metrics</a></p>\n\t\t\t</body>\n\t\t\t</html>' "$1"
}

# check_landing NAME PATH TELEMETRY_PATH: PATH answers 200 with the landing page.
check_landing()
{
	local name=$1 path=$2 want=$WORK/landing.want got=$WORK/landing.got code

	landing_page "$3" >"$want"
	code=$(scrape "$got" "$path")
	if [ "$code" = 200 ] && cmp -s "$want" "$got"; then
		pass "$name"
	else
		fail "$name" "status $code" "$(diff <(cat -A "$want") <(cat -A "$got"))"
	fi
}

# header FILE NAME: value of a response header (case-insensitive name), CR stripped.
header()
{
	tr -d '\r' <"$1" | sed -n "s/^$2: *//Ip" | tail -n 1
}

check_http()
{
	local h=$WORK/headers b=$WORK/body code ct

	check_landing "http: / is the landing page" / /metrics
	check_landing "http: unknown path gets the landing page" /does/not/exist /metrics
	check_landing "http: /metrics/ is not the telemetry path" /metrics/ /metrics

	curl -sS --max-time 10 -D "$h" -o /dev/null "http://127.0.0.1:$EXP_PORT/"
	ct=$(header "$h" Content-Type)
	if [ "$ct" = "text/html; charset=utf-8" ]; then
		pass "http: landing page Content-Type"
	else
		fail "http: landing page Content-Type" "got '$ct'"
	fi

	code=$(scrape "$b" /metrics -D "$h")
	ct=$(header "$h" Content-Type)
	if [ "$code" = 200 ] && [ "$ct" = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" ]; then
		pass "http: /metrics Content-Type"
	else
		fail "http: /metrics Content-Type" "status $code, Content-Type '$ct'"
	fi
	if [ -z "$(header "$h" Content-Encoding)" ]; then
		pass "http: no gzip unless accepted"
	else
		fail "http: no gzip unless accepted" "Content-Encoding: $(header "$h" Content-Encoding)"
	fi

	code=$(scrape "$b" /metrics -D "$h" -H 'Accept-Encoding: gzip')
	if [ "$code" = 200 ] && [ "$(header "$h" Content-Encoding)" = gzip ] &&
		gzip -dc <"$b" | grep -qxF 'ebpf_exporter_e2e_nolabels_total 1.234567e+06'; then
		pass "http: gzip when accepted"
	else
		fail "http: gzip when accepted" "status $code, Content-Encoding '$(header "$h" Content-Encoding)'"
	fi

	code=$(scrape "$b" /metrics -D "$h" \
		-H 'Accept: application/openmetrics-text; version=1.0.0; charset=utf-8')
	ct=$(header "$h" Content-Type)
	if [ "$code" = 200 ] && [ "$ct" = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" ]; then
		pass "http: OpenMetrics requests get text 0.0.4"
	else
		fail "http: OpenMetrics requests get text 0.0.4" "status $code, Content-Type '$ct'"
	fi

	code=$(curl -sS --max-time 10 -I -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EXP_PORT/")
	check "http: HEAD / answers 200" [ "$code" = 200 ]
	code=$(curl -sS --max-time 10 -I -D "$h" -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$EXP_PORT/metrics")
	ct=$(header "$h" Content-Type)
	if [ "$code" = 200 ] && [ "${ct%%;*}" = text/plain ]; then
		pass "http: HEAD /metrics answers 200"
	else
		fail "http: HEAD /metrics answers 200" "status $code, Content-Type '$ct'"
	fi

	code=$(scrape "$b" /metrics -X POST)
	if [ "$code" = 200 ] && has_line "$b" 'ebpf_exporter_e2e_nolabels_total 1.234567e+06'; then
		pass "http: POST /metrics is served like GET"
	else
		fail "http: POST /metrics is served like GET" "status $code"
	fi

	code=$(scrape "$b" /x/../metrics --path-as-is -D "$h")
	if [ "$code" = 301 ] && [ "$(header "$h" Location)" = /metrics ]; then
		pass "http: unclean path redirects (301) to the clean one"
	else
		fail "http: unclean path redirects (301) to the clean one" \
			"status $code, Location '$(header "$h" Location)'"
	fi
}

# ---------------------------------------------------------------------------------------
# The runs

run_counters()
{
	local s=$WORK/counters.prom ids

	section "counters: every key layout, built-in metrics, HTTP, shutdown"
	start_exporter counters --config.dir="$HERE" --config.names=counters || return
	trigger_counters || return
	if [ "$(scrape "$s")" != 200 ]; then
		fail "counters: scrape answers 200" "$(tail -n 20 "$EXP_LOG")"
		stop_exporter TERM
		return
	fi
	expect_counters >"$WORK/counters.want"
	check_block "counters: exact series of every e2e family" "$s" \
		'ebpf_exporter_e2e_[a-z0-9_]+' "$WORK/counters.want"
	if grep -qE 'drop-me|keepnot|id="3"|id="5"' <(family_lines "$s" ebpf_exporter_e2e_regexp_total); then
		fail "counters: regexp-filtered keys are absent"
	else
		pass "counters: regexp-filtered keys are absent"
	fi
	promcheck "counters scrape" "$s"

	check_builtins "$s"
	check_http

	# Values are read afresh on every scrape, also when the keys are those of the previous
	# scrape (the decoded series are reused then, only the values change).
	trigger "$CPU_A" 5:1:1:0 1:2:2:s=beta
	scrape "$s" >/dev/null
	check_line "counters: later scrapes see new values" "$s" \
		'ebpf_exporter_e2e_nolabels_total 1.234568e+06'
	check_line "counters: a hash key seen before shows its new value" "$s" \
		'ebpf_exporter_e2e_hash_total{id="2",name="beta"} 7'
	trigger "$CPU_A" 1:1:42:s=newkey
	scrape "$s" >/dev/null
	check_line "counters: a new key after unchanged scrapes appears" "$s" \
		'ebpf_exporter_e2e_hash_total{id="42",name="newkey"} 1'
	check_line "counters: the other keys keep their values" "$s" \
		'ebpf_exporter_e2e_hash_total{id="2",name="beta"} 7'

	section "shutdown on SIGTERM"
	ids=$(all_prog_ids "$s")
	stop_exporter TERM
	check_exit "shutdown: SIGTERM exits 0" 0
	check_log "shutdown: logs the signal" "$EXP_LOG" "Received signal: terminated"
	check_log "shutdown: logs the detach" "$EXP_LOG" "Detached in "
	if grep -qE '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} Listening on ' "$EXP_LOG"; then
		pass "log: lines start with a YYYY/MM/DD HH:MM:SS timestamp"
	else
		fail "log: lines start with a YYYY/MM/DD HH:MM:SS timestamp" "$(head -n 5 "$EXP_LOG")"
	fi
	# shellcheck disable=SC2086 # one id per word
	check_progs_gone "shutdown: the exporter's programs are unloaded" $ids
	check_no_prog_named "shutdown: no e2e program is loaded" e2e_uprobe
}

run_telemetry_path()
{
	local s=$WORK/custom.prom code

	section "custom telemetry path, SIGINT"
	start_exporter telemetry-path --config.dir="$HERE" --config.names=counters \
		--web.telemetry-path=/custom/path || return
	trigger "$CPU_A" 5:1:7:0
	code=$(scrape "$s" /custom/path)
	if [ "$code" = 200 ] && has_line "$s" 'ebpf_exporter_e2e_nolabels_total 7'; then
		pass "telemetry path: metrics served on /custom/path"
	else
		fail "telemetry path: metrics served on /custom/path" "status $code"
	fi
	check_landing "telemetry path: landing page links to it" / /custom/path
	check_landing "telemetry path: /metrics is the landing page" /metrics /custom/path
	stop_exporter INT
	check_exit "shutdown: SIGINT exits 0" 0
	check_log "shutdown: logs SIGINT" "$EXP_LOG" "Received signal: interrupt"
}

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

# ---------------------------------------------------------------------------------------
# 6. Start-up errors

# startup_error NAME TEXT ARGS...: the exporter exits 1 and its output contains TEXT.
startup_error()
{
	local name=$1 text=$2

	shift 2
	run_once "error" "$@"
	if [ "$EXP_RC" -eq 1 ] && grep -qF -- "$text" "$EXP_LOG"; then
		pass "error: $name"
	else
		fail "error: $name" "exit code $EXP_RC (want 1), want text: $text" \
			"output: $(tail -n 5 "$EXP_LOG")"
	fi
}

# check_names_yaml NAME: the last run's error names the YAML file and the line of the
# metric (line 3 in every config written here), as map validation errors name it.
check_names_yaml()
{
	if grep -F "$CFG/$1.yaml" "$EXP_LOG" | grep -q 'line 3\b'; then
		pass "error: $1 error names the YAML file and the metric's line"
	else
		fail "error: $1 error names the YAML file and the metric's line" \
			"output: $(tail -n 5 "$EXP_LOG")"
	fi
}

write_config()
{
	cat >"$CFG/$1.yaml"
}

run_startup_errors()
{
	local line

	section "command line"
	run_once version --version
	check_exit "cli: --version exits 0" 0
	if grep -qE "^ebpf_exporter, version $VERSION \(branch: [^,]*, revision: [^)]*\)$" "$EXP_LOG"; then
		pass "cli: --version prints the version line"
	else
		fail "cli: --version prints the version line" "$(head -n 3 "$EXP_LOG")"
	fi
	run_once help --help
	if [ "$EXP_RC" -eq 0 ] && grep -qF -- '--config.dir' "$EXP_LOG"; then
		pass "cli: --help exits 0 and lists the flags"
	else
		fail "cli: --help exits 0 and lists the flags" "exit code $EXP_RC"
	fi

	section "start-up errors"
	startup_error "missing --config.dir" \
		"ebpf_exporter: error: required flag(s) '--config.dir' not provided, try --help" \
		--config.names=counters
	startup_error "missing --config.dir and --config.names" \
		"ebpf_exporter: error: required flag(s) '--config.dir', '--config.names' not provided, try --help"
	startup_error "nonexistent --config.dir" \
		"ebpf_exporter: error: path '$WORK/nonexistent' does not exist, try --help" \
		--config.dir="$WORK/nonexistent" --config.names=counters
	startup_error "missing YAML file" \
		"error opening \"$CFG/absent.yaml\" for config \"absent\"" \
		--config.dir="$CFG" --config.names=absent

	write_config bad_yaml <<'EOF'
metrics:
  counters:
    - name: e2e_nolabels_total
      help: [unclosed
EOF
	run_once error --config.dir="$CFG" --config.names=bad_yaml
	line=$(grep -F "error parsing \"$CFG/bad_yaml.yaml\" for config \"bad_yaml\"" "$EXP_LOG")
	if [ "$EXP_RC" -eq 1 ] && printf '%s' "$line" | grep -q 'line'; then
		pass "error: bad YAML names the file and the line"
	else
		fail "error: bad YAML names the file and the line" "exit code $EXP_RC" \
			"output: $(tail -n 5 "$EXP_LOG")"
	fi

	write_config unknown_key <<'EOF'
metrics:
  counters:
    - name: e2e_nolabels_total
      help: Array of one element without labels
      lables: []
EOF
	run_once error --config.dir="$CFG" --config.names=unknown_key
	line=$(grep -F 'lables' "$EXP_LOG")
	if [ "$EXP_RC" -eq 1 ] && printf '%s' "$line" | grep -q 'line 5\b' &&
		printf '%s' "$line" | grep -qF "$CFG/unknown_key.yaml"; then
		pass "error: unknown YAML key names the key, the file and the line"
	else
		fail "error: unknown YAML key names the key, the file and the line" \
			"exit code $EXP_RC" "output: $(tail -n 5 "$EXP_LOG")"
	fi

	write_config empty <<'EOF'
# Neither metrics nor tracing.
metrics: {}
EOF
	startup_error "config with neither metrics nor tracing" \
		'neither metrics nor tracing are defined for config "empty"' \
		--config.dir="$CFG" --config.names=empty

	cp "$HERE/badmaps.bpf.o" "$CFG/missing_map.bpf.o"
	write_config missing_map <<'EOF'
metrics:
  counters:
    - name: e2e_missing_map
      help: A map the object does not have
EOF
	startup_error "metric without a map" 'failed to get map "e2e_missing_map"' \
		--config.dir="$CFG" --config.names=missing_map
	check_names_yaml missing_map

	cp "$HERE/badmaps.bpf.o" "$CFG/small_values.bpf.o"
	write_config small_values <<'EOF'
metrics:
  counters:
    - name: e2e_small_vals
      help: A map with 4-byte values
      labels:
        - name: kind
          size: 4
          decoders:
            - name: uint
EOF
	startup_error "map with 4-byte values" \
		'value size for map "e2e_small_vals" is not expected 8 bytes (u64), it is 4 bytes' \
		--config.dir="$CFG" --config.names=small_values
	check_names_yaml small_values

	cp "$HERE/badmaps.bpf.o" "$CFG/key_size.bpf.o"
	write_config key_size <<'EOF'
metrics:
  counters:
    - name: e2e_key8_total
      help: Labels of 6 bytes for an 8-byte key
      labels:
        - name: a
          size: 4
          padding: 1
          decoders:
            - name: uint
        - name: b
          size: 1
          decoders:
            - name: uint
EOF
	run_once error --config.dir="$CFG" --config.names=key_size
	line=$(grep -F 'key size' "$EXP_LOG" | grep -F key_size | grep -F e2e_key8_total |
		grep -w 8 | grep -w 6)
	if [ "$EXP_RC" -eq 1 ] && [ -n "$line" ]; then
		pass "error: key size mismatch names config, metric and both sizes"
	else
		fail "error: key size mismatch names config, metric and both sizes" \
			"exit code $EXP_RC" "output: $(tail -n 5 "$EXP_LOG")"
	fi
	check_names_yaml key_size

	startup_error "duplicate config names" 'multiple configs with name "counters"' \
		--config.dir="$HERE" --config.names=counters,counters

	write_config no_object <<'EOF'
metrics:
  counters:
    - name: e2e_nolabels_total
      help: Array of one element without labels
EOF
	startup_error "missing .bpf.o" "$CFG/no_object.bpf.o" \
		--config.dir="$CFG" --config.names=no_object
}

# ---------------------------------------------------------------------------------------

# More suites live in suite_NAME.sh files next to this script, each defining a function
# suite_NAME that uses the helpers above and in lib.sh. E2E_ONLY=suite_NAME (a space-separated
# list) runs only those suites, skipping the core checks here.
run_suites()
{
	local f name
	for f in "$HERE"/suite_*.sh; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .sh)
		if [ -n "${E2E_ONLY:-}" ] && [[ " $E2E_ONLY " != *" $name "* ]]; then
			continue
		fi
		echo "== $name"
		# shellcheck source=/dev/null
		. "$f"
		"$name"
	done
}

setup
if [ -z "${E2E_ONLY:-}" ]; then
	run_counters
	run_telemetry_path
	run_attach_failure
	run_examples
	run_example_checks
	run_startup_errors
fi
run_suites
check_sanitizer_logs
finish
