# SPDX-License-Identifier: MIT
# End-to-end tests of OpenMetrics 1.0.0 text behind --web.enable-openmetrics: the negotiation
# table with and without the flag (Content-Type and body agree), OpenMetrics bodies parsed by
# the reference parser (python3-prometheus-client) with every sample equal to the text
# format's and `_created` within the exporter's start window, gzip, and a Prometheus server
# ingesting an OpenMetrics scrape.
#
# Sourced by run.sh, which calls suite_openmetrics; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# shellcheck source=tests/e2e/suite_counters.sh
. "$HERE/suite_counters.sh"
# shellcheck source=tests/e2e/suite_histograms.sh
. "$HERE/suite_histograms.sh"

OM_PY=/usr/bin/python3 # Debian's, with python3-prometheus-client: python3 first on PATH may be a shim
OM_PROM3='application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2'
OM_PROM2='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
OM_PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
OM_CT1='application/openmetrics-text; version=1.0.0; charset=utf-8; escaping='
OM_TEXT='text/plain; version=0.0.4; charset=utf-8; escaping='
OM_PBCT='application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping='

# om_body_is FORMAT FILE: the body is in FORMAT (openmetrics, text or protobuf), checked
# strictly by the reference parsers for the text formats and by the first MetricFamily's
# framing (a varint length, then field 1, the name) for protobuf.
om_body_is()
{
	"$OM_PY" - "$1" "$2" <<'EOF'
import sys
fmt, path = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
if fmt == 'protobuf':
    n, shift, i = 0, 0, 0
    while data[i] & 0x80:
        n |= (data[i] & 0x7f) << shift; shift += 7; i += 1
    n |= data[i] << shift
    ok = n > 0 and data[i + 1] == 0x0a and data[i + 3:i + 3 + data[i + 2]].startswith(b'ebpf_exporter_')
    sys.exit(0 if ok else 1)
text = data.decode('utf-8')
if fmt == 'openmetrics':
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
    fams = list(text_string_to_metric_families(text))
else:
    if '# EOF' in text:
        sys.exit(1)
    from prometheus_client.parser import text_string_to_metric_families
    fams = list(text_string_to_metric_families(text))
sys.exit(0 if fams else 1)
EOF
}

# om_negotiation FLAG_STATE: every Accept header of the table, its Content-Type and body.
om_negotiation()
{
	local state=$1 i accept want fmt got body=$WORK/om-neg.body hdr=$WORK/om-neg.hdr
	local -a rows

	if [ "$state" = on ]; then
		rows=("$OM_PROM3|${OM_CT1}allow-utf-8|openmetrics"
			"$OM_PROM2|${OM_CT1}underscores|openmetrics"
			"*/*|${OM_TEXT}underscores|text"
			"$OM_PB|${OM_PBCT}underscores|protobuf"
			"|${OM_TEXT}underscores|text")
	else
		rows=("$OM_PROM3|${OM_TEXT}allow-utf-8|text"
			"$OM_PROM2|${OM_TEXT}underscores|text"
			"*/*|${OM_TEXT}underscores|text"
			"$OM_PB|${OM_PBCT}underscores|protobuf"
			"|${OM_TEXT}underscores|text")
	fi
	for i in "${rows[@]}"; do
		IFS='|' read -r accept want fmt <<<"$i"
		if [ -n "$accept" ]; then
			curl -sS --max-time 10 -o "$body" -D "$hdr" -H "Accept: $accept" \
				"http://127.0.0.1:$EXP_PORT/metrics"
		else
			curl -sS --max-time 10 -o "$body" -D "$hdr" -H "Accept:" \
				"http://127.0.0.1:$EXP_PORT/metrics"
		fi
		got=$(sed -n 's/^Content-Type: \(.*\)\r$/\1/Ip' "$hdr")
		if [ "$got" = "$want" ] && om_body_is "$fmt" "$body"; then
			pass "openmetrics $state: Accept '${accept:-(none)}' gives $fmt"
		else
			fail "openmetrics $state: Accept '${accept:-(none)}' gives $fmt" \
				"Content-Type: $got" "want: $want" "$(head -c 300 "$body")"
		fi
	done
}

