# SPDX-License-Identifier: MIT
# End-to-end tests of counters on every key layout, driven by the trigger: exact series, the
# built-in metrics, HTTP (formats, gzip, redirects, the landing page), a custom telemetry path
# and SIGINT.
#
# Sourced by run.sh, which calls suite_counters; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# ---------------------------------------------------------------------------------------
# Counters on every key layout, driven by the trigger

# The trigger calls for the counters config: the first batch on CPU_A, the second on CPU_B.
trigger_counters()
{
	trigger "$CPU_A" \
		1:3:1:s=alpha~junk1 1:4:1:s=alpha~junk2 1:5:2:s=beta 1:2:10:s=0123456789abcdef \
		'1:1:4:s=q"uo\te' \
		2:2:1:10 2:1:3:7 \
		3:2:7:10 \
		4:2:0:3 \
		9:2:0:0 \
		5:1:1200000:0 \
		6:2:0:0x101 6:3:0:0x102 6:1:1:0x203 6:1:7:0x904 \
		7:3:1:s=keep-one 7:2:2:s=also 7:4:3:s=drop-me 7:1:5:s=keepnot \
		8:1:0xdeadbeef:0 8:2:0xff:0 || return 1
	trigger "$CPU_B" 3:3:7:5 3:1:8:1 4:1:1:100 9:3:0:0 5:1:34567:0
}

# The exact lines the counters config must produce after trigger_counters.
expect_counters()
{
	local c v

	cat <<'EOF'
# HELP ebpf_exporter_e2e_array_total Array values by index
# TYPE ebpf_exporter_e2e_array_total counter
ebpf_exporter_e2e_array_total{idx="0"} 0
ebpf_exporter_e2e_array_total{idx="1"} 20
ebpf_exporter_e2e_array_total{idx="2"} 0
ebpf_exporter_e2e_array_total{idx="3"} 7
# HELP ebpf_exporter_e2e_hash_total Hits by id and name; a backslash \\ and a\nnewline in help
# TYPE ebpf_exporter_e2e_hash_total counter
ebpf_exporter_e2e_hash_total{id="1",name="alpha"} 7
ebpf_exporter_e2e_hash_total{id="10",name="0123456789abcdef"} 2
ebpf_exporter_e2e_hash_total{id="2",name="beta"} 5
ebpf_exporter_e2e_hash_total{id="4",name="q\"uo\\te"} 1
# HELP ebpf_exporter_e2e_hex_total Raw key bytes in hex
# TYPE ebpf_exporter_e2e_hex_total counter
ebpf_exporter_e2e_hex_total{raw="efbeadde"} 1
ebpf_exporter_e2e_hex_total{raw="ff000000"} 2
# HELP ebpf_exporter_e2e_nolabels_total Array of one element without labels
# TYPE ebpf_exporter_e2e_nolabels_total counter
ebpf_exporter_e2e_nolabels_total 1.234567e+06
# HELP ebpf_exporter_e2e_padded_total Keys with padding and static maps
# TYPE ebpf_exporter_e2e_padded_total counter
ebpf_exporter_e2e_padded_total{mode="9",op="unknown:7"} 1
ebpf_exporter_e2e_padded_total{mode="one",op="read"} 5
ebpf_exporter_e2e_padded_total{mode="two",op="write"} 1
# HELP ebpf_exporter_e2e_pcpu_array_total Per-CPU array values by index and CPU
# TYPE ebpf_exporter_e2e_pcpu_array_total counter
EOF
	for c in $(cpu_labels); do
		v=0
		[ "$c" -eq "$CPU_A" ] && v=$((v + 6))
		echo "ebpf_exporter_e2e_pcpu_array_total{cpu=\"$c\",idx=\"0\"} $v"
		v=0
		[ "$c" -eq "$CPU_B" ] && v=$((v + 100))
		echo "ebpf_exporter_e2e_pcpu_array_total{cpu=\"$c\",idx=\"1\"} $v"
	done
	echo '# HELP ebpf_exporter_e2e_pcpu_cpu_total Per-CPU array of one element with only a cpu label'
	echo '# TYPE ebpf_exporter_e2e_pcpu_cpu_total counter'
	for c in $(cpu_labels); do
		v=0
		[ "$c" -eq "$CPU_A" ] && v=$((v + 2))
		[ "$c" -eq "$CPU_B" ] && v=$((v + 3))
		echo "ebpf_exporter_e2e_pcpu_cpu_total{cpu=\"$c\"} $v"
	done
	cat <<'EOF'
# HELP ebpf_exporter_e2e_pcpu_hash_total Per-CPU hash values summed over CPUs
# TYPE ebpf_exporter_e2e_pcpu_hash_total counter
ebpf_exporter_e2e_pcpu_hash_total{id="7"} 35
ebpf_exporter_e2e_pcpu_hash_total{id="8"} 1
# HELP ebpf_exporter_e2e_regexp_total Names filtered and rewritten by regexps
# TYPE ebpf_exporter_e2e_regexp_total counter
ebpf_exporter_e2e_regexp_total{id="1",name="one"} 3
ebpf_exporter_e2e_regexp_total{id="2",name="also"} 2
EOF
}

