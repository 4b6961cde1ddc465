// SPDX-License-Identifier: MIT
/*
 * Softirq latency by vector: how long a raised softirq waits before its handler starts
 * (entry latency) and how long the handler runs (service latency), plus how often each
 * vector is raised and serviced.
 *
 * A softirq runs on the CPU that raised it, so every timestamp lives in a per-CPU array
 * indexed by vector and nothing is shared between CPUs: no atomics, no locks. The
 * histograms are per-CPU hashes that the exporter sums over CPUs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* HI, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL, TASKLET, SCHED, HRTIMER, RCU. */
#define SOFTIRQ_VECTORS 10
/* Buckets 0..21: up to 2^21 us (2.1 s); the sum goes to 22. */
#define MAX_LATENCY_SLOT 21
#define HISTOGRAM_KEYS (SOFTIRQ_VECTORS * (MAX_LATENCY_SLOT + 2))

/* Keep in sync with softirq-latency.yaml's labels: kind (8), bucket (8). */
struct softirq_latency_key {
	u64 kind;
	u64 bucket;
};

#define VECTOR_ARRAY(name)                               \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, SOFTIRQ_VECTORS);    \
		__type(key, u32);                        \
		__type(value, u64);                      \
	} name SEC(".maps")

#define LATENCY_HISTOGRAM(name)                          \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);  \
		__uint(max_entries, HISTOGRAM_KEYS);     \
		__type(key, struct softirq_latency_key); \
		__type(value, u64);                      \
	} name SEC(".maps")

VECTOR_ARRAY(softirq_raised_total);
VECTOR_ARRAY(softirq_serviced_total);
/* When each vector was first raised since it last ran, and when its handler started. */
VECTOR_ARRAY(softirq_raised_at);
VECTOR_ARRAY(softirq_entered_at);

LATENCY_HISTOGRAM(softirq_entry_latency_seconds);
LATENCY_HISTOGRAM(softirq_service_latency_seconds);

static __always_inline void observe(void *histogram, u32 vec, u64 since, u64 now)
{
	struct softirq_latency_key key = { .kind = vec };

	increment_exp2_histogram_nosync(histogram, key, (now - since) / 1000, MAX_LATENCY_SLOT);
}

SEC("tp_btf/softirq_raise")
int BPF_PROG(softirq_raise, unsigned int vec_nr)
{
	u32 vec = vec_nr;
	u64 *raised, *count;

	read_array_ptr(&softirq_raised_total, &vec, count);
	*count += 1;
	read_array_ptr(&softirq_raised_at, &vec, raised);
	/* Raising a pending vector again does not move its wait's start. */
	if (!*raised)
		*raised = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec_nr)
{
	u64 now = bpf_ktime_get_ns(), *raised, *entered;
	u32 vec = vec_nr;

	read_array_ptr(&softirq_entered_at, &vec, entered);
	*entered = now;
	read_array_ptr(&softirq_raised_at, &vec, raised);
	/* Zero when the raise happened before this program was attached. */
	if (*raised) {
		observe(&softirq_entry_latency_seconds, vec, *raised, now);
		*raised = 0;
	}
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec_nr)
{
	u64 now = bpf_ktime_get_ns(), *entered, *count;
	u32 vec = vec_nr;

	read_array_ptr(&softirq_serviced_total, &vec, count);
	*count += 1;
	read_array_ptr(&softirq_entered_at, &vec, entered);
	if (*entered) {
		observe(&softirq_service_latency_seconds, vec, *entered, now);
		*entered = 0;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
