// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for map validation errors: maps whose value or key sizes a config
 * can get wrong. run.sh writes the configs that use them wrongly.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Values of 4 bytes: the exporter only reads u64 values. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u32);
} e2e_small_vals SEC(".maps");

/* An 8-byte key, for configs whose labels add up to another size. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, u64);
	__type(value, u64);
} e2e_key8_total SEC(".maps");

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_badmaps, unsigned int kind, u64 a)
{
	u32 key = kind, small = 1;

	if (kind != 11)
		return 0;
	bpf_map_update_elem(&e2e_small_vals, &key, &small, BPF_ANY);
	return increment_map(&e2e_key8_total, &a, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
