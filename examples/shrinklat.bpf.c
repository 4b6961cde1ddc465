// SPDX-License-Identifier: MIT
/*
 * Latency of shrink_node(), the memory reclaim step that scans one NUMA node's LRU lists and
 * slab caches, in an exp2 histogram of microseconds (direct reclaim and kswapd alike).
 *
 * The vmscan tracepoints do not bracket shrink_node(): mm_vmscan_lru_shrink_{active,inactive}
 * report one LRU list's scan without its duration, and the *_reclaim_begin/end pairs time a
 * whole direct, memcg or node reclaim (several shrink_node() calls and throttling, and
 * nothing of kswapd). Timing shrink_node() itself needs a kprobe/kretprobe pair.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Buckets 0..26: up to 2^26 us (67 s); the sum goes to 27. */
#define MAX_LATENCY_SLOT 26
/* Threads reclaiming at once; the oldest are evicted first. */
#define MAX_ENTRIES 10240

/* Keep in sync with shrinklat.yaml's labels: bucket (4). */
struct shrink_latency_key {
	u32 bucket;
};

/* Thread id -> when its shrink_node() call started. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

/* Indexes 0..26 are the buckets, 27 the sum. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_LATENCY_SLOT + 2);
	__type(key, u32); /* struct shrink_latency_key, which is just the bucket */
	__type(value, u64);
} shrink_node_latency_seconds SEC(".maps");

SEC("kprobe/shrink_node")
int BPF_KPROBE(shrink_node_enter)
{
	u32 tid = bpf_get_current_pid_tgid();
	u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
	return 0;
}

SEC("kretprobe/shrink_node")
int BPF_KRETPROBE(shrink_node_exit)
{
	struct shrink_latency_key key = {};
	u32 tid = bpf_get_current_pid_tgid();
	u64 *started, delta_us;

	started = bpf_map_lookup_elem(&start, &tid);
	if (!started)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *started) / 1000;
	bpf_map_delete_elem(&start, &tid);

	increment_exp2_histogram(&shrink_node_latency_seconds, key, delta_us, MAX_LATENCY_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
