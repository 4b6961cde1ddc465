// SPDX-License-Identifier: MIT
/*
 * Like cgroup_id_map, with cgroup local storage instead of a hash map: the exporter stores 1
 * on every cgroup whose path matches the regexps, and the program finds the mark on the
 * task's cgroup itself. The kernel frees the storage together with the cgroup, so nothing is
 * left behind when cgroups go away. Needs BPF_MAP_TYPE_CGRP_STORAGE (Linux >= 6.2).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#define MAX_CGROUPS 1024

/* Filled by the exporter: 1 on each matching cgroup (the key is a cgroup fd in user space). */
struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} cgroup_id_map_cgrp_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, u64);
	__type(value, u64);
} cgroup_cgrp_storage_sched_migrations_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, u64);
	__type(value, u64);
} cgroup_cgrp_storage_sched_migrations_not_match_total SEC(".maps");

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task, struct task_struct *task, int dest_cpu)
{
	struct cgroup *cgrp = task->cgroups->dfl_cgrp;
	u64 cgroup_id = BPF_CORE_READ(cgrp, kn, id);
	u64 *mark = bpf_cgrp_storage_get(&cgroup_id_map_cgrp_storage, cgrp, 0, 0);

	if (mark && *mark)
		return increment_map(&cgroup_cgrp_storage_sched_migrations_total, &cgroup_id, 1);
	return increment_map(&cgroup_cgrp_storage_sched_migrations_not_match_total, &cgroup_id, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
