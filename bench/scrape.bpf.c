// SPDX-License-Identifier: MIT
/*
 * Maps of the scrape benchmark (bench/run.sh), filled from user space by scaletool while
 * the exporter serves them; each benchmark case loads this object under its own config name
 * and exports one of the maps. Maps are not preallocated, so the unused ones cost nothing.
 * The one program only makes the object a config: it attaches to a tracepoint that fires
 * when a task renames itself, and does nothing.
 *
 * Keys: {id, shard} for the counters, {id, bucket} for the histogram (exp2, buckets 0..29,
 * index 30 holds the sum), as scaletool's `fill` writes them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct pair_key {
	u32 id;
	u32 second; /* shard, or bucket index */
};

#define BENCH_MAP(map_type, entries, name)            \
	struct {                                      \
		__uint(type, map_type);               \
		__uint(max_entries, entries);         \
		__uint(map_flags, BPF_F_NO_PREALLOC); \
		__type(key, struct pair_key);         \
		__type(value, u64);                   \
	} name SEC(".maps")

BENCH_MAP(BPF_MAP_TYPE_HASH, 1000, bench_c1k_total);
BENCH_MAP(BPF_MAP_TYPE_HASH, 10000, bench_c10k_total);
BENCH_MAP(BPF_MAP_TYPE_HASH, 100000, bench_c100k_total);
BENCH_MAP(BPF_MAP_TYPE_HASH, 1000000, bench_c1m_total);
BENCH_MAP(BPF_MAP_TYPE_PERCPU_HASH, 100000, bench_pcpu_total);
BENCH_MAP(BPF_MAP_TYPE_HASH, 10000 * 31, bench_hist_seconds);

SEC("tp_btf/task_rename")
int BPF_PROG(bench_idle)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
