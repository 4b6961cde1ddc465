# SPDX-License-Identifier: MIT
# The Grafana dashboards of contrib/grafana (sourced by run.sh): their JSON model (the
# datasource and instance variables, every panel on the datasource variable, units, heatmaps),
# every query parsed by promtool as a recording rule and evaluated by a real Prometheus
# scraping the exporter, and every metric and label a query names defined by an example's
# YAML, by the exporter (a real scrape) or by Prometheus. Each check is also shown to fail on
# a dashboard broken on purpose.
# shellcheck shell=bash disable=SC2154

# The exporter the test scrapes: one config with a counter, one with a perf_event_array counter
# and one with spans, so that the conditional families are there too.
DASH_CONFIGS=timers,oomkill,exec-trace

# dash_expect_fail NAME WANT_TEXT CMD...: CMD fails (exit 1) and says WANT_TEXT.
dash_expect_fail()
{
	local name=$1 want=$2 out rc

	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF -- "$want" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "exit code $rc (want 1), want text: $want" "output: $out"
	fi
}

# dash_rules_health PORT GROUP HEALTH: every rule of the rule group GROUP (the file name) of
# the Prometheus on PORT has been evaluated with this health (ok, err); prints the others.
dash_rules_health()
{
	curl -sS --max-time 5 "http://127.0.0.1:$1/api/v1/rules" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r for g in groups if g["name"] == sys.argv[1] for r in g["rules"]]
bad = [r for r in rules if r.get("health") != sys.argv[2]]
for r in bad:
    print("%s: %s %s" % (r["name"], r.get("health"), r.get("lastError", "")))
sys.exit(1 if bad or not rules else 0)
' "$2" "$3"
}

