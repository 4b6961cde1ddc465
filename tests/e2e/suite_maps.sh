# SPDX-License-Identifier: MIT
# --debug: libbpf's debug messages in the log and the raw maps on /maps,
# row by row in the exact format upstream prints (Go %#v key bytes, decoded labels, value),
# for arrays, hashes, per-CPU maps with and without a `cpu` label and histogram maps.
# Without --debug there are neither debug lines nor /maps.
# Sourced by run.sh, which calls suite_maps; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# maps_key BYTE...: a key as Go's %#v prints a []byte (`[]byte{0x1, 0x0}`).
maps_key()
{
	local out='' b

	for b in "$@"; do
		out="$out${out:+, }$(printf '0x%x' "$b")"
	done
	printf '[]byte{%s}' "$out"
}

# The counters config's maps this suite shows, and two of the histogram maps.
maps_write_configs()
{
	cp "$HERE/counters.bpf.o" "$CFG/maps_counters.bpf.o"
	cat >"$CFG/maps_counters.yaml" <<'EOF'
metrics:
  counters:
    - name: e2e_array_total
      help: Array values by index
      labels:
        - name: idx
          size: 4
          decoders:
            - name: uint
    - name: e2e_nolabels_total
      help: Array of one element without labels
    - name: e2e_pcpu_array_total
      help: Per-CPU array values by index and CPU
      labels:
        - name: idx
          size: 4
          decoders:
            - name: uint
        - name: cpu
          size: 2
          decoders:
            - name: uint
    - name: e2e_pcpu_hash_total
      help: Per-CPU hash values summed over CPUs
      labels:
        - name: id
          size: 4
          decoders:
            - name: uint
    - name: e2e_padded_total
      help: Keys with padding and static maps
      labels:
        - name: op
          size: 1
          padding: 3
          decoders:
            - name: uint
            - name: static_map
              static_map:
                0: read
                1: write
        - name: mode
          size: 4
          decoders:
            - name: uint
            - name: static_map
              static_map:
                1: one
    - name: e2e_hex_total
      help: Raw key bytes in hex
      labels:
        - name: raw
          size: 4
          decoders:
            - name: hex
EOF
	cp "$HERE/histograms.bpf.o" "$CFG/maps_histograms.bpf.o"
	cat >"$CFG/maps_histograms.yaml" <<'EOF'
metrics:
  histograms:
    - name: e2e_one_bucket
      help: a one-bucket exp2 histogram 3..3
      bucket_type: exp2
      bucket_min: 3
      bucket_max: 3
      labels:
        - name: label
          size: 4
          decoders:
            - name: uint
        - name: bucket
          size: 4
          decoders:
            - name: uint
    - name: e2e_pcpu_cpu
      help: per-CPU hash histogram, one per CPU
      bucket_type: exp2
      bucket_min: 0
      bucket_max: 2
      labels:
        - name: kind
          size: 4
          decoders:
            - name: uint
        - name: bucket
          size: 4
          decoders:
            - name: uint
        - name: cpu
          size: 2
          decoders:
            - name: uint
EOF
}

# maps_open MAP / maps_close: the lines around one map's rows.
maps_open()
{
	printf '### Map: %s\n\n%s\n' "$1" '```'
}

maps_close()
{
	printf '%s\n\n' '```'
}

# The rows maps_trigger leaves: keys and CPU slots in kernel order (index order for arrays;
# one key per hash), per-CPU rows in CPU order.
maps_expect()
{
	local c v i

	printf '## Config: maps_counters\n\n'
	maps_open e2e_array_total
	for c in 0 1 2 3; do
		v=0
		[ "$c" -eq 1 ] && v=10
		echo "$(maps_key "$c" 0 0 0) (labels: [$c]) -> $v"
	done
	maps_close
	maps_open e2e_nolabels_total
	echo "$(maps_key 0 0 0 0) (labels: []) -> 42"
	maps_close
	maps_open e2e_pcpu_array_total
	for i in 0 1; do
		for ((c = 0; c < NCPU; c++)); do
			v=0
			[ "$i" -eq 1 ] && [ "$c" -eq "$CPU_B" ] && v=3
			echo "$(maps_key "$i" 0 0 0 "$c" 0) (labels: [$i $c]) -> $v"
		done
	done
	maps_close
	# Without a cpu label the per-CPU values of a key are rows of their own here.
	maps_open e2e_pcpu_hash_total
	for ((c = 0; c < NCPU; c++)); do
		v=0
		[ "$c" -eq "$CPU_A" ] && v=$((v + 5))
		[ "$c" -eq "$CPU_B" ] && v=$((v + 2))
		echo "$(maps_key 7 0 0 0) (labels: [7]) -> $v"
	done
	maps_close
	maps_open e2e_padded_total
	echo "$(maps_key 1 0xab 0xab 0xab 1 0 0 0) (labels: [write one]) -> 1"
	maps_close
	maps_open e2e_hex_total
	echo "$(maps_key 0xef 0xbe 0xad 0xde) (labels: [efbeadde]) -> 1"
	maps_close

	printf '## Config: maps_histograms\n\n'
	maps_open e2e_one_bucket
	echo "$(maps_key 0 0 0 0 3 0 0 0) (labels: [0 3]) -> 4"
	maps_close
	maps_open e2e_pcpu_cpu
	for ((c = 0; c < NCPU; c++)); do
		v=0
		[ "$c" -eq "$CPU_A" ] && v=2
		echo "$(maps_key 1 0 0 0 1 0 0 0 "$c" 0) (labels: [1 1 $c]) -> $v"
	done
	maps_close
}

