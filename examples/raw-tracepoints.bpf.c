// SPDX-License-Identifier: MIT
/*
 * The timers example written as a raw tracepoint program, for kernels or setups where
 * tp_btf is unavailable: arguments arrive as an array of u64 and kernel memory must be read
 * through bpf_probe_read_kernel() (here via BPF_CORE_READ).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#define MAX_TIMER_FUNCTIONS 1024

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TIMER_FUNCTIONS);
	__type(key, u64);
	__type(value, u64);
} raw_timer_starts_total SEC(".maps");

SEC("raw_tp/timer_start")
int BPF_PROG(raw_timer_start, struct timer_list *timer)
{
	u64 function = (u64)BPF_CORE_READ(timer, function);

	return increment_map(&raw_timer_starts_total, &function, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
