// SPDX-License-Identifier: MIT
/*
 * Block I/O requests as traces (service bio-trace): each request is a trace of its own, with a
 * block_rq_insert span for the time it waited in the I/O scheduler (insert to issue) and a
 * block_rq_service span for the time the device took (issue to completion). Attributes: the
 * device (majorminor decoder: the partition's name) and the operation.
 *
 * Trace id: {the request's start time, the request's address}, the same at every step.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tracing.bpf.h"

/* The kernel's new_encode_dev(): what the majorminor decoder expects. */
#define NEW_ENCODE_DEV(major, minor) (((minor)&0xff) | ((major) << 8) | (((minor) & ~0xff) << 12))
#define REQ_OP_MASK ((1 << 8) - 1)
#define MAX_IN_FLIGHT (64 * 1024)

struct bio_span_t {
	struct span_base_t span_base;
	u32 dev;
	u32 op;
};

/* When each request was inserted and issued. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_IN_FLIGHT);
	__type(key, struct request *);
	__type(value, u64);
} inserted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_IN_FLIGHT);
	__type(key, struct request *);
	__type(value, u64);
} issued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} block_rq_insert_spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} block_rq_service_spans SEC(".maps");

static __always_inline int submit_rq_span(void *ringbuf, struct request *rq, u64 start, u64 end)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	struct span_parent_t parent = {
		.trace_id_hi = BPF_CORE_READ(rq, start_time_ns),
		.trace_id_lo = (u64)rq,
	};

	submit_span(ringbuf, struct bio_span_t, &parent, {
		span->span_base.span_monotonic_timestamp_ns = start;
		span->span_base.span_duration_ns = end - start;
		span->dev = disk ? NEW_ENCODE_DEV(BPF_CORE_READ(disk, major),
						  BPF_CORE_READ(disk, first_minor)) :
				   0;
		span->op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;
	});
	return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(block_rq_insert, struct request *rq)
{
	u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&inserted, &rq, &ts, BPF_ANY);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq)
{
	u64 ts = bpf_ktime_get_ns();
	u64 *insert_ts;

	bpf_map_update_elem(&issued, &rq, &ts, BPF_ANY);
	/* requests issued directly, without a scheduler, were never inserted */
	insert_ts = bpf_map_lookup_elem(&inserted, &rq);
	if (!insert_ts)
		return 0;
	submit_rq_span(&block_rq_insert_spans, rq, *insert_ts, ts);
	bpf_map_delete_elem(&inserted, &rq);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq)
{
	u64 ts = bpf_ktime_get_ns();
	u64 *issue_ts = bpf_map_lookup_elem(&issued, &rq);

	if (!issue_ts)
		return 0;
	submit_rq_span(&block_rq_service_spans, rq, *issue_ts, ts);
	bpf_map_delete_elem(&issued, &rq);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
