// SPDX-License-Identifier: MIT
/*
 * CFS bandwidth throttling of a traced cgroup as spans under a user-space span: while
 * examples/cfs-throttling-trace-demo has passed a span context in through the USDT probe
 * ebpf_exporter:cfs_set_parent_span(trace_id_hi, trace_id_lo, span_id) (withdrawn by
 * ebpf_exporter:cfs_clear_parent_span()), the context is kept for the demo's cgroup, and each
 * time a run queue of that cgroup is unthrottled (fentry unthrottle_cfs_rq) a cfs_throttle
 * span covering the throttled time is emitted: it starts when the throttling started and lasts
 * as long as it did, with the kernel stack of the unthrottling (20 frames).
 *
 * The context is dropped when the cgroup is released (tp_btf/cgroup_release). The throttled
 * time is the run queue's clock at unthrottling minus cfs_rq->throttled_clock.
 *
 * unthrottle_cfs_rq has no tracepoint, so the object needs BPF_PROG_TYPE_TRACING (fentry) to
 * load.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "tracing.bpf.h"

#define MAX_CGROUPS 10240
#define MAX_STACK_DEPTH 20
/* The BPF program and the trampoline frames at the top of an fentry program's stack. */
#define SKIP_FRAMES 3

struct cfs_throttle_span_t {
	struct span_base_t span_base;
	u64 kstack[MAX_STACK_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} cfs_throttle_spans SEC(".maps");

/* The span context passed in from each cgroup, by cgroup id (kernfs node id). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, u64);
	__type(value, struct span_parent_t);
} traced_cgroups SEC(".maps");

SEC("usdt/./examples/cfs-throttling-trace-demo:ebpf_exporter:cfs_set_parent_span")
int BPF_USDT(cfs_set_parent_span, u64 trace_id_hi, u64 trace_id_lo, u64 span_id)
{
	u64 cgroup = bpf_get_current_cgroup_id();
	struct span_parent_t parent = {
		.trace_id_hi = trace_id_hi,
		.trace_id_lo = trace_id_lo,
		.span_id = span_id,
	};

	bpf_map_update_elem(&traced_cgroups, &cgroup, &parent, BPF_ANY);
	return 0;
}

SEC("usdt/./examples/cfs-throttling-trace-demo:ebpf_exporter:cfs_clear_parent_span")
int BPF_USDT(cfs_clear_parent_span)
{
	u64 cgroup = bpf_get_current_cgroup_id();

	bpf_map_delete_elem(&traced_cgroups, &cgroup);
	return 0;
}

SEC("tp_btf/cgroup_release")
int BPF_PROG(cgroup_release, struct cgroup *cgrp)
{
	u64 cgroup = BPF_CORE_READ(cgrp, kn, id);

	bpf_map_delete_elem(&traced_cgroups, &cgroup);
	return 0;
}

SEC("fentry/unthrottle_cfs_rq")
int BPF_PROG(unthrottle_cfs_rq, struct cfs_rq *cfs_rq)
{
	u64 cgroup = BPF_CORE_READ(cfs_rq, tg, css.cgroup, kn, id);
	u64 throttled_at = BPF_CORE_READ(cfs_rq, throttled_clock);
	u64 throttled_ns = BPF_CORE_READ(cfs_rq, rq, clock) - throttled_at;
	struct span_parent_t *parent;

	if (!throttled_at)
		return 0;
	parent = bpf_map_lookup_elem(&traced_cgroups, &cgroup);
	if (!parent)
		return 0;
	submit_span(&cfs_throttle_spans, struct cfs_throttle_span_t, parent, {
		span->span_base.span_monotonic_timestamp_ns -= throttled_ns;
		span->span_base.span_duration_ns = throttled_ns;
		/* frames the stack does not fill stay zero (ring buffer memory is reused) */
		__builtin_memset(span->kstack, 0, sizeof(span->kstack));
		bpf_get_stack(ctx, span->kstack, sizeof(span->kstack), SKIP_FRAMES);
	});
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
