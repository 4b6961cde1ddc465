// SPDX-License-Identifier: MIT
/*
 * ext4 file operation latency (read, write, open, fsync, getattr) in an exp2 histogram of
 * microseconds, from entry to return of ext4's file operations.
 *
 * fsync has a pair of tracepoints at the same points (ext4:ext4_sync_file_enter at the start
 * of ext4_sync_file(), ext4:ext4_sync_file_exit at its end), so it is timed with them and
 * attaches wherever tracepoints do. The other operations have no tracepoints at entry and
 * return and stay kprobe/kretprobe pairs; where kprobes are unavailable only sync is measured.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Threads inside an ext4 operation at once; the oldest are evicted first. */
#define MAX_ENTRIES 10240
/* Buckets 0..27: up to 2^27 us (134 s); the sum goes to 28. */
#define MAX_LATENCY_SLOT 27

/* Keep in sync with ext4dist.yaml's static_map. */
enum fs_file_op {
	F_READ,
	F_WRITE,
	F_OPEN,
	F_FSYNC,
	F_GETATTR,
	F_OPS,
};

/* Keep in sync with ext4dist.yaml's labels: operation (1), bucket (1). */
struct ext4_latency_key {
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
	__type(key, struct ext4_latency_key);
	__type(value, u64);
} ext4_latency_seconds SEC(".maps");

static __always_inline int op_start(void)
{
	u32 tid = bpf_get_current_pid_tgid();
	u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
	return 0;
}

static __always_inline int op_end(enum fs_file_op op)
{
	struct ext4_latency_key key = { .op = op };
	u32 tid = bpf_get_current_pid_tgid();
	u64 *started, delta_us;

	started = bpf_map_lookup_elem(&start, &tid);
	if (!started)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *started) / 1000;
	bpf_map_delete_elem(&start, &tid);

	increment_exp2_histogram(&ext4_latency_seconds, key, delta_us, MAX_LATENCY_SLOT);
	return 0;
}

SEC("kprobe/ext4_file_read_iter")
int BPF_KPROBE(ext4_file_read_enter)
{
	return op_start();
}

SEC("kretprobe/ext4_file_read_iter")
int BPF_KRETPROBE(ext4_file_read_exit)
{
	return op_end(F_READ);
}

SEC("kprobe/ext4_file_write_iter")
int BPF_KPROBE(ext4_file_write_enter)
{
	return op_start();
}

SEC("kretprobe/ext4_file_write_iter")
int BPF_KRETPROBE(ext4_file_write_exit)
{
	return op_end(F_WRITE);
}

SEC("kprobe/ext4_file_open")
int BPF_KPROBE(ext4_file_open_enter)
{
	return op_start();
}

SEC("kretprobe/ext4_file_open")
int BPF_KRETPROBE(ext4_file_open_exit)
{
	return op_end(F_OPEN);
}

/* ext4_sync_file(): the tracepoints sit at its start and at its end. */
SEC("tp_btf/ext4_sync_file_enter")
int BPF_PROG(ext4_file_sync_enter)
{
	return op_start();
}

SEC("tp_btf/ext4_sync_file_exit")
int BPF_PROG(ext4_file_sync_exit)
{
	return op_end(F_FSYNC);
}

SEC("kprobe/ext4_file_getattr")
int BPF_KPROBE(ext4_file_getattr_enter)
{
	return op_start();
}

SEC("kretprobe/ext4_file_getattr")
int BPF_KRETPROBE(ext4_file_getattr_exit)
{
	return op_end(F_GETATTR);
}

char LICENSE[] SEC("license") = "GPL";
