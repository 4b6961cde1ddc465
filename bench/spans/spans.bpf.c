// SPDX-License-Identifier: MIT
/*
 * Span throughput benchmark (bench/spans/run.sh): every system call made by a process named
 * ee-span-bench (the driver) writes one span record to the ring buffer. Records the ring buffer
 * had no room for are counted in bench_ringbuf_drops_total, so that every record offered is
 * accounted for: received by the exporter, or dropped here.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tracing.bpf.h"

static const char driver_comm[] = "ee-span-bench";

struct bench_span_t {
	struct span_base_t span_base;
	u64 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} bench_spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} bench_ringbuf_drops_total SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(bench_sys_enter, struct pt_regs *regs, long nr)
{
	struct span_parent_t parent = { .trace_id_hi = 0xbe, .trace_id_lo = 0xec, .span_id = 1 };
	struct bench_span_t *span;
	char comm[16];
	u32 zero = 0;
	u64 *drops;

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < sizeof(driver_comm); i++)
		if (comm[i] != driver_comm[i])
			return 0;
	span = bpf_ringbuf_reserve(&bench_spans, sizeof(*span), 0);
	if (!span) {
		drops = bpf_map_lookup_elem(&bench_ringbuf_drops_total, &zero);
		if (drops)
			__sync_fetch_and_add(drops, 1);
		return 0;
	}
	fill_span_base(&span->span_base, &parent);
	span->span_base.span_id = bpf_get_prandom_u32() | 1;
	span->span_base.span_duration_ns = 1000;
	span->nr = nr;
	bpf_ringbuf_submit(span, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
