// SPDX-License-Identifier: MIT
/*
 * End-to-end test object for scrapes of many series (suite_scale.sh): maps only, filled from
 * user space by the scaletool binary while the exporter serves them. The one program is
 * needed for the object to be a config; it attaches to a tracepoint that fires only when a
 * task renames itself, and does nothing.
 *
 * Keys: {id, shard} for the counters, {id, bucket} for the histogram (exp2, buckets 0..29,
 * index 30 holds the sum). Sizes match scaletool's `fill` kinds.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct pair_key {
	u32 id;
	u32 second; /* shard, or bucket index */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10000);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pair_key);
	__type(value, u64);
} e2e_scale_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1000);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pair_key);
	__type(value, u64);
} e2e_scale_pcpu_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 200 * 31);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pair_key);
	__type(value, u64);
} e2e_scale_seconds SEC(".maps");

SEC("tp_btf/task_rename")
int BPF_PROG(e2e_scale_idle)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
