// SPDX-License-Identifier: MIT
/*
 * How long CFS bandwidth control kept a cgroup's run queue throttled, by cgroup (v2 id), in
 * an exp2 histogram of microseconds: measured when the run queue is unthrottled, as the run
 * queue clock minus the clock when throttling started.
 *
 * The scheduler has no tracepoint for throttling or unthrottling, so this stays an fentry
 * program on unthrottle_cfs_rq() (BTF-typed arguments, no kprobe trap).
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Buckets 0..20: up to 2^20 us (1 s); the sum goes to 21. */
#define MAX_LATENCY_SLOT 20
/* Throttled cgroups expected at once; the least recently updated are evicted first. */
#define MAX_CGROUPS 1024

/* Keep in sync with cfs-throttling.yaml's labels: cgroup (4), bucket (4). */
struct cfs_throttling_key {
	u32 cgroup;
	u32 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, (MAX_LATENCY_SLOT + 2) * MAX_CGROUPS);
	__type(key, struct cfs_throttling_key);
	__type(value, u64);
} cfs_throttling_seconds SEC(".maps");

SEC("fentry/unthrottle_cfs_rq")
int BPF_PROG(unthrottle_cfs_rq, struct cfs_rq *cfs_rq)
{
	u64 throttled_us = (cfs_rq->rq->clock - cfs_rq->throttled_clock) / 1000;
	/* The cgroup id (its kernfs node id) truncated to 32 bits, as upstream keys it. */
	struct cfs_throttling_key key = { .cgroup = cfs_rq->tg->css.cgroup->kn->id };

	increment_exp2_histogram(&cfs_throttling_seconds, key, throttled_us, MAX_LATENCY_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
