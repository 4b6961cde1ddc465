// SPDX-License-Identifier: MIT
/*
 * XFS file operation latency (read, write, open, fsync) in an exp2 histogram of
 * microseconds, from entry to return of XFS's file operations.
 *
 * XFS's own tracepoints (xfs_file_buffered_read, xfs_file_direct_write, xfs_file_fsync, ...)
 * fire once at the start of an operation and have no counterpart at its end, so they cannot
 * time it: the probes stay kprobe/kretprobe pairs.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Threads inside an XFS operation at once; the oldest are evicted first. */
#define MAX_ENTRIES 10240
/* Buckets 0..27: up to 2^27 us (134 s); the sum goes to 28. */
#define MAX_LATENCY_SLOT 27

/* Keep in sync with xfsdist.yaml's static_map. */
enum fs_file_op {
	F_READ,
	F_WRITE,
	F_OPEN,
	F_FSYNC,
	F_OPS,
};

/* Keep in sync with xfsdist.yaml's labels: operation (1), bucket (1). */
struct xfs_latency_key {
	u8 op;
	u8 bucket;
};

/* Thread id -> when its current operation started. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, (MAX_LATENCY_SLOT + 2) * F_OPS);
	__type(key, struct xfs_latency_key);
	__type(value, u64);
} xfs_latency_seconds SEC(".maps");

static __always_inline int op_start(void)
{
	u32 tid = bpf_get_current_pid_tgid();
	u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
	return 0;
}

static __always_inline int op_end(enum fs_file_op op)
{
	struct xfs_latency_key key = { .op = op };
	u32 tid = bpf_get_current_pid_tgid();
	u64 *started, delta_us;

	started = bpf_map_lookup_elem(&start, &tid);
	if (!started)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *started) / 1000;
	bpf_map_delete_elem(&start, &tid);

	increment_exp2_histogram(&xfs_latency_seconds, key, delta_us, MAX_LATENCY_SLOT);
	return 0;
}

SEC("kprobe/xfs_file_read_iter")
int BPF_KPROBE(xfs_file_read_enter)
{
	return op_start();
}

SEC("kretprobe/xfs_file_read_iter")
int BPF_KRETPROBE(xfs_file_read_exit)
{
	return op_end(F_READ);
}

SEC("kprobe/xfs_file_write_iter")
int BPF_KPROBE(xfs_file_write_enter)
{
	return op_start();
}

SEC("kretprobe/xfs_file_write_iter")
int BPF_KRETPROBE(xfs_file_write_exit)
{
	return op_end(F_WRITE);
}

SEC("kprobe/xfs_file_open")
int BPF_KPROBE(xfs_file_open_enter)
{
	return op_start();
}

SEC("kretprobe/xfs_file_open")
int BPF_KRETPROBE(xfs_file_open_exit)
{
	return op_end(F_OPEN);
}

SEC("kprobe/xfs_file_fsync")
int BPF_KPROBE(xfs_file_sync_enter)
{
	return op_start();
}

SEC("kretprobe/xfs_file_fsync")
int BPF_KRETPROBE(xfs_file_sync_exit)
{
	return op_end(F_FSYNC);
}

char LICENSE[] SEC("license") = "GPL";
