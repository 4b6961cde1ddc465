#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The scrape benchmark (`make bench`, as root): for BPF maps of 1k to 1M series filled from
# user space, the exporter's scrape time (text and protobuf), the floors of reading the same
# map (one BPF_MAP_LOOKUP_BATCH pass; get_next_key + lookup per key as the Go exporter
# does), prometheus-node-exporter serving the same series from a textfile, and the
# exporter's memory; and what TLS and basic auth (--web.config.file) add to a scrape, as
# ratios against an exporter without them serving the same series in the same run; and what
# the map fill metrics' background count of the maps no metric reads costs (one count of a
# 100k- or 1M-entry map; an idle exporter counting a 100k-entry map). Prints Markdown tables
# and writes them into bench/README.md.
#
# Usage: run.sh BUILD_DIR   (holding ebpf_exporter, bench/scrape, bench/map-count and
# e2e/scaletool)
# Environment: BENCH_CASES (space-separated subset of the case names below),
# BENCH_REPS (scrapes per median, default 5), BENCH_WEB_ROUNDS (alternating rounds of the
# TLS and auth cases, default 7), BENCH_IDLE_SECS (the idle count case's window, default 30),
# BENCH_PORT (first of three loopback ports, default 19535),
# BENCH_README=0 to leave bench/README.md alone.

set -u -o pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
BUILD=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
EXPORTER=$BUILD/ebpf_exporter
SCRAPE=$BUILD/bench/scrape
MAPCOUNT=$BUILD/bench/map-count
FILL=$BUILD/e2e/scaletool
NODE_EXPORTER=${NODE_EXPORTER:-prometheus-node-exporter}
REPS=${BENCH_REPS:-5}
PORT=${BENCH_PORT:-19535}
NE_PORT=$((PORT + 1))
WEB_PORT=$((PORT + 2))
WEB_ROUNDS=${BENCH_WEB_ROUNDS:-7}
IDLE_SECS=${BENCH_IDLE_SECS:-30}
# The background count's interval (src/scrape/map_fill.h MAP_FILL_INTERVAL_MS), in seconds.
FILL_INTERVAL=5
# Scrapes per round: of the 100k-series map over TLS, of the 1k-series map with basic auth.
TLS_REPS=20
AUTH_REPS=50
# Go's default bcrypt cost, which the toolkit's documentation uses.
AUTH_COST=10
AUTH_USER=bench
AUTH_PASSWORD=bench-password
ACCEPT_PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
ACCEPT_OM='application/openmetrics-text;version=1.0.0'
EXAMPLES=timers,percpu-softirq,raw-tracepoints

# name map fill-kind count: the series are the map's keys (histograms: label sets). The
# kinds tls and auth fill a counter map and compare two exporters (web_case); the kind count
# times map-count on a map of that type it makes (MAP is the type), the kind idle an exporter
# exporting bench_c1k_total while MAP, which no metric reads, holds count entries.
ALL_CASES="c1k:bench_c1k_total:counter:1000
c10k:bench_c10k_total:counter:10000
c100k:bench_c100k_total:counter:100000
c1m:bench_c1m_total:counter:1000000
pcpu100k:bench_pcpu_total:pcpu:100000
hist10k:bench_hist_seconds:hist:10000
histnative10k:bench_hist_seconds:hist:10000
tls100k:bench_c100k_total:tls:100000
auth1k:bench_c1k_total:auth:1000
count100k:hash:count:100000
countpcpu100k:percpu_hash:count:100000
countlru100k:lru_hash:count:100000
count1m:hash:count:1000000
idle100k:bench_c100k_total:idle:100000"
CASES=${BENCH_CASES:-c1k c10k c100k c1m pcpu100k hist10k histnative10k tls100k auth1k count100k countpcpu100k countlru100k count1m idle100k}

WORK=
EXP_PID=
EXP2_PID=
NE_PID=
NE_MS=
IDLE_RSS=
IDLE_RSS_SCRAPED=
IDLE_RSS_OTLP=
C1M_RSS_SEQ=

