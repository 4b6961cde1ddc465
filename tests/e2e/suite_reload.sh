# SPDX-License-Identifier: MIT
# End-to-end tests of reloading: SIGHUP and POST /-/reload with nothing changed (program ids
# and counts go on exactly, perf_event_array series too), a changed YAML (new HELP, the other
# configs' programs untouched, the old programs gone), a broken YAML (the running set stays,
# the file and line logged), fixed again, a config added and one removed through a glob of
# --config.names, the lifecycle flag (403/405/200), a config dir that vanished, a pattern that
# matches nothing at start and at reload, sd_notify RELOADING=1/READY=1; a scraper at 20
# scrapes a second through a dozen reloads sees only complete, non-decreasing answers; the
# span counters go on across reloads that change a config, with or without spans.
# Reload times are printed.
#
# Sourced by run.sh, which calls suite_reload; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154,SC2016

RL_DIR=
RL_N=0 # reloads logged so far by the running exporter

# rl_setup: a config dir with rl_counters (uprobe counters), rl_perf (perf_event_array counters).
rl_setup()
{
	RL_DIR=$WORK/reload-configs
	rm -rf "$RL_DIR" "$RL_DIR.gone"
	mkdir -p "$RL_DIR"
	cp "$HERE/counters.yaml" "$RL_DIR/rl_counters.yaml"
	cp "$HERE/counters.bpf.o" "$RL_DIR/rl_counters.bpf.o"
	cp "$HERE/perfarray.yaml" "$RL_DIR/rl_perf.yaml"
	cp "$HERE/perfarray.bpf.o" "$RL_DIR/rl_perf.bpf.o"
}

# rl_wait_reloads N: waits until the log has N finished reloads (success or failure).
rl_wait_reloads()
{
	local want=$1 i n

	for ((i = 0; i < 200; i++)); do
		n=$(grep -cE 'Reloaded configs in|Error reloading configs' "$EXP_LOG")
		[ "$n" -ge "$want" ] && return 0
		sleep 0.05
	done
	fail "reload: no reload finished (want $want, have $n)" "$(tail -n 10 "$EXP_LOG")"
	return 1
}

# rl_hup: SIGHUP, then waits for that reload to finish.
rl_hup()
{
	RL_N=$((RL_N + 1))
	kill -HUP "$EXP_PID"
	rl_wait_reloads "$RL_N"
}

# rl_post [METHOD]: /-/reload; prints the status code, the body is in $WORK/reload.body.
rl_post()
{
	local method=${1:-POST}

	curl -sS --max-time 30 -o "$WORK/reload.body" -w '%{http_code}' -X "$method" \
		"http://127.0.0.1:$EXP_PORT/-/reload"
}

# rl_reload: POST /-/reload, counted as a reload of the running exporter.
rl_reload()
{
	RL_N=$((RL_N + 1))
	rl_post POST
}

# rl_ids FILE CONFIG: the sorted program ids of one config.
rl_ids()
{
	sed -n "s/^ebpf_exporter_ebpf_program_info{config=\"$2\",id=\"\([0-9]*\)\",.*} 1\$/\1/p" "$1" |
		sort -n | tr '\n' ' '
}

# rl_wait_value FILE SERIES VALUE: scrapes until the series has the value (perf samples are
# counted by the reader thread, shortly after the trigger).
rl_wait_value()
{
	local file=$1 series=$2 want=$3 i

	for ((i = 0; i < 100; i++)); do
		scrape "$file" >/dev/null
		[ "$(sample_value "$file" "$series")" = "$want" ] && return 0
		sleep 0.05
	done
	return 1
}