# om_compare TEXT OM T0 T1: every OpenMetrics sample equals the text format's and the other
# way round (le compared as numbers; values exactly for the e2e families, whose values do not move between the two
# scrapes; series names and labels for all); every e2e counter and histogram series has a
# `_created` in [T0, T1].
om_compare()
{
	"$OM_PY" - "$@" <<'EOF'
import math, sys
from prometheus_client.parser import text_string_to_metric_families as text_fams
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_fams
tpath, opath, t0, t1 = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
# le as a number: the text format writes le="1", OpenMetrics le="1.0".
def key(s):
    return (s.name, tuple(sorted((k, float(v) if k == 'le' else v) for k, v in s.labels.items())))
text = {key(s): s.value for f in text_fams(open(tpath).read()) for s in f.samples}
om, created, types = {}, {}, {}
for f in om_fams(open(opath).read()):
    for s in f.samples:
        if s.name.endswith('_created'):
            created[key(s)] = s.value
        else:
            om[key(s)] = s.value
            types[key(s)] = f.type
errors = []
if set(text) != set(om):
    errors.append('series only in text: %s' % sorted(set(text) - set(om))[:5])
    errors.append('series only in openmetrics: %s' % sorted(set(om) - set(text))[:5])
n_e2e = 0
for k, v in text.items():
    if not k[0].startswith('ebpf_exporter_e2e_') or k not in om:
        continue
    n_e2e += 1
    w = om[k]
    if not (v == w or (math.isnan(v) and math.isnan(w))):
        errors.append('%s: text %r, openmetrics %r' % (k, v, w))
    if types[k] in ('counter', 'histogram'):
        base = k[0]
        for suf in ('_total', '_bucket', '_count', '_sum'):
            if base.endswith(suf):
                base = base[:-len(suf)]
                break
        labels = tuple(l for l in k[1] if not (types[k] == 'histogram' and l[0] == 'le'))
        c = created.get((base + '_created', labels))
        if c is None or not (t0 <= c <= t1):
            errors.append('%s: _created %r not in [%r, %r]' % (k, c, t0, t1))
if n_e2e < 20:
    errors.append('only %d e2e samples compared' % n_e2e)
if errors:
    print('\n'.join(errors))
sys.exit(1 if errors else 0)
EOF
}

# om_prometheus: Debian's Prometheus server (2.x asks for OpenMetrics first) ingests the
# histograms with their text names and values.
om_prometheus()
{
	local port i v q='ebpf_exporter_e2e_exp2_seconds_count{op="read"}'

	section "openmetrics: scraped by a real Prometheus server"
	prom_start prometheus-om 29190 || return
	port=$PROM_PORT
	for ((i = 0; i < 150; i++)); do
		v=$(prom_query "$port" "$q")
		[ -n "$v" ] && break
		sleep 0.1
	done
	if [ "$v" = 5 ]; then
		pass "prometheus: $q is 5 from an OpenMetrics scrape"
	else
		fail "prometheus: $q is 5 from an OpenMetrics scrape" "got '$v'" \
			"$(tail -n 5 "$WORK/prometheus-om.log")"
	fi
	q='ebpf_exporter_e2e_exp2_seconds_bucket{op="read",le="+Inf"}'
	v=$(prom_query "$port" "$q")
	if [ "$v" = 5 ]; then
		pass "prometheus: $q is 5 from an OpenMetrics scrape"
	else
		fail "prometheus: $q is 5 from an OpenMetrics scrape" "got '$v'"
	fi
	prom_stop
	trap cleanup EXIT
}

# om_run CONFIG TRIGGER LINE...: with --web.enable-openmetrics, CONFIG driven by TRIGGER:
# negotiation, OpenMetrics against text, the LINEs present in the OpenMetrics body, gzip.
# (The counters and histograms configs are run apart: their e2e_pcpu_cpu_total counter and
# e2e_pcpu_cpu histogram would both be the OpenMetrics family e2e_pcpu_cpu.)
om_run()
{
	local config=$1 trig=$2 t0 t1 l missing=
	local text=$WORK/om.text om=$WORK/om.om gz=$WORK/om.gz hdr=$WORK/om.hdr

	shift 2
	section "openmetrics: $config with --web.enable-openmetrics"
	t0=$(date +%s.%N)
	start_exporter "om-$config" --config.dir="$HERE" --config.names="$config" \
		--web.enable-openmetrics || return 1
	t1=$(date +%s.%N)
	if ! "$trig"; then
		fail "openmetrics $config: trigger" "$(tail -n 10 "$EXP_LOG")"
		stop_exporter
		return 1
	fi
	om_negotiation on
	if [ "$(scrape "$text" /metrics -H 'Accept: text/plain')" = 200 ] &&
		[ "$(scrape "$om" /metrics -H "Accept: $OM_PROM3")" = 200 ]; then
		check "openmetrics $config: every sample equals the text format's, _created in the start window" \
			om_compare "$text" "$om" "$t0" "$t1"
		tail -n 1 "$om" | grep -qx '# EOF' || missing="# EOF (last)"
		for l in "$@"; do
			grep -qxF -- "$l" "$om" || missing="$missing|$l"
		done
		if [ -z "$missing" ]; then
			pass "openmetrics $config: OpenMetrics names and values, # EOF last"
		else
			fail "openmetrics $config: OpenMetrics names and values, # EOF last" \
				"missing: $missing" "$(head -n 12 "$om")"
		fi
	else
		fail "openmetrics $config: scrapes" "$(tail -n 10 "$EXP_LOG")"
	fi
	curl -sS --max-time 10 -o "$gz" -D "$hdr" -H "Accept: $OM_PROM3" \
		-H 'Accept-Encoding: gzip' "http://127.0.0.1:$EXP_PORT/metrics"
	if grep -qi '^Content-Encoding: gzip' "$hdr" && gunzip -c <"$gz" >"$gz.out" &&
		om_body_is openmetrics "$gz.out" && tail -n 1 "$gz.out" | grep -qx '# EOF'; then
		pass "openmetrics $config: gzip-compressed as text is"
	else
		fail "openmetrics $config: gzip-compressed as text is" "$(cat "$hdr")"
	fi
}

