#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Deployment checks: the static binary, the systemd units, the Kubernetes objects and the
# Grafana dashboards under contrib/, each checked by a tool that knows its format. Run once
# by `make test` (not again under the sanitizers: nothing here is the exporter's own code
# path beyond what e2e covers).
#
# Usage (as root): run.sh BUILD_DIR
#   BUILD_DIR holds ebpf_exporter and static/ebpf_exporter (make build-static); the
#   examples' objects are built next to their sources in examples/.
# Each check lives in check_NAME.sh next to this script, defining a function check_NAME.
# DEPLOY_ONLY=check_NAME (a space-separated list) runs only those. Prints one PASS/FAIL line
# per check and ends with `deploy: N passed, M failed`; exits non-zero if anything failed.

set -u -o pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/ebpf-exporter-deploy.XXXXXX)
PASSED=0
FAILED=0

# pass, fail, check and section are e2e's.
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$HERE/../e2e/lib.sh"

# Cleanup steps the checks register (cleanup_add CMD...), run in reverse on every exit.
CLEANUPS=()
cleanup_add()
{
	CLEANUPS+=("$*")
}

# shellcheck disable=SC2317 # trap handler
cleanup()
{
	local i

	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bg_stop PID: stops a process a check started (SIGTERM, SIGKILL after 10 s) and reaps it.
bg_stop()
{
	local i

	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# bg_wait_http PORT PID: true once http://127.0.0.1:PORT/ answers (within 15 s), false when PID
# exits first or time runs out.
bg_wait_http()
{
	local i

	for ((i = 0; i < 150; i++)); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

for f in "$HERE"/check_*.sh; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .sh)
	if [ -n "${DEPLOY_ONLY:-}" ] && [[ " $DEPLOY_ONLY " != *" $name "* ]]; then
		continue
	fi
	section "$name"
	# shellcheck source=/dev/null
	. "$f"
	"$name"
done

echo "deploy: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
