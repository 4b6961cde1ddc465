# SPDX-License-Identifier: MIT
# Native histograms and created timestamps in protobuf: the histograms config, filled through
# the trigger as suite_histograms fills it, is scraped as text and as delimited protobuf. The
# protobuf answer is decoded with Python's protobuf and the module protoc generates from the
# repository's proto/prometheus/metrics.proto (native_check.py): classic buckets, count and
# sum equal the text ones; exp2 and exp2zero histograms with a power-of-two multiplier also
# carry schema 0 native buckets equal to the classic ones bucket by bucket (exp2zero's le = 0
# bucket as the zero bucket), the others (multiplier 1e-6, linear, fixed) none; every counter
# and histogram has a created timestamp between the exporter's start and the scrape, equal to
# its OpenMetrics `_created` sample (the exporter runs with --web.enable-openmetrics). The text
# answer (asked for explicitly) stays exactly suite_histograms' expectation. A real Prometheus with native histograms
# enabled answers histogram_quantile from the native histogram.
# Sourced by run.sh, which calls suite_native; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# hist_trigger, hist_expect and hist_prom_wait, hist_in_range.
# shellcheck source=tests/e2e/suite_histograms.sh
. "$HERE/suite_histograms.sh"

NATIVE_ACCEPT='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
NATIVE_OM='application/openmetrics-text;version=1.0.0'
NATIVE_TEXT='text/plain;version=0.0.4'
NATIVE_PY=/usr/bin/python3 # Debian's: python3 first on PATH may be a version-manager shim

# With the exporter of the histograms config running (after hist_trigger).
native_prometheus()
{
	local port q

	section "native: scraped by Prometheus with native histograms"
	prom_start prometheus-native 29190 --enable-feature=native-histograms || return
	port=$PROM_PORT
	# A native histogram has no _count series of its own: histogram_count() reads it.
	q='histogram_count(ebpf_exporter_e2e_helper_exp2zero{kind="4"})'
	if hist_prom_wait "$port" "$q" 7; then
		pass "native: Prometheus ingests the native histogram ($q = 7)"
	else
		fail "native: Prometheus ingests the native histogram" \
			"query $q: '$(prom_query "$port" "$q")'" "$(tail -n 5 "$WORK/prometheus-native.log")"
		prom_stop
		trap cleanup EXIT
		return
	fi
	# Zero bucket 1, then 1, 1, 2, 2 in (0.5,1], (1,2], (2,4], (4,8]: the median is in (2, 4].
	q='histogram_quantile(0.5, ebpf_exporter_e2e_helper_exp2zero{kind="4"})'
	hist_in_range "native: $q" "$(prom_query "$port" "$q")" 2 4
	q='histogram_sum(ebpf_exporter_e2e_helper_exp2zero{kind="4"})'
	check "native: $q = 24" [ "$(prom_query "$port" "$q")" = 24 ]
	# A classic-only histogram (multiplier 1e-6) is still ingested as buckets.
	q='histogram_quantile(0.5, ebpf_exporter_e2e_exp2_seconds_bucket{op="read"})'
	hist_in_range "native: classic $q" "$(prom_query "$port" "$q")" 2e-06 4e-06
	prom_stop
	trap cleanup EXIT
}

suite_native()
{
	local s=$WORK/native.prom pb=$WORK/native.bin om=$WORK/native.om want=$WORK/native.want
	local mod=$WORK/native-pb start now out

	section "native: protobuf with native histograms and created timestamps"
	mkdir -p "$mod"
	if ! protoc -I "$ROOT/proto" --python_out="$mod" "$ROOT/proto/prometheus/metrics.proto"; then
		fail "native: protoc --python_out of proto/prometheus/metrics.proto"
		return
	fi
	start=$(date +%s)
	if ! start_exporter native --config.dir="$HERE" --config.names=histograms \
		--web.enable-openmetrics; then
		return
	fi
	if hist_trigger && [ "$(scrape "$s" /metrics -H "Accept: $NATIVE_TEXT")" = 200 ] &&
		[ "$(scrape "$pb" /metrics -H "Accept: $NATIVE_ACCEPT")" = 200 ] &&
		[ "$(scrape "$om" /metrics -H "Accept: $NATIVE_OM")" = 200 ]; then
		now=$(date +%s)
		hist_expect >"$want"
		check_block "native: the text answer is unchanged" "$s" 'ebpf_exporter_e2e_[a-z0-9_]+' "$want"
		if out=$("$NATIVE_PY" "$HERE/native_check.py" "$mod" "$pb" "$s" "$((start - 1))" \
			"$((now + 1))" "$om" 2>&1); then
			pass "native: native buckets equal the classic ones, created timestamps in [start, scrape] and equal to OpenMetrics' _created"
		else
			fail "native: protobuf decoded with metrics.proto" "$out"
		fi
		native_prometheus
	else
		fail "native: trigger and scrapes" "$(tail -n 10 "$EXP_LOG")"
	fi
	stop_exporter TERM
	check_exit "native: exits 0 on SIGTERM" 0
}
