// SPDX-License-Identifier: MIT
/*
 * Counts completed slab shrinker runs (vmscan:mm_shrink_slab_end) by the command name of the
 * task doing the reclaim; regexp.yaml shows how the regexp decoder groups and filters names.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

#define TASK_COMM_LEN 16
#define MAX_COMMS 1024

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_COMMS);
	__uint(key_size, TASK_COMM_LEN);
	__uint(value_size, sizeof(u64));
} mm_shrink_slab_events_total SEC(".maps");

SEC("tp_btf/mm_shrink_slab_end")
int BPF_PROG(mm_shrink_slab_end)
{
	char comm[TASK_COMM_LEN];

	if (bpf_get_current_comm(comm, sizeof(comm)))
		return 0;
	return increment_map(&mm_shrink_slab_events_total, comm, 1);
}

char LICENSE[] SEC("license") = "GPL";
