// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for tracing: a uprobe on the trigger binary (copied by run.sh to the
 * fixed path below) writes span records with ids the test chooses, so that the spans the
 * OTLP receiver gets can be compared exactly. ee_trigger(kind, a, b):
 *   80: a child span in e2e_spans: trace id bytes = a then ~a (host order), parent span id = b
 *       (0: a root in that trace), span id = b + 1, started 2 ms ago, 1 ms long; attributes
 *       value = a, comm, op = b & 3 (static_map read/write/...)
 *   81: a record in e2e_roots without ids: a new trace; span_name "ee-root", duration a ns
 *   82: a record in e2e_spans with an all-zero trace id (the exporter must count an error)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tracing.bpf.h"

enum trigger_kind {
	KIND_SPAN = 80,
	KIND_ROOT = 81,
	KIND_BAD = 82,
};

struct e2e_span_t {
	struct span_base_t span_base;
	u64 value;
	char comm[16];
	u8 op;
	u8 pad[7];
};

struct e2e_root_t {
	u64 ts;
	u64 duration;
	char name[16];
	u32 kind;
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} e2e_spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} e2e_roots SEC(".maps");

/* Not a ring buffer: a span entry naming it must fail at start-up. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_not_ringbuf SEC(".maps");

static __always_inline int emit_span(u64 a, u64 b, bool zero_trace)
{
	struct span_parent_t parent = {
		.trace_id_hi = zero_trace ? 0 : a,
		.trace_id_lo = zero_trace ? 0 : ~a,
		.span_id = b,
	};
	u64 now = bpf_ktime_get_ns();

	submit_span(&e2e_spans, struct e2e_span_t, &parent, {
		span->span_base.span_id = b + 1;
		span->span_base.span_monotonic_timestamp_ns = now - 2000000;
		span->span_base.span_duration_ns = 1000000;
		span->value = a;
		bpf_get_current_comm(span->comm, sizeof(span->comm));
		span->op = b & 3;
		__builtin_memset(span->pad, 0, sizeof(span->pad));
	});
	return 0;
}

static __always_inline int emit_root(u64 a)
{
	struct e2e_root_t *r = bpf_ringbuf_reserve(&e2e_roots, sizeof(*r), 0);

	if (!r)
		return 0;
	r->ts = bpf_ktime_get_ns();
	r->duration = a;
	__builtin_memcpy(r->name, "ee-root\0\0\0\0\0\0\0\0", sizeof(r->name));
	r->kind = KIND_ROOT;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_spans_uprobe, unsigned int kind, u64 a, u64 b)
{
	switch (kind) {
	case KIND_SPAN:
		return emit_span(a, b, false);
	case KIND_ROOT:
		return emit_root(a);
	case KIND_BAD:
		return emit_span(a, b, true);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
