// SPDX-License-Identifier: MIT
/*
 * Scheduler events of a traced process as spans under a user-space span: while
 * examples/sched-trace-demo has passed a span context in through the USDT probe
 * ebpf_exporter:sched_set_parent_span(trace_id_hi, trace_id_lo, span_id) (withdrawn by
 * ebpf_exporter:sched_clear_parent_span()), every wakeup of one of its threads
 * (sched_wakeup) and every time one of them leaves the CPU (sched_switch, with the state it
 * leaves in and whether it was preempted) becomes a zero-length span, a child of that span.
 *
 * The context is kept per process (tgid) and dropped when the process exits. The
 * sched_migrate ring buffer is declared for the configuration's sched_migrate span but no
 * program writes to it (as upstream's example).
 *
 * The probes name the demo by a path relative to the current directory: run the exporter from
 * the repository root.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "tracing.bpf.h"

#define MAX_TRACED 10240

/* Task state bits (include/linux/sched.h) and the values the YAML's static_map names. */
#define TASK_INTERRUPTIBLE 0x1
#define TASK_UNINTERRUPTIBLE 0x2

enum span_task_state {
	STATE_PROBABLY_RUNNING = 0,
	STATE_INTERRUPTIBLE_SLEEP = 1,
	STATE_UNINTERRUPTIBLE_SLEEP = 2,
};

struct sched_wakeup_span_t {
	struct span_base_t span_base;
	u32 tgid;
	u32 pid;
};

struct sched_migrate_span_t {
	struct span_base_t span_base;
	u32 tgid;
	u32 pid;
	u32 orig_cpu;
	u32 dest_cpu;
};

struct sched_switch_span_t {
	struct span_base_t span_base;
	u32 tgid;
	u32 pid;
	u32 prev_state;
	u8 preempt;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sched_wakeup_spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sched_migrate_spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sched_switch_spans SEC(".maps");

/* The span context each traced process passed in, by tgid. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_TRACED);
	__type(key, u32);
	__type(value, struct span_parent_t);
} traced_tgids SEC(".maps");

static __always_inline u32 span_task_state(unsigned int state)
{
	if (state & TASK_INTERRUPTIBLE)
		return STATE_INTERRUPTIBLE_SLEEP;
	if (state & TASK_UNINTERRUPTIBLE)
		return STATE_UNINTERRUPTIBLE_SLEEP;
	return STATE_PROBABLY_RUNNING;
}

SEC("usdt/./examples/sched-trace-demo:ebpf_exporter:sched_set_parent_span")
int BPF_USDT(sched_set_parent_span, u64 trace_id_hi, u64 trace_id_lo, u64 span_id)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct span_parent_t parent = {
		.trace_id_hi = trace_id_hi,
		.trace_id_lo = trace_id_lo,
		.span_id = span_id,
	};

	bpf_map_update_elem(&traced_tgids, &tgid, &parent, BPF_ANY);
	return 0;
}

SEC("usdt/./examples/sched-trace-demo:ebpf_exporter:sched_clear_parent_span")
int BPF_USDT(sched_clear_parent_span)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_delete_elem(&traced_tgids, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	u32 tgid = p->tgid;

	/* only when the whole process goes: its main thread exits */
	if (p->pid != p->tgid)
		return 0;
	bpf_map_delete_elem(&traced_tgids, &tgid);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	u32 tgid = p->tgid, pid = p->pid;
	struct span_parent_t *parent = bpf_map_lookup_elem(&traced_tgids, &tgid);

	if (!parent)
		return 0;
	submit_span(&sched_wakeup_spans, struct sched_wakeup_span_t, parent, {
		span->tgid = tgid;
		span->pid = pid;
	});
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	u32 tgid = prev->tgid, pid = prev->pid;
	struct span_parent_t *parent = bpf_map_lookup_elem(&traced_tgids, &tgid);

	if (!parent)
		return 0;
	submit_span(&sched_switch_spans, struct sched_switch_span_t, parent, {
		span->tgid = tgid;
		span->pid = pid;
		span->prev_state = span_task_state(prev_state);
		span->preempt = preempt;
	});
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
