# SPDX-License-Identifier: MIT
# make build-static: the binary is statically linked and says so in --version's tags; in an
# empty root laid out as the container image is (/ebpf_exporter, /examples/NAME.bpf.o and
# NAME.yaml; nothing else but /proc, /sys and /dev bound in), it loads the image's default
# examples and a test config whose counters a uprobe on a trigger binary (put in the root at
# the path its section names) sets exactly, and a scrape returns those exact series; asked for
# what it cannot do (OTLP export, which needs libcurl), it stops at once with a message that
# says so.
#
# Sourced by run.sh, which calls check_static; uses its globals and e2e's lib.sh helpers.
# shellcheck shell=bash disable=SC2154

ST_PORT=19960
ST_PID=
ST_ROOT=
# The image's default configs (Dockerfile CMD).
ST_CONFIGS=timers,percpu-softirq,biolatency,run-queue-latency

st_stop()
{
	bg_stop "$ST_PID"
	ST_PID=
}

# st_run ARGS...: the binary in the empty root, in a mount namespace of its own in which
# /proc, /sys (with tracefs and the cgroup tree under it) and /dev are bound in; in ST_PID.
st_run()
{
	unshare --mount --fork --kill-child=SIGTERM sh -c '
		root=$1; shift
		mount --make-rprivate / &&
		mount --rbind /proc "$root/proc" && mount --rbind /sys "$root/sys" &&
		mount --rbind /dev "$root/dev" &&
		exec chroot "$root" /ebpf_exporter "$@"' sh "$ST_ROOT" "$@" >"$WORK/st.log" 2>&1 &
	ST_PID=$!
}

check_static()
{
	local bin=$BUILD/static/ebpf_exporter out prom=$WORK/st.prom n cfg trig

	if [ ! -x "$bin" ]; then
		fail "static: $bin exists (make build-static)"
		return
	fi
	out=$(file -b "$bin")
	check "static: file(1) says statically linked ($(cut -d, -f1-5 <<<"$out"))" \
		grep -q 'statically linked' <<<"$out"
	out=$("$bin" --version 2>&1)
	check "static: --version prints the version and the static tags" \
		grep -qE '^  tags: +static,nopci,nolibcurl,nolibsystemd$' <<<"$out"
	echo "    $(head -n 1 <<<"$out"); $(du -k "$bin" | cut -f1) KiB"

	check "static: the Dockerfile's final stage is the root below: /ebpf_exporter and /examples, these configs" \
		sh -c "grep -qx 'ENTRYPOINT \[\"/ebpf_exporter\"\]' '$ROOT/Dockerfile' &&
			grep -qF '\"--config.dir=/examples\", \"--config.names=$ST_CONFIGS\"' '$ROOT/Dockerfile' &&
			grep -qx 'FROM scratch' '$ROOT/Dockerfile'"

	# The root: only what the image holds, plus the trigger the test config's uprobe names.
	ST_ROOT=$WORK/root
	mkdir -p "$ST_ROOT"/{proc,sys,dev,examples,e2e,tmp/ebpf-exporter-e2e}
	cp "$bin" "$ST_ROOT/ebpf_exporter"
	for cfg in ${ST_CONFIGS//,/ }; do
		cp "$ROOT/examples/$cfg.bpf.o" "$ROOT/examples/$cfg.yaml" "$ST_ROOT/examples/"
	done
	cp "$ROOT/tests/e2e/counters.bpf.o" "$ROOT/tests/e2e/counters.yaml" "$ST_ROOT/e2e/"
	trig=$ST_ROOT/tmp/ebpf-exporter-e2e/trigger
	cp "$BUILD/e2e/trigger" "$trig"
	check "static: the root has no /lib, /usr or /etc" \
		sh -c "[ ! -e '$ST_ROOT/lib' ] && [ ! -e '$ST_ROOT/usr' ] && [ ! -e '$ST_ROOT/etc' ]"

	OTEL_TRACES_EXPORTER=none st_run --web.listen-address="127.0.0.1:$ST_PORT" \
		--config.dir=/examples --config.names="$ST_CONFIGS"
	cleanup_add st_stop
	bg_wait_http "$ST_PORT" "$ST_PID"
	curl -s --max-time 10 -o "$prom" "http://127.0.0.1:$ST_PORT/metrics"
	n=0
	for cfg in ${ST_CONFIGS//,/ }; do
		has_line "$prom" "ebpf_exporter_enabled_configs{name=\"$cfg\"} 1" && n=$((n + 1))
	done
	if [ "$n" -eq 4 ] && ! grep -qE '^ebpf_exporter_ebpf_program_attached\{.*\} 0' "$prom"; then
		pass "static: in the empty root the image's examples load and attach ($ST_CONFIGS)"
	else
		fail "static: in the empty root the image's examples load and attach ($ST_CONFIGS)" \
			"$(tail -n 20 "$WORK/st.log")"
	fi
	check "static: ... kernel symbols resolve (timers has function names)" \
		grep -qE '^ebpf_exporter_timer_starts_total\{function="[a-z_]' "$prom"
	st_stop

	OTEL_TRACES_EXPORTER=none st_run --web.listen-address="127.0.0.1:$ST_PORT" \
		--config.dir=/e2e --config.names=counters
	bg_wait_http "$ST_PORT" "$ST_PID"
	# The root's copy of the trigger is the file the uprobe is attached to.
	"$trig" 1:3:42:s=static 5:1:7:0 >/dev/null
	curl -s --max-time 10 -o "$prom" "http://127.0.0.1:$ST_PORT/metrics"
	if has_line "$prom" 'ebpf_exporter_e2e_hash_total{id="42",name="static"} 3' &&
		has_line "$prom" 'ebpf_exporter_e2e_nolabels_total 7' &&
		has_line "$prom" 'ebpf_exporter_enabled_configs{name="counters"} 1'; then
		pass "static: a scrape in the empty root returns the exact series of the test config"
	else
		fail "static: a scrape in the empty root returns the exact series of the test config" \
			"$(grep -E '^ebpf_exporter_(e2e_hash|e2e_nolabels|enabled)' "$prom")" \
			"$(tail -n 10 "$WORK/st.log")"
	fi
	st_stop

	# OTLP export needs libcurl, which the static build does not load.
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1 st_run \
		--web.listen-address="127.0.0.1:$ST_PORT" --config.dir=/e2e --config.names=counters
	for ((i = 0; i < 100; i++)); do
		kill -0 "$ST_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$ST_PID"
	out=$?
	ST_PID=
	check "static: OTLP export stops it at start-up (exit $out) saying the static build loads no libcurl" \
		sh -c "[ '$out' != 0 ] && grep -q 'cannot load libcurl.so.4: this is the statically linked build' '$WORK/st.log'"
}
