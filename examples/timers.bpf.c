// SPDX-License-Identifier: MIT
/*
 * Counts kernel timers being started, keyed by the timer's callback function address; the
 * exporter turns the address into a symbol name with the ksym decoder.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Distinct timer callbacks seen; a busy machine has a few hundred. */
#define MAX_TIMER_FUNCTIONS 1024

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TIMER_FUNCTIONS);
	__type(key, u64);
	__type(value, u64);
} timer_starts_total SEC(".maps");

SEC("tp_btf/timer_start")
int BPF_PROG(timer_start, struct timer_list *timer)
{
	u64 function = (u64)timer->function;

	return increment_map(&timer_starts_total, &function, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
