# SPDX-License-Identifier: MIT
# The exporter's own start-up and shutdown trace, through the console exporter:
# attach ⟶ register_handlers, attach_configs ⟶ attach_config ⟶ new_module,
# bpf_load_object, attach_module (prog_attach events); detach ⟶ close_module (prog_detach,
# close events). A program that fails to attach is recorded as an error.

suite_lifecycle()
{
	local log name want

	export OTEL_TRACES_EXPORTER=console
	start_exporter lifecycle --config.dir="$HERE" --config.names=attachfail
	unset OTEL_TRACES_EXPORTER
	[ -n "$EXP_PID" ] || return 0
	stop_exporter TERM
	log=$EXP_LOG
	for name in attach register_handlers attach_configs attach_config new_module \
		bpf_load_object attach_module prog_attach detach close_module prog_detach close; do
		want="\"name\":\"$name\""
		if grep -qF "$want" "$log"; then
			pass "lifecycle: span or event $name recorded"
		else
			fail "lifecycle: span or event $name recorded" "$(tail -n 5 "$log")"
		fi
	done
	if grep -qF '"key":"config","value":{"stringValue":"attachfail"}' "$log"; then
		pass "lifecycle: attach_config carries the config attribute"
	else
		fail "lifecycle: attach_config carries the config attribute"
	fi
	if grep -qF '"key":"SEC","value":{"stringValue":"kprobe/' "$log"; then
		pass "lifecycle: prog_attach events name the section"
	else
		fail "lifecycle: prog_attach events name the section"
	fi
	if grep -qF 'failed to attach program' "$log" && grep -qF '"code":2' "$log"; then
		pass "lifecycle: the failed attach is an error in the trace"
	else
		fail "lifecycle: the failed attach is an error in the trace"
	fi
}
