// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for attach failures: one program that cannot attach on the test
 * machines (kprobes are unavailable there, attach fails with ENOENT) beside one that can.
 * The exporter must report the first, keep the second working and serve the config.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* ee_trigger() kind counted by e2e_uprobe_ok. */
#define KIND_ATTACH 10

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_attach_hits_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_kprobe_hits_total SEC(".maps");

static __always_inline int count_hit(void *map)
{
	u32 zero = 0;
	u64 *count;

	read_array_ptr(map, &zero, count);
	__sync_fetch_and_add(count, 1);
	return 0;
}

SEC("kprobe/do_nanosleep")
int BPF_KPROBE(e2e_kprobe_fail)
{
	return count_hit(&e2e_kprobe_hits_total);
}

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_uprobe_ok, unsigned int kind)
{
	if (kind != KIND_ATTACH)
		return 0;
	return count_hit(&e2e_attach_hits_total);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
