# SPDX-License-Identifier: MIT
# Scrapes of many series (the correctness half of bench/run.sh): scale.bpf.o's maps are
# filled from user space with 10k counter series, 1k per-CPU series and 200 histogram label
# sets x 30 buckets. Every series must be served exactly once with its right value, in the
# text format and in the delimited protobuf format, and both must agree. The protobuf answer
# is decoded by protoc (Debian's protobuf-compiler) with the repository's
# proto/prometheus/metrics.proto, an independent decoder; the protobuf text formats must
# encode (protoc --encode) to the very bytes of the binary answer.
# Sourced by run.sh, which calls suite_scale; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

SCALE_ACCEPT_PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
SCALE_ACCEPT_OM='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
SCALE_PB_CTYPE='application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores'
SCALE_N=10000
SCALE_PCPU_N=1000
SCALE_HIST_N=200
SCALE_FAMILIES='ebpf_exporter_e2e_scale_(total|pcpu_total|seconds(_bucket|_sum|_count)?)'

# scale_protoc MODE ARGS...: protoc on the repository's client model.
scale_protoc()
{
	local mode=$1

	shift
	protoc "--$mode=io.prometheus.client.MetricFamily" -I "$ROOT/proto" \
		prometheus/metrics.proto "$@"
}

# The exact sample lines of the scale families, from the fill formulas of scaletool.c, in
# the exporter's order: families by name, series by label values compared as strings. awk
# prints integers below 1e6 plainly and larger ones as the exporter does (1.048576e+06).
scale_expect()
{
	awk -v n="$SCALE_N" -v pn="$SCALE_PCPU_N" -v hn="$SCALE_HIST_N" -v ncpu="$NCPU" '
	function num(v,    e, m) {
		if (v < 1000000)
			return sprintf("%d", v)
		e = 0
		for (m = v; m >= 10; e++)
			m /= 10
		return sprintf("%.15g", m) "e+" sprintf("%02d", e)
	}
	function line(fam, id, seq, text) {
		printf "%s\t%s\t%s\t%s\n", fam, id, seq, text
	}
	BEGIN {
		h = "ebpf_exporter_e2e_scale_seconds"
		for (i = 0; i < pn; i++)
			line(1, i, 0, sprintf("ebpf_exporter_e2e_scale_pcpu_total{id=\"%d\",shard=\"%d\"} %s", i, i % 16, num(ncpu * i + ncpu * (ncpu + 1) / 2)))
		for (j = 0; j < hn; j++) {
			c = 0
			for (b = 0; b < 30; b++) {
				c += (j + b) % 4
				line(2, j, sprintf("%02d", b), sprintf("%s_bucket{id=\"%d\",le=\"%s\"} %s", h, j, num(2 ^ b), num(c)))
			}
			line(2, j, 30, sprintf("%s_bucket{id=\"%d\",le=\"+Inf\"} %s", h, j, num(c)))
			line(2, j, 31, sprintf("%s_sum{id=\"%d\"} %s", h, j, num(j * 3 + 1)))
			line(2, j, 32, sprintf("%s_count{id=\"%d\"} %s", h, j, num(c)))
		}
		for (i = 0; i < n; i++)
			line(3, i, 0, sprintf("ebpf_exporter_e2e_scale_total{id=\"%d\",shard=\"%d\"} %s", i, i % 16, num(i * 7 + 3)))
	}' | LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k2,2 -k3,3 | cut -f4-
}