rl_basics()
{
	local s1=$WORK/rl1.prom s2=$WORK/rl2.prom s3=$WORK/rl3.prom ids_c ids_p ids_c2 code
	local perf='ebpf_exporter_e2e_perf_events_total{a="7",name="me"}'
	local arr='ebpf_exporter_e2e_array_total{idx="3"}'

	section "reload: nothing changed, then a changed, broken and fixed YAML"
	rl_setup
	RL_N=0
	start_exporter reload --config.dir="$RL_DIR" --config.names='rl_*' \
		--web.enable-lifecycle || return
	scrape "$s1" >/dev/null
	check_line "reload: a glob in --config.names loads every matching config (1)" "$s1" \
		'ebpf_exporter_enabled_configs{name="rl_counters"} 1'
	check_line "reload: a glob in --config.names loads every matching config (2)" "$s1" \
		'ebpf_exporter_enabled_configs{name="rl_perf"} 1'
	check_line "reload: before any reload, successful is 1" "$s1" \
		'ebpf_exporter_config_last_reload_successful 1'
	check_line "reload: before any reload, no success is counted" "$s1" \
		'ebpf_exporter_config_reloads_total{result="success"} 0'
	trigger "$CPU_A" 2:1:3:7 100:5:7:s=keep-me || return
	rl_wait_value "$s1" "$perf" 5
	check_line "reload: perf_event_array series before the reload" "$s1" "$perf 5"
	check_line "reload: counter before the reload" "$s1" "$arr 7"
	ids_c=$(rl_ids "$s1" rl_counters)
	ids_p=$(rl_ids "$s1" rl_perf)
	check "reload: the configs have programs" [ -n "$ids_c" -a -n "$ids_p" ]

	# Nothing changed: the same programs, the same maps, the same user-space series.
	rl_hup || return
	check_log "reload: SIGHUP reloads and says nothing changed" "$EXP_LOG" \
		'Reloaded configs in'
	check_log "reload: ... 2 configs unchanged" "$EXP_LOG" '2 configs unchanged'
	scrape "$s2" >/dev/null
	check "reload: unchanged: program ids are the same" \
		[ "$(rl_ids "$s2" rl_counters)$(rl_ids "$s2" rl_perf)" = "$ids_c$ids_p" ]
	check_line "reload: unchanged: the counter keeps its value" "$s2" "$arr 7"
	check_line "reload: unchanged: the perf_event_array series keeps its count" "$s2" "$perf 5"
	check_line "reload: a success is counted" "$s2" \
		'ebpf_exporter_config_reloads_total{result="success"} 1'
	trigger "$CPU_A" 2:1:3:7 100:2:7:s=keep-me || return
	rl_wait_value "$s2" "$perf" 7
	check_line "reload: unchanged: the perf_event_array counter goes on counting exactly" \
		"$s2" "$perf 7"
	check_line "reload: unchanged: the BPF counter goes on counting exactly" "$s2" "$arr 14"

	# A changed YAML: the new HELP is served, the other config keeps its programs.
	sed -i 's/^      help: Array values by index$/      help: Array values by index, reloaded/' \
		"$RL_DIR/rl_counters.yaml"
	code=$(rl_reload)
	check "reload: POST /-/reload answers 200 (got $code)" [ "$code" = 200 ]
	check "reload: ... with an empty body" [ ! -s "$WORK/reload.body" ]
	check_log "reload: changed: one config loaded" "$EXP_LOG" \
		'1 configs unchanged, 1 loaded, 0 removed'
	scrape "$s3" >/dev/null
	check_line "reload: changed: the new HELP is served" "$s3" \
		'# HELP ebpf_exporter_e2e_array_total Array values by index, reloaded'
	check "reload: changed: the other config's program ids are unchanged" \
		[ "$(rl_ids "$s3" rl_perf)" = "$ids_p" ]
	check_line "reload: changed: the other config's perf series goes on" "$s3" "$perf 7"
	ids_c2=$(rl_ids "$s3" rl_counters)
	check "reload: changed: the changed config has new programs" \
		[ -n "$ids_c2" -a "$ids_c2" != "$ids_c" ]
	# shellcheck disable=SC2086
	check_progs_gone "reload: changed: the old programs are unloaded (bpftool prog show id)" \
		$ids_c
	trigger "$CPU_A" 2:1:3:7 || return
	scrape "$s3" >/dev/null
	check_line "reload: changed: the new object counts from its own maps" "$s3" "$arr 7"

	# A broken YAML: the running set stays, the log names the file and the line.
	cp "$RL_DIR/rl_counters.yaml" "$WORK/rl_counters.good"
	printf 'metrics:\n  counters:\n    - name: [\n' >"$RL_DIR/rl_counters.yaml"
	code=$(rl_reload)
	check "reload: broken: POST /-/reload answers 500 (got $code)" [ "$code" = 500 ]
	check "reload: broken: the answer names the file and the line" \
		grep -qE "^failed to reload config: error parsing \"$RL_DIR/rl_counters.yaml\" for config \"rl_counters\": line [0-9]+" \
		"$WORK/reload.body"
	check_log "reload: broken: the log names the file and line" "$EXP_LOG" \
		"Error reloading configs, the running set stays: error parsing \"$RL_DIR/rl_counters.yaml\" for config \"rl_counters\": line "
	scrape "$s3" >/dev/null
	check_line "reload: broken: successful is 0" "$s3" \
		'ebpf_exporter_config_last_reload_successful 0'
	check_line "reload: broken: a failure is counted" "$s3" \
		'ebpf_exporter_config_reloads_total{result="failure"} 1'
	check_line "reload: broken: the running set is still served" "$s3" \
		'# HELP ebpf_exporter_e2e_array_total Array values by index, reloaded'
	check "reload: broken: program ids are unchanged" \
		[ "$(rl_ids "$s3" rl_counters)$(rl_ids "$s3" rl_perf)" = "$ids_c2$ids_p" ]
	check_line "reload: broken: counts are unchanged" "$s3" "$arr 7"

	# Fixed again: the content is the running one, so nothing is loaded.
	cp "$WORK/rl_counters.good" "$RL_DIR/rl_counters.yaml"
	code=$(rl_reload)
	check "reload: fixed: POST /-/reload answers 200 (got $code)" [ "$code" = 200 ]
	scrape "$s3" >/dev/null
	check_line "reload: fixed: successful is 1 again" "$s3" \
		'ebpf_exporter_config_last_reload_successful 1'
	check "reload: fixed: program ids are unchanged" \
		[ "$(rl_ids "$s3" rl_counters)$(rl_ids "$s3" rl_perf)" = "$ids_c2$ids_p" ]
	check_line "reload: fixed: successes are counted" "$s3" \
		'ebpf_exporter_config_reloads_total{result="success"} 3'
	check "reload: the success timestamp is recent" \
		awk -v now="$(date +%s)" '/^ebpf_exporter_config_last_reload_success_timestamp_seconds /{ ok = ($2 > now - 60 && $2 <= now + 1) } END { exit !ok }' "$s3"
	promcheck "reload: after reloads" "$s3"

	rl_add_remove "$ids_p" "$ids_c2"
	rl_dir_gone
	rl_concurrent
	stop_exporter TERM
	check_exit "reload: the exporter stops cleanly after its reloads" 0
	rl_times
}

