// SPDX-License-Identifier: MIT
/*
 * Counts the jobs that examples/usdt-demo reports through its USDT probe
 * usdt_demo:job_done(queue, duration_us), by queue name. libbpf reads the probe's location and
 * argument specs from the binary's ELF notes and attaches to every process running it.
 *
 * The path in the section is relative, like upstream's tracing demos: run the exporter from
 * the repository root, where `make` builds examples/usdt-demo.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>
#include "maps.bpf.h"

#define QUEUE_LEN 16
#define MAX_QUEUES 64

struct queue_key {
	char queue[QUEUE_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_QUEUES);
	__type(key, struct queue_key);
	__type(value, u64);
} usdt_demo_jobs_total SEC(".maps");

SEC("usdt/./examples/usdt-demo:usdt_demo:job_done")
int BPF_USDT(job_done, const char *queue, u64 duration_us)
{
	struct queue_key key = {};

	if (bpf_probe_read_user_str(key.queue, sizeof(key.queue), queue) < 0)
		return 0;
	return increment_map(&usdt_demo_jobs_total, &key, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