# ---------------------------------------------------------------------------------------
# Built-in metrics

check_builtins()
{
	local s=$1 id tag line name n1 n2 s2=$WORK/builtins2.prom

	line=$(bpftool prog show name e2e_uprobe 2>/dev/null | head -n 1)
	id=$(printf '%s\n' "$line" | sed -n 's/^\([0-9]*\):.*/\1/p')
	tag=$(printf '%s\n' "$line" | sed -n 's/.* tag \([0-9a-f]*\).*/\1/p')
	if [ -z "$id" ] || [ -z "$tag" ]; then
		fail "builtins: bpftool shows program e2e_uprobe" "$line"
		return
	fi
	check_line "builtins: enabled_configs" "$s" 'ebpf_exporter_enabled_configs{name="counters"} 1'
	check_line "builtins: program_info matches bpftool's id and tag" "$s" \
		"ebpf_exporter_ebpf_program_info{config=\"counters\",id=\"$id\",program=\"e2e_uprobe\",tag=\"$tag\"} 1"
	check_line "builtins: program_attached" "$s" "ebpf_exporter_ebpf_program_attached{id=\"$id\"} 1"
	check_line "builtins: decoder_errors_total" "$s" \
		'ebpf_exporter_decoder_errors_total{config="counters"} 0'
	if grep -qE "^ebpf_exporter_build_info\{branch=\"[^\"]*\",goarch=\"$GOARCH\",goos=\"linux\",goversion=\"[^\"]+\",revision=\"[^\"]*\",tags=\"[^\"]*\",version=\"$VERSION\"\} 1$" "$s"; then
		pass "builtins: build_info"
	else
		fail "builtins: build_info" "have: $(grep build_info "$s")"
	fi

	# HELP and TYPE of the built-in families.
	while IFS='|' read -r name type help; do
		if has_line "$s" "# HELP $name $help" && has_line "$s" "# TYPE $name $type"; then
			pass "builtins: HELP and TYPE of $name"
		else
			fail "builtins: HELP and TYPE of $name" "have: $(grep -E "^# (HELP|TYPE) $name " "$s")"
		fi
	done <<'EOF'
ebpf_exporter_enabled_configs|gauge|The set of enabled configs
ebpf_exporter_ebpf_program_info|gauge|Info about ebpf programs
ebpf_exporter_ebpf_program_attached|gauge|Whether a program is attached
ebpf_exporter_decoder_errors_total|counter|How many times has decoders encountered errors
ebpf_exporter_build_info|gauge|A metric with a constant '1' value labeled by version, revision, branch, goversion from which ebpf_exporter was built, and the goos and goarch for the build.
promhttp_metric_handler_requests_total|counter|Total number of scrapes by HTTP status code.
promhttp_metric_handler_requests_in_flight|gauge|Current number of scrapes being served.
EOF

	for name in process_start_time_seconds process_resident_memory_bytes process_open_fds \
		process_max_fds process_cpu_seconds_total process_virtual_memory_bytes; do
		if grep -qE "^$name [0-9.e+-]+$" "$s"; then
			pass "builtins: $name"
		else
			fail "builtins: $name" "have: $(grep "^$name" "$s")"
		fi
	done
	if grep -q '^go_' "$s"; then
		fail "builtins: no go_* metrics" "$(grep '^go_' "$s" | head -n 5)"
	else
		pass "builtins: no go_* metrics"
	fi
	check_line "builtins: requests_in_flight counts the current scrape" "$s" \
		'promhttp_metric_handler_requests_in_flight 1'
	check_line "builtins: requests_total code 500 pre-created" "$s" \
		'promhttp_metric_handler_requests_total{code="500"} 0'
	check_line "builtins: requests_total code 503 pre-created" "$s" \
		'promhttp_metric_handler_requests_total{code="503"} 0'
	n1=$(sample_value "$s" 'promhttp_metric_handler_requests_total{code="200"}')
	scrape "$s2" >/dev/null
	n2=$(sample_value "$s2" 'promhttp_metric_handler_requests_total{code="200"}')
	if [ -n "$n1" ] && [ -n "$n2" ] && [ "$n2" -eq $((n1 + 1)) ]; then
		pass "builtins: requests_total code 200 counts scrapes"
	else
		fail "builtins: requests_total code 200 counts scrapes" "first $n1, then $n2"
	fi

	# Run statistics appear only while kernel.bpf_stats_enabled is 1.
	sysctl -q -w kernel.bpf_stats_enabled=0
	scrape "$s2" >/dev/null
	if grep -qE '^ebpf_exporter_ebpf_program_run_(count_total|time_seconds)' "$s2"; then
		fail "builtins: no run statistics while bpf_stats_enabled=0"
	else
		pass "builtins: no run statistics while bpf_stats_enabled=0"
	fi
	sysctl -q -w kernel.bpf_stats_enabled=1
	trigger "$CPU_A" 99:5:0:0
	scrape "$s2" >/dev/null
	sysctl -q -w kernel.bpf_stats_enabled="$STATS_ORIG"
	n1=$(sample_value "$s2" "ebpf_exporter_ebpf_program_run_count_total{id=\"$id\"}")
	if [ -n "$n1" ] && [ "$n1" -ge 5 ] 2>/dev/null; then
		pass "builtins: run_count_total with bpf_stats_enabled=1"
	else
		fail "builtins: run_count_total with bpf_stats_enabled=1" "value '$n1'" \
			"have: $(grep run_count "$s2")"
	fi
	if grep -qE "^ebpf_exporter_ebpf_program_run_time_seconds\{id=\"$id\"\} [0-9.e+-]+$" "$s2"; then
		pass "builtins: run_time_seconds with bpf_stats_enabled=1"
	else
		fail "builtins: run_time_seconds with bpf_stats_enabled=1" \
			"have: $(grep run_time "$s2")"
	fi
	promcheck "scrape with run statistics" "$s2"
}

