// SPDX-License-Identifier: MIT
/*
 * Counts task migrations between CPUs (sched:sched_migrate_task) by the cgroup of the task
 * running when the migration happens: the waker for a migration on wake-up, the CPU's
 * migration thread (root cgroup) for an affinity change or load balancing.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

#define MAX_CGROUPS 1024

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, u64);
	__type(value, u64);
} cgroup_sched_migrations_total SEC(".maps");

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_task)
{
	u64 cgroup_id = bpf_get_current_cgroup_id();

	return increment_map(&cgroup_sched_migrations_total, &cgroup_id, 1);
}

char LICENSE[] SEC("license") = "GPL";
