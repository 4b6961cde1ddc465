// SPDX-License-Identifier: MIT
/*
 * Block I/O latency by disk and operation: the time from a request entering the I/O
 * scheduler (or, on a queue without one, from its issue to the driver) to its completion,
 * in an exp2 histogram of microseconds.
 *
 * Raw tracepoints give the arguments as plain pointers, so kernel memory is read with
 * BPF_CORE_READ; the disk moved from the request to its queue in Linux 5.17 and CO-RE picks
 * the right place on the running kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* Requests in flight at once; the least recently stamped is evicted first. */
#define MAX_IN_FLIGHT 10240
/* Buckets 0..27: up to 2^27 us (134 s); the sum goes to 28. */
#define MAX_LATENCY_SLOT 27
/* The operation is the low 8 bits of cmd_flags (REQ_OP_BITS in blk_types.h). */
#define REQ_OP_MASK 0xff

/* Keep in sync with biolatency.yaml's labels: device (4), operation (1 + 3), bucket (8). */
struct disk_latency_key {
	u32 dev;
	u8 op;
	u8 pad[3];
	u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_IN_FLIGHT);
	__type(key, struct request *);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, (MAX_LATENCY_SLOT + 2) * 256);
	__type(key, struct disk_latency_key);
	__type(value, u64);
} bio_latency_seconds SEC(".maps");

/* Before Linux 5.17 the disk was a field of the request. */
struct request___with_disk {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *request_disk(struct request *rq)
{
	if (bpf_core_field_exists(((struct request___with_disk *)0)->rq_disk))
		return BPF_CORE_READ((struct request___with_disk *)rq, rq_disk);
	return BPF_CORE_READ(rq, q, disk);
}

/* The device number as the kernel's new_encode_dev() packs it (the majorminor decoder's input). */
static __always_inline u32 encode_dev(u32 major, u32 minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

static __always_inline int stamp(struct request *rq)
{
	u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &rq, &now, BPF_ANY);
	return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(block_rq_insert, struct request *rq)
{
	return stamp(rq);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq)
{
	/* With an I/O scheduler the request was stamped when it was inserted: keep that. */
	if (BPF_CORE_READ(rq, q, elevator))
		return 0;
	return stamp(rq);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq)
{
	struct disk_latency_key key = {};
	struct gendisk *disk;
	u64 *started, delta_us;

	started = bpf_map_lookup_elem(&start, &rq);
	if (!started)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *started) / 1000;
	bpf_map_delete_elem(&start, &rq);

	disk = request_disk(rq);
	if (disk)
		key.dev = encode_dev(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor));
	key.op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;

	increment_exp2_histogram(&bio_latency_seconds, key, delta_us, MAX_LATENCY_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