# ---------------------------------------------------------------------------------------
# HTTP

# landing_page TELEMETRY_PATH: the status page's fixed part, exactly: the exporter toolkit's
# landing page filled in with the name, the description, common/version's Info() of this build
# and the Metrics link. The line @@STATUS_CSS@@ stands for the status page's own rules after
# the toolkit's stylesheet; the running set's tables follow the links.
landing_page()
{
	local fmt='' info

	info=$("$EXPORTER" --version 2>&1 | sed -n \
		'1s/^ebpf_exporter, version \(.*\) (branch: \(.*\), revision: \(.*\))$/(version=\1, branch=\2, revision=\3)/p')
	fmt+='<!DOCTYPE html>\n'
	fmt+='<html lang="en">\n'
	fmt+='  <head>\n'
	fmt+='    <meta charset="UTF-8">\n'
	fmt+='    <meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
	fmt+='    <title>eBPF Exporter</title>\n'
	fmt+='    <style>body {\n'
	fmt+='  font-family: -apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica Neue,Arial,Noto Sans,Liberation Sans,sans-serif,Apple Color Emoji,Segoe UI Emoji,Segoe UI Symbol,Noto Color Emoji;\n'
	fmt+='  margin: 0;\n'
	fmt+='}\n'
	fmt+='header {\n'
	fmt+='  background-color: #e6522c;\n'
	fmt+='  color: #fff;\n'
	fmt+='  font-size: 1rem;\n'
	fmt+='  padding: 1rem;\n'
	fmt+='}\n'
	fmt+='main {\n'
	fmt+='  padding: 1rem;\n'
	fmt+='}\n'
	fmt+='label {\n'
	fmt+='  display: inline-block;\n'
	fmt+='  width: 0.5em;\n'
	fmt+='}\n'
	fmt+='#pprof {\n'
	fmt+='  border: black 2px solid;\n'
	fmt+='  padding: 1rem;\n'
	fmt+='  width: fit-content;\n'
	fmt+='}\n'
	fmt+='\n'
	fmt+='@@STATUS_CSS@@\n'
	fmt+='</style>\n'
	fmt+='  </head>\n'
	fmt+='  <body>\n'
	fmt+='    <header>\n'
	fmt+='      <h1>eBPF Exporter</h1>\n'
	fmt+='    </header>\n'
	fmt+='    <main>\n'
	fmt+='      <h2>Prometheus exporter for custom eBPF metrics and OpenTelemetry traces</h2>\n'
	fmt+='      <div>Version: %s</div>\n'
	fmt+='      <div>\n'
	fmt+='        <ul>\n'
	fmt+='          \n'
	fmt+='          <li><a href="%s">Metrics</a></li>\n'
	fmt+='          \n'
	fmt+='        </ul>\n'
	fmt+='      </div>\n'
	# shellcheck disable=SC2059
	printf "$fmt" "$info" "$1"
}

