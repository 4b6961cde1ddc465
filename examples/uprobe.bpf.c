// SPDX-License-Identifier: MIT
/*
 * Counts calls of libc's malloc() in every process, by the cgroup of the caller. libbpf finds
 * libc.so.6 in the standard library directories and attaches to the function in every process
 * that maps it. Uprobes trap into the kernel on every call: on a busy machine this costs
 * noticeable CPU time, so treat it as an example of the mechanism rather than a production
 * metric.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Cgroups seen; the least recently used are dropped beyond this. */
#define MAX_CGROUPS 1024

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, u64);
	__type(value, u64);
} libc_malloc_calls_total SEC(".maps");

SEC("uprobe/libc.so.6:malloc")
int BPF_KPROBE(libc_malloc)
{
	u64 cgroup_id = bpf_get_current_cgroup_id();

	return increment_map(&libc_malloc_calls_total, &cgroup_id, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
