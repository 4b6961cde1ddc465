// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_SPAN_H
#define EBPF_EXPORTER_TRACING_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One finished span as it travels from the ring-buffer reader (or the lifecycle trace) through
 * the export queue to the OTLP encoder. A span is a single allocation: the attribute and event
 * arrays and every string live in it, so span_free() is one free().
 */

#define SPAN_TRACE_ID_LEN 16
#define SPAN_ID_LEN 8

/* The scope every span is reported under. */
#define SPAN_SCOPE_NAME "github.com/cloudflare/ebpf_exporter/v2/tracing"

struct span_attr {
	const char *key;
	const char *value; /* string attributes only, always valid UTF-8 */
};

struct span_event {
	const char *name;
	uint64_t time_ns; /* unix time */
	const char *attr_key; /* one optional string attribute, NULL when none */
	const char *attr_value;
};

enum span_status {
	SPAN_STATUS_UNSET = 0,
	SPAN_STATUS_ERROR = 2, /* OTLP's STATUS_CODE_ERROR */
};

struct span {
	struct span *next; /* queue link, owned by whoever holds the span */
	uint8_t trace_id[SPAN_TRACE_ID_LEN];
	uint8_t span_id[SPAN_ID_LEN];
	uint8_t parent_span_id[SPAN_ID_LEN]; /* all zero for a root span */
	bool parent_remote; /* the parent came from outside this process (a BPF record) */
	uint64_t start_ns; /* unix time, nanoseconds */
	uint64_t end_ns;
	const char *name;
	uint32_t service; /* index in the tracing's service table */
	uint32_t n_attrs;
	uint32_t dropped_attrs;
	uint32_t n_events;
	struct span_attr *attrs;
	struct span_event *events;
	enum span_status status;
	const char *status_msg; /* NULL unless status is SPAN_STATUS_ERROR */
	/* string area (private to span.c) */
	char *str;
	size_t str_len, str_cap;
};

/*
 * Allocates a zeroed span with room for n_attrs attributes, n_events events and str_bytes
 * bytes of strings (count every string's length + 1; span_str() may grow a UTF-8 repair by
 * 2 bytes per invalid byte, so reserve 3 per byte when the text is untrusted). Returns NULL on
 * overflow or OOM.
 */
struct span *span_alloc(size_t n_attrs, size_t n_events, size_t str_bytes);

/*
 * Copies s[0..len) into the span's string area, replacing every run of invalid UTF-8 bytes by
 * U+FFFD as Go's strings.ToValidUTF8 does (OTLP strings must be valid UTF-8) and truncating at
 * a NUL byte. Returns the copy, or NULL when the area is full.
 */
const char *span_str(struct span *sp, const char *s, size_t len);

/* Bytes span_str() may need for len bytes of untrusted text, terminator included. */
size_t span_str_room(size_t len);

/* NULL-tolerant. Frees only sp, not sp->next. */
void span_free(struct span *sp);

/* Frees a list linked through next. */
void span_free_list(struct span *head);

/* True when every byte of id[0..len) is zero. */
bool span_id_is_zero(const uint8_t *id, size_t len);

/* Lower-case hex of id[0..len) into out (2 * len + 1 bytes). */
void span_id_hex(const uint8_t *id, size_t len, char *out);

/*
 * A fast, non-cryptographic id generator (ids need to be unique, not secret),
 * seeded from getrandom(). Not thread-safe: each thread keeps its own.
 */
struct idgen {
	uint64_t s[4];
};

void idgen_init(struct idgen *g);
/* Fills out[0..len) with random bytes; the result is never all zero. */
void idgen_fill(struct idgen *g, uint8_t *out, size_t len);

/* CLOCK_REALTIME and CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t span_now_unix_ns(void);
uint64_t span_now_mono_ns(void);

/*
 * Converts a bpf_ktime_get_ns() timestamp to unix nanoseconds: the current wall
 * time plus the signed distance from the current monotonic time, so past timestamps land in the
 * past. Read both clocks at conversion time, so queueing delay does not skew the result.
 */
uint64_t span_ktime_to_unix_ns(uint64_t ktime_ns);

#endif