# rl_add_remove IDS_PERF IDS_COUNTERS: rl_timers added, rl_perf removed, by the glob.
rl_add_remove()
{
	local s=$WORK/rl4.prom ids_p=$1 ids_c=$2 code

	section "reload: a config added and one removed"
	cp "$EXAMPLES/timers.yaml" "$RL_DIR/rl_timers.yaml"
	cp "$EXAMPLES/timers.bpf.o" "$RL_DIR/rl_timers.bpf.o"
	rm "$RL_DIR/rl_perf.yaml"
	code=$(rl_reload)
	check "reload: add/remove: POST /-/reload answers 200 (got $code)" [ "$code" = 200 ]
	check_log "reload: add/remove: one kept, one loaded, one removed" "$EXP_LOG" \
		'1 configs unchanged, 1 loaded, 1 removed'
	scrape "$s" >/dev/null
	check_line "reload: add/remove: the added config is enabled" "$s" \
		'ebpf_exporter_enabled_configs{name="rl_timers"} 1'
	check "reload: add/remove: the removed config is not" \
		not_grep 'ebpf_exporter_enabled_configs{name="rl_perf"}' "$s"
	check "reload: add/remove: the removed config's series are gone" \
		not_grep 'ebpf_exporter_e2e_perf_events_total' "$s"
	check "reload: add/remove: ... and its lost-sample series" \
		not_grep 'ebpf_exporter_perf_event_array_lost_samples_total{config="rl_perf"' "$s"
	# shellcheck disable=SC2086
	check_progs_gone "reload: add/remove: the removed config's programs are unloaded" $ids_p
	check "reload: add/remove: the added config has programs" \
		[ -n "$(rl_ids "$s" rl_timers)" ]
	check "reload: add/remove: the kept config's programs are the same" \
		[ "$(rl_ids "$s" rl_counters)" = "$ids_c" ]
	check_wait_line "reload: add/remove: the added config's series appear" "$s" \
		'ebpf_exporter_timer_starts_total{'
}

