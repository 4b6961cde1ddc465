// SPDX-License-Identifier: MIT
/*
 * NET_RX softirq latency: how long a raised NET_RX softirq waits before its handler starts
 * (softirq_raise -> softirq_entry) and how long the handler runs (softirq_entry ->
 * softirq_exit), in nanoseconds, plus how often NET_RX is raised and serviced.
 *
 * A softirq runs on the CPU that raised it, so every value lives in a per-CPU array: no
 * atomics, no locks. The histograms are per-CPU arrays indexed by bucket, which the exporter
 * sums over CPUs.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Buckets 0..31: up to 2^31 ns (2.1 s); the sum goes to 32. */
#define MAX_LATENCY_SLOT 31

/* Keep in sync with softirq-latency-net-rx.yaml: bucket (4 bytes). */
struct softirq_latency_key {
	u32 bucket;
};

#define NET_RX_ARRAY(name, entries)                      \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, entries);            \
		__type(key, u32);                        \
		__type(value, u64);                      \
	} name SEC(".maps")

NET_RX_ARRAY(softirq_raised_total, 1);
NET_RX_ARRAY(softirq_serviced_total, 1);
/* When NET_RX was first raised since its handler last started, and when the handler started. */
NET_RX_ARRAY(softirq_raised_at, 1);
NET_RX_ARRAY(softirq_entered_at, 1);
NET_RX_ARRAY(softirq_wait_seconds, MAX_LATENCY_SLOT + 2);
NET_RX_ARRAY(softirq_runtime_seconds, MAX_LATENCY_SLOT + 2);

/* The only index of the one-element arrays. */
static const u32 net_rx_index;

SEC("tp_btf/softirq_raise")
int BPF_PROG(softirq_raise, unsigned int vec_nr)
{
	u64 *raised_at, *count;

	if (vec_nr != NET_RX_SOFTIRQ)
		return 0;
	read_array_ptr(&softirq_raised_total, &net_rx_index, count);
	*count += 1;
	read_array_ptr(&softirq_raised_at, &net_rx_index, raised_at);
	/* Raising it again while pending does not move the start of the wait. */
	if (!*raised_at)
		*raised_at = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec_nr)
{
	struct softirq_latency_key key = {};
	u64 now, *raised_at, *entered_at, *count;

	if (vec_nr != NET_RX_SOFTIRQ)
		return 0;
	now = bpf_ktime_get_ns();
	read_array_ptr(&softirq_serviced_total, &net_rx_index, count);
	*count += 1;
	read_array_ptr(&softirq_raised_at, &net_rx_index, raised_at);
	/* No raise seen (it came before the program was attached), or raised again since now. */
	if (!*raised_at || *raised_at > now)
		return 0;
	increment_exp2_histogram_nosync(&softirq_wait_seconds, key, now - *raised_at,
					MAX_LATENCY_SLOT);
	*raised_at = 0;
	read_array_ptr(&softirq_entered_at, &net_rx_index, entered_at);
	*entered_at = now;
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec_nr)
{
	struct softirq_latency_key key = {};
	u64 now, *entered_at;

	if (vec_nr != NET_RX_SOFTIRQ)
		return 0;
	now = bpf_ktime_get_ns();
	read_array_ptr(&softirq_entered_at, &net_rx_index, entered_at);
	/* No entry seen for this run of the handler. */
	if (!*entered_at)
		return 0;
	increment_exp2_histogram_nosync(&softirq_runtime_seconds, key, now - *entered_at,
					MAX_LATENCY_SLOT);
	*entered_at = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
