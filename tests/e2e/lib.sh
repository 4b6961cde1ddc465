# SPDX-License-Identifier: MIT
# Helpers for run.sh (sourced): PASS/FAIL reporting, the exporter's lifecycle on a fresh
# loopback port, scrapes, and assertions on scrapes and logs.
#
# Uses run.sh's globals: EXPORTER, WORK, TRIGGER, PORT_BASE, PORT_LAST, START_TIMEOUT,
# STOP_TIMEOUT; maintains PASSED, FAILED, NEXT_PORT and the EXP_* state of the last run.
# shellcheck shell=bash disable=SC2154

# ---------------------------------------------------------------------------------------
# Reporting

pass()
{
	echo "PASS: $1"
	PASSED=$((PASSED + 1))
}

# fail NAME [DETAIL_LINE...]
fail()
{
	local line

	echo "FAIL: $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/    /'
	done
	FAILED=$((FAILED + 1))
}

# check NAME COMMAND...: PASS if the command succeeds.
check()
{
	local name=$1

	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name"
	fi
}

# check_within NAME SECONDS CMD...: passes once CMD succeeds, trying every 0.1 s for SECONDS;
# a failure shows what the last try printed.
# For things that arrive asynchronously (spans, ring-buffer records): the check is still exact,
# it only does not race the delivery.
check_within()
{
	local name=$1 secs=$2 i out

	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && {
			pass "$name"
			return 0
		}
		sleep 0.1
	done
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "$out"
	fi
}

section()
{
	echo "== $1"
}

