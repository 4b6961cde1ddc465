// SPDX-License-Identifier: MIT
/*
 * Counts task migrations between CPUs by the task's cgroup, split by whether the cgroup is in
 * cgroup_id_map: the exporter fills that map with the ids of the cgroups whose paths match the
 * regexps in cgroup_id_map.yaml and keeps it current as cgroups come and go, so the program can
 * filter by cgroup with one hash lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#define MAX_CGROUPS 1024

/* Filled by the exporter: key = cgroup id, value = 1. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, u64);
	__type(value, u64);
} cgroup_id_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, u64);
	__type(value, u64);
} cgroup_sched_migrations_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, u64);
	__type(value, u64);
} cgroup_sched_migrations_not_match_total SEC(".maps");

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task, struct task_struct *task, int dest_cpu)
{
	u64 cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);

	if (bpf_map_lookup_elem(&cgroup_id_map, &cgroup_id))
		return increment_map(&cgroup_sched_migrations_total, &cgroup_id, 1);
	return increment_map(&cgroup_sched_migrations_not_match_total, &cgroup_id, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
