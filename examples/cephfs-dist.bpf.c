// SPDX-License-Identifier: MIT
/*
 * CephFS client operation latency (read, write, mkdir, unlink, fsync) in an exp2 histogram
 * of microseconds, from entry to return of the ceph module's operations.
 *
 * The ceph client has no tracepoints at these points, so the probes are kprobe/kretprobe
 * pairs; they attach only while the ceph module is loaded.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Threads inside a CephFS operation at once; the oldest are evicted first. */
#define MAX_ENTRIES 10240
/* Buckets 0..27: up to 2^27 us (134 s); the sum goes to 28. */
#define MAX_LATENCY_SLOT 27

/* Keep in sync with cephfs-dist.yaml's static_map. */
enum fs_file_op {
	F_READ,
	F_WRITE,
	F_MKDIR,
	F_UNLINK,
	F_FSYNC,
	F_OPS,
};

/* Keep in sync with cephfs-dist.yaml's labels: operation (1), bucket (1). */
struct cephfs_latency_key {
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
	__type(key, struct cephfs_latency_key);
	__type(value, u64);
} cephfs_latency_seconds SEC(".maps");

static __always_inline int op_start(void)
{
	u32 tid = bpf_get_current_pid_tgid();
	u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
	return 0;
}

static __always_inline int op_end(enum fs_file_op op)
{
	struct cephfs_latency_key key = { .op = op };
	u32 tid = bpf_get_current_pid_tgid();
	u64 *started, delta_us;

	started = bpf_map_lookup_elem(&start, &tid);
	if (!started)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *started) / 1000;
	bpf_map_delete_elem(&start, &tid);

	increment_exp2_histogram(&cephfs_latency_seconds, key, delta_us, MAX_LATENCY_SLOT);
	return 0;
}

SEC("kprobe/ceph_read_iter")
int BPF_KPROBE(cephfs_read_enter)
{
	return op_start();
}

SEC("kretprobe/ceph_read_iter")
int BPF_KRETPROBE(cephfs_read_exit)
{
	return op_end(F_READ);
}

SEC("kprobe/ceph_write_iter")
int BPF_KPROBE(cephfs_write_enter)
{
	return op_start();
}

SEC("kretprobe/ceph_write_iter")
int BPF_KRETPROBE(cephfs_write_exit)
{
	return op_end(F_WRITE);
}

SEC("kprobe/ceph_mkdir")
int BPF_KPROBE(cephfs_mkdir_enter)
{
	return op_start();
}

SEC("kretprobe/ceph_mkdir")
int BPF_KRETPROBE(cephfs_mkdir_exit)
{
	return op_end(F_MKDIR);
}

SEC("kprobe/ceph_unlink")
int BPF_KPROBE(cephfs_unlink_enter)
{
	return op_start();
}

SEC("kretprobe/ceph_unlink")
int BPF_KRETPROBE(cephfs_unlink_exit)
{
	return op_end(F_UNLINK);
}

SEC("kprobe/ceph_fsync")
int BPF_KPROBE(cephfs_fsync_enter)
{
	return op_start();
}

SEC("kretprobe/ceph_fsync")
int BPF_KRETPROBE(cephfs_fsync_exit)
{
	return op_end(F_FSYNC);
}

char LICENSE[] SEC("license") = "GPL";