# om_created FILE: the value of ebpf_exporter_e2e_nolabels_created in FILE, or empty.
om_created()
{
	sed -n 's/^ebpf_exporter_e2e_nolabels_created \(.*\)$/\1/p' "$1"
}

# om_reload: `_created` stays across a reload that keeps the config's maps, and is the new
# load time after one that loads the config anew.
om_reload()
{
	local dir=$WORK/om-reload f=$WORK/om-reload.om c1 c2 c3 t0 t1

	section "openmetrics: _created across reloads"
	rm -rf "$dir" && mkdir -p "$dir" && cp "$HERE/counters.yaml" "$HERE/counters.bpf.o" "$dir/" ||
		return
	start_exporter om-reload --config.dir="$dir" --config.names=counters \
		--web.enable-openmetrics --web.enable-lifecycle || return
	scrape "$f" /metrics -H "Accept: $OM_PROM3" >/dev/null
	c1=$(om_created "$f")
	curl -sS --max-time 30 -o /dev/null -X POST "http://127.0.0.1:$EXP_PORT/-/reload"
	scrape "$f" /metrics -H "Accept: $OM_PROM3" >/dev/null
	c2=$(om_created "$f")
	if [ -n "$c1" ] && [ "$c1" = "$c2" ]; then
		pass "openmetrics: _created unchanged by a reload that keeps the maps ($c1)"
	else
		fail "openmetrics: _created unchanged by a reload that keeps the maps" "'$c1' '$c2'"
	fi
	echo '# changed: loaded anew' >>"$dir/counters.yaml"
	t0=$(date +%s.%N)
	curl -sS --max-time 30 -o /dev/null -X POST "http://127.0.0.1:$EXP_PORT/-/reload"
	t1=$(date +%s.%N)
	scrape "$f" /metrics -H "Accept: $OM_PROM3" >/dev/null
	c3=$(om_created "$f")
	if [ -n "$c3" ] && "$OM_PY" -c 'import sys; c, a, b = map(float, sys.argv[1:]); sys.exit(0 if a <= c <= b else 1)' \
		"$c3" "$t0" "$t1"; then
		pass "openmetrics: _created is the new load time after a reload that loads anew"
	else
		fail "openmetrics: _created is the new load time after a reload that loads anew" \
			"'$c3' not in [$t0, $t1] (before: $c1)" "$(tail -n 5 "$EXP_LOG")"
	fi
	stop_exporter
}

suite_openmetrics()
{
	if ! "$OM_PY" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
		fail "openmetrics: python3-prometheus-client is installed"
		return
	fi
	section "openmetrics: negotiation without --web.enable-openmetrics"
	if start_exporter om-off --config.dir="$HERE" --config.names=counters; then
		trigger_counters
		om_negotiation off
		stop_exporter
	fi

	if om_run counters trigger_counters \
		'# TYPE ebpf_exporter_e2e_hash counter' \
		'ebpf_exporter_e2e_hash_total{id="1",name="alpha"} 7.0' \
		'ebpf_exporter_e2e_nolabels_total 1.234567e+06'; then
		stop_exporter
	fi
	if om_run histograms hist_trigger \
		'# TYPE ebpf_exporter_e2e_exp2_seconds histogram' \
		'ebpf_exporter_e2e_exp2_seconds_count{op="read"} 5'; then
		om_prometheus
		stop_exporter
	fi
	om_reload

	section "openmetrics: names that only collide in OpenMetrics"
	# counters' e2e_pcpu_cpu_total and histograms' e2e_pcpu_cpu are both family e2e_pcpu_cpu.
	if start_exporter om-clash --config.dir="$HERE" --config.names=counters,histograms \
		--web.enable-openmetrics; then
		if hist_trigger && [ "$(scrape "$WORK/om-clash.om" /metrics -H "Accept: $OM_PROM3")" = 500 ] &&
			grep -qF 'two collected metrics are written as "ebpf_exporter_e2e_pcpu_cpu" in OpenMetrics' \
				"$WORK/om-clash.om" &&
			[ "$(scrape "$WORK/om-clash.text" /metrics -H 'Accept: text/plain')" = 200 ]; then
			pass "openmetrics: a name two families write answers 500, text goes on"
		else
			fail "openmetrics: a name two families write answers 500, text goes on" \
				"$(head -c 300 "$WORK/om-clash.om")"
		fi
		stop_exporter
	fi
}
