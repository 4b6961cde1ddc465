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

# The suites live in suite_NAME.sh files next to this script, each defining a function
# suite_NAME that uses the helpers in lib.sh. E2E_ONLY=suite_NAME (a space-separated list)
# runs only those suites.
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
run_suites
check_sanitizer_logs
finish