check_dashboards()
{
	local dir=$ROOT/contrib/grafana helper=$HERE/dashboard_queries.py
	# lib.sh's exporter lifecycle state, for this check only (ports 19985-19989).
	# shellcheck disable=SC2034
	local EXPORTER=$BUILD/ebpf_exporter NEXT_PORT=19985 PORT_LAST=19989 START_TIMEOUT=15 \
		STOP_TIMEOUT=10 EXP_PID='' EXP_PORT='' EXP_LOG='' EXP_RC=''
	local dashes=() f out n stats_orig='' scrape=$WORK/dashboards-scrape.txt
	local rules=$WORK/dashboards.rules.yml broken=$WORK/broken.json cfg

	for f in "$dir"/*.json; do
		[ -e "$f" ] && dashes+=("$f")
	done
	if [ "${#dashes[@]}" -ge 3 ]; then
		pass "dashboards: ${#dashes[@]} in contrib/grafana"
	else
		fail "dashboards: at least 3 in contrib/grafana" "found: ${dashes[*]}"
		return
	fi
	for f in "${dashes[@]}"; do
		if out=$(python3 -m json.tool "$f" 2>&1 >/dev/null); then
			pass "dashboards: $(basename "$f") is JSON"
		else
			fail "dashboards: $(basename "$f") is JSON" "$out"
		fi
	done

	# The model: variables, datasources, units, panel types, unique uids and ids, heatmaps.
	if out=$(python3 "$helper" lint --heatmaps block-io.json "${dashes[@]}" 2>&1); then
		pass "dashboards: variables, datasources, units, uids and heatmaps"
	else
		fail "dashboards: variables, datasources, units, uids and heatmaps" "$out"
	fi
	python3 "$helper" mutate datasource "$dir/ebpf-exporter.json" "$broken"
	dash_expect_fail "dashboards: the lint rejects a fixed datasource" \
		"is not \${datasource}" python3 "$helper" lint "$broken"
	dash_expect_fail "dashboards: the lint rejects a panel without a unit" \
		"no unit in fieldConfig.defaults" python3 "$helper" lint "$broken"

	# Every query, variables replaced, as a recording rule for promtool.
	if ! out=$(python3 "$helper" rules "$rules" "${dashes[@]}" 2>&1); then
		fail "dashboards: queries become recording rules" "$out"
	elif out=$(promtool check rules "$rules" 2>&1); then
		n=$(sed -n 's/.*SUCCESS: \([0-9]*\) rules found.*/\1/p' <<<"$out")
		pass "dashboards: promtool parses all $n queries"
	else
		fail "dashboards: promtool parses every query" "$out"
	fi
	python3 "$helper" mutate syntax "$dir/ebpf-exporter.json" "$broken"
	python3 "$helper" rules "$WORK/broken.rules.yml" "$broken" >/dev/null 2>&1
	if out=$(promtool check rules "$WORK/broken.rules.yml" 2>&1); then
		fail "dashboards: promtool rejects a broken query" "$out"
	else
		pass "dashboards: promtool rejects a broken query"
	fi

	# The exporter's own families, from a real scrape.
	for cfg in ${DASH_CONFIGS//,/ }; do
		if [ ! -e "$ROOT/examples/$cfg.bpf.o" ]; then
			fail "dashboards: examples/$cfg.bpf.o is built (make)"
			return
		fi
	done
	if ! mountpoint -q /sys/kernel/tracing && mount -t tracefs tracefs /sys/kernel/tracing; then
		cleanup_add umount /sys/kernel/tracing
	fi
	# Run statistics on, for ebpf_exporter_ebpf_program_run_*; restored after the scrape.
	stats_orig=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
	if [ -n "$stats_orig" ]; then
		cleanup_add sysctl -q -w "kernel.bpf_stats_enabled=$stats_orig"
		sysctl -q -w kernel.bpf_stats_enabled=1
	fi
	OTEL_TRACES_EXPORTER=console start_exporter dashboards --config.dir="$ROOT/examples" \
		--config.names="$DASH_CONFIGS" || return
	cleanup_add kill "$EXP_PID"
	if [ "$(scrape "$scrape")" = 200 ]; then
		pass "dashboards: scraped the exporter with $DASH_CONFIGS"
	else
		fail "dashboards: scraped the exporter with $DASH_CONFIGS" "$(tail -n 5 "$EXP_LOG")"
	fi

	# Every query evaluated by Prometheus against the exporter: no evaluation error (label
	# matching, duplicate series), which parsing alone cannot tell. One more rule, in a group
	# of its own, matches many series to many and must fail.
	printf '%s\n' 'groups:' '  - name: broken' '    rules:' '      - record: broken:many_to_many' \
		'        expr: ebpf_exporter_map_entries * on (instance) ebpf_exporter_map_max_entries' \
		>"$WORK/broken-eval.rules.yml"
	printf '%s\n' 'global:' '  scrape_interval: 1s' '  evaluation_interval: 1s' \
		'rule_files:' "  - $rules" "  - $WORK/broken-eval.rules.yml" \
		'scrape_configs:' '  - job_name: ebpf_exporter' \
		'    static_configs:' "      - targets: ['127.0.0.1:$EXP_PORT']" \
		>"$WORK/dashboards-prometheus.yml"
	if prom_start_config dashboards-prometheus 19986 "$WORK/dashboards-prometheus.yml"; then
		sleep 4
		for f in "${dashes[@]}"; do
			check_within "dashboards: Prometheus evaluates every query of $(basename "$f")" \
				20 dash_rules_health "$PROM_PORT" "$(basename "$f")" ok
		done
		check_within "dashboards: Prometheus reports a query that fails to evaluate" 20 \
			dash_rules_health "$PROM_PORT" broken err
		prom_stop
	fi
	stop_exporter TERM
	[ -n "$stats_orig" ] && sysctl -q -w "kernel.bpf_stats_enabled=$stats_orig"

	# Every metric and label named is defined.
	if out=$(python3 "$helper" names "$ROOT/examples" "$scrape" "${dashes[@]}" 2>&1); then
		pass "dashboards: every metric and label is defined (${out##*checked })"
	else
		fail "dashboards: every metric and label is defined" "$out"
	fi
	python3 "$helper" mutate undefined "$dir/block-io.json" "$broken"
	dash_expect_fail "dashboards: an undefined metric is reported" \
		"metric ebpf_exporter_no_such_metric_total is defined by no example" \
		python3 "$helper" names "$ROOT/examples" "$scrape" "$broken"
	python3 "$helper" mutate label "$dir/sched-net.json" "$broken"
	dash_expect_fail "dashboards: an unknown label is reported" \
		"label no_such_label is on none of the metrics" \
		python3 "$helper" names "$ROOT/examples" "$scrape" "$broken"
}
