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