# check_landing NAME PATH TELEMETRY_PATH: PATH answers 200 with the status page: the
# toolkit's head and stylesheet, then from </style> to the links exactly as landing_page
# gives them, then the status tables and the end of the document.
check_landing()
{
	local name=$1 path=$2 want=$WORK/landing.want got=$WORK/landing.got code

	landing_page "$3" >"$want"
	sed '/^@@STATUS_CSS@@$/,$d' "$want" >"$want.head"
	sed '1,/^@@STATUS_CSS@@$/d' "$want" >"$want.body"
	code=$(scrape "$got" "$path")
	sed -n '/^<\/style>$/,/^      <\/div>$/p' "$got" >"$got.body"
	if [ "$code" = 200 ] && cmp -s -n "$(stat -c %s "$want.head")" "$want.head" "$got" &&
		cmp -s "$want.body" "$got.body" && grep -qF '<h3>Status</h3>' "$got" &&
		[ "$(tail -n 1 "$got")" = "</html>" ]; then
		pass "$name"
	else
		fail "$name" "status $code" \
			"$(diff <(cat -A "$want.head") <(head -n "$(wc -l <"$want.head")" "$got" | cat -A))" \
			"$(diff <(cat -A "$want.body") <(cat -A "$got.body"))" "$(tail -n 2 "$got")"
	fi
}

