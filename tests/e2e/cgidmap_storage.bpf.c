// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for cgroup_id_map with cgroup local storage (type
 * cgrp_storage): the exporter stores 1 in e2e_cg_storage for every cgroup whose path matches the
 * config's regexps. A uprobe on the trigger binary (ee_trigger kind 200) counts the caller's
 * cgroup in one of two counters, depending on whether that cgroup has the storage.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u64);
} e2e_cg_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u64);
	__type(value, u64);
} e2e_cgs_matched_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u64);
	__type(value, u64);
} e2e_cgs_not_matched_total SEC(".maps");

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_cgs_uprobe, unsigned int kind)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cgroup *cgrp;
	u64 id, *matched;

	if (kind != 200)
		return 0;
	cgrp = task->cgroups->dfl_cgrp;
	id = BPF_CORE_READ(cgrp, kn, id);
	matched = bpf_cgrp_storage_get(&e2e_cg_storage, cgrp, 0, 0);
	if (matched && *matched)
		return increment_map(&e2e_cgs_matched_total, &id, 1);
	return increment_map(&e2e_cgs_not_matched_total, &id, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
