// SPDX-License-Identifier: MIT
/*
 * One span per process lifetime, for every process descending from an exec of /bin/bash: a
 * shell session becomes a trace whose spans are the programs it ran, nested as the processes
 * were (a child's span is a child of its parent process's span). Spans are named by the path
 * the process executed.
 *
 * Trace ids: the bash exec starts a trace {0, its timestamp}; span ids are the kernel
 * timestamps of the exec or fork that started each process (unique enough for one machine).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tracing.bpf.h"

#define EXE_LEN 64
#define MAX_TRACED 10240

/* The program whose exec starts a trace. */
static const char trace_root[] = "/bin/bash";

struct exec_span_t {
	struct span_base_t span_base;
	char exe[EXE_LEN];
};

/* Processes being traced, by tgid: their span so far. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_TRACED);
	__type(key, u32);
	__type(value, struct exec_span_t);
} traced_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exec_spans SEC(".maps");

/* A byte loop: clang 14 turns __builtin_memcmp into a call BPF cannot make. */
static __always_inline bool is_trace_root(const char *path)
{
	for (int i = 0; i < sizeof(trace_root); i++)
		if (path[i] != trace_root[i])
			return false;
	return true;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	u64 ts = bpf_ktime_get_ns();
	u32 tgid = p->tgid, ptgid = BPF_CORE_READ(p, real_parent, tgid);
	struct exec_span_t span = {};
	struct exec_span_t *parent;

	if (bpf_probe_read_kernel_str(span.exe, sizeof(span.exe), BPF_CORE_READ(bprm, filename)) <
	    0)
		return 0;

	parent = bpf_map_lookup_elem(&traced_tgids, &ptgid);
	if (parent) {
		/* a traced process ran this one: a child span in its trace */
		span.span_base.parent.trace_id_hi = parent->span_base.parent.trace_id_hi;
		span.span_base.parent.trace_id_lo = parent->span_base.parent.trace_id_lo;
		span.span_base.parent.span_id = parent->span_base.span_id;
	} else if (is_trace_root(span.exe)) {
		/* a new trace, with this process as its root span */
		span.span_base.parent.trace_id_lo = ts;
	} else {
		return 0;
	}
	span.span_base.span_id = ts;
	span.span_base.span_monotonic_timestamp_ns = ts;
	bpf_map_update_elem(&traced_tgids, &tgid, &span, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	u64 ts = bpf_ktime_get_ns();
	u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct exec_span_t *span, fork;

	/* a new thread is not a new process */
	if (ptgid == ctgid)
		return 0;
	span = bpf_map_lookup_elem(&traced_tgids, &ptgid);
	if (!span)
		return 0;
	/* until it execs, the child runs its parent's program: same name, child span */
	fork = *span;
	fork.span_base.parent.span_id = span->span_base.span_id;
	fork.span_base.span_id = ts;
	fork.span_base.span_monotonic_timestamp_ns = ts;
	bpf_map_update_elem(&traced_tgids, &ctgid, &fork, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	u64 ts = bpf_ktime_get_ns();
	u32 tgid = p->tgid;
	struct exec_span_t *span, *out;

	/* the process ends with its thread group leader, not with each thread */
	if (p->pid != p->tgid)
		return 0;
	span = bpf_map_lookup_elem(&traced_tgids, &tgid);
	if (!span)
		return 0;
	out = bpf_ringbuf_reserve(&exec_spans, sizeof(*out), 0);
	if (out) {
		*out = *span;
		out->span_base.span_duration_ns = ts - span->span_base.span_monotonic_timestamp_ns;
		bpf_ringbuf_submit(out, 0);
	}
	bpf_map_delete_elem(&traced_tgids, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