# not_grep FIXED FILE: the file does not contain the string.
not_grep()
{
	! grep -qF -- "$1" "$2"
}

# check_wait_line NAME FILE PREFIX: some line starts with PREFIX within 5 s.
check_wait_line()
{
	local name=$1 file=$2 prefix=$3 i

	for ((i = 0; i < 100; i++)); do
		scrape "$file" >/dev/null
		if grep -qF -- "$prefix" "$file"; then
			pass "$name"
			return 0
		fi
		sleep 0.05
	done
	fail "$name" "no line starting with $prefix"
}

rl_dir_gone()
{
	local s=$WORK/rl5.prom before code

	section "reload: a vanished config dir, a pattern matching nothing"
	scrape "$s" >/dev/null
	before=$(grep -E '^ebpf_exporter_(enabled_configs|ebpf_program_info)' "$s")
	mv "$RL_DIR" "$RL_DIR.gone"
	code=$(rl_reload)
	check "reload: dir gone: POST /-/reload answers 500 (got $code)" [ "$code" = 500 ]
	check "reload: dir gone: the answer says the dir cannot be read" \
		grep -qF "failed to reload config: pattern \"rl_*\": reading config dir \"$RL_DIR\": no such file or directory" \
		"$WORK/reload.body"
	scrape "$s" >/dev/null
	check "reload: dir gone: the running set is still served" \
		[ "$(grep -E '^ebpf_exporter_(enabled_configs|ebpf_program_info)' "$s")" = "$before" ]
	check_line "reload: dir gone: successful is 0" "$s" \
		'ebpf_exporter_config_last_reload_successful 0'
	mv "$RL_DIR.gone" "$RL_DIR"

	mkdir "$RL_DIR/aside"
	mv "$RL_DIR"/*.yaml "$RL_DIR/aside/"
	code=$(rl_reload)
	check "reload: a pattern that matches nothing fails the reload (got $code)" \
		[ "$code" = 500 ]
	check "reload: ... naming the pattern and the dir" \
		grep -qF "failed to reload config: pattern \"rl_*\" matches no NAME.yaml file in config dir \"$RL_DIR\"" \
		"$WORK/reload.body"
	mv "$RL_DIR/aside/"*.yaml "$RL_DIR/"
	rmdir "$RL_DIR/aside"
	code=$(rl_reload)
	check "reload: dir back: POST /-/reload answers 200 (got $code)" [ "$code" = 200 ]
	scrape "$s" >/dev/null
	check "reload: dir back: the same set, untouched" \
		[ "$(grep -E '^ebpf_exporter_(enabled_configs|ebpf_program_info)' "$s")" = "$before" ]
	check_line "reload: dir back: successful is 1" "$s" \
		'ebpf_exporter_config_last_reload_successful 1'
}

# A scraper at 20 scrapes a second through a dozen reloads, half of them changing rl_timers:
# every answer is a 200 with every family, and the counters never go back.
rl_concurrent()
{
	local out=$WORK/rl-scrapes.txt stop=$WORK/rl-scrapes.stop pid i code bad=0 n loads
	local loaded='1 configs unchanged, 1 loaded, 0 removed'

	section "reload: scrapes during reloads"
	rm -f "$stop" "$out"
	python3 - "http://127.0.0.1:$EXP_PORT/metrics" "$stop" "$out" <<'EOF' &
import os, sys, time, urllib.request
url, stop, out = sys.argv[1:4]
need = ["ebpf_exporter_build_info", "ebpf_exporter_enabled_configs",
        "ebpf_exporter_e2e_array_total", "ebpf_exporter_e2e_nolabels_total",
        "ebpf_exporter_timer_starts_total", "ebpf_exporter_ebpf_program_info",
        "ebpf_exporter_config_last_reload_successful", "ebpf_exporter_config_reloads_total"]
watch = ['ebpf_exporter_e2e_array_total{idx="3"}',
         'ebpf_exporter_config_reloads_total{result="success"}',
         'promhttp_metric_handler_requests_total{code="200"}']
with open(out, "w") as f:
    nxt = time.monotonic()
    while not os.path.exists(stop):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                code, body = r.status, r.read().decode()
        except Exception as e:
            f.write("ERROR %s\n" % e)
            f.flush()
            continue
        fams = {l.split()[2] for l in body.splitlines() if l.startswith("# TYPE ")}
        missing = [n for n in need if n not in fams]
        vals = {}
        for l in body.splitlines():
            for w in watch:
                if l.startswith(w + " "):
                    vals[w] = float(l.split()[-1])
        f.write("%d %s %s\n" % (code, ",".join(missing) or "-",
                                " ".join(str(vals.get(w, -1)) for w in watch)))
        f.flush()
        nxt += 0.05
        time.sleep(max(0, nxt - time.monotonic()))
EOF
	pid=$!
	loads=$(grep -c "$loaded" "$EXP_LOG")
	for ((i = 0; i < 12; i++)); do
		if ((i % 2)); then
			sed -i "s/^      help: Timers started in the kernel.*/      help: Timers started in the kernel, reload $i/" \
				"$RL_DIR/rl_timers.yaml"
		fi
		trigger "$CPU_A" 2:1:3:7 >/dev/null || bad=1
		code=$(rl_reload)
		[ "$code" = 200 ] || bad=1
		sleep 0.1
	done
	sleep 0.3
	touch "$stop"
	wait "$pid"
	check "reload: concurrent: every reload answered 200" [ "$bad" -eq 0 ]
	n=$(wc -l <"$out")
	check "reload: concurrent: the scraper ran throughout (got $n scrapes)" [ "$n" -ge 20 ]
	check "reload: concurrent: every scrape answered 200" \
		awk '$1 != 200 { bad = 1 } END { exit bad }' "$out"
	check "reload: concurrent: every scrape had every family" \
		awk '$2 != "-" { print; bad = 1 } END { exit bad }' "$out"
	check "reload: concurrent: counters never went back" \
		awk '{ for (i = 3; i <= NF; i++) { if ($i < prev[i]) bad = 1; prev[i] = $i } } END { exit bad }' "$out"
	check "reload: concurrent: the counter went on through the reloads" \
		awk 'END { exit !($3 >= 7 * 12) }' "$out"
	check "reload: concurrent: the six changed reloads loaded rl_timers anew" \
		[ "$(($(grep -c "$loaded" "$EXP_LOG") - loads))" -eq 6 ]
}

