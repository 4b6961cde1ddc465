# SPDX-License-Identifier: MIT
# ebpf_exporter_map_entries and ebpf_exporter_map_max_entries, exact: metric maps (hash, per-CPU
# hash, array, histogram hash) from the scrape's own read, at once; the other hash maps (hash,
# LRU hash, per-CPU hash, LRU per-CPU hash, hash of maps) from the background count, within its
# interval; a full map at max_entries; deletions seen; arrays no metric reads left out.
# mapfill.bpf.c's uprobe on the trigger inserts and deletes ranges of distinct keys.
#
# Sourced by run.sh, which calls suite_map_fill; uses its globals and lib.sh's helpers.
# shellcheck shell=bash disable=SC2154

# The background count's longest interval (src/scrape/map_fill.h MAP_FILL_INTERVAL_MS).
MAPFILL_INTERVAL=5

# Map indexes of mapfill.bpf.c: fill with kind 10 + index, delete with kind 30 + index.
MF_START=0
MF_LRU=1
MF_PCPU=2
MF_LRU_PCPU=3
MF_FILL=4
MF_FILL_PCPU=5
MF_HIST=6

mapfill_write_config()
{
	cp "$HERE/mapfill.bpf.o" "$CFG/mapfill.bpf.o"
	write_config mapfill <<'EOF'
metrics:
  counters:
    - name: e2e_fill_total
      help: Hash map metric
      labels:
        - name: id
          size: 4
          decoders:
            - name: uint
    - name: e2e_fill_pcpu_total
      help: Per-CPU hash map metric
      labels:
        - name: id
          size: 4
          decoders:
            - name: uint
    - name: e2e_fill_array_total
      help: Array map metric
      labels:
        - name: idx
          size: 4
          decoders:
            - name: uint
  histograms:
    - name: e2e_fill_hist
      help: Histogram map metric
      bucket_type: exp2
      bucket_min: 0
      bucket_max: 2
      labels:
        - name: label
          size: 4
          decoders:
            - name: uint
        - name: bucket
          size: 4
          decoders:
            - name: uint
EOF
}

# mf_fill MAP FIRST COUNT / mf_delete MAP FIRST COUNT: keys FIRST .. FIRST+COUNT-1.
mf_fill()
{
	trigger "$CPU_A" "$((10 + $1)):1:$2:$3"
}

mf_delete()
{
	trigger "$CPU_A" "$((30 + $1)):1:$2:$3"
}

# mf_map_id NAME: the id of the exporter's map NAME (from its open fds; bpftool's names are cut
# at 15 characters).
mf_map_id()
{
	local f id name

	for f in /proc/"$EXP_PID"/fdinfo/*; do
		id=$(sed -n 's/^map_id:[[:space:]]*//p' "$f" 2>/dev/null)
		[ -n "$id" ] || continue
		name=$(bpftool -j map show id "$id" 2>/dev/null |
			python3 -c 'import json, sys; print(json.load(sys.stdin).get("name", ""))')
		if [ "$name" = "$1" ]; then
			echo "$id"
			return 0
		fi
	done
	return 1
}

# mf_expect FILL PCPU HIST START LRU PCPU_START LRU_PCPU OUTER: both families, exact (the
# array metric is always full: 8 of 8).
mf_expect()
{
	printf '%s\n' \
		"# HELP ebpf_exporter_map_entries Entries in a BPF map: counted by this scrape's read of a metric map, by the last background count for the other hash maps of a config" \
		'# TYPE ebpf_exporter_map_entries gauge' \
		'ebpf_exporter_map_entries{config="mapfill",map="e2e_fill_array_total"} 8' \
		"ebpf_exporter_map_entries{config=\"mapfill\",map=\"e2e_fill_hist\"} $3" \
		"ebpf_exporter_map_entries{config=\"mapfill\",map=\"e2e_fill_pcpu_total\"} $2" \
		"ebpf_exporter_map_entries{config=\"mapfill\",map=\"e2e_fill_total\"} $1" \
		"ebpf_exporter_map_entries{config=\"mapfill\",map=\"lru_pcpu_start\"} $7" \
		"ebpf_exporter_map_entries{config=\"mapfill\",map=\"lru_start\"} $5" \
		"ebpf_exporter_map_entries{config=\"mapfill\",map=\"outer\"} $8" \
		"ebpf_exporter_map_entries{config=\"mapfill\",map=\"pcpu_start\"} $6" \
		"ebpf_exporter_map_entries{config=\"mapfill\",map=\"start\"} $4" \
		'# HELP ebpf_exporter_map_max_entries The max_entries of a BPF map: the entries it can hold (a full hash map rejects new keys, a full LRU map evicts)' \
		'# TYPE ebpf_exporter_map_max_entries gauge' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="e2e_fill_array_total"} 8' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="e2e_fill_hist"} 100' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="e2e_fill_pcpu_total"} 32' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="e2e_fill_total"} 64' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="lru_pcpu_start"} 512' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="lru_start"} 256' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="outer"} 8' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="pcpu_start"} 16' \
		'ebpf_exporter_map_max_entries{config="mapfill",map="start"} 128'
}

