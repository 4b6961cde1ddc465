// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for perf_event/ sections: a software cpu-clock event at
 * 99 Hz on every online CPU counts its samples per CPU. Two more programs exercise the failure
 * paths without leaking anything: a hardware event (absent on the test machines) and a
 * section without a frequency (attaches, warns, never fires).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_cpu_clock_samples_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_perf_unfired_total SEC(".maps");

static __always_inline int count(void *map, bool percpu)
{
	u32 key = 0;
	u64 *v = bpf_map_lookup_elem(map, &key);

	if (!v)
		return 0;
	if (percpu)
		*v += 1;
	else
		__sync_fetch_and_add(v, 1);
	return 0;
}

/* PERF_TYPE_SOFTWARE (1), PERF_COUNT_SW_CPU_CLOCK (0) */
SEC("perf_event/type=1,config=0,frequency=99")
int e2e_cpu_clock(struct bpf_perf_event_data *ctx)
{
	return count(&e2e_cpu_clock_samples_total, true);
}

/* PERF_TYPE_HARDWARE (0), PERF_COUNT_HW_CPU_CYCLES (0): no PMU here, so attach fails. */
SEC("perf_event/type=0,config=0,frequency=99")
int e2e_hw_cycles(struct bpf_perf_event_data *ctx)
{
	return count(&e2e_perf_unfired_total, false);
}

/* No frequency: sample period 0, the event never fires, and a warning says so. */
SEC("perf_event/type=1,config=0")
int e2e_no_freq(struct bpf_perf_event_data *ctx)
{
	return count(&e2e_perf_unfired_total, false);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
