// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for cgroup_id_map with a hash map: the exporter writes
 * the ids of the cgroups whose paths match the config's regexps into e2e_cg_id_map. A uprobe on
 * the trigger binary (ee_trigger kind 200) counts the caller's cgroup in one of two counters,
 * depending on whether its id is in the map.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u64);
} e2e_cg_id_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u64);
	__type(value, u64);
} e2e_cg_matched_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u64);
	__type(value, u64);
} e2e_cg_not_matched_total SEC(".maps");

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_cg_uprobe, unsigned int kind)
{
	u64 id = bpf_get_current_cgroup_id();

	if (kind != 200)
		return 0;
	if (bpf_map_lookup_elem(&e2e_cg_id_map, &id))
		return increment_map(&e2e_cg_matched_total, &id, 1);
	return increment_map(&e2e_cg_not_matched_total, &id, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