die()
{
	echo "bench: $*" >&2
	exit 1
}

# stop_pid PID: TERM, then KILL after 10 s; waits for it.
stop_pid()
{
	local pid=$1 i

	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup()
{
	stop_pid "$EXP_PID"
	stop_pid "$EXP2_PID"
	stop_pid "$NE_PID"
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# wait_http PORT PID NAME [SCHEME]: until the server answers, whatever the status (60 s at
# most), or its process exits.
wait_http()
{
	local i

	for ((i = 0; i < 1200; i++)); do
		curl -sk -o /dev/null --max-time 1 "${4:-http}://127.0.0.1:$1/" && return 0
		kill -0 "$2" 2>/dev/null || die "$3 exited during start-up (log: $WORK/$3.log)"
		sleep 0.05
	done
	die "$3 did not answer on port $1"
}

# start_exporter NAME ARGS...
start_exporter()
{
	local name=$1

	shift
	# Tracing off unless the caller sets it: no exporter start-up trace sent to a collector
	# that is not there (and retried at shutdown).
	OTEL_TRACES_EXPORTER=${BENCH_TRACES_EXPORTER:-none} \
		"$EXPORTER" --web.listen-address="127.0.0.1:$PORT" "$@" >"$WORK/$name.log" 2>&1 &
	EXP_PID=$!
	wait_http "$PORT" "$EXP_PID" "$name"
}

stop_exporter()
{
	stop_pid "$EXP_PID"
	EXP_PID=
}

# start_exporter2 NAME SCHEME ARGS...: a second exporter, on WEB_PORT, in EXP2_PID.
start_exporter2()
{
	local name=$1 scheme=$2

	shift 2
	OTEL_TRACES_EXPORTER=${BENCH_TRACES_EXPORTER:-none} \
		"$EXPORTER" --web.listen-address="127.0.0.1:$WEB_PORT" "$@" >"$WORK/$name.log" 2>&1 &
	EXP2_PID=$!
	wait_http "$WEB_PORT" "$EXP2_PID" "$name" "$scheme"
}

mib()
{
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# write_config NAME MAP KIND: NAME.yaml exporting MAP, NAME.bpf.o the benchmark object.
write_config()
{
	local name=$1 map=$2 kind=$3 mult=0.000001

	cp "$HERE/scrape.bpf.o" "$WORK/cfg/$name.bpf.o"
	# histnative*: a power-of-two multiplier (2^-20, about a microsecond), so protobuf also
	# carries every series as a native histogram.
	case $name in histnative*) mult=0.00000095367431640625 ;; esac
	if [ "$kind" = hist ]; then
		cat <<EOF
metrics:
  histograms:
    - name: $map
      help: Benchmark histogram
      bucket_type: exp2
      bucket_min: 0
      bucket_max: 29
      bucket_multiplier: $mult
      labels:
        - {name: id, size: 4, decoders: [{name: uint}]}
        - {name: bucket, size: 4, decoders: [{name: uint}]}
EOF
	else
		cat <<EOF
metrics:
  counters:
    - name: $map
      help: Benchmark counter
      labels:
        - {name: id, size: 4, decoders: [{name: uint}]}
        - {name: shard, size: 4, decoders: [{name: uint}]}
EOF
	fi >"$WORK/cfg/$name.yaml"
}

# node_exporter_ms NAME COUNT: node_exporter serving NAME's scraped families from a textfile;
# sets NE_MS to the median scrape time in ms, after checking it serves COUNT series.
node_exporter_ms()
{
	local name=$1 count=$2 got out

	mkdir -p "$WORK/ne"
	rm -f "$WORK/ne"/*.prom
	grep -E '^(# (HELP|TYPE) )?ebpf_exporter_bench_' "$WORK/$name.prom" >"$WORK/ne/bench.prom"
	"$NODE_EXPORTER" --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$WORK/ne" \
		--web.listen-address="127.0.0.1:$NE_PORT" >"$WORK/node_exporter.log" 2>&1 &
	NE_PID=$!
	wait_http "$NE_PORT" "$NE_PID" node_exporter
	curl -s --max-time 300 -o "$WORK/node_exporter.prom" "http://127.0.0.1:$NE_PORT/metrics"
	got=$(count_series "$WORK/node_exporter.prom")
	[ "$got" -eq "$count" ] || die "node_exporter serves $got series of $name, want $count"
	out=$("$SCRAPE" http 127.0.0.1 "$NE_PORT" /metrics - "$REPS") ||
		die "scraping node_exporter failed"
	stop_pid "$NE_PID"
	NE_PID=
	NE_MS=${out%% *}
}

# Series the exporter serves for the benchmark family (histograms: their _count lines).
count_series()
{
	grep -E '^ebpf_exporter_bench_[a-z0-9_]*[{ ]' "$1" | grep -cvE '_(bucket|sum)[{ ]'
}

# The CPU time of every thread of process PID so far, in ns (schedstat's first field).
proc_cpu_ns()
{
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# count_case NAME TYPE N: one map_fill count of an N-entry map, batches and get-next-key.
count_case()
{
	local name=$1 type=$2 n=$3 out

	out=$("$MAPCOUNT" "$type" "$n" "$REPS") || die "$name: map-count failed"
	# name type entries batch_ms batch_cpu_ms iter_ms iter_cpu_ms
	echo "$name $out" >>"$WORK/count_results"
}

# idle_case NAME MAP N: an exporter exporting bench_c1k_total (empty) while MAP, which no
# metric reads, holds N entries; its CPU time over IDLE_SECS seconds without scrapes, after
# the first count of the filled map; the count it serves then.
idle_case()
{
	local name=$1 map=$2 n=$3 i c0 c1 got=

	write_config "$name" bench_c1k_total counter
	start_exporter "$name" --config.dir="$WORK/cfg" --config.names="$name"
	"$FILL" fill "$EXP_PID" "$map" counter "$n" >/dev/null || die "$name: filling $map failed"
	for ((i = 0; i < (FILL_INTERVAL + 5) * 10; i++)); do
		curl -s --max-time 10 -o "$WORK/$name.prom" "http://127.0.0.1:$PORT/metrics" ||
			die "$name: scrape failed"
		got=$(sed -n "s/^ebpf_exporter_map_entries{config=\"$name\",map=\"$map\"} //p" \
			"$WORK/$name.prom")
		[ "$got" = "$n" ] && break
		sleep 0.1
	done
	[ "$got" = "$n" ] || die "$name: the exporter serves ${got:-no} entries of $map, want $n"
	c0=$(proc_cpu_ns "$EXP_PID")
	sleep "$IDLE_SECS"
	c1=$(proc_cpu_ns "$EXP_PID")
	stop_exporter
	# name map entries secs cpu_ns
	echo "$name $map $n $IDLE_SECS $((c1 - c0))" >>"$WORK/idle_results"
}

run_case()
{
	local name=$1 map=$2 kind=$3 n=$4 id text pb om fl rss hwm series i r seq=

	if [ "$kind" = tls ] || [ "$kind" = auth ]; then
		web_case "$@"
		return
	fi
	if [ "$kind" = count ]; then
		count_case "$name" "$map" "$n"
		return
	fi
	if [ "$kind" = idle ]; then
		idle_case "$name" "$map" "$n"
		return
	fi
	write_config "$name" "$map" "$kind"
	start_exporter "$name" --config.dir="$WORK/cfg" --config.names="$name" \
		--web.enable-openmetrics
	id=$("$FILL" fill "$EXP_PID" "$map" "$kind" "$n") || die "$name: filling $map failed"
	curl -s --max-time 300 -o "$WORK/$name.prom" "http://127.0.0.1:$PORT/metrics" ||
		die "$name: scrape failed"
	series=$(count_series "$WORK/$name.prom")
	[ "$series" -eq "$n" ] || die "$name: the exporter serves $series series, want $n"
	text=$("$SCRAPE" http 127.0.0.1 "$PORT" /metrics - "$REPS") || die "$name: text scrapes"
	pb=$("$SCRAPE" http 127.0.0.1 "$PORT" /metrics "$ACCEPT_PB" "$REPS") ||
		die "$name: protobuf scrapes"
	om=$("$SCRAPE" http 127.0.0.1 "$PORT" /metrics "$ACCEPT_OM" "$REPS") ||
		die "$name: OpenMetrics scrapes"
	fl=$("$SCRAPE" floors "$id" "$REPS") || die "$name: map floors"
	read -r rss hwm < <("$SCRAPE" rss "$EXP_PID")
	if [ "$name" = c1m ]; then
		# Memory must come back down, or stay steady, scrape after scrape.
		for ((i = 0; i < 3; i++)); do
			"$SCRAPE" http 127.0.0.1 "$PORT" /metrics - 1 >/dev/null
			read -r r _ < <("$SCRAPE" rss "$EXP_PID")
			seq="$seq $(mib "$r")"
		done
		C1M_RSS_SEQ="$(mib "$rss")$seq"
	fi
	stop_exporter
	node_exporter_ms "$name" "$n"
	# name series text_ms text_bytes pb_ms pb_bytes batch_ms perkey_ms entries rss hwm ne_ms
	# om_ms om_bytes
	echo "$name $n $text $pb $fl $rss $hwm $NE_MS $om" >>"$WORK/results"
}

# The web cases' files: a CA and a server certificate for 127.0.0.1 (P-256, as the e2e
# suite's), a bcrypt hash of cost AUTH_COST, and the two web config files.
web_files()
{
	local d=$WORK/web hash

	[ -f "$d/tls.yml" ] && return 0
	mkdir -p "$d"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1" >"$d/server.ext"
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -days 2 -subj "/CN=bench CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" 2>"$d/openssl.err" ||
		! openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=bench server" \
			2>"$d/openssl.err" ||
		! openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
			-set_serial 1 -days 2 -extfile "$d/server.ext" -out "$d/server.crt" \
			2>"$d/openssl.err"; then
		die "openssl: $(cat "$d/openssl.err")"
	fi
	hash=$(python3 -W ignore::DeprecationWarning -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2 ** int(sys.argv[2]))))' \
		"$AUTH_PASSWORD" "$AUTH_COST") || die "python3 crypt: no bcrypt hash"
	printf '%s\n' "basic_auth_users:" "  $AUTH_USER: \"$hash\"" >"$d/auth.yml"
	printf '%s\n' "tls_server_config:" "  cert_file: server.crt" "  key_file: server.key" \
		>"$d/tls.yml"
}

# web_case NAME MAP KIND N: an exporter without a web config file (on PORT) and one with TLS
# (KIND tls) or basic auth (KIND auth) (on WEB_PORT) serve the same N series. Each one's first
# scrape (curl, a new connection: TLS handshake, the one bcrypt run) is timed and checked;
# then WEB_ROUNDS rounds alternate between them, each round one keep-alive connection per
# exporter, an untimed GET and then REPS timed ones.
web_case()
{
	local name=$1 map=$2 kind=$3 n=$4 reps ca=- hdr=- scheme=http url r a b got fa fb
	local curl_args=()

	web_files
	write_config "$name" "$map" counter
	if [ "$kind" = tls ]; then
		reps=$TLS_REPS
		ca=$WORK/web/ca.crt
		scheme=https
		curl_args=(--cacert "$ca")
	else
		reps=$AUTH_REPS
		hdr="Authorization: Basic $(printf '%s:%s' "$AUTH_USER" "$AUTH_PASSWORD" | base64 -w0)"
		curl_args=(-u "$AUTH_USER:$AUTH_PASSWORD")
	fi
	start_exporter "$name-plain" --config.dir="$WORK/cfg" --config.names="$name"
	start_exporter2 "$name-$kind" "$scheme" --config.dir="$WORK/cfg" --config.names="$name" \
		--web.config.file="$WORK/web/$kind.yml"
	"$FILL" fill "$EXP_PID" "$map" counter "$n" >/dev/null || die "$name: filling $map failed"
	"$FILL" fill "$EXP2_PID" "$map" counter "$n" >/dev/null || die "$name: filling $map failed"
	fa=$(curl -sS --max-time 300 -o "$WORK/$name-plain.prom" -w '%{time_total}' \
		"http://127.0.0.1:$PORT/metrics") || die "$name: plain scrape failed"
	url=$scheme://127.0.0.1:$WEB_PORT/metrics
	fb=$(curl -sS --max-time 300 -o "$WORK/$name.prom" -w '%{time_total}' "${curl_args[@]}" \
		"$url") || die "$name: scrape of $url failed"
	got=$(count_series "$WORK/$name-plain.prom")
	[ "$got" -eq "$n" ] || die "$name: the plain exporter serves $got series, want $n"
	got=$(count_series "$WORK/$name.prom")
	[ "$got" -eq "$n" ] || die "$name: the $kind exporter serves $got series, want $n"
	: >"$WORK/$name.rounds"
	for ((r = 0; r < WEB_ROUNDS; r++)); do
		a=$("$SCRAPE" keepalive 127.0.0.1 "$PORT" /metrics "$reps" "$EXP_PID" - -) ||
			die "$name: plain scrapes"
		b=$("$SCRAPE" keepalive 127.0.0.1 "$WEB_PORT" /metrics "$reps" "$EXP2_PID" "$ca" \
			"$hdr") || die "$name: $kind scrapes"
		echo "$a $b" >>"$WORK/$name.rounds"
	done
	stop_exporter
	stop_pid "$EXP2_PID"
	EXP2_PID=
	# name series reps rounds plain_ms web_ms plain_cpu_ms web_cpu_ms plain_first web_first
	# (ms: medians of the rounds' medians; cpu: per scrape over every round; first: ms of
	# each exporter's first scrape)
	awk -v name="$name" -v n="$n" -v reps="$reps" -v fa="$fa" -v fb="$fb" '
	function med(v, k,    i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
	}
	{ am[NR] = $1; bm[NR] = $7; ac += $3; bc += $9 }
	END {
		printf "%s %d %d %d %.3f %.3f %.3f %.3f %.3f %.3f\n", name, n, reps, NR,
			med(am, NR), med(bm, NR), ac / (NR * reps), bc / (NR * reps), fa * 1e3, fb * 1e3
	}' "$WORK/$name.rounds" >>"$WORK/web_results"
}

idle_rss()
{
	local rss hwm after

	start_exporter idle --config.dir="$ROOT/examples" --config.names="$EXAMPLES"
	sleep 1
	read -r rss hwm < <("$SCRAPE" rss "$EXP_PID")
	"$SCRAPE" http 127.0.0.1 "$PORT" /metrics - 1 >/dev/null || die "idle: scrape failed"
	sleep 0.2
	read -r after hwm < <("$SCRAPE" rss "$EXP_PID")
	stop_exporter
	IDLE_RSS=$(mib "$rss")
	IDLE_RSS_SCRAPED=$(mib "$after")
	# The default: the start-up trace goes to the default OTLP endpoint, which loads libcurl
	# (with OpenSSL) for the rest of the process's life.
	BENCH_TRACES_EXPORTER=otlp start_exporter idle-otlp --config.dir="$ROOT/examples" \
		--config.names="$EXAMPLES"
	sleep 1
	read -r rss hwm < <("$SCRAPE" rss "$EXP_PID")
	stop_pid "$EXP_PID"
	EXP_PID=
	IDLE_RSS_OTLP=$(mib "$rss")
}

report()
{
	local rev

	rev=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
	echo "Run $(date -u +%Y-%m-%d) on $(nproc) CPUs, Linux $(uname -r), revision $rev;" \
		"medians of $REPS scrapes."
	[ -s "$WORK/results" ] && main_table
	[ -s "$WORK/web_results" ] && web_table
	[ -s "$WORK/count_results" ] || [ -s "$WORK/idle_results" ] && count_table
	echo
	echo "Targets:"
	targets
}

main_table()
{
	echo
	echo "| case | series | text ms | protobuf ms | OpenMetrics ms | batch floor ms | text / batch | per-key floor ms | node_exporter ms | node_exporter / text | ns per series | RSS after MiB | peak RSS MiB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk '{
		printf "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %.0f | %.1f | %.1f |\n",
			$1, $2, $3, $5, $13, $7, $3 / $7, $8, $12, $12 / $3, $3 * 1e6 / $2,
			$10 / 1024, $11 / 1024
	}' "$WORK/results"
	echo
	echo "Text, protobuf and OpenMetrics bodies: $(awk '{ printf "%s%s %.2f/%.2f/%.2f MB", (NR > 1 ? ", " : ""), $1, $4 / 1e6, $6 / 1e6, $14 / 1e6 }' "$WORK/results")."
	echo "histnative10k is hist10k with a power-of-two multiplier: its protobuf column is native protobuf (native buckets beside the classic ones)."
}

web_table()
{
	echo
	echo "TLS and basic auth (\`--web.config.file\`) against an exporter without a web config file," \
		"same series, same run: $WEB_ROUNDS alternating rounds, each one keep-alive connection" \
		"per exporter, an untimed GET and then the timed scrapes; first scrape: each exporter's" \
		"first, on a new connection."
	echo
	echo "| case | series | scrapes per round | plain ms | web ms | web / plain | plain exporter CPU ms | web exporter CPU ms | web / plain CPU | first scrape plain ms | first scrape web ms |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk '{
		printf "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f |\n",
			$1, $2, $3, $5, $6, $6 / $5, $7, $8, $8 / $7, $9, $10
	}' "$WORK/web_results"
}

count_table()
{
	echo
	echo "Map fill: one count of the entries of a map no metric reads, by the exporter's" \
		"map_count_keys() (bench/map-count; median of $REPS counts; CPU: the counting thread's" \
		"user + system time), and the share of one CPU that counting it every ${FILL_INTERVAL} s" \
		"takes (at most 1%: the wait grows to 100 times the CPU time of a pass)."
	if [ -s "$WORK/count_results" ]; then
		echo
		echo "| case | map type | entries | batch ms | batch CPU ms | CPU share at ${FILL_INTERVAL} s | get-next-key ms | get-next-key CPU ms |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|"
		awk -v iv="$FILL_INTERVAL" '{
			printf "| %s | %s | %d | %.2f | %.2f | %.2f%% | %.2f | %.2f |\n",
				$1, $2, $3, $4, $5, $5 / (iv * 1000) * 100, $6, $7
		}' "$WORK/count_results"
	fi
	[ -s "$WORK/idle_results" ] || return 0
	echo
	awk '{
		printf "Idle exporter (%s): %d entries in %s, no metric reading it, no scrapes: %.1f ms of CPU in %d s, %.3f%% of one CPU.\n",
			$1, $3, $2, $5 / 1e6, $4, $5 / 1e9 / $4 * 100
	}' "$WORK/idle_results"
}

targets()
{
	awk -v idle="$IDLE_RSS" -v idle2="$IDLE_RSS_SCRAPED" -v idle3="$IDLE_RSS_OTLP" \
		-v seq="${C1M_RSS_SEQ:-}" '
	function verdict(ok) { return ok ? "met" : "NOT met" }
	{ t[$1] = $3; b[$1] = $7; ne[$1] = $12; n[$1] = $2 }
	END {
		if ("c100k" in t) {
			printf "- 100k-series counter map: text scrape / batch floor = %.2f (at most 2: %s)\n", t["c100k"] / b["c100k"], verdict(t["c100k"] / b["c100k"] <= 2)
			printf "- 100k-series counter map: node_exporter / exporter = %.1f (at least 10: %s)\n", ne["c100k"] / t["c100k"], verdict(ne["c100k"] / t["c100k"] >= 10)
		}
		printf "- RSS idle with three examples, tracing off (OTEL_TRACES_EXPORTER=none): %s MiB at start, %s MiB after a scrape (at most 8: %s); with the default start-up trace to OTLP, which loads libcurl: %s MiB\n", idle, idle2, verdict(idle <= 8 && idle2 <= 8), idle3
		if (seq != "") {
			k = split(seq, r, " ")
			max = 0
			for (i = 1; i <= k; i++) if (r[i] + 0 > max) max = r[i] + 0
			printf "- RSS after scraping the 1M-series map, then after each of 3 more scrapes: %s MiB (at most 64, steady or falling: %s)\n", seq, verdict(max <= 64 && r[k] <= r[1] * 1.05)
		}
		if (("c1k" in t) && ("c1m" in t))
			printf "- Per-series cost: %.0f ns at 1k, %.0f ns at 1M, %.2fx (linear growth keeps it near 1x)\n", t["c1k"] * 1e6 / n["c1k"], t["c1m"] * 1e6 / n["c1m"], (t["c1m"] / n["c1m"]) / (t["c1k"] / n["c1k"])
	}' "$WORK/results"
	[ -s "$WORK/web_results" ] || return 0
	awk -v cost="$AUTH_COST" '
	function verdict(ok) { return ok ? "met" : "NOT met" }
	$1 == "tls100k" {
		printf "- TLS scrape of the 100k-series map / plain scrape, exporter CPU: %.2f (at most 1.3: %s); timed by the client: %.2f\n", $8 / $7, verdict($8 / $7 <= 1.3), $6 / $5
	}
	$1 == "auth1k" {
		printf "- %d authenticated scrapes of the 1k-series map / %d unauthenticated ones, after the first, exporter CPU: %.2f (at most 1.1: %s); timed by the client: %.2f; the first authenticated scrape (bcrypt cost %d) %.1f ms, unauthenticated %.1f ms\n", $3, $3, $8 / $7, verdict($8 / $7 <= 1.1), $6 / $5, cost, $10, $9
	}' "$WORK/web_results"
}

# Replaces the text between the bench markers of bench/README.md with the report.
update_readme()
{
	local readme=$HERE/README.md

	grep -q '^<!-- bench:begin -->$' "$readme" || return 0
	awk -v table="$1" '
	/^<!-- bench:begin -->$/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
	/^<!-- bench:end -->$/ { skip = 0 }
	!skip { print }' "$readme" >"$readme.new" && mv "$readme.new" "$readme"
}

main()
{
	local c name map kind n

	[ "$(id -u)" -eq 0 ] || die "run as root (BPF maps, /proc of the exporter)"
	for f in "$EXPORTER" "$SCRAPE" "$MAPCOUNT" "$FILL"; do
		[ -x "$f" ] || die "$f not found: run it through make bench"
	done
	[ -f "$HERE/scrape.bpf.o" ] || die "$HERE/scrape.bpf.o not found: run it through make bench"
	command -v "$NODE_EXPORTER" >/dev/null || die "$NODE_EXPORTER not found (scripts/bench-deps.sh)"
	WORK=$(mktemp -d /tmp/ebpf-exporter-bench.XXXXXX)
	mkdir -p "$WORK/cfg"
	: >"$WORK/results"
	: >"$WORK/web_results"
	: >"$WORK/count_results"
	: >"$WORK/idle_results"

	echo "bench: idle memory with $EXAMPLES" >&2
	idle_rss
	for c in $CASES; do
		IFS=: read -r name map kind n < <(printf '%s\n' "$ALL_CASES" | grep "^$c:") ||
			die "unknown case $c"
		echo "bench: $name ($n series of $map)" >&2
		run_case "$name" "$map" "$kind" "$n"
	done
	report | tee "$WORK/report.md"
	if [ "${BENCH_README:-1}" != 0 ]; then
		update_readme "$WORK/report.md"
	fi
}

main
