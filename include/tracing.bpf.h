// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_BPF_H
#define EBPF_EXPORTER_TRACING_BPF_H

/*
 * Helpers for BPF programs whose ring buffers ebpf_exporter turns into OpenTelemetry spans
 * (`tracing.spans` in the YAML). Every record starts with struct span_base_t; the fields of the
 * program follow it. The YAML's first five labels mirror the base:
 *
 *   - {name: trace_id, size: 16, decoders: [{name: hex}]}
 *   - {name: parent_span_id, size: 8, decoders: [{name: hex}]}
 *   - {name: span_id, size: 8, decoders: [{name: hex}]}
 *   - {name: span_monotonic_timestamp_ns, size: 8, decoders: [{name: uint}]}
 *   - {name: span_duration_ns, size: 8, decoders: [{name: uint}]}
 *
 * Ids are printed in memory order, so an id passed in from user space as 8-byte integers must
 * be the host-order reinterpretation of its bytes. A zero span_id makes the exporter pick a
 * random one; a zero parent span id makes the span the root of its trace; a zero trace id is an
 * error (leave the trace_id label out for spans that start their own trace).
 *
 * Include after "vmlinux.h" (for the u64 type).
 */

#include <bpf/bpf_helpers.h>

/* The context a span is a child of: its trace and its parent span. */
struct span_parent_t {
	u64 trace_id_hi;
	u64 trace_id_lo;
	u64 span_id;
};

/* The mandatory prefix of every span record (48 bytes). */
struct span_base_t {
	struct span_parent_t parent;
	u64 span_id;
	u64 span_monotonic_timestamp_ns; /* bpf_ktime_get_ns() at the start */
	u64 span_duration_ns;
};

/*
 * Tagged variants: the parent carries one more user-defined u64 after its span id (labelled
 * `example_userspace_tag` by sock-trace), so the base is 56 bytes.
 */
struct span_parent_tagged_t {
	u64 trace_id_hi;
	u64 trace_id_lo;
	u64 span_id;
	u64 example_userspace_tag;
};

struct span_base_tagged_t {
	struct span_parent_tagged_t parent;
	u64 span_id;
	u64 span_monotonic_timestamp_ns;
	u64 span_duration_ns;
};

/* The record layout the exporter's labels describe: keep in sync with the comment above. */
_Static_assert(sizeof(struct span_parent_t) == 24, "span_parent_t is 24 bytes");
_Static_assert(sizeof(struct span_base_t) == 48, "span_base_t is 48 bytes");
_Static_assert(sizeof(struct span_base_tagged_t) == 56, "span_base_tagged_t is 56 bytes");

/*
 * fill_span_base - start a span now, as a child of parent, with duration 0. span_id is
 * zeroed: ring buffer memory is not cleared between records, and a stale id would link the
 * span into someone else's trace. Set span->span_id afterwards to choose one.
 */
static __always_inline void fill_span_base(struct span_base_t *span, struct span_parent_t *parent)
{
	span->parent = *parent;
	span->span_id = 0;
	span->span_monotonic_timestamp_ns = bpf_ktime_get_ns();
	span->span_duration_ns = 0;
}

/* fill_span_base_tagged - fill_span_base() for a tagged base (the parent's tag is copied too). */
static __always_inline void fill_span_base_tagged(struct span_base_tagged_t *span,
						  struct span_parent_tagged_t *parent)
{
	span->parent = *parent;
	span->span_id = 0;
	span->span_monotonic_timestamp_ns = bpf_ktime_get_ns();
	span->span_duration_ns = 0;
}

/*
 * submit_span - reserve a `type` record in the ring buffer `map`, fill its `span_base` member
 * from `parent` (fill_span_base), run the statement `fill` (which may use `span`, a `type *`),
 * and submit it. When the ring buffer is full this executes `return 0` in the calling function.
 */
#define submit_span(map, type, parent, fill)                            \
	do {                                                            \
		type *span = bpf_ringbuf_reserve(map, sizeof(type), 0); \
		if (!span)                                              \
			return 0;                                       \
		fill_span_base(&span->span_base, parent);               \
		fill;                                                   \
		bpf_ringbuf_submit(span, 0);                            \
	} while (0)

/* Same for records whose first member `span_base` is a struct span_base_tagged_t. */
#define submit_span_tagged_base(map, type, parent, fill)                \
	do {                                                            \
		type *span = bpf_ringbuf_reserve(map, sizeof(type), 0); \
		if (!span)                                              \
			return 0;                                       \
		fill_span_base_tagged(&span->span_base, parent);        \
		fill;                                                   \
		bpf_ringbuf_submit(span, 0);                            \
	} while (0)

#endif
