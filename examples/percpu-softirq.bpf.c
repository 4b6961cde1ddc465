// SPDX-License-Identifier: MIT
/*
 * Counts softirq handler runs per vector and per CPU. A per-CPU array needs no atomics and
 * no locking; the exporter reads every CPU's slot and, because the last label is named
 * `cpu`, appends the CPU index to each key.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* HI, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL, TASKLET, SCHED, HRTIMER, RCU. */
#define SOFTIRQ_VECTORS 10

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOFTIRQ_VECTORS);
	__type(key, u32);
	__type(value, u64);
} softirqs_total SEC(".maps");

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec_nr)
{
	u32 vec = vec_nr;
	u64 *count;

	read_array_ptr(&softirqs_total, &vec, count);
	*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
