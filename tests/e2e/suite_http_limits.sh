# SPDX-License-Identifier: MIT
# End-to-end tests of the HTTP server under floods, on loopback only: 2,000 idle half-sent
# requests from 21 client addresses never keep a scrape from being accepted and answered and
# cost little memory; the request deadline closes them, and a client that trickles its request
# byte by byte; idle keep-alive connections stay until the idle timeout; wrk with 64
# connections gets no socket errors; the connection limit follows the open file limit.
#
# Sourced by run.sh, which calls suite_http_limits; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

HL_PY=/usr/bin/python3
HL_CLIENTS=$HERE/http_clients.py
# The RSS the exporter may reach with 2,000 idle connections.
HL_RSS_MAX_KIB=$((48 * 1024))
# ... and what they may add to it in a build with AddressSanitizer.
HL_RSS_GROWTH_KIB=$((64 * 1024))

# hl_json FILE KEY: one value of a JSON object in FILE.
hl_json()
{
	"$HL_PY" -c 'import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
print("null" if v is None else v)' "$1" "$2" 2>/dev/null
}

hl_rss_kib()
{
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

hl_fds()
{
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# hl_scrape_exact NAME FILE [CURL_ARGS...]: a scrape answers 200 with the exact test series.
hl_scrape_exact()
{
	local name=$1 file=$2 code

	shift 2
	code=$(scrape "$file" /metrics "$@")
	if [ "$code" = 200 ] &&
		has_line "$file" 'ebpf_exporter_e2e_hash_total{id="42",name="flood"} 3' &&
		has_line "$file" 'ebpf_exporter_e2e_nolabels_total 7'; then
		pass "$name"
	else
		fail "$name" "status $code" "$(grep -E 'e2e_(hash|nolabels)_total' "$file" 2>/dev/null)"
	fi
}

hl_flood()
{
	local ready=$WORK/hl-ready.json report=$WORK/hl-report.json args=() i hpid rss0 rss fds0
	local opened first last

	start_exporter http-flood --config.dir="$HERE" --config.names=counters || return
	trigger "$CPU_A" 1:3:42:s=flood 5:1:7:0 || return
	check_log "http: the limits are logged" "$EXP_LOG" \
		"Serving HTTP: at most "
	check_log "http: ... with the default request and idle timeouts" "$EXP_LOG" \
		"connections, 10s for a request to arrive, 300s idle"
	rss0=$(hl_rss_kib "$EXP_PID")
	fds0=$(hl_fds "$EXP_PID")
	args=(--from 127.0.0.1:1000)
	for ((i = 2; i <= 21; i++)); do
		args+=(--from "127.0.0.$i:50")
	done
	rm -f "$ready" "$report"
	"$HL_PY" "$HL_CLIENTS" hold --port "$EXP_PORT" "${args[@]}" --ready "$ready" \
		--report "$report" --seconds 25 &
	hpid=$!
	for ((i = 0; i < 300; i++)); do
		[ -s "$ready" ] && break
		sleep 0.05
	done
	opened=$(hl_json "$ready" opened)
	check "http flood: 2,000 half-sent requests from 21 addresses are open (${opened:-none}, $(hl_json "$ready" failed) failed)" \
		[ "${opened:-0}" -eq 2000 ]
	# Each one is accepted: the exporter holds a socket for each.
	check_within "http flood: the exporter accepted every one" 5 \
		sh -c "[ \$(find /proc/$EXP_PID/fd -mindepth 1 -maxdepth 1 | wc -l) -ge $((fds0 + 2000)) ]"
	hl_scrape_exact "http flood: a scrape from 127.0.0.1 answers 200 with the exact series" \
		"$WORK/hl-a.prom"
	hl_scrape_exact "http flood: a scrape from 127.0.0.99 answers 200 with the exact series" \
		"$WORK/hl-b.prom" --interface 127.0.0.99
	rss=$(hl_rss_kib "$EXP_PID")
	echo "    RSS ${rss0} KiB idle, ${rss} KiB with 2,000 idle connections"
	# AddressSanitizer's shadow memory and quarantine more than double what an allocation
	# costs: in a sanitized build only the growth is bounded.
	if grep -q libasan "/proc/$EXP_PID/maps"; then
		check "http flood: 2,000 idle connections add less than $((HL_RSS_GROWTH_KIB / 1024)) MiB under ASan ($((rss - rss0)) KiB)" \
			[ $((rss - rss0)) -le "$HL_RSS_GROWTH_KIB" ]
	else
		check "http flood: RSS with 2,000 idle connections stays below $((HL_RSS_MAX_KIB / 1024)) MiB (${rss} KiB)" \
			[ "${rss:-999999999}" -le "$HL_RSS_MAX_KIB" ]
	fi
	wait "$hpid"
	first=$(hl_json "$report" first_close_s)
	last=$(hl_json "$report" last_close_s)
	check "http flood: the request deadline closed all of them ($(hl_json "$report" closed) of 2000)" \
		[ "$(hl_json "$report" closed)" = 2000 ]
	check "http flood: ... no sooner than 10 s (first after $first s)" \
		"$HL_PY" -c "import sys; sys.exit(not 9.5 <= float('$first'))"
	check "http flood: ... and not much later (last after $last s)" \
		"$HL_PY" -c "import sys; sys.exit(not float('$last') <= 14)"
	check_within "http flood: their sockets are released" 5 \
		sh -c "[ \$(find /proc/$EXP_PID/fd -mindepth 1 -maxdepth 1 | wc -l) -le $((fds0 + 2)) ]"
	hl_scrape_exact "http flood: scrapes answer afterwards" "$WORK/hl-c.prom"
	stop_exporter TERM
	check "http flood: exits 0" [ "$EXP_RC" -eq 0 ]
}

hl_deadlines()
{
	local out

	start_exporter http-deadline --config.dir="$HERE" --config.names=counters \
		--web.request-timeout=2s --web.idle-timeout=4s || return
	out=$("$HL_PY" "$HL_CLIENTS" trickle --port "$EXP_PORT" --interval 0.2 --seconds 20)
	if "$HL_PY" -c 'import json, sys
r = json.loads(sys.argv[1])
sys.exit(not (r["closed"] and 1.9 <= r["after_s"] <= 4 and r["bytes"] > 5))' "$out"; then
		pass "http deadline: a request trickled byte by byte is closed at 2 s ($out)"
	else
		fail "http deadline: a request trickled byte by byte is closed at 2 s" "$out"
	fi
	out=$("$HL_PY" "$HL_CLIENTS" keepalive --port "$EXP_PORT" --idle 3)
	check "http deadline: an idle keep-alive connection outlives the request deadline ($out)" \
		[ "$out" = '{"first": 200, "second": 200, "closed_after_s": null}' ]
	out=$("$HL_PY" "$HL_CLIENTS" keepalive --port "$EXP_PORT" --idle 1 --partial)
	if "$HL_PY" -c 'import json, sys
r = json.loads(sys.argv[1])
sys.exit(not (r["first"] == 200 and r["closed_after_s"] and 1.9 <= r["closed_after_s"] <= 4))' "$out"; then
		pass "http deadline: a half-sent second request is closed 2 s after its first byte ($out)"
	else
		fail "http deadline: a half-sent second request is closed 2 s after its first byte" "$out"
	fi
	out=$("$HL_PY" "$HL_CLIENTS" keepalive --port "$EXP_PORT" --idle 8)
	if "$HL_PY" -c 'import json, sys
r = json.loads(sys.argv[1])
sys.exit(not (r["first"] == 200 and r["closed_after_s"] and -6.5 <= r["closed_after_s"] <= -3.9))' "$out"; then
		pass "http deadline: --web.idle-timeout=4s closes an idle keep-alive connection ($out)"
	else
		fail "http deadline: --web.idle-timeout=4s closes an idle keep-alive connection" "$out"
	fi
	check_log "http deadline: the timeouts are logged" "$EXP_LOG" \
		"connections, 2s for a request to arrive, 4s idle"
	stop_exporter TERM
}

hl_wrk()
{
	local out req

	start_exporter http-wrk --config.dir="$HERE" --config.names=counters || return
	trigger "$CPU_A" 1:3:42:s=flood 5:1:7:0 || return
	out=$(wrk -t2 -c64 -d8s --timeout 5s "http://127.0.0.1:$EXP_PORT/metrics" 2>&1)
	req=$(echo "$out" | awk '/requests in/ { print $1 }')
	echo "$out" | sed 's/^/    /'
	check "wrk -t2 -c64 -d8s: requests were answered (${req:-0})" [ "${req:-0}" -gt 0 ]
	check "wrk -t2 -c64 -d8s: no socket errors" eval "! echo \"\$out\" | grep -q 'Socket errors'"
	check "wrk -t2 -c64 -d8s: no non-2xx answers" eval "! echo \"\$out\" | grep -q 'Non-2xx'"
	hl_scrape_exact "wrk: the series are still exact afterwards" "$WORK/hl-w.prom"
	stop_exporter TERM
}

hl_fd_limit()
{
	local soft hard

	# The soft open file limit is raised to the hard one, and the connection limit follows it.
	start_exporter http-nofile --config.dir="$HERE" --config.names=counters || return
	soft=$(awk '/^Max open files/ { print $4 }' "/proc/$EXP_PID/limits")
	hard=$(awk '/^Max open files/ { print $5 }' "/proc/$EXP_PID/limits")
	stop_exporter TERM
	check "http limits: the soft open file limit is raised to the hard one ($soft, $hard)" \
		[ "$soft" = "$hard" ]
	(
		ulimit -S -n 600
		start_exporter http-nofile-600 --config.dir="$HERE" --config.names=counters || exit 1
		n=$(sed -n 's/.*Serving HTTP: at most \([0-9]*\) connections.*/\1/p' "$EXP_LOG")
		stop_exporter TERM
		# raised to the hard limit again, whatever the soft one was
		[ "${n:-0}" -gt 600 ]
	)
	check "http limits: a low soft limit is raised too" [ $? -eq 0 ]
	(
		ulimit -n 600
		start_exporter http-nofile-600h --config.dir="$HERE" --config.names=counters || exit 1
		n=$(sed -n 's/.*Serving HTTP: at most \([0-9]*\) connections.*/\1/p' "$EXP_LOG")
		stop_exporter TERM
		echo "    limit $n with RLIMIT_NOFILE 600"
		[ "${n:-0}" -gt 200 ] && [ "${n:-0}" -le $((600 - 256)) ]
	)
	check "http limits: with a hard limit of 600, fewer than 600 - 256 connections" [ $? -eq 0 ]
	start_exporter http-maxconn --config.dir="$HERE" --config.names=counters \
		--web.max-connections=100 || return
	check_log "http limits: --web.max-connections=100 is used" "$EXP_LOG" \
		"Serving HTTP: at most 100 connections"
	stop_exporter TERM
}

suite_http_limits()
{
	section "http: floods, deadlines, keep-alive, wrk, limits"
	if ! command -v wrk >/dev/null; then
		fail "http: wrk is not installed"
		return
	fi
	hl_flood
	hl_deadlines
	hl_wrk
	hl_fd_limit
}
