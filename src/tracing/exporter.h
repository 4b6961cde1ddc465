// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_EXPORTER_H
#define EBPF_EXPORTER_TRACING_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "tracing/otel_env.h"
#include "tracing/span.h"

/*
 * The batch span processor and its exporter thread: a bounded queue filled without
 * ever blocking (a full queue drops the new span and counts it), drained in batches of
 * OTEL_BSP_MAX_EXPORT_BATCH_SIZE when a batch is full or OTEL_BSP_SCHEDULE_DELAY after its first
 * span, each batch sent with retries and exponential backoff for at most
 * OTEL_BSP_EXPORT_TIMEOUT, then dropped and counted.
 */

enum drop_reason {
	DROP_QUEUE_FULL,
	DROP_EXPORT_FAILED,
	DROP_REJECTED, /* the receiver's partial success */
	DROP_SHUTDOWN, /* still queued when the shutdown flush ran out of time */
	DROP_REASONS,
};

/* Counters per service, read with __atomic loads. */
struct service_stats {
	uint64_t exported;
	uint64_t dropped[DROP_REASONS];
};

struct span_exporter;

/*
 * Creates the processor for conf (borrowed) and services[0..n) (service.name by index,
 * borrowed; stats has n pointers, borrowed, the counters written atomically). Failed export
 * attempts are added atomically to *errors (borrowed; NULL: a counter of the processor's own).
 * The counters may be shared with other processors. No thread yet. Returns 0 and *out, or a
 * negative errno with a message.
 */
int span_exporter__new(const struct otel_conf *conf, const char *const *services, size_t n,
		       struct service_stats *const *stats, uint64_t *errors,
		       struct span_exporter **out, char *err, size_t errlen);

/* Starts the exporter thread. Returns 0 or a negative errno. */
int span_exporter__start(struct span_exporter *x);

/*
 * Queues a finished span without blocking; takes ownership. When the queue is full the span
 * is freed, counted as dropped (queue_full) and -ENOSPC returned. Thread-safe.
 */
int span_exporter__push(struct span_exporter *x, struct span *sp);

/* Spans waiting in the queue. */
size_t span_exporter__queued(struct span_exporter *x);

/* Failed export attempts (each try of each batch), as *errors counts them. */
uint64_t span_exporter__errors(struct span_exporter *x);

/*
 * Exports everything queued, spending at most timeout_ms (an export in flight is abandoned
 * then); what is left is dropped and counted (shutdown). Stops and joins the thread. Further
 * pushes are dropped. Idempotent.
 */
void span_exporter__shutdown(struct span_exporter *x, long timeout_ms);

/* Shuts down (with the configured export timeout) if needed and frees. NULL-tolerant. */
void span_exporter__free(struct span_exporter *x);

/* "queue_full", "export_failed", "rejected", "shutdown". */
const char *drop_reason_name(enum drop_reason r);

#endif