# The lifecycle endpoint without the flag, and GET with it.
rl_lifecycle()
{
	local code

	section "reload: /-/reload and --web.enable-lifecycle"
	rl_setup
	start_exporter reload-nolc --config.dir="$RL_DIR" --config.names=rl_counters || return
	code=$(rl_post POST)
	check "reload: without the flag, POST answers 403 (got $code)" [ "$code" = 403 ]
	check "reload: ... Lifecycle API is not enabled." \
		[ "$(cat "$WORK/reload.body")" = "Lifecycle API is not enabled." ]
	code=$(rl_post PUT)
	check "reload: without the flag, PUT answers 403 (got $code)" [ "$code" = 403 ]
	code=$(rl_post GET)
	check "reload: without the flag, GET answers 405 (got $code)" [ "$code" = 405 ]
	check "reload: no reload happened" not_grep 'Reloading configs' "$EXP_LOG"
	# SIGHUP reloads without the flag.
	RL_N=0
	rl_hup
	check_log "reload: SIGHUP works without the flag" "$EXP_LOG" '1 configs unchanged'
	stop_exporter TERM

	start_exporter reload-lc --config.dir="$RL_DIR" --config.names=rl_counters \
		--web.enable-lifecycle || return
	code=$(rl_post GET)
	check "reload: with the flag, GET answers 405 (got $code)" [ "$code" = 405 ]
	check "reload: ... Only POST or PUT requests allowed" \
		[ "$(cat "$WORK/reload.body")" = "Only POST or PUT requests allowed" ]
	code=$(rl_post PUT)
	check "reload: with the flag, PUT answers 200 (got $code)" [ "$code" = 200 ]
	stop_exporter TERM

	run_once reload-nomatch --config.dir="$RL_DIR" --config.names='rl_counters,nomatch*'
	check_exit "reload: a pattern that matches nothing fails the start" 1
	check_log "reload: ... naming the pattern and the dir" "$EXP_LOG" \
		"Error parsing configs: pattern \"nomatch*\" matches no NAME.yaml file in config dir \"$RL_DIR\""
	run_once reload-brackets --config.dir="$RL_DIR" --config.names='rl_[c]ounter?' \
		--config.check
	check_exit "reload: [...] and ? patterns match NAME.yaml files" 0
}