maps_trigger()
{
	trigger "$CPU_A" 2:1:1:10 5:1:42:0 3:1:7:5 8:1:0xdeadbeef:0 6:1:1:0x1ab \
		27:1:3:$(((0 << 32) | 4)) 24:1:1:$(((1 << 32) | 2)) || return 1
	trigger "$CPU_B" 4:1:1:3 3:1:7:2
}

suite_maps()
{
	local body=$WORK/maps.body want=$WORK/maps.want h=$WORK/maps.headers code ct d

	section "--debug: raw maps on /maps, libbpf debug messages"
	maps_write_configs
	start_exporter maps-debug --config.dir="$CFG" --config.names=maps_counters,maps_histograms \
		--debug || return
	maps_trigger
	scrape "$WORK/maps.before" >/dev/null
	code=$(scrape "$body" /maps -D "$h")
	maps_expect >"$want"
	if [ "$code" = 200 ] && d=$(diff -u "$want" "$body"); then
		pass "maps: /maps shows every row in the exact format"
	else
		fail "maps: /maps shows every row in the exact format" "status $code" "$d"
	fi
	ct=$(tr -d '\r' <"$h" | sed -n 's/^Content-Type: *//Ip' | tail -n 1)
	check "maps: /maps is text/plain" [ "$ct" = "text/plain" ]
	check_log "maps: --debug logs that /maps is served" "$EXP_LOG" \
		"Debug enabled, exporting raw maps on /maps"
	if grep -qE '^[0-9/]{10} [0-9:]{8} libbpf \[debug\]: ' "$EXP_LOG"; then
		pass "maps: --debug passes libbpf's debug messages to the log"
	else
		fail "maps: --debug passes libbpf's debug messages to the log" \
			"$(head -n 10 "$EXP_LOG")"
	fi
	# The metrics are unchanged by --debug (the histogram from the same map).
	scrape "$body" >/dev/null
	check_line "maps: /metrics still served with --debug" "$body" \
		'ebpf_exporter_e2e_one_bucket_bucket{label="0",le="8"} 4'
	# Reading /maps between two scrapes changes nothing the second scrape reuses.
	if d=$(diff <(grep '^ebpf_exporter_e2e_' "$WORK/maps.before") \
		<(grep '^ebpf_exporter_e2e_' "$body")) && [ -s "$WORK/maps.before" ]; then
		pass "maps: scrapes before and after /maps show the same series"
	else
		fail "maps: scrapes before and after /maps show the same series" "$d"
	fi
	stop_exporter TERM
	check_exit "maps: --debug run exits 0 on SIGTERM" 0

	section "without --debug: no /maps, no libbpf debug messages"
	start_exporter maps-nodebug --config.dir="$CFG" --config.names=maps_counters,maps_histograms ||
		return
	code=$(scrape "$body" /maps)
	if [ "$code" = 200 ] && grep -qF '<h1>eBPF Exporter</h1>' "$body" && ! grep -q 'Config:' "$body"; then
		pass "maps: /maps is the landing page without --debug"
	else
		fail "maps: /maps is the landing page without --debug" "status $code" "$(head -n 5 "$body")"
	fi
	stop_exporter TERM
	if grep -q 'libbpf \[debug\]' "$EXP_LOG"; then
		fail "maps: no libbpf debug messages without --debug" "$(grep -m 3 'libbpf \[debug\]' "$EXP_LOG")"
	else
		pass "maps: no libbpf debug messages without --debug"
	fi
	if grep -qF 'Debug enabled' "$EXP_LOG"; then
		fail "maps: no 'Debug enabled' line without --debug"
	else
		pass "maps: no 'Debug enabled' line without --debug"
	fi
}
