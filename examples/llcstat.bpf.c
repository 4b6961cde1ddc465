// SPDX-License-Identifier: MIT
/*
 * Last level cache references and misses per CPU, from the hardware cache events: each
 * program runs on a sample of its event and adds the sample period (the number of events the
 * sample stands for), so the counters estimate the totals. Like bcc's llcstat.
 *
 * The events are hardware PMU counters (PERF_TYPE_HARDWARE); software events cannot stand in
 * for them.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* CPUs counted (the key is the CPU number). */
#define MAX_CPUS 512

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CPUS);
	__type(key, u32);
	__type(value, u64);
} llc_references_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CPUS);
	__type(key, u32);
	__type(value, u64);
} llc_misses_total SEC(".maps");

static __always_inline int count_sample(void *map, u64 sample_period)
{
	u32 cpu = bpf_get_smp_processor_id();

	return increment_map(map, &cpu, sample_period);
}

/* PERF_TYPE_HARDWARE (0), PERF_COUNT_HW_CACHE_MISSES (3), one sample a second. */
SEC("perf_event/type=0,config=3,frequency=1")
int on_cache_miss(struct bpf_perf_event_data *ctx)
{
	return count_sample(&llc_misses_total, ctx->sample_period);
}

/* PERF_TYPE_HARDWARE (0), PERF_COUNT_HW_CACHE_REFERENCES (2), one sample a second. */
SEC("perf_event/type=0,config=2,frequency=1")
int on_cache_reference(struct bpf_perf_event_data *ctx)
{
	return count_sample(&llc_references_total, ctx->sample_period);
}

char LICENSE[] SEC("license") = "GPL";