# Reload times from the log: unchanged and changed.
rl_times()
{
	local log=$WORK/reload.log

	grep -h 'Reloaded configs in' "$log" | sed -n 's/.*Reloaded configs in \([0-9]*\)ms: \(.*\)/\1 \2/p' |
		awk '{ k = ($0 ~ / loaded/ && $0 !~ / 0 loaded/) ? "changed" : "unchanged"
		       n[k]++; s[k] += $1; if ($1 > m[k]) m[k] = $1 }
		     END { for (k in n) printf "    reload time, %s: %d reloads, mean %.1f ms, max %d ms\n", k, n[k], s[k] / n[k], m[k] }'
}

# sd_notify around a reload: RELOADING=1 with MONOTONIC_USEC before, READY=1 after.
rl_notify()
{
	local sock=$WORK/rl-notify.sock out=$WORK/rl-notify.out lpid i now_us

	section "reload: sd_notify"
	rl_setup
	rm -f "$sock" "$out"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w") as f:
    while True:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            break
        f.write(m.replace("\n", " ") + "\n")
        f.flush()
        if "STOPPING=1" in m:
            break
' "$sock" "$out" &
	lpid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	NOTIFY_SOCKET=$sock OTEL_TRACES_EXPORTER=none start_exporter reload-notify \
		--config.dir="$RL_DIR" --config.names=rl_counters || {
		kill "$lpid" 2>/dev/null
		return
	}
	RL_N=0
	now_us=$(python3 -c 'import time; print(int(time.monotonic() * 1e6))')
	rl_hup
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c 'READY=1' "$out" 2>/dev/null)" -ge 2 ] && break
		sleep 0.05
	done
	stop_exporter TERM
	wait "$lpid" 2>/dev/null
	check "reload: sd_notify: RELOADING=1 with MONOTONIC_USEC, then READY=1" \
		awk -v t="$now_us" '
			/^RELOADING=1 .*MONOTONIC_USEC=[0-9]+/ { match($0, /MONOTONIC_USEC=[0-9]+/)
				us = substr($0, RSTART + 15, RLENGTH - 15)
				if (us + 0 >= t) r = NR }
			/^READY=1/ && r && NR > r { ok = 1 }
			END { exit !ok }' "$out"
}

# SIGTERM while a reload loads a changed config (the main thread is busy, so the kernel may
# deliver the signal to another thread): the exporter still shuts down the clean way.
rl_term_during_reload()
{
	section "reload: SIGTERM during a reload"
	rl_setup
	OTEL_TRACES_EXPORTER=none start_exporter reload-term --config.dir="$RL_DIR" \
		--config.names='rl_*' || return
	echo '# changed' >>"$RL_DIR/rl_counters.yaml"
	kill -HUP "$EXP_PID"
	sleep 0.03
	stop_exporter TERM
	check_exit "reload: SIGTERM during a reload: the exporter exits 0" 0
	check_log "reload: ... after its clean shutdown" "$EXP_LOG" 'Received signal: terminated'
}

# --config.strict: a reload that adds a config whose program cannot attach fails, and the
# running set stays; without the new config the next reload succeeds.
rl_strict()
{
	local s=$WORK/rl-strict.prom before code

	section "reload: --config.strict"
	rl_setup
	OTEL_TRACES_EXPORTER=none start_exporter reload-strict --config.dir="$RL_DIR" \
		--config.names='rl_*' --config.strict || return
	scrape "$s" >/dev/null
	before=$(grep -E '^ebpf_exporter_(enabled_configs|ebpf_program_info)' "$s")
	cp "$HERE/attachfail.yaml" "$RL_DIR/rl_attachfail.yaml"
	cp "$HERE/attachfail.bpf.o" "$RL_DIR/rl_attachfail.bpf.o"
	RL_N=0
	rl_hup
	check_log "reload: strict: a missed attachment fails the reload, naming it" "$EXP_LOG" \
		'Missed attachments (module:prog): rl_attachfail:e2e_kprobe_fail'
	scrape "$s" >/dev/null
	check "reload: strict: the running set is still served" \
		[ "$(grep -E '^ebpf_exporter_(enabled_configs|ebpf_program_info)' "$s")" = "$before" ]
	check_line "reload: strict: successful is 0" "$s" \
		'ebpf_exporter_config_last_reload_successful 0'
	rm "$RL_DIR/rl_attachfail.yaml" "$RL_DIR/rl_attachfail.bpf.o"
	rl_hup
	scrape "$s" >/dev/null
	check_line "reload: strict: without it the next reload succeeds" "$s" \
		'ebpf_exporter_config_last_reload_successful 1'
	stop_exporter TERM
}