# mf_matches WANT_FILE: a new scrape's map families are exactly WANT_FILE's lines.
mf_matches()
{
	[ "$(scrape "$WORK/mapfill.prom")" = 200 ] || return 1
	diff -u "$1" <(family_lines "$WORK/mapfill.prom" 'ebpf_exporter_map_(max_)?entries')
}

suite_map_fill()
{
	local t0 inner outer

	section "map fill: metric maps from the scrape, other hash maps from the background count"
	mapfill_write_config
	start_exporter mapfill --config.dir="$CFG" --config.names=mapfill || return
	t0=$SECONDS

	mf_expect 0 0 0 0 0 0 0 0 >"$WORK/mf_want0"
	check_within "map fill: at start every map is listed: the array full, the hash maps empty" \
		2 mf_matches "$WORK/mf_want0"
	check "map fill: arrays no metric reads (settings, the inner map) are not listed" \
		bash -c "! grep -E 'map=\"(settings|e2e_inner)\"' '$WORK/mapfill.prom'"

	mf_fill "$MF_FILL" 1 5 || return
	mf_fill "$MF_FILL_PCPU" 100 3 || return
	mf_fill "$MF_HIST" 0 4 || return
	mf_fill "$MF_START" 1000 100 || return
	mf_fill "$MF_LRU" 0 7 || return
	# 20 keys into a per-CPU hash of 16: the map fills up and rejects the last 4.
	mf_fill "$MF_PCPU" 0 20 || return
	mf_fill "$MF_LRU_PCPU" 5 300 || return
	outer=$(mf_map_id outer)
	inner=$(mf_map_id e2e_inner)
	if [ -z "$outer" ] || [ -z "$inner" ]; then
		fail "map fill: the exporter's maps outer and e2e_inner found" "outer=$outer inner=$inner"
		stop_exporter
		return
	fi
	bpftool map update id "$outer" key 1 0 0 0 value id "$inner" || fail "map fill: bpftool fills outer"
	bpftool map update id "$outer" key 2 0 0 0 value id "$inner" || fail "map fill: bpftool fills outer"

	# The metric maps are read by the scrape itself: exact at once. The other maps keep their
	# count until the background pass, at least MAPFILL_INTERVAL seconds after the first count.
	mf_expect 5 3 4 0 0 0 0 0 >"$WORK/mf_want1"
	if [ $((SECONDS - t0)) -lt $((MAPFILL_INTERVAL - 1)) ]; then
		check "map fill: metric maps exact at once, the other maps still at their last count" \
			mf_matches "$WORK/mf_want1"
	else
		echo "map fill: (the machine is slow: the background count may have run, stale check skipped)"
	fi
	mf_expect 5 3 4 100 7 16 300 2 >"$WORK/mf_want2"
	check_within "map fill: the background count gives every other hash map's entries exactly" \
		$((MAPFILL_INTERVAL * 2 + 2)) mf_matches "$WORK/mf_want2"
	check "map fill: a full per-CPU hash: entries = max_entries (16)" \
		has_line "$WORK/mapfill.prom" 'ebpf_exporter_map_entries{config="mapfill",map="pcpu_start"} 16'
	promcheck "map fill" "$WORK/mapfill.prom"

	# Deletions and a full hash map: the start map gets 60 more keys of which 28 fit (128),
	# then loses 40; the metric hash loses 2.
	mf_fill "$MF_START" 2000 60 || return
	mf_delete "$MF_START" 1000 40 || return
	mf_delete "$MF_FILL" 1 2 || return
	bpftool map delete id "$outer" key 1 0 0 0 || fail "map fill: bpftool deletes from outer"
	mf_expect 3 3 4 88 7 16 300 1 >"$WORK/mf_want3"
	check_within "map fill: deletions and a full hash map (start: 100 + 28 that fit - 40 = 88)" \
		$((MAPFILL_INTERVAL * 2 + 2)) mf_matches "$WORK/mf_want3"
	stop_exporter
	check_exit "map fill: the exporter stops cleanly" 0
}
