# SPDX-License-Identifier: MIT
# End-to-end tests of the HTTP server against hostile requests, on loopback only: requests
# whose length two readers could read differently (two Content-Length headers, Transfer-Encoding
# beside Content-Length) get 400 and a closed connection, and the request pipelined behind
# them is never answered; malformed lengths, chunks and header names get 400; huge headers
# and URLs 431 and 414; 1,500 Accept clauses an ordinary answer; TLS bytes on the
# plain port a close by the request deadline; slow readers holding responses and scrapers
# abandoning them mid-body never cost another client its scrape.
#
# Sourced by run.sh, which calls suite_http_hostile; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# shellcheck source=tests/e2e/suite_http_limits.sh
. "$HERE/suite_http_limits.sh"

HH_PY=/usr/bin/python3
HH_CLIENT=$HERE/http_hostile.py

# hh_json JSON KEY: one value of a JSON object.
hh_json()
{
	"$HH_PY" -c 'import json, sys
v = json.loads(sys.argv[1]).get(sys.argv[2])
print("null" if v is None else str(v).lower())' "$1" "$2" 2>/dev/null
}

# hh_exact NAME: a scrape answers 200 with the exact test series (hl_scrape_exact's).
hh_exact()
{
	hl_scrape_exact "$1" "$WORK/hh-scrape.prom"
}

# hh_probe CASE STATUS [WAIT]: the case is answered STATUS exactly once and the connection
# closed.
hh_probe()
{
	local case=$1 want=$2 wait=${3:-5} out status closed n

	out=$("$HH_PY" "$HH_CLIENT" probe --port "$EXP_PORT" --case "$case" --wait "$wait")
	status=$(hh_json "$out" status)
	closed=$(hh_json "$out" closed)
	n=$(hh_json "$out" responses)
	check "http hostile: $case: $want, one answer, the connection closed ($out)" \
		[ "$status/$closed/$n" = "$want/true/1" ]
}

suite_http_hostile()
{
	local out spid fds0

	section "http: hostile requests"
	start_exporter http-hostile --config.dir="$HERE" --config.names=counters \
		--web.request-timeout=3s || return
	trigger "$CPU_A" 1:3:42:s=flood 5:1:7:0 || return
	fds0=$(find "/proc/$EXP_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)

	# Smuggling attempts: 400, closed, and the GET pipelined behind never answered.
	hh_probe two-lengths 400
	hh_probe te-and-length 400
	# libmicrohttpd answers this one itself, before the handler sees the request (0.9.75
	# writes its response head twice, the second time as the body): 400 and closed.
	out=$("$HH_PY" "$HH_CLIENT" probe --port "$EXP_PORT" --case negative-length)
	check "http hostile: negative-length: 400, the connection closed ($out)" \
		[ "$(hh_json "$out" status)/$(hh_json "$out" closed)" = 400/true ]
	hh_probe bad-chunk 400
	hh_probe nul-in-name 400
	hh_probe huge-header 431
	hh_probe huge-url 414
	hh_probe many-accepts 200
	# TLS on the plain port: closed unanswered (at the latest by the 3 s request deadline).
	out=$("$HH_PY" "$HH_CLIENT" probe --port "$EXP_PORT" --case tls-to-plain --wait 8)
	check "http hostile: a TLS ClientHello on the plain port is closed unanswered ($out)" \
		[ "$(hh_json "$out" status)/$(hh_json "$out" closed)" = null/true ]
	hh_exact "http hostile: a scrape after them answers 200 with the exact series"

	# Slow readers: eight connections that read nothing for 3 s hold their answers while
	# others scrape, then get them whole.
	"$HH_PY" "$HH_CLIENT" slow --port "$EXP_PORT" --path /metrics --count 8 --hold 3 \
		>"$WORK/hh-slow.json" &
	spid=$!
	sleep 0.5
	hh_exact "http hostile: a scrape while 8 slow readers hold their answers"
	hh_exact "http hostile: ... and another"
	wait "$spid"
	out=$(cat "$WORK/hh-slow.json")
	check "http hostile: the slow readers then read their answers whole ($out)" \
		[ "$(hh_json "$out" complete)" = 8 ]

	# Scrapers that stop reading mid-response and close.
	out=$("$HH_PY" "$HH_CLIENT" abandon --port "$EXP_PORT" --path /metrics --count 20)
	check "http hostile: 20 scrapes abandoned mid-response ($out)" \
		[ "$(hh_json "$out" abandoned)" = 20 ]
	hh_exact "http hostile: a scrape after them answers 200 with the exact series"
	check_within "http hostile: every hostile connection's socket is released" 5 \
		sh -c "[ \$(find /proc/$EXP_PID/fd -mindepth 1 -maxdepth 1 | wc -l) -le $fds0 ]"
	stop_exporter TERM
	check "http hostile: SIGTERM exits 0" [ "$EXP_RC" = 0 ]
}