# header FILE NAME: value of a response header (case-insensitive name), CR stripped.
check_http()
{
	local h=$WORK/headers b=$WORK/body code ct

	check_landing "http: / is the landing page" / /metrics
	check_landing "http: unknown path gets the landing page" /does/not/exist /metrics
	check_landing "http: /metrics/ is not the telemetry path" /metrics/ /metrics

	curl -sS --max-time 10 -D "$h" -o /dev/null "http://127.0.0.1:$EXP_PORT/"
	ct=$(header "$h" Content-Type)
	if [ "$ct" = "text/html; charset=utf-8" ]; then
		pass "http: landing page Content-Type"
	else
		fail "http: landing page Content-Type" "got '$ct'"
	fi

	code=$(scrape "$b" /metrics -D "$h")
	ct=$(header "$h" Content-Type)
	if [ "$code" = 200 ] && [ "$ct" = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" ]; then
		pass "http: /metrics Content-Type"
	else
		fail "http: /metrics Content-Type" "status $code, Content-Type '$ct'"
	fi
	if [ -z "$(header "$h" Content-Encoding)" ]; then
		pass "http: no gzip unless accepted"
	else
		fail "http: no gzip unless accepted" "Content-Encoding: $(header "$h" Content-Encoding)"
	fi

	code=$(scrape "$b" /metrics -D "$h" -H 'Accept-Encoding: gzip')
	if [ "$code" = 200 ] && [ "$(header "$h" Content-Encoding)" = gzip ] &&
		gzip -dc <"$b" | grep -qxF 'ebpf_exporter_e2e_nolabels_total 1.234567e+06'; then
		pass "http: gzip when accepted"
	else
		fail "http: gzip when accepted" "status $code, Content-Encoding '$(header "$h" Content-Encoding)'"
	fi

	code=$(scrape "$b" /metrics -D "$h" \
		-H 'Accept: application/openmetrics-text; version=1.0.0; charset=utf-8')
	ct=$(header "$h" Content-Type)
	if [ "$code" = 200 ] && [ "$ct" = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" ]; then
		pass "http: OpenMetrics requests get text 0.0.4"
	else
		fail "http: OpenMetrics requests get text 0.0.4" "status $code, Content-Type '$ct'"
	fi

	code=$(curl -sS --max-time 10 -I -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EXP_PORT/")
	check "http: HEAD / answers 200" [ "$code" = 200 ]
	code=$(curl -sS --max-time 10 -I -D "$h" -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$EXP_PORT/metrics")
	ct=$(header "$h" Content-Type)
	if [ "$code" = 200 ] && [ "${ct%%;*}" = text/plain ]; then
		pass "http: HEAD /metrics answers 200"
	else
		fail "http: HEAD /metrics answers 200" "status $code, Content-Type '$ct'"
	fi

	code=$(scrape "$b" /metrics -X POST)
	if [ "$code" = 200 ] && has_line "$b" 'ebpf_exporter_e2e_nolabels_total 1.234567e+06'; then
		pass "http: POST /metrics is served like GET"
	else
		fail "http: POST /metrics is served like GET" "status $code"
	fi

	code=$(scrape "$b" /x/../metrics --path-as-is -D "$h")
	if [ "$code" = 301 ] && [ "$(header "$h" Location)" = /metrics ]; then
		pass "http: unclean path redirects (301) to the clean one"
	else
		fail "http: unclean path redirects (301) to the clean one" \
			"status $code, Location '$(header "$h" Location)'"
	fi

	code=$(scrape "$b" '/%3Cb%3E%22x//' --path-as-is)
	if [ "$code" = 301 ] && [ "$(cat "$b")" = '<a href="/&lt;b&gt;&#34;x/">Moved Permanently</a>.' ]; then
		pass "http: a redirect's body has the location HTML-escaped"
	else
		fail "http: a redirect's body has the location HTML-escaped" \
			"status $code, body '$(cat "$b")'"
	fi
}

run_counters()
{
	local s=$WORK/counters.prom ids

	section "counters: every key layout, built-in metrics, HTTP, shutdown"
	start_exporter counters --config.dir="$HERE" --config.names=counters || return
	trigger_counters || return
	if [ "$(scrape "$s")" != 200 ]; then
		fail "counters: scrape answers 200" "$(tail -n 20 "$EXP_LOG")"
		stop_exporter TERM
		return
	fi
	expect_counters >"$WORK/counters.want"
	check_block "counters: exact series of every e2e family" "$s" \
		'ebpf_exporter_e2e_[a-z0-9_]+' "$WORK/counters.want"
	if grep -qE 'drop-me|keepnot|id="3"|id="5"' <(family_lines "$s" ebpf_exporter_e2e_regexp_total); then
		fail "counters: regexp-filtered keys are absent"
	else
		pass "counters: regexp-filtered keys are absent"
	fi
	promcheck "counters scrape" "$s"

	check_builtins "$s"
	check_http

	# Values are read afresh on every scrape, also when the keys are those of the previous
	# scrape (the decoded series are reused then, only the values change).
	trigger "$CPU_A" 5:1:1:0 1:2:2:s=beta
	scrape "$s" >/dev/null
	check_line "counters: later scrapes see new values" "$s" \
		'ebpf_exporter_e2e_nolabels_total 1.234568e+06'
	check_line "counters: a hash key seen before shows its new value" "$s" \
		'ebpf_exporter_e2e_hash_total{id="2",name="beta"} 7'
	trigger "$CPU_A" 1:1:42:s=newkey
	scrape "$s" >/dev/null
	check_line "counters: a new key after unchanged scrapes appears" "$s" \
		'ebpf_exporter_e2e_hash_total{id="42",name="newkey"} 1'
	check_line "counters: the other keys keep their values" "$s" \
		'ebpf_exporter_e2e_hash_total{id="2",name="beta"} 7'

	section "shutdown on SIGTERM"
	ids=$(all_prog_ids "$s")
	stop_exporter TERM
	check_exit "shutdown: SIGTERM exits 0" 0
	check_log "shutdown: logs the signal" "$EXP_LOG" "Received signal: terminated"
	check_log "shutdown: logs the detach" "$EXP_LOG" "Detached in "
	if grep -qE '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} Listening on ' "$EXP_LOG"; then
		pass "log: lines start with a YYYY/MM/DD HH:MM:SS timestamp"
	else
		fail "log: lines start with a YYYY/MM/DD HH:MM:SS timestamp" "$(head -n 5 "$EXP_LOG")"
	fi
	# shellcheck disable=SC2086 # one id per word
	check_progs_gone "shutdown: the exporter's programs are unloaded" $ids
	check_no_prog_named "shutdown: no e2e program is loaded" e2e_uprobe
}

run_telemetry_path()
{
	local s=$WORK/custom.prom code

	section "custom telemetry path, SIGINT"
	start_exporter telemetry-path --config.dir="$HERE" --config.names=counters \
		--web.telemetry-path=/custom/path || return
	trigger "$CPU_A" 5:1:7:0
	code=$(scrape "$s" /custom/path)
	if [ "$code" = 200 ] && has_line "$s" 'ebpf_exporter_e2e_nolabels_total 7'; then
		pass "telemetry path: metrics served on /custom/path"
	else
		fail "telemetry path: metrics served on /custom/path" "status $code"
	fi
	check_landing "telemetry path: landing page links to it" / /custom/path
	check_landing "telemetry path: /metrics is the landing page" /metrics /custom/path
	stop_exporter INT
	check_exit "shutdown: SIGINT exits 0" 0
	check_log "shutdown: logs SIGINT" "$EXP_LOG" "Received signal: interrupt"
}

suite_counters()
{
	run_counters
	run_telemetry_path
}