finish()
{
	echo "e2e: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}

# ---------------------------------------------------------------------------------------
# The machine

# Number of per-CPU value slots: the count of possible CPUs.
possible_cpus()
{
	local n=0 part lo hi

	for part in $(tr ',' ' ' </sys/devices/system/cpu/possible); do
		lo=${part%-*}
		hi=${part#*-}
		n=$((n + hi - lo + 1))
	done
	echo "$n"
}

# The first and the last online CPU (the same one on a single-CPU machine).
two_online_cpus()
{
	local online first last

	online=$(cat /sys/devices/system/cpu/online)
	first=${online%%[-,]*}
	last=${online##*[-,]}
	echo "$first $last"
}

# ---------------------------------------------------------------------------------------
# Exporter lifecycle

port_in_use()
{
	if command -v ss >/dev/null; then
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# Sets EXP_PORT to a free loopback port, a new one for every run.
pick_port()
{
	while [ "$NEXT_PORT" -le "$PORT_LAST" ]; do
		EXP_PORT=$NEXT_PORT
		NEXT_PORT=$((NEXT_PORT + 1))
		if ! port_in_use "$EXP_PORT"; then
			return 0
		fi
	done
	echo "e2e: no free port in $PORT_BASE-$PORT_LAST" >&2
	return 1
}

# start_exporter NAME ARGS...: starts the exporter in the background, listening on a fresh
# loopback port, logging to $WORK/NAME.log; waits until it answers HTTP. Returns non-zero
# (after a FAIL line) if it exits or does not answer in time.
start_exporter()
{
	local name=$1 i

	shift
	pick_port || return 1
	EXP_LOG=$WORK/$name.log
	"$EXPORTER" --web.listen-address="127.0.0.1:$EXP_PORT" "$@" >"$EXP_LOG" 2>&1 &
	EXP_PID=$!
	for ((i = 0; i < START_TIMEOUT * 20; i++)); do
		if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$EXP_PORT/"; then
			return 0
		fi
		if ! kill -0 "$EXP_PID" 2>/dev/null; then
			wait "$EXP_PID"
			EXP_RC=$?
			EXP_PID=
			fail "$name: exporter exited with code $EXP_RC during start-up" \
				"$(tail -n 20 "$EXP_LOG")"
			return 1
		fi
		sleep 0.05
	done
	fail "$name: exporter did not answer within ${START_TIMEOUT}s" "$(tail -n 20 "$EXP_LOG")"
	stop_exporter TERM
	return 1
}

# stop_exporter [SIGNAL]: signals the exporter (TERM by default), waits for it to exit
# (KILL after STOP_TIMEOUT) and sets EXP_RC to its exit code.
stop_exporter()
{
	local sig=${1:-TERM} i

	[ -n "$EXP_PID" ] || return 0
	kill -s "$sig" "$EXP_PID" 2>/dev/null
	for ((i = 0; i < STOP_TIMEOUT * 20; i++)); do
		kill -0 "$EXP_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$EXP_PID" 2>/dev/null; then
		echo "e2e: exporter did not stop on SIG$sig, killing it" >&2
		kill -s KILL "$EXP_PID" 2>/dev/null
	fi
	wait "$EXP_PID" 2>/dev/null
	EXP_RC=$?
	EXP_PID=
}

# run_once NAME ARGS...: runs the exporter in the foreground (for runs that must exit by
# themselves), bounded by a timeout; sets EXP_RC and EXP_LOG (stdout and stderr).
run_once()
{
	local name=$1

	shift
	pick_port || return 1
	EXP_LOG=$WORK/$name.log
	timeout -s KILL 30 "$EXPORTER" --web.listen-address="127.0.0.1:$EXP_PORT" "$@" \
		>"$EXP_LOG" 2>&1 </dev/null
	EXP_RC=$?
}

# scrape FILE [PATH [CURL_ARGS...]]: GETs PATH (default /metrics) into FILE, prints the
# HTTP status code.
scrape()
{
	local file=$1 path=${2:-/metrics}

	shift 2 2>/dev/null || shift $#
	curl -sS --max-time 10 -o "$file" -w '%{http_code}' "$@" \
		"http://127.0.0.1:$EXP_PORT$path"
}

# trigger CPU OP...: runs the trigger pinned to CPU.
trigger()
{
	local cpu=$1

	shift
	if ! taskset -c "$cpu" "$TRIGGER" "$@"; then
		fail "trigger $* failed"
		return 1
	fi
}

# ---------------------------------------------------------------------------------------
# Assertions on scrapes and logs

# has_line FILE LINE: FILE has exactly this line.
has_line()
{
	grep -qxF -- "$2" "$1"
}

check_line()
{
	local name=$1 file=$2 line=$3

	if has_line "$file" "$line"; then
		pass "$name"
	else
		fail "$name" "missing line: $line" \
			"have: $(grep -F -- "${line%%[{ ]*}" "$file" | head -n 10)"
	fi
}

# check_log NAME FILE FIXED_STRING: FILE contains the string.
check_log()
{
	local name=$1 file=$2 text=$3

	if grep -qF -- "$text" "$file"; then
		pass "$name"
	else
		fail "$name" "missing in log: $text" "log: $(tail -n 15 "$file")"
	fi
}

# family_lines FILE NAME_REGEX: HELP, TYPE and sample lines of the matching families.
family_lines()
{
	grep -E "^(# (HELP|TYPE) )?($2)([{ ]|$)" "$1"
}

# check_block NAME FILE NAME_REGEX EXPECTED_FILE: the families' lines are exactly these.
check_block()
{
	local name=$1 file=$2 regex=$3 want=$4 diff

	if diff=$(diff -u "$want" <(family_lines "$file" "$regex")); then
		pass "$name"
	else
		fail "$name" "$diff"
	fi
}

# promcheck NAME FILE: promtool parses the scrape. Lint findings (exit 3) do not fail the
# check: some built-in names are upstream's (counters without _total); they are listed.
promcheck()
{
	local name=$1 file=$2 out rc

	out=$(promtool check metrics <"$file" 2>&1)
	rc=$?
	case $rc in
	0) pass "promtool: $name" ;;
	3)
		pass "promtool: $name (lint findings below are not errors)"
		printf '%s\n' "$out" | sed 's/^/    lint: /'
		;;
	*) fail "promtool: $name (exit $rc)" "$out" ;;
	esac
}

# Value of the first sample line starting with PREFIX (e.g. `name{a="b"}`), or empty.
sample_value()
{
	local file=$1 prefix=$2

	grep -F -- "$prefix " "$file" | grep -m1 -E '^[^#]' | awk '{ print $NF }'
}

# The same, or 0 when there is no such sample.
sample_value_or0()
{
	local v

	v=$(sample_value "$1" "$2")
	echo "${v:-0}"
}

# prog_id FILE CONFIG PROGRAM: the program's id from ebpf_exporter_ebpf_program_info.
prog_id()
{
	sed -n "s/^ebpf_exporter_ebpf_program_info{config=\"$2\",id=\"\([0-9]*\)\",program=\"$3\",tag=\"[0-9a-f]*\"} 1\$/\1/p" "$1" | head -n 1
}

# all_prog_ids FILE: every program id the exporter lists.
all_prog_ids()
{
	sed -n 's/^ebpf_exporter_ebpf_program_info{.*,id="\([0-9]*\)",.*} 1$/\1/p' "$1"
}

# check_progs_gone NAME ID...: none of the program ids exists any more (bounded wait: the
# kernel frees programs shortly after their last reference goes).
check_progs_gone()
{
	local name=$1 i id left

	shift
	for ((i = 0; i < 60; i++)); do
		left=
		for id in "$@"; do
			bpftool prog show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -z "$left" ] && break
		sleep 0.05
	done
	if [ $# -eq 0 ]; then
		fail "$name" "no program ids to check"
	elif [ -z "$left" ]; then
		pass "$name"
	else
		fail "$name" "programs still loaded:$left"
	fi
}

# check_no_prog_named NAME PROG...: bpftool lists no program with these names.
check_no_prog_named()
{
	local name=$1 names found=

	shift
	names=$(bpftool prog show 2>/dev/null | sed -n 's/^[0-9]*: .* name \([^ ]*\) .*/\1/p')
	for prog in "$@"; do
		printf '%s\n' "$names" | grep -qxF -- "$prog" && found="$found $prog"
	done
	if [ -z "$found" ]; then
		pass "$name"
	else
		fail "$name" "still loaded:$found"
	fi
}

# check_exit NAME WANT_RC: the last run_once/stop_exporter exit code.
check_exit()
{
	if [ "$EXP_RC" -eq "$2" ]; then
		pass "$1"
	else
		fail "$1" "exit code $EXP_RC, want $2" "log: $(tail -n 15 "$EXP_LOG")"
	fi
}

# Sanitizer builds (make san) report into the logs; any report is a failure.
check_sanitizer_logs()
{
	local found

	found=$(grep -lE 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK"/*.log 2>/dev/null)
	if [ -z "$found" ]; then
		pass "no sanitizer reports in any exporter log"
	else
		fail "no sanitizer reports in any exporter log" "$found"
	fi
}

# ---------------------------------------------------------------------------------------
# A real Prometheus server

PROM_PID=
PROM_DIR=
PROM_PORT=

# prom_start NAME PORT_BASE [FLAGS...]: starts Debian's Prometheus scraping the running
# exporter every second, on the first free port from PORT_BASE (in PROM_PORT), storing in
# $WORK/NAME and logging to $WORK/NAME.log, ended after 180 s at the latest. Returns non-zero
# (after a FAIL line) when prometheus is not installed.
prom_start()
{
	local name=$1 base=$2

	shift 2
	if ! command -v prometheus >/dev/null; then
		fail "$name: the prometheus binary is installed (Debian package prometheus)"
		return 1
	fi
	for ((PROM_PORT = base; PROM_PORT < base + 100; PROM_PORT++)); do
		port_in_use "$PROM_PORT" || break
	done
	PROM_DIR=$WORK/$name
	mkdir -p "$PROM_DIR/data"
	printf '%s\n' 'global:' '  scrape_interval: 1s' '  evaluation_interval: 1s' \
		'scrape_configs:' '  - job_name: ebpf_exporter' '    static_configs:' \
		"      - targets: ['127.0.0.1:$EXP_PORT']" >"$PROM_DIR/prometheus.yml"
	# Stopped by the caller; the trap covers an interrupted run, the timeout a lost one.
	trap 'prom_stop; cleanup' EXIT
	timeout -s KILL 180 prometheus --config.file="$PROM_DIR/prometheus.yml" \
		--storage.tsdb.path="$PROM_DIR/data" --web.listen-address="127.0.0.1:$PROM_PORT" \
		--log.level=warn "$@" >"$WORK/$name.log" 2>&1 &
	PROM_PID=$!
}

# shellcheck disable=SC2317 # also called from the EXIT trap
prom_stop()
{
	local i

	if [ -n "$PROM_PID" ]; then
		kill "$PROM_PID" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			kill -0 "$PROM_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -s KILL "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
		PROM_PID=
	fi
	[ -n "$PROM_DIR" ] && rm -rf "$PROM_DIR"
	PROM_DIR=
}

# prom_query PORT QUERY: the value of the first sample of an instant query, or empty.
prom_query()
{
	curl -sS --max-time 5 --data-urlencode "query=$2" "http://127.0.0.1:$1/api/v1/query" 2>/dev/null |
		sed -n 's/.*"result":\[{"metric":{[^}]*},"value":\[[0-9.]*,"\([^"]*\)"\]}.*/\1/p'
}

# ---------------------------------------------------------------------------------------
# Helpers of several suites

# Per-CPU slot labels in the order the series sort (as strings).
cpu_labels()
{
	seq 0 $((NCPU - 1)) | LC_ALL=C sort
}

header()
{
	tr -d '\r' <"$1" | sed -n "s/^$2: *//Ip" | tail -n 1
}

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

# Unsets every OTEL_* variable, so that a run exports only what its test asks for.
otel_env_clear()
{
	local v

	for v in $(compgen -e | grep '^OTEL_'); do
		unset "$v"
	done
}

# prom_start_config NAME PORT_BASE CONFIG [FLAGS...]: prom_start with the caller's
# prometheus.yml (its own scheme, auth and TLS settings) instead of the generated one.
prom_start_config()
{
	local name=$1 base=$2 config=$3

	shift 3
	if ! command -v prometheus >/dev/null; then
		fail "$name: the prometheus binary is installed (Debian package prometheus)"
		return 1
	fi
	for ((PROM_PORT = base; PROM_PORT < base + 100; PROM_PORT++)); do
		port_in_use "$PROM_PORT" || break
	done
	PROM_DIR=$WORK/$name
	mkdir -p "$PROM_DIR/data"
	trap 'prom_stop; cleanup' EXIT
	timeout -s KILL 180 prometheus --config.file="$config" \
		--storage.tsdb.path="$PROM_DIR/data" --web.listen-address="127.0.0.1:$PROM_PORT" \
		--log.level=warn "$@" >"$WORK/$name.log" 2>&1 &
	PROM_PID=$!
}