# scale_from_pb DIR: the protoc-decoded families of DIR/*.bin as text-format sample lines
# (values and le normalised with %.17g, as scale_norm does for the text answer).
scale_from_pb()
{
	local f

	for f in "$1"/*.bin; do
		scale_protoc decode <"$f" || return 1
	done | awk '
	function out(suffix, extra, value,    s, k) {
		s = name suffix
		if (nl || extra != "") {
			s = s "{"
			for (k = 1; k <= nl; k++)
				s = s (k > 1 ? "," : "") lname[k] "=\"" lval[k] "\""
			if (extra != "")
				s = s (nl ? "," : "") extra
			s = s "}"
		}
		printf "%s %.17g\n", s, value
	}
	/^name: / { name = $2; gsub(/"/, "", name); next }
	/^metric \{/ { nl = 0; nb = 0; hist = 0; next }
	/^  label \{/ { nl++; next }
	/^    name: / { v = $0; sub(/^    name: "/, "", v); sub(/"$/, "", v); lname[nl] = v; next }
	/^    value: / && nl && !inval { v = $0; sub(/^    value: "/, "", v); sub(/"$/, "", v); lval[nl] = v; next }
	/^  (counter|gauge|untyped) \{/ { inval = 1; next }
	/^    value: / && inval { out("", "", $2 + 0); inval = 0; next }
	/^  histogram \{/ { hist = 1; next }
	/^    sample_count: / { count = $2; next }
	/^    sample_sum: / { sum = $2; next }
	/^      cumulative_count: / { cum = $2; next }
	/^      upper_bound: / { out("_bucket", sprintf("le=\"%.17g\"", $2 + 0), cum); next }
	/^\}/ && hist {
		out("_bucket", "le=\"+Inf\"", count)
		out("_sum", "", sum)
		out("_count", "", count)
		hist = 0
	}'
}

# scale_norm: text sample lines with values and le normalised with %.17g.
scale_norm()
{
	awk '/^#/ { next }
	{
		v = $NF
		s = substr($0, 1, length($0) - length(v) - 1)
		if (match(s, /le="[^"]*"/)) {
			le = substr(s, RSTART + 4, RLENGTH - 5)
			if (le != "+Inf")
				s = substr(s, 1, RSTART - 1) sprintf("le=\"%.17g\"", le + 0) substr(s, RSTART + RLENGTH)
		}
		printf "%s %.17g\n", s, v + 0
	}'
}

# scale_family_block FILE NAME: the protobuf text block (blank-line separated) of NAME.
scale_family_block()
{
	awk -v want="name: \"$2\"" 'BEGIN { RS = ""; ORS = "\n" } $0 ~ "^" want "\n" { print }' "$1"
}


# A real Prometheus ingests the scale families. With native histograms enabled it asks for
# the delimited protobuf format first, so this is Prometheus' own protobuf parser reading
# our answer.
scale_prometheus()
{
	local port i v q ok=0 sum=$((SCALE_N * (SCALE_N - 1) * 7 / 2 + 3 * SCALE_N))

	prom_start scale-prometheus 29190 --enable-feature=native-histograms || return
	port=$PROM_PORT
	q='count(ebpf_exporter_e2e_scale_total)'
	for ((i = 0; i < 300; i++)); do
		v=$(prom_query "$port" "$q")
		[ "$v" = "$SCALE_N" ] && ok=1 && break
		sleep 0.1
	done
	check "scale: Prometheus (scraping protobuf) ingests all $SCALE_N series" [ $ok -eq 1 ]
	v=$(prom_query "$port" 'sum(ebpf_exporter_e2e_scale_total)')
	check "scale: Prometheus sums them to $sum ($v)" [ "$v" = "$sum" ]
	# The exp2 histogram is also a native one in protobuf, which Prometheus with native
	# histograms keeps instead of the classic buckets: it exists only if the scrapes were
	# protobuf. Bound 4 is a bucket boundary, so the fraction below it is exact.
	q='round(histogram_fraction(0, 4, ebpf_exporter_e2e_scale_seconds{id="1"}) * histogram_count(ebpf_exporter_e2e_scale_seconds{id="1"}))'
	v=$(prom_query "$port" "$q")
	check "scale: Prometheus scraped protobuf and reads the native histogram ($q = $v)" \
		[ "$v" = 6 ]
	prom_stop
	trap cleanup EXIT
}

suite_scale()
{
	local s=$WORK/scale.prom pb=$WORK/scale.pb dir=$WORK/scale.split code pid n fam ok hdr
	local t0 t1 dup f fmt

	section "scale: 10k series, text and protobuf"
	if ! command -v protoc >/dev/null; then
		fail "scale: protoc is installed (Debian's protobuf-compiler, scripts/deps.sh)"
		return
	fi
	start_exporter scale --config.dir="$HERE" --config.names=scale || return
	pid=$EXP_PID
	t0=$(date +%s%N)
	if ! "$BIN_DIR/scaletool" fill "$pid" e2e_scale_total counter "$SCALE_N" >/dev/null ||
		! "$BIN_DIR/scaletool" fill "$pid" e2e_scale_pcpu_total pcpu "$SCALE_PCPU_N" >/dev/null ||
		! "$BIN_DIR/scaletool" fill "$pid" e2e_scale_seconds hist "$SCALE_HIST_N" >/dev/null; then
		fail "scale: maps filled from user space"
		stop_exporter TERM
		return
	fi
	t1=$(date +%s%N)
	pass "scale: maps filled from user space ($(((t1 - t0) / 1000000)) ms)"

	code=$(scrape "$s")
	check "scale: text scrape answers 200" [ "$code" = 200 ]
	scale_expect >"$WORK/scale.want"
	if diff -u "$WORK/scale.want" <(family_lines "$s" "$SCALE_FAMILIES" | grep -v '^#') \
		>"$WORK/scale.diff"; then
		pass "scale: every series once with its value, in order (text)"
	else
		fail "scale: every series once with its value, in order (text)" \
			"$(head -n 20 "$WORK/scale.diff")"
	fi
	n=$(grep -cE "^${SCALE_FAMILIES}[{ ]" "$s")
	dup=$(grep -E "^${SCALE_FAMILIES}[{ ]" "$s" | sed 's/ [^ ]*$//' | LC_ALL=C sort | uniq -d |
		head -n 3)
	ok=0
	[ -z "$dup" ] && [ "$n" -eq $((SCALE_N + SCALE_PCPU_N + SCALE_HIST_N * 33)) ] && ok=1
	check "scale: $n sample lines, no series twice" [ $ok -eq 1 ]
	promcheck "scale text scrape" "$s"

	hdr=$(curl -sS --max-time 10 -o "$pb" -D - -H "Accept: $SCALE_ACCEPT_PB" \
		"http://127.0.0.1:$EXP_PORT/metrics" | tr -d '\r')
	if grep -qxF "Content-Type: $SCALE_PB_CTYPE" <<<"$hdr" && grep -q '^HTTP/1.1 200' <<<"$hdr"; then
		pass "scale: protobuf scrape answers 200 with the delimited protobuf Content-Type"
	else
		fail "scale: protobuf scrape answers 200 with the delimited protobuf Content-Type" "$hdr"
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	n=$("$BIN_DIR/scaletool" split "$pb" "$dir")
	fam=$(grep -c '^# TYPE ' "$s")
	check "scale: the protobuf answer has one message per family ($n, text has $fam)" \
		[ "${n:-0}" -eq "$fam" ]
	ok=1
	for f in "$dir"/*.bin; do
		scale_protoc decode <"$f" >/dev/null 2>"$WORK/scale.protoc.err" || ok=0
	done
	check "scale: protoc --decode reads every message" [ $ok -eq 1 ]
	if diff -u <(family_lines "$s" "$SCALE_FAMILIES" | scale_norm) \
		<(scale_from_pb "$dir" | grep -E "^${SCALE_FAMILIES}[{ ]") >"$WORK/scale.diff"; then
		pass "scale: text and protobuf agree on every series and value"
	else
		fail "scale: text and protobuf agree on every series and value" \
			"$(head -n 20 "$WORK/scale.diff")"
	fi
	# Names, help and types agree too (the built-in families included).
	if diff <(grep '^# TYPE ' "$s" | awk '{ print $3, toupper($4) }') \
		<(for f in "$dir"/*.bin; do scale_protoc decode <"$f" | awk '/^name: / { n = $2; gsub(/"/, "", n) } /^type: / { print n, $2; exit }'; done) >/dev/null; then
		pass "scale: text and protobuf list the same families with the same types"
	else
		fail "scale: text and protobuf list the same families with the same types"
	fi

	# encoding=text and encoding=compact-text: the same messages, byte for byte.
	scrape "$WORK/scale.pbtxt" /metrics -H "Accept: ${SCALE_ACCEPT_PB%delimited}text" >/dev/null
	scrape "$WORK/scale.pbcompact" /metrics -H "Accept: ${SCALE_ACCEPT_PB%delimited}compact-text" >/dev/null
	ok=1
	for fam in ebpf_exporter_e2e_scale_total ebpf_exporter_e2e_scale_pcpu_total \
		ebpf_exporter_e2e_scale_seconds; do
		f=$(grep -lF "$fam" "$dir"/*.bin | head -n 1)
		for fmt in pbtxt pbcompact; do
			if [ "$fmt" = pbtxt ]; then
				scale_family_block "$WORK/scale.pbtxt" "$fam"
			else
				grep -F "name:\"$fam\" " "$WORK/scale.pbcompact"
			fi | scale_protoc encode >"$WORK/scale.reenc" 2>>"$WORK/scale.protoc.err" || ok=0
			cmp -s "$WORK/scale.reenc" "$f" || ok=0
		done
	done
	check "scale: protobuf text and compact text encode to the binary answer's bytes" [ $ok -eq 1 ]

	# gzip applies to protobuf as to text; other Accept values (OpenMetrics) get text.
	hdr=$(curl -sS --max-time 10 -o "$WORK/scale.pb.gz" -D - -H "Accept: $SCALE_ACCEPT_PB" \
		-H 'Accept-Encoding: gzip' "http://127.0.0.1:$EXP_PORT/metrics" | tr -d '\r')
	ok=0
	if grep -qxF 'Content-Encoding: gzip' <<<"$hdr" &&
		gzip -dc "$WORK/scale.pb.gz" >"$WORK/scale.pb.gunzip" 2>/dev/null; then
		rm -rf "$dir.gz"
		mkdir -p "$dir.gz"
		"$BIN_DIR/scaletool" split "$WORK/scale.pb.gunzip" "$dir.gz" >/dev/null &&
			cmp -s "$(grep -lF ebpf_exporter_e2e_scale_total "$dir.gz"/*.bin | head -n 1)" \
				"$(grep -lF ebpf_exporter_e2e_scale_total "$dir"/*.bin | head -n 1)" && ok=1
	fi
	check "scale: gzip-compressed protobuf holds the same messages" [ $ok -eq 1 ]
	hdr=$(curl -sS --max-time 10 -o /dev/null -D - -H "Accept: $SCALE_ACCEPT_OM" \
		"http://127.0.0.1:$EXP_PORT/metrics" | tr -d '\r')
	check "scale: an OpenMetrics Accept header gets text 0.0.4" grep -qxF \
		'Content-Type: text/plain; version=0.0.4; charset=utf-8; escaping=underscores' <<<"$hdr"

	scale_prometheus
	stop_exporter TERM
	check_exit "scale: SIGTERM exits 0" 0
}
