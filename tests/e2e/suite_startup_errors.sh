# SPDX-License-Identifier: MIT
# End-to-end tests of start-up errors: bad flags, bad configs, missing files and maps that do
# not match their metrics exit 1 with a message naming the file, the key and the line.
#
# Sourced by run.sh, which calls suite_startup_errors; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

run_startup_errors()
{
	local line

	section "command line"
	run_once version --version
	check_exit "cli: --version exits 0" 0
	if grep -qE "^ebpf_exporter, version $VERSION \(branch: [^,]*, revision: [^)]*\)$" "$EXP_LOG"; then
		pass "cli: --version prints the version line"
	else
		fail "cli: --version prints the version line" "$(head -n 3 "$EXP_LOG")"
	fi
	run_once help --help
	if [ "$EXP_RC" -eq 0 ] && grep -qF -- '--config.dir' "$EXP_LOG"; then
		pass "cli: --help exits 0 and lists the flags"
	else
		fail "cli: --help exits 0 and lists the flags" "exit code $EXP_RC"
	fi

	section "start-up errors"
	startup_error "missing --config.dir" \
		"ebpf_exporter: error: required flag(s) '--config.dir' not provided, try --help" \
		--config.names=counters
	startup_error "missing --config.dir and --config.names" \
		"ebpf_exporter: error: required flag(s) '--config.dir', '--config.names' not provided, try --help"
	startup_error "nonexistent --config.dir" \
		"ebpf_exporter: error: path '$WORK/nonexistent' does not exist, try --help" \
		--config.dir="$WORK/nonexistent" --config.names=counters
	startup_error "missing YAML file" \
		"error opening \"$CFG/absent.yaml\" for config \"absent\"" \
		--config.dir="$CFG" --config.names=absent

	write_config bad_yaml <<'EOF'
metrics:
  counters:
    - name: e2e_nolabels_total
      help: [unclosed
EOF
	run_once error --config.dir="$CFG" --config.names=bad_yaml
	line=$(grep -F "error parsing \"$CFG/bad_yaml.yaml\" for config \"bad_yaml\"" "$EXP_LOG")
	if [ "$EXP_RC" -eq 1 ] && printf '%s' "$line" | grep -q 'line'; then
		pass "error: bad YAML names the file and the line"
	else
		fail "error: bad YAML names the file and the line" "exit code $EXP_RC" \
			"output: $(tail -n 5 "$EXP_LOG")"
	fi

	write_config unknown_key <<'EOF'
metrics:
  counters:
    - name: e2e_nolabels_total
      help: Array of one element without labels
      lables: []
EOF
	run_once error --config.dir="$CFG" --config.names=unknown_key
	line=$(grep -F 'lables' "$EXP_LOG")
	if [ "$EXP_RC" -eq 1 ] && printf '%s' "$line" | grep -q 'line 5\b' &&
		printf '%s' "$line" | grep -qF "$CFG/unknown_key.yaml"; then
		pass "error: unknown YAML key names the key, the file and the line"
	else
		fail "error: unknown YAML key names the key, the file and the line" \
			"exit code $EXP_RC" "output: $(tail -n 5 "$EXP_LOG")"
	fi

	write_config empty <<'EOF'
# Neither metrics nor tracing.
metrics: {}
EOF
	startup_error "config with neither metrics nor tracing" \
		'neither metrics nor tracing are defined for config "empty"' \
		--config.dir="$CFG" --config.names=empty

	cp "$HERE/badmaps.bpf.o" "$CFG/missing_map.bpf.o"
	write_config missing_map <<'EOF'
metrics:
  counters:
    - name: e2e_missing_map
      help: A map the object does not have
EOF
	startup_error "metric without a map" 'failed to get map "e2e_missing_map"' \
		--config.dir="$CFG" --config.names=missing_map
	check_names_yaml missing_map

	cp "$HERE/badmaps.bpf.o" "$CFG/small_values.bpf.o"
	write_config small_values <<'EOF'
metrics:
  counters:
    - name: e2e_small_vals
      help: A map with 4-byte values
      labels:
        - name: kind
          size: 4
          decoders:
            - name: uint
EOF
	startup_error "map with 4-byte values" \
		'value size for map "e2e_small_vals" is not expected 8 bytes (u64), it is 4 bytes' \
		--config.dir="$CFG" --config.names=small_values
	check_names_yaml small_values

	cp "$HERE/badmaps.bpf.o" "$CFG/key_size.bpf.o"
	write_config key_size <<'EOF'
metrics:
  counters:
    - name: e2e_key8_total
      help: Labels of 6 bytes for an 8-byte key
      labels:
        - name: a
          size: 4
          padding: 1
          decoders:
            - name: uint
        - name: b
          size: 1
          decoders:
            - name: uint
EOF
	run_once error --config.dir="$CFG" --config.names=key_size
	line=$(grep -F 'key size' "$EXP_LOG" | grep -F key_size | grep -F e2e_key8_total |
		grep -w 8 | grep -w 6)
	if [ "$EXP_RC" -eq 1 ] && [ -n "$line" ]; then
		pass "error: key size mismatch names config, metric and both sizes"
	else
		fail "error: key size mismatch names config, metric and both sizes" \
			"exit code $EXP_RC" "output: $(tail -n 5 "$EXP_LOG")"
	fi
	check_names_yaml key_size

	startup_error "duplicate config names" 'multiple configs with name "counters"' \
		--config.dir="$HERE" --config.names=counters,counters

	write_config no_object <<'EOF'
metrics:
  counters:
    - name: e2e_nolabels_total
      help: Array of one element without labels
EOF
	startup_error "missing .bpf.o" "$CFG/no_object.bpf.o" \
		--config.dir="$CFG" --config.names=no_object
}

suite_startup_errors()
{
	run_startup_errors
}
