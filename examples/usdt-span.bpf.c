// SPDX-License-Identifier: MIT
/*
 * Kernel spans joined to a user-space trace: examples/usdt-span-demo starts a span, passes its
 * trace context in through the USDT probe ebpf_exporter:set_parent_span(trace_id_hi,
 * trace_id_lo, span_id) and withdraws it with ebpf_exporter:clear_parent_span(). In between,
 * every system call of that thread becomes a span (named syscall, attribute nr) whose parent
 * is the demo's span, so the demo's span and the kernel's appear as one trace.
 *
 * The probes name the demo by a path relative to the current directory: run the exporter
 * from the repository root, as `make run` does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "tracing.bpf.h"

#define MAX_THREADS 1024

struct syscall_span_t {
	struct span_base_t span_base;
	u64 nr;
};

/* The context each thread passed in, by pid_tgid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, u64);
	__type(value, struct span_parent_t);
} parents SEC(".maps");

/* The system call each traced thread is in: number and entry time. */
struct syscall_start {
	u64 nr;
	u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, u64);
	__type(value, struct syscall_start);
} in_syscall SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} syscall_spans SEC(".maps");

SEC("usdt/./examples/usdt-span-demo:ebpf_exporter:set_parent_span")
int BPF_USDT(set_parent_span, u64 trace_id_hi, u64 trace_id_lo, u64 span_id)
{
	u64 id = bpf_get_current_pid_tgid();
	struct span_parent_t parent = {
		.trace_id_hi = trace_id_hi,
		.trace_id_lo = trace_id_lo,
		.span_id = span_id,
	};

	bpf_map_update_elem(&parents, &id, &parent, BPF_ANY);
	return 0;
}

SEC("usdt/./examples/usdt-span-demo:ebpf_exporter:clear_parent_span")
int BPF_USDT(clear_parent_span)
{
	u64 id = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&parents, &id);
	bpf_map_delete_elem(&in_syscall, &id);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(usdt_span_sys_enter, struct pt_regs *regs, long nr)
{
	u64 id = bpf_get_current_pid_tgid();
	struct syscall_start start = { .nr = nr };

	if (!bpf_map_lookup_elem(&parents, &id))
		return 0;
	start.ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&in_syscall, &id, &start, BPF_ANY);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(usdt_span_sys_exit, struct pt_regs *regs, long ret)
{
	u64 ts = bpf_ktime_get_ns(), id = bpf_get_current_pid_tgid();
	struct span_parent_t *parent = bpf_map_lookup_elem(&parents, &id);
	struct syscall_start *start;

	if (!parent)
		return 0;
	start = bpf_map_lookup_elem(&in_syscall, &id);
	if (!start)
		return 0;
	submit_span(&syscall_spans, struct syscall_span_t, parent, {
		span->span_base.span_monotonic_timestamp_ns = start->ts;
		span->span_base.span_duration_ns = ts - start->ts;
		span->nr = start->nr;
	});
	bpf_map_delete_elem(&in_syscall, &id);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
