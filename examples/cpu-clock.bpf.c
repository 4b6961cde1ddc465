// SPDX-License-Identifier: MIT
/*
 * Samples every online CPU 99 times a second with the software cpu-clock perf event and counts
 * what each sample found the CPU doing: idle, running kernel code or running user code. The
 * shares approximate CPU utilisation per CPU and mode, the way `perf top` samples it. (A CPU
 * whose tick stops while idle may not be sampled then: `idle` is a lower bound.)
 *
 * The exporter opens one perf event per online CPU for the perf_event/ section below
 * (type 1 = PERF_TYPE_SOFTWARE, config 0 = PERF_COUNT_SW_CPU_CLOCK, 99 samples a second).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

enum cpu_mode {
	MODE_IDLE = 0,
	MODE_KERNEL = 1,
	MODE_USER = 2,
	MODES,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MODES);
	__type(key, u32);
	__type(value, u64);
} cpu_clock_samples_total SEC(".maps");

/* Whether the sampled registers belong to user space (the privilege level of the CPU). */
static __always_inline bool user_mode(struct bpf_perf_event_data *ctx)
{
#if defined(__TARGET_ARCH_x86)
	/* The context allows only whole 8-byte loads; cs is the low half of its slot. */
	u64 cs = *(volatile u64 *)&ctx->regs.cs;

	return (cs & 3) == 3;
#elif defined(__TARGET_ARCH_arm64)
	u64 pstate = ctx->regs.pstate;

	return (pstate & 0xf) == 0; /* PSR_MODE_EL0t */
#else
	return false;
#endif
}

SEC("perf_event/type=1,config=0,frequency=99")
int cpu_clock_sample(struct bpf_perf_event_data *ctx)
{
	u32 mode = MODE_KERNEL;
	u64 *count;

	/* The idle task of every CPU has pid 0. */
	if ((u32)bpf_get_current_pid_tgid() == 0)
		mode = MODE_IDLE;
	else if (user_mode(ctx))
		mode = MODE_USER;
	count = bpf_map_lookup_elem(&cpu_clock_samples_total, &mode);
	if (count)
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
