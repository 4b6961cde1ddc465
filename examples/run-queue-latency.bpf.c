// SPDX-License-Identifier: MIT
/*
 * Run queue latency: how long a runnable task waits for a CPU, from its wakeup (or from
 * being preempted while still runnable) until it is switched in, as an exp2 histogram of
 * microseconds kept per CPU. The histogram is a per-CPU array indexed by bucket; the config
 * names its last label `cpu`, so the exporter shows one histogram per CPU, for the CPU the
 * task waited for.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Tasks waiting at once; the least recently stamped is evicted first. */
#define MAX_WAITING 16384
/* Buckets 0..26: up to 2^26 us (67 s); the sum goes to 27. */
#define MAX_LATENCY_SLOT 26
/* TASK_RUNNING in include/linux/sched.h. */
#define TASK_RUNNING 0

/* Keep in sync with run-queue-latency.yaml's labels: bucket (4), then the exporter's cpu. */
struct run_queue_latency_key {
	u32 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_WAITING);
	__type(key, u32);
	__type(value, u64);
} runnable_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_LATENCY_SLOT + 2);
	__type(key, u32);
	__type(value, u64);
} run_queue_latency_seconds SEC(".maps");

static __always_inline int enqueued(struct task_struct *p)
{
	u32 pid = p->pid;
	u64 now;

	/* The idle task never waits in a run queue. */
	if (!pid)
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&runnable_since, &pid, &now, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	return enqueued(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	return enqueued(p);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct run_queue_latency_key key = {};
	u32 pid = next->pid;
	u64 *since, delta_us;

	/* Preempted but still runnable: prev waits in the run queue from now on. */
	if (prev->__state == TASK_RUNNING)
		enqueued(prev);

	since = bpf_map_lookup_elem(&runnable_since, &pid);
	if (!since)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *since) / 1000;
	bpf_map_delete_elem(&runnable_since, &pid);

	increment_exp2_histogram_nosync(&run_queue_latency_seconds, key, delta_us,
					MAX_LATENCY_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
