#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every cmocka binary given, prints their output and one summary line.
set -u
passed=0
failed=0
for t in "$@"; do
	if "$t"; then
		passed=$((passed + 1))
	else
		echo "unit: FAILED: $t" >&2
		failed=$((failed + 1))
	fi
done
echo "unit suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
