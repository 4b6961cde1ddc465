# SPDX-License-Identifier: MIT
# End-to-end tests of tracing: spans from real ring buffers (a uprobe on the trigger,
# spans.bpf.c, with ids chosen by the test) exported to a local OTLP receiver
# (otlp_receiver.py: Python's protobuf and grpcio, the OTLP .proto compiled by protoc here) over
# http/protobuf, http/json and grpc, with and without gzip, over TLS; a receiver that answers
# 503 or is down; the shutdown flush; the console exporter; samplers; start-up errors; and the
# tracing examples (exec-trace, usdt-span with its demo, bio-trace).
#
# Sourced by run.sh, which calls suite_tracing; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

TR_PY=/usr/bin/python3 # Debian's: python3 first on PATH may be a version-manager shim

# tr_wait_file FILE SECONDS: waits for FILE to exist.
tr_wait_file()
{
	local i

	for ((i = 0; i < $2 * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# tr_receiver_start [ARGS...]: the receiver on TR_HTTP_PORT and TR_GRPC_PORT, recording into
# TR_OUT, answering as TR_MODE says. Returns non-zero (after a FAIL) when it does not start.
tr_receiver_start()
{
	rm -f "$TR_DIR/ready"
	"$TR_PY" "$HERE/otlp_receiver.py" serve --pydir "$TR_DIR/py" --out "$TR_OUT" \
		--http-port "$TR_HTTP_PORT" --grpc-port "$TR_GRPC_PORT" --mode-file "$TR_MODE" \
		--ready-file "$TR_DIR/ready" "$@" >>"$TR_DIR/receiver.log" 2>&1 &
	TR_RPID=$!
	if ! tr_wait_file "$TR_DIR/ready" 15; then
		fail "tracing: the OTLP receiver did not start" "$(tail -n 20 "$TR_DIR/receiver.log")"
		tr_receiver_stop
		return 1
	fi
}

tr_receiver_stop()
{
	[ -n "$TR_RPID" ] || return 0
	kill "$TR_RPID" 2>/dev/null
	wait "$TR_RPID" 2>/dev/null
	TR_RPID=
}

# Spans recorded so far (in requests the receiver accepted).
tr_span_count()
{
	"$TR_PY" -c 'import json, sys
print(sum(len(json.loads(l)["spans"]) for l in open(sys.argv[1])))' "$TR_OUT" 2>/dev/null || echo 0
}

# Requests recorded with HTTP status $1.
tr_request_count()
{
	"$TR_PY" -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"] == int(sys.argv[2])))' \
		"$TR_OUT" "$1" 2>/dev/null || echo 0
}

# tr_wait_spans N [SECONDS]: until the receiver has N spans.
tr_wait_spans()
{
	local i

	for ((i = 0; i < ${2:-10} * 10; i++)); do
		[ "$(tr_span_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# tr_wait_metric NAME_WITH_LABELS VALUE [SECONDS]: until a scrape shows the sample = VALUE.
tr_wait_metric()
{
	local i

	for ((i = 0; i < ${3:-10} * 10; i++)); do
		scrape "$TR_DIR/wait.prom" >/dev/null
		[ "$(sample_value "$TR_DIR/wait.prom" "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# tr_metric NAME_WITH_LABELS: the sample's value in a fresh scrape (0 when absent).
tr_metric()
{
	local v

	scrape "$TR_DIR/now.prom" >/dev/null
	v=$(sample_value "$TR_DIR/now.prom" "$1")
	echo "${v:-0}"
}

# tr_check NAME EXPECT_JSON: the receiver's spans meet the expectations (otlp_receiver.py check).
tr_check()
{
	printf '%s\n' "$2" >"$TR_DIR/expect.json"
	# Spans arrive asynchronously: give the last of them up to TR_CHECK_WAIT seconds.
	check_within "$1" "${TR_CHECK_WAIT:-5}" \
		"$TR_PY" "$HERE/otlp_receiver.py" check "$TR_OUT" "$TR_DIR/expect.json"
}

# tr_requests_all NAME PY_EXPR: every accepted request r satisfies the Python expression.
tr_requests_all()
{
	local out

	if out=$("$TR_PY" -c 'import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
reqs = [r for r in reqs if r["status"] == 200]
bad = [r for r in reqs if not eval(sys.argv[2])]
if not reqs or bad:
    print(f"{len(bad)} of {len(reqs)} requests fail {sys.argv[2]}: {bad[:1]}")
    sys.exit(1)' "$TR_OUT" "$2" 2>&1); then
		pass "$1"
	else
		fail "$1" "$out"
	fi
}

# Hex, memory order, of a u64 on this (little-endian) machine.
tr_le_hex()
{
	local v=$1 i out=

	for ((i = 0; i < 8; i++)); do
		out="$out$(printf '%02x' $(((v >> (8 * i)) & 0xff)))"
	done
	echo "$out"
}

tr_now_ns()
{
	date +%s%N
}

tr_setup()
{
	local tool protos

	TR_DIR=$WORK/tracing
	TR_OUT=$TR_DIR/out.jsonl
	TR_MODE=$TR_DIR/mode
	TR_RPID=
	rm -rf "$TR_DIR"
	mkdir -p "$TR_DIR/py"
	for tool in "$TR_PY" protoc openssl; do
		if ! command -v "$tool" >/dev/null; then
			fail "tracing: $tool is not installed (scripts/deps.sh installs it)"
			return 1
		fi
	done
	if ! "$TR_PY" -c 'import google.protobuf, grpc' 2>"$TR_DIR/import.log"; then
		fail "tracing: python3-protobuf and python3-grpcio are needed" "$(cat "$TR_DIR/import.log")"
		return 1
	fi
	# The receiver's decoder: Python modules generated from the repository's OTLP protos.
	mapfile -t protos < <(cd "$ROOT/proto" && find opentelemetry -name '*.proto' | sort)
	if ! protoc --proto_path="$ROOT/proto" --python_out="$TR_DIR/py" "${protos[@]}" \
		2>"$TR_DIR/protoc.log"; then
		fail "tracing: protoc failed" "$(cat "$TR_DIR/protoc.log")"
		return 1
	fi
	pick_port || return 1
	TR_HTTP_PORT=$EXP_PORT
	pick_port || return 1
	TR_GRPC_PORT=$EXP_PORT
	: >"$TR_MODE"
	# curl must not send loopback traffic to a proxy from the environment
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	otel_env_clear
}

# ---------------------------------------------------------------------------------------

# One exporter run per protocol and compression: exact ids, parent links, names, attributes,
# resource, times, headers; counters and the decode error.
tr_protocols()
{
	local proto gz n=0 a ahex trace name t0 t1 endpoint enc zipped s

	tr_receiver_start || return
	for proto in http/protobuf http/json grpc; do
		for gz in none gzip; do
			n=$((n + 1))
			name="$proto $gz"
			a=$((0x5100 + n))
			ahex=$(printf '0x%x' "$a")
			trace="$(tr_le_hex "$a")$(tr_le_hex $((~a)))"
			: >"$TR_OUT"
			endpoint=http://127.0.0.1:$TR_HTTP_PORT
			[ "$proto" = grpc ] && endpoint=http://127.0.0.1:$TR_GRPC_PORT
			export OTEL_EXPORTER_OTLP_ENDPOINT=$endpoint
			export OTEL_EXPORTER_OTLP_PROTOCOL=$proto OTEL_EXPORTER_OTLP_COMPRESSION=$gz
			export OTEL_BSP_SCHEDULE_DELAY=100 OTEL_SERVICE_NAME=e2e-default
			export OTEL_RESOURCE_ATTRIBUTES='deployment.environment=e2e,team=ebpf%20tracing'
			export OTEL_EXPORTER_OTLP_HEADERS='x-e2e-token=s3cret'
			start_exporter "tracing-${proto/\//-}-$gz" --config.dir="$HERE" \
				--config.names=spans
			s=$?
			otel_env_clear
			[ $s -eq 0 ] || continue
			t0=$(tr_now_ns)
			trigger "$CPU_A" "80:1:$ahex:0x2222" "80:1:$ahex:0" 81:1:5000:0 82:1:1:1
			t1=$(tr_now_ns)
			if ! tr_wait_spans 3; then
				fail "tracing $name: 3 spans arrive" "receiver has $(tr_span_count)" \
					"$(tail -n 5 "$EXP_LOG")"
				stop_exporter TERM
				continue
			fi
			tr_check "tracing $name: spans with their ids, parents, attributes, resource, times" "[
 {\"match\": {\"trace_id\": \"$trace\", \"span_id\": \"2322000000000000\"},
  \"want\": {\"parent_span_id\": \"2222000000000000\", \"name\": \"e2e_span\", \"kind\": 1,
   \"flags\": 769, \"duration_ns\": 1000000, \"dropped_attributes\": 0,
   \"start_between\": [$((t0 - 3000000)), $t1],
   \"scope\": \"github.com/cloudflare/ebpf_exporter/v2/tracing\",
   \"attributes\": {\"value\": \"$a\", \"comm\": \"trigger\", \"op\": \"unknown:2\",
    \"ebpf_exporter.config\": \"spans\"},
   \"resource\": {\"service.name\": \"e2e-spans\", \"deployment.environment\": \"e2e\",
    \"team\": \"ebpf tracing\"}}},
 {\"match\": {\"trace_id\": \"$trace\", \"span_id\": \"0100000000000000\"},
  \"want\": {\"parent_span_id\": \"\", \"flags\": 257, \"name\": \"e2e_span\",
   \"attributes\": {\"op\": \"read\", \"value\": \"$a\"}}},
 {\"match\": {\"name\": \"ee-root\"},
  \"want\": {\"parent_span_id\": \"\", \"duration_ns\": 5000, \"start_between\": [$t0, $t1],
   \"attributes\": {\"kind\": \"81\", \"ebpf_exporter.config\": \"spans\"},
   \"resource\": {\"service.name\": \"e2e-default\", \"deployment.environment\": \"e2e\"}}}
]"
			enc=protobuf
			[ "$proto" = http/json ] && enc=json
			zipped=False
			[ "$gz" = gzip ] && zipped=True
			if [ "$proto" = grpc ]; then
				tr_requests_all "tracing $name: gRPC requests with the configured header" \
					"r['transport'] == 'grpc' and r['headers'].get('x-e2e-token') == 's3cret'"
			else
				tr_requests_all "tracing $name: $enc over HTTP, gzip=$zipped, with the header" \
					"r['transport'] == 'http' and r['path'] == '/v1/traces' and r['encoding'] == '$enc' and r['gzip'] == $zipped and r['headers'].get('x-e2e-token') == 's3cret' and r['headers']['user-agent'].startswith('ebpf_exporter/')"
			fi
			scrape "$TR_DIR/metrics.prom" >/dev/null
			if has_line "$TR_DIR/metrics.prom" 'ebpf_exporter_spans_exported_total{service="e2e-spans"} 2' &&
				has_line "$TR_DIR/metrics.prom" 'ebpf_exporter_spans_exported_total{service="e2e-default"} 1' &&
				has_line "$TR_DIR/metrics.prom" 'ebpf_exporter_spans_received_total{config="spans"} 4' &&
				has_line "$TR_DIR/metrics.prom" 'ebpf_exporter_decoder_errors_total{config="spans"} 1' &&
				has_line "$TR_DIR/metrics.prom" 'ebpf_exporter_span_export_errors_total 0'; then
				pass "tracing $name: received, exported and decoder error counters"
			else
				fail "tracing $name: received, exported and decoder error counters" \
					"$(grep -E 'span|decoder_errors' "$TR_DIR/metrics.prom" | grep -v '^#')"
			fi
			if [ $n -eq 1 ]; then
				check_log "tracing: a record with a zero trace id is logged" "$EXP_LOG" \
					"Error handing raw span bytes: error parsing trace_id \"00000000000000000000000000000000\": trace-id can't be all zero"
				promcheck "tracing scrape" "$TR_DIR/metrics.prom"
			fi
			stop_exporter TERM
			check_exit "tracing $name: SIGTERM exits 0" 0
		done
	done
	tr_receiver_stop

	# gzip over gRPC: a receiver that only takes uncompressed messages refuses it, with
	# UNIMPLEMENTED, or (grpcio answering before reading the request) by resetting the stream.
	tr_receiver_start --grpc-identity-only || return
	: >"$TR_OUT"
	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_GRPC_PORT OTEL_EXPORTER_OTLP_PROTOCOL=grpc
	export OTEL_EXPORTER_OTLP_COMPRESSION=gzip OTEL_BSP_SCHEDULE_DELAY=50 OTEL_BSP_EXPORT_TIMEOUT=500
	start_exporter tracing-grpc-gzip-refused --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -eq 0 ]; then
		trigger "$CPU_A" 80:1:0x77:0
		if tr_wait_metric 'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}' 1 &&
			[ "$(tr_span_count)" -eq 0 ] &&
			grep -qE 'gRPC status 12|Stream error in the HTTP/2 framing layer' "$EXP_LOG"; then
			pass "tracing grpc gzip: the message really is compressed (refused without gzip support)"
		else
			fail "tracing grpc gzip: the message really is compressed (refused without gzip support)" \
				"$(tail -n 5 "$EXP_LOG")"
		fi
		stop_exporter TERM
	fi
	tr_receiver_stop
}

# TLS: https for http/protobuf and grpc, trusting a certificate made here.
tr_tls()
{
	local proto s ep

	if ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
		-keyout "$TR_DIR/key.pem" -out "$TR_DIR/cert.pem" >"$TR_DIR/openssl.log" 2>&1; then
		fail "tracing tls: openssl makes a certificate" "$(cat "$TR_DIR/openssl.log")"
		return
	fi
	tr_receiver_start --tls-cert "$TR_DIR/cert.pem" --tls-key "$TR_DIR/key.pem" || return
	for proto in http/protobuf grpc; do
		: >"$TR_OUT"
		ep=https://127.0.0.1:$TR_HTTP_PORT
		[ "$proto" = grpc ] && ep=https://127.0.0.1:$TR_GRPC_PORT
		export OTEL_EXPORTER_OTLP_ENDPOINT=$ep OTEL_EXPORTER_OTLP_PROTOCOL=$proto
		export OTEL_EXPORTER_OTLP_CERTIFICATE=$TR_DIR/cert.pem OTEL_BSP_SCHEDULE_DELAY=50
		start_exporter "tracing-tls-${proto/\//-}" --config.dir="$HERE" --config.names=spans
		s=$?
		otel_env_clear
		[ $s -eq 0 ] || continue
		trigger "$CPU_A" 80:1:0x7151:0x10
		if tr_wait_spans 1; then
			tr_check "tracing tls $proto: the span arrives over TLS" "[
 {\"match\": {\"span_id\": \"1100000000000000\"},
  \"want\": {\"trace_id\": \"$(tr_le_hex 0x7151)$(tr_le_hex $((~0x7151)))\", \"parent_span_id\": \"1000000000000000\"}}]"
		else
			fail "tracing tls $proto: the span arrives over TLS" "$(tail -n 5 "$EXP_LOG")" \
				"$(tail -n 5 "$TR_DIR/receiver.log")"
		fi
		stop_exporter TERM
	done
	tr_receiver_stop

	# without the certificate, verification fails: counted, not retried forever
	export OTEL_EXPORTER_OTLP_ENDPOINT=https://127.0.0.1:$TR_HTTP_PORT OTEL_BSP_SCHEDULE_DELAY=50
	tr_receiver_start --tls-cert "$TR_DIR/cert.pem" --tls-key "$TR_DIR/key.pem" || return
	start_exporter tracing-tls-untrusted --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -eq 0 ]; then
		trigger "$CPU_A" 80:1:0x7152:0
		if tr_wait_metric 'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}' 1; then
			pass "tracing tls: an untrusted certificate fails the export and counts the drop"
		else
			fail "tracing tls: an untrusted certificate fails the export and counts the drop" \
				"$(tail -n 5 "$EXP_LOG")"
		fi
		stop_exporter TERM
	fi
	tr_receiver_stop
}

# A receiver answering 503, then down: scrapes stay fast, spans are retried then dropped and
# counted, the exporter recovers.
tr_failures()
{
	local s t ok gap failed i

	tr_receiver_start || return
	: >"$TR_OUT"
	printf 'status 503\nretry-after 1\n' >"$TR_MODE"
	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_HTTP_PORT OTEL_BSP_SCHEDULE_DELAY=50
	export OTEL_BSP_EXPORT_TIMEOUT=2500 OTEL_EXPORTER_OTLP_TIMEOUT=1000
	export OTEL_BSP_MAX_QUEUE_SIZE=5 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=5
	start_exporter tracing-503 --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -ne 0 ]; then
		tr_receiver_stop
		return
	fi
	# one batch of 3 spans, retried; while it is in flight 20 more come: 5 fit in the
	# queue (the second batch), 15 overflow
	trigger "$CPU_A" 80:3:0x503:0
	for ((i = 0; i < 50; i++)); do
		[ "$(tr_request_count 503)" -ge 1 ] && break
		sleep 0.1
	done
	trigger "$CPU_A" 80:20:0x503:0x1
	ok=1
	for ((i = 0; i < 10; i++)); do
		t=$(curl -sS -o /dev/null -w '%{time_total}' --max-time 5 "http://127.0.0.1:$EXP_PORT/metrics")
		awk -v t="$t" 'BEGIN { exit !(t < 0.5) }' || ok=0
		sleep 0.1
	done
	check "tracing 503: scrapes stay fast while exports are retried" [ $ok -eq 1 ]
	if tr_wait_metric 'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}' 8 15; then
		pass "tracing 503: both batches are retried, then dropped and counted"
	else
		fail "tracing 503: both batches are retried, then dropped and counted" \
			"$(grep -E '^ebpf_exporter_span' "$TR_DIR/wait.prom")"
	fi
	scrape "$TR_DIR/metrics.prom" >/dev/null
	check_line "tracing 503: the queue overflow is counted" "$TR_DIR/metrics.prom" \
		'ebpf_exporter_spans_dropped_total{reason="queue_full",service="e2e-spans"} 15'
	# Retry-After 1 within the 2.5 s export timeout: tries at 0, 1 and 2 s per batch
	gap=$("$TR_PY" -c 'import json, sys
t = [json.loads(l)["time"] for l in open(sys.argv[1]) if json.loads(l)["status"] == 503][:3]
print(min(b - a for a, b in zip(t, t[1:])) if len(t) > 1 else 0)' "$TR_OUT")
	if [ "$(tr_request_count 503)" -eq 6 ] && awk -v g="$gap" 'BEGIN { exit !(g >= 0.9) }'; then
		pass "tracing 503: three tries per batch, Retry-After honoured (shortest gap ${gap}s)"
	else
		fail "tracing 503: three tries per batch, Retry-After honoured" \
			"$(tr_request_count 503) tries, shortest gap $gap s"
	fi
	check_line "tracing 503: failed attempts are counted" "$TR_DIR/metrics.prom" \
		'ebpf_exporter_span_export_errors_total 6'
	check_log "tracing 503: the drop is logged" "$EXP_LOG" "HTTP status 503"

	# the receiver recovers
	: >"$TR_MODE"
	trigger "$CPU_A" 80:1:0x504:0x40
	if tr_wait_spans 1 && tr_wait_metric 'ebpf_exporter_spans_exported_total{service="e2e-spans"}' 1; then
		pass "tracing 503: export recovers when the receiver does"
	else
		fail "tracing 503: export recovers when the receiver does" "$(tail -n 5 "$EXP_LOG")"
	fi
	check_log "tracing 503: the recovery is logged" "$EXP_LOG" "works again after"

	# partial success: rejected spans are logged and counted
	printf 'partial 1 too old\n' >"$TR_MODE"
	trigger "$CPU_A" 80:1:0x505:0x40
	if tr_wait_metric 'ebpf_exporter_spans_dropped_total{reason="rejected",service="e2e-spans"}' 1; then
		pass "tracing: partial success counts the rejected span"
	else
		fail "tracing: partial success counts the rejected span" "$(tail -n 5 "$EXP_LOG")"
	fi
	check_log "tracing: partial success is logged" "$EXP_LOG" "rejected 1 of 1 spans: too old"
	: >"$TR_MODE"

	# the receiver goes away, then comes back on the same port
	tr_receiver_stop
	failed=$(tr_metric 'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}')
	trigger "$CPU_A" 80:1:0x506:0
	t=$(curl -sS -o /dev/null -w '%{time_total}' --max-time 5 "http://127.0.0.1:$EXP_PORT/metrics")
	check "tracing down: a scrape stays fast (${t}s)" awk -v t="$t" 'BEGIN { exit !(t < 0.5) }'
	if tr_wait_metric 'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}' \
		$((failed + 1)) 10; then
		pass "tracing down: the span is retried, then dropped and counted"
	else
		fail "tracing down: the span is retried, then dropped and counted" \
			"$(grep -E '^ebpf_exporter_span' "$TR_DIR/wait.prom")"
	fi
	check "tracing down: the exporter keeps running" kill -0 "$EXP_PID"
	: >"$TR_OUT"
	tr_receiver_start || {
		stop_exporter TERM
		return
	}
	trigger "$CPU_A" 80:1:0x507:0x50
	if tr_wait_spans 1; then
		tr_check "tracing down: spans flow again once the receiver is back" "[
 {\"match\": {\"span_id\": \"5100000000000000\"}, \"want\": {\"parent_span_id\": \"5000000000000000\"}}]"
	else
		fail "tracing down: spans flow again once the receiver is back" "$(tail -n 5 "$EXP_LOG")"
	fi
	stop_exporter TERM
	check_exit "tracing failures: SIGTERM exits 0" 0
	tr_receiver_stop
}

# gRPC: UNAVAILABLE is retried after the RetryInfo delay in grpc-status-details-bin.
tr_grpc_retry()
{
	local s gap

	tr_receiver_start || return
	: >"$TR_OUT"
	printf 'status 503\nretry-after 1\n' >"$TR_MODE"
	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_GRPC_PORT OTEL_EXPORTER_OTLP_PROTOCOL=grpc
	export OTEL_BSP_SCHEDULE_DELAY=50 OTEL_BSP_EXPORT_TIMEOUT=1500
	start_exporter tracing-grpc-retry --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -ne 0 ]; then
		tr_receiver_stop
		return
	fi
	trigger "$CPU_A" 80:1:0x900:0
	if tr_wait_metric 'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}' 1 10; then
		gap=$("$TR_PY" -c 'import json, sys
t = [json.loads(l)["time"] for l in open(sys.argv[1]) if json.loads(l)["status"] == 503]
print(t[1] - t[0] if len(t) == 2 else -1)' "$TR_OUT")
		if awk -v g="$gap" 'BEGIN { exit !(g >= 0.9) }'; then
			pass "tracing grpc: UNAVAILABLE retried after the RetryInfo delay (${gap}s), then dropped"
		else
			fail "tracing grpc: UNAVAILABLE retried after the RetryInfo delay, then dropped" \
				"$(tr_request_count 503) tries, gap $gap s"
		fi
	else
		fail "tracing grpc: UNAVAILABLE retried after the RetryInfo delay, then dropped" \
			"$(tail -n 5 "$EXP_LOG")"
	fi
	check_log "tracing grpc: the failure is logged with its status" "$EXP_LOG" \
		"gRPC status 14: unavailable for the test"
	: >"$TR_MODE"
	: >"$TR_OUT"
	trigger "$CPU_A" 80:1:0x901:0x90
	if tr_wait_spans 1; then
		pass "tracing grpc: export recovers when the receiver does"
	else
		fail "tracing grpc: export recovers when the receiver does" "$(tail -n 5 "$EXP_LOG")"
	fi
	stop_exporter TERM
	tr_receiver_stop
}

# SIGTERM flushes what is queued, and is bounded by the export timeout when nobody answers.
tr_shutdown()
{
	local s start ms

	tr_receiver_start || return
	: >"$TR_OUT"
	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_HTTP_PORT OTEL_BSP_SCHEDULE_DELAY=60000
	start_exporter tracing-flush --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -eq 0 ]; then
		trigger "$CPU_A" 80:1:0x600:0x60 80:1:0x600:0x61
		sleep 0.2
		check "tracing flush: nothing is sent before the schedule delay" [ "$(tr_span_count)" -eq 0 ]
		stop_exporter TERM
		check_exit "tracing flush: SIGTERM exits 0" 0
		check "tracing flush: SIGTERM sends the queued spans" [ "$(tr_span_count)" -eq 2 ]
	fi
	tr_receiver_stop

	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_HTTP_PORT OTEL_BSP_SCHEDULE_DELAY=60000
	export OTEL_EXPORTER_OTLP_TIMEOUT=1000
	start_exporter tracing-flush-down --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -eq 0 ]; then
		trigger "$CPU_A" 80:1:0x601:0
		sleep 0.2
		start=$(tr_now_ns)
		stop_exporter TERM
		ms=$((($(tr_now_ns) - start) / 1000000))
		check_exit "tracing flush down: SIGTERM exits 0" 0
		check "tracing flush down: the flush gives up within the export timeout (${ms}ms)" \
			[ "$ms" -lt 3000 ]
	fi
}

# The console exporter, samplers, OTEL_TRACES_EXPORTER=none.
tr_console_and_samplers()
{
	local s lo hi

	export OTEL_TRACES_EXPORTER=console OTEL_BSP_SCHEDULE_DELAY=50
	start_exporter tracing-console --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -eq 0 ]; then
		trigger "$CPU_A" 80:1:0x700:0x70
		sleep 0.5
		stop_exporter TERM
		if grep -q '^{"resourceSpans":\[{"resource":{"attributes":\[{"key":"service.name","value":{"stringValue":"e2e-spans"}}\]}' "$EXP_LOG" &&
			grep -q '"spanId":"7100000000000000","parentSpanId":"7000000000000000"' "$EXP_LOG"; then
			pass "tracing console: OTLP/JSON lines on stdout"
		else
			fail "tracing console: OTLP/JSON lines on stdout" "$(tail -n 5 "$EXP_LOG")"
		fi
	fi

	# parentbased_traceidratio 0.5: the trace id's last 8 bytes decide roots (big-endian,
	# >> 1, below 2^62): ~0x11ff starts with byte 0x00 (kept), ~0x1111 with 0xee (dropped);
	# a span with a parent follows the parent (taken as sampled)
	tr_receiver_start || return
	: >"$TR_OUT"
	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_HTTP_PORT OTEL_BSP_SCHEDULE_DELAY=50
	export OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.5
	start_exporter tracing-sampler --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -eq 0 ]; then
		trigger "$CPU_A" 80:1:0x11ff:0 80:1:0x1111:0 80:1:0x1111:0x30
		lo="$(tr_le_hex 0x11ff)$(tr_le_hex $((~0x11ff)))"
		hi="$(tr_le_hex 0x1111)$(tr_le_hex $((~0x1111)))"
		tr_wait_spans 2
		sleep 0.3
		tr_check "tracing sampler: parentbased_traceidratio keeps the right spans" "[
 {\"match\": {\"trace_id\": \"$lo\"}, \"want\": {\"span_id\": \"0100000000000000\"}},
 {\"match\": {\"trace_id\": \"$hi\"}, \"want\": {\"span_id\": \"3100000000000000\"}}]"
		check "tracing sampler: exactly those two" [ "$(tr_span_count)" -eq 2 ]
		stop_exporter TERM
	fi
	tr_receiver_stop

	export OTEL_TRACES_EXPORTER=none
	start_exporter tracing-none --config.dir="$HERE" --config.names=spans
	s=$?
	otel_env_clear
	if [ $s -eq 0 ]; then
		trigger "$CPU_A" 80:2:0x800:0
		if tr_wait_metric 'ebpf_exporter_spans_received_total{config="spans"}' 2; then
			pass "tracing none: ring buffers are still read"
		else
			fail "tracing none: ring buffers are still read" "$(tail -n 5 "$EXP_LOG")"
		fi
		stop_exporter TERM
		check_exit "tracing none: SIGTERM exits 0" 0
	fi
}

tr_startup_errors()
{
	local CFG_T=$TR_DIR/cfg

	mkdir -p "$CFG_T"
	cp "$HERE/spans.bpf.o" "$CFG_T/missing.bpf.o"
	cp "$HERE/spans.bpf.o" "$CFG_T/wrongtype.bpf.o"
	cat >"$CFG_T/missing.yaml" <<'EOF'
tracing:
  spans:
    - name: nope
      ringbuf: e2e_no_such_map
EOF
	cat >"$CFG_T/wrongtype.yaml" <<'EOF'
tracing:
  spans:
    - name: hash
      ringbuf: e2e_not_ringbuf
EOF
	startup_error "tracing: a missing ring buffer map" \
		'Error initializing ringbuf "e2e_no_such_map": config "missing" has no map named "e2e_no_such_map"' \
		--config.dir="$CFG_T" --config.names=missing
	startup_error "tracing: a map that is not a ring buffer" \
		'Error initializing ringbuf "e2e_not_ringbuf": map "e2e_not_ringbuf" of config "wrongtype" is of type hash, not ringbuf' \
		--config.dir="$CFG_T" --config.names=wrongtype
	run_once tracing-check --config.dir="$CFG_T" --config.names=missing --config.check
	check_exit "tracing: --config.check also checks ring buffers" 1

	export OTEL_TRACES_EXPORTER=jaeger
	startup_error "tracing: an unknown OTEL_TRACES_EXPORTER" \
		'Error creating tracing processor: OTEL_TRACES_EXPORTER "jaeger" is not supported (otlp, console or none)' \
		--config.dir="$HERE" --config.names=spans
	otel_env_clear
	export OTEL_EXPORTER_OTLP_PROTOCOL=http/xml
	startup_error "tracing: an unknown protocol" \
		'Error creating tracing processor: OTEL_EXPORTER_OTLP_PROTOCOL "http/xml" is not supported (grpc, http/protobuf or http/json)' \
		--config.dir="$HERE" --config.names=spans
	otel_env_clear
	export OTEL_BSP_MAX_QUEUE_SIZE=lots
	startup_error "tracing: a bad batch setting" \
		'Error creating tracing processor: OTEL_BSP_MAX_QUEUE_SIZE "lots" is not an integer >= 1' \
		--config.dir="$HERE" --config.names=spans
	otel_env_clear
}

# Examples: exec-trace (a bash session), usdt-span with its demo, bio-trace (direct I/O).
tr_examples()
{
	local s out trace span nr child oldpwd=$PWD

	tr_receiver_start || return
	: >"$TR_OUT"
	cp /bin/true "$TR_DIR/ee-exec-child"
	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_HTTP_PORT OTEL_BSP_SCHEDULE_DELAY=50
	# USDT sections name ./examples/usdt-span-demo: run from the repository root
	cd "$ROOT" || return
	start_exporter tracing-examples --config.dir="$EXAMPLES" --config.names=exec-trace,usdt-span
	s=$?
	cd "$oldpwd" || return
	if [ $s -ne 0 ]; then
		otel_env_clear
		tr_receiver_stop
		return
	fi

	/bin/bash -c "$TR_DIR/ee-exec-child; $TR_DIR/ee-exec-child; exit 0"
	out=$(cd "$ROOT" && ./examples/usdt-span-demo 4 2>&1)
	otel_env_clear
	trace=$(sed -n 's/^trace_id=\([0-9a-f]*\) span_id=.*/\1/p' <<<"$out")
	span=$(sed -n 's/.* span_id=\([0-9a-f]*\)$/\1/p' <<<"$out")
	tr_wait_spans 9 10
	child=$TR_DIR/ee-exec-child
	check_within "tracing exec-trace: a bash session is one trace: /bin/bash, then its two children" 5 \
		"$TR_PY" -c 'import json, sys, time
spans = [s for l in open(sys.argv[1]) for s in json.loads(l)["spans"]]
kids = [s for s in spans if s["name"] == sys.argv[2]]
roots = [s for s in spans if kids and s["span_id"] == kids[0]["parent_span_id"]]
ok = (len(kids) == 2 and len(roots) == 1 and roots[0]["name"] == "/bin/bash"
      and roots[0]["parent_span_id"] == "" and roots[0]["resource"]["service.name"] == "exec-trace"
      and all(k["trace_id"] == roots[0]["trace_id"] and k["parent_span_id"] == roots[0]["span_id"]
              and roots[0]["start"] <= k["start"] < k["end"] <= roots[0]["end"] for k in kids)
      and 0 < time.time_ns() - roots[0]["start"] < 30e9)
sys.exit(not ok)' "$TR_OUT" "$child"

	nr=110 # getppid
	[ "$(uname -m)" = aarch64 ] && nr=173
	if [ -n "$trace" ]; then
		tr_check "tracing usdt-span: the demo's span and its kernel children form one trace" "[
 {\"match\": {\"trace_id\": \"$trace\", \"span_id\": \"$span\"},
  \"want\": {\"name\": \"usdt-span-demo\", \"parent_span_id\": \"\",
   \"resource\": {\"service.name\": \"usdt-span-demo\"}, \"parent_of\": \"syscall\"}}]"
		check_within "tracing usdt-span: four getppid spans under the demo's span" 5 \
			"$TR_PY" -c 'import json, sys
spans = [s for l in open(sys.argv[1]) for s in json.loads(l)["spans"]]
kids = [s for s in spans if s["trace_id"] == sys.argv[2] and s["name"] == "syscall" and s["attributes"]["nr"] == sys.argv[4]]
sys.exit(not (len(kids) == 4 and all(k["parent_span_id"] == sys.argv[3] and k["resource"]["service.name"] == "usdt-span" for k in kids)))' \
			"$TR_OUT" "$trace" "$span" "$nr"
	else
		fail "tracing usdt-span: the demo prints its ids" "$out"
	fi
	stop_exporter TERM
	check_exit "tracing examples: SIGTERM exits 0" 0

	# bio-trace: direct writes to a file on a block device
	: >"$TR_OUT"
	export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$TR_HTTP_PORT OTEL_BSP_SCHEDULE_DELAY=50
	run_once tracing-bio-check --config.dir="$EXAMPLES" --config.names=bio-trace --config.check
	if grep -q 'is not implemented yet' "$EXP_LOG"; then
		echo "SKIP: tracing bio-trace: $(grep -o 'decoder "[a-z_]*" is not implemented yet' "$EXP_LOG")"
	elif start_exporter tracing-bio --config.dir="$EXAMPLES" --config.names=bio-trace; then
		dd if=/dev/zero of="$TR_DIR/bio.dat" bs=4096 count=8 oflag=direct conv=fsync 2>/dev/null
		# Other I/O on the machine makes spans too, and a request's insert span can arrive
		# before its service span: wait for the span this check is about, not for any span.
		check_within "tracing bio-trace: block_rq_service spans of writes, with the device" 10 \
			"$TR_PY" -c 'import json, sys
spans = [s for l in open(sys.argv[1]) for s in json.loads(l)["spans"]]
ok = [s for s in spans if s["name"] == "block_rq_service" and s["attributes"]["operation"] == "write" and s["attributes"]["device"] and not s["attributes"]["device"].startswith("unknown") and s["end"] > s["start"] and s["resource"]["service.name"] == "bio-trace"]
if not ok:
    print("spans so far:", [(s["name"], s["attributes"]) for s in spans][:10])
sys.exit(not ok)' "$TR_OUT"
		rm -f "$TR_DIR/bio.dat"
		stop_exporter TERM
	fi
	otel_env_clear
	tr_receiver_stop
}

suite_tracing()
{
	section "tracing"
	# These checks count spans exactly: the exporter's own start-up trace is checked on its
	# own in suite_lifecycle.sh.
	export EBPF_EXPORTER_TRACE_LIFECYCLE=0
	tr_setup || return
	tr_protocols
	tr_tls
	tr_failures
	tr_grpc_retry
	tr_shutdown
	tr_console_and_samplers
	tr_startup_errors
	tr_examples
	tr_receiver_stop
	otel_env_clear
	unset EBPF_EXPORTER_TRACE_LIFECYCLE
}
