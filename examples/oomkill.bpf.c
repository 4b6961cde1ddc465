// SPDX-License-Identifier: MIT
/*
 * Counts OOM kills by the cgroup (v2) of the killed task. Each kill is sent to user space as
 * one perf event array sample holding the cgroup id; the exporter counts the samples per
 * decoded label set (a perf_event_array counter), so there is no map to fill up and no
 * unbounded cardinality in the kernel.
 *
 * Upstream's example probes oom_kill_process() with a kprobe; kprobes do not attach on every
 * kernel (not at all without CONFIG_KPROBE_EVENTS), so this one uses the oom:mark_victim
 * tracepoint through BTF (tp_btf), which fires once for every task chosen to be killed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} oom_kills_total SEC(".maps");

SEC("tp_btf/mark_victim")
int BPF_PROG(mark_victim, struct task_struct *task)
{
	u64 cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);

	bpf_perf_event_output(ctx, &oom_kills_total, BPF_F_CURRENT_CPU, &cgroup_id,
			      sizeof(cgroup_id));
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