# rl_tr_wait_ge SERIES MIN: scrapes into $WORK/rl-tr.prom until SERIES is at least MIN (10 s).
rl_tr_wait_ge()
{
	local i v

	for ((i = 0; i < 100; i++)); do
		scrape "$WORK/rl-tr.prom" >/dev/null
		v=$(sample_value "$WORK/rl-tr.prom" "$1")
		[ -n "$v" ] && awk -v v="$v" -v m="$2" 'BEGIN { exit !(v >= m) }' && return 0
		sleep 0.1
	done
	return 1
}

# rl_tr_round WHAT FILE: changes FILE (a comment appended) and reloads, with spans queued but
# not yet sent: every span counter after the reload is at least what it was before, then they
# all go on counting (spans read and exported, failed exports and their drops, records that
# fail to decode).
rl_tr_round()
{
	local what=$1 file=$2 mode=$WORK/rl-tr.mode s=$WORK/rl-tr.prom i
	local -a series=('ebpf_exporter_spans_received_total{config="rl_spans"}'
		'ebpf_exporter_spans_exported_total{service="e2e-spans"}'
		'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}'
		'ebpf_exporter_span_export_errors_total'
		'ebpf_exporter_decoder_errors_total{config="rl_spans"}')
	local -a before after

	scrape "$s" >/dev/null
	for i in 0 1 2 3 4; do
		before[i]=$(sample_value_or0 "$s" "${series[i]}")
	done
	# two spans queued (OTEL_BSP_SCHEDULE_DELAY): the old tracing sends them after the swap;
	# a record that does not decode
	trigger "$CPU_A" 80:2:0x7e10:0 82:1:1:1 || return
	echo "# changed $(date +%s%N)" >>"$file"
	rl_hup || return
	check_log "reload: spans, $what: one config loaded" "$EXP_LOG" \
		'1 configs unchanged, 1 loaded, 0 removed'
	scrape "$s" >/dev/null
	for i in 0 1 2 3 4; do
		after[i]=$(sample_value "$s" "${series[i]}")
		check "reload: spans, $what: ${series[i]} after the reload (${after[i]:-absent}) >= before (${before[i]})" \
			awk -v a="${after[i]:-x}" -v b="${before[i]}" 'BEGIN { exit !(a != "x" && a >= b) }'
	done
	trigger "$CPU_A" 80:2:0x7e11:0 82:1:1:1 || return
	check "reload: spans, $what: spans read go on (>= ${before[0]} + 6)" \
		rl_tr_wait_ge "${series[0]}" $((before[0] + 6))
	check "reload: spans, $what: decoder errors of span records go on (>= ${before[4]} + 2)" \
		rl_tr_wait_ge "${series[4]}" $((before[4] + 2))
	check "reload: spans, $what: spans exported go on, the old tracing's last ones too (>= ${before[1]} + 4)" \
		rl_tr_wait_ge "${series[1]}" $((before[1] + 4))
	echo 400 >"$mode"
	trigger "$CPU_A" 80:1:0x7e12:0 || return
	check "reload: spans, $what: export errors go on (> ${before[3]})" \
		rl_tr_wait_ge "${series[3]}" $((before[3] + 1))
	check "reload: spans, $what: dropped spans go on (> ${before[2]})" \
		rl_tr_wait_ge "${series[2]}" $((before[2] + 1))
	: >"$mode"
}

# The span counters across reloads that change a config: one without spans, then the one with
# spans; a scraper throughout sees them never go back. A removed config's series goes.
rl_tracing()
{
	local dir=$WORK/reload-tracing s=$WORK/rl-tr.prom mode=$WORK/rl-tr.mode
	local out=$WORK/rl-tr-scrapes.txt stop=$WORK/rl-tr-scrapes.stop rport rpid spid n

	section "reload: the span counters go on across reloads"
	rm -rf "$dir" "$out" "$stop"
	mkdir -p "$dir"
	cp "$HERE/counters.yaml" "$dir/rl_counters.yaml"
	cp "$HERE/counters.bpf.o" "$dir/rl_counters.bpf.o"
	cp "$HERE/spans.yaml" "$dir/rl_spans.yaml"
	cp "$HERE/spans.bpf.o" "$dir/rl_spans.bpf.o"
	pick_port || return
	rport=$EXP_PORT
	# An OTLP/HTTP receiver answering the status in $mode (empty: 200) and ignoring the body.
	: >"$mode"
	python3 - "$rport" "$mode" <<'EOF' &
import http.server, sys
port, mode = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status = int(open(mode).read().strip() or 200)
        except (OSError, ValueError):
            status = 200
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
	rpid=$!
	for ((n = 0; n < 100; n++)); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$rport/" && break
		sleep 0.05
	done
	otel_env_clear
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	EBPF_EXPORTER_TRACE_LIFECYCLE=0 OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$rport \
		OTEL_BSP_SCHEDULE_DELAY=300 OTEL_BSP_EXPORT_TIMEOUT=1000 \
		start_exporter reload-tracing --config.dir="$dir" --config.names='rl_*' || {
		kill "$rpid"
		wait "$rpid" 2>/dev/null
		return
	}
	RL_N=0
	# some of each counter before the first reload
	echo 400 >"$mode"
	trigger "$CPU_A" 80:3:0x7e00:0
	check "reload: spans: failed exports are counted before any reload" \
		rl_tr_wait_ge 'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}' 3
	: >"$mode"
	trigger "$CPU_A" 80:2:0x7e01:0
	check "reload: spans: exported spans are counted before any reload" \
		rl_tr_wait_ge 'ebpf_exporter_spans_exported_total{service="e2e-spans"}' 2

	python3 - "http://127.0.0.1:$EXP_PORT/metrics" "$stop" "$out" <<'EOF' &
import os, sys, time, urllib.request
url, stop, out = sys.argv[1:4]
watch = ['ebpf_exporter_spans_received_total{config="rl_spans"}',
         'ebpf_exporter_spans_exported_total{service="e2e-spans"}',
         'ebpf_exporter_spans_dropped_total{reason="export_failed",service="e2e-spans"}',
         'ebpf_exporter_span_export_errors_total',
         'ebpf_exporter_decoder_errors_total{config="rl_spans"}']
with open(out, "w") as f:
    while not os.path.exists(stop):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                body = r.read().decode()
        except Exception as e:
            f.write("ERROR %s\n" % e)
            f.flush()
            continue
        vals = {}
        for l in body.splitlines():
            for w in watch:
                if l.startswith(w + " "):
                    vals[w] = float(l.split()[-1])
        f.write(" ".join(str(vals.get(w, -1)) for w in watch) + "\n")
        f.flush()
        time.sleep(0.02)
EOF
	spid=$!
	rl_tr_round "the tracing config unchanged" "$dir/rl_counters.yaml"
	rl_tr_round "the tracing config changed" "$dir/rl_spans.yaml"
	touch "$stop"
	wait "$spid"
	n=$(wc -l <"$out")
	check "reload: spans: the scraper ran throughout (got $n scrapes)" [ "$n" -ge 20 ]
	check "reload: spans: every scrape had the span counters, and none went back" \
		awk '$1 == "ERROR" { bad = 1 }
			{ for (i = 1; i <= NF; i++) { if ($i < 0 || $i < prev[i]) bad = 1; prev[i] = $i } }
			END { exit bad }' "$out"

	mv "$dir/rl_spans.yaml" "$dir/rl_spans.yaml.gone"
	rl_hup
	scrape "$s" >/dev/null
	check "reload: spans: a removed config's spans_received series is gone" \
		not_grep 'ebpf_exporter_spans_received_total{config="rl_spans"}' "$s"
	check_line "reload: spans: ... the kept config is still served" "$s" \
		'ebpf_exporter_enabled_configs{name="rl_counters"} 1'
	stop_exporter TERM
	check_exit "reload: spans: the exporter exits 0" 0
	kill "$rpid"
	wait "$rpid" 2>/dev/null
}

suite_reload()
{
	rl_lifecycle
	rl_notify
	rl_basics
	rl_tracing
	rl_term_during_reload
	rl_strict
}
