// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_TRACING_H
#define EBPF_EXPORTER_TRACING_TRACING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#include "config/config.h"
#include "decoders/decoder_env.h"
#include "expo/expo.h"

/*
 * OpenTelemetry tracing: every `tracing.spans` entry's ring buffer is read on one
 * event thread, each record decoded with the metric label decoders into a span, and the spans
 * exported over OTLP (http/protobuf, http/json or grpc), to the console, or nowhere, as the
 * OTEL_* environment says. Export runs on its own thread behind a bounded queue, so neither the
 * ring-buffer reader nor a scrape ever waits for the network.
 *
 * Order of calls (main.c): tracing__new() after the configs are attached and before
 * capabilities are dropped; tracing__start() before serving; tracing__collect() and
 * tracing__decoder_errors() in every scrape; on SIGINT/SIGTERM, after detaching,
 * tracing__shutdown(); then tracing__free().
 */
struct tracing;

/*
 * Checks every span entry's ring buffer (the map must exist and be a BPF_MAP_TYPE_RINGBUF),
 * compiles its labels, creates the ring buffers (before the capability drop) and
 * reads the OTEL_* environment. Starts no thread. cfgs, objs and env are borrowed and must
 * outlive the tracing; objs[i] is the loaded BPF object of cfgs[i].
 * prev (NULL: none) is the tracing this one replaces: the new one counts into prev's counters
 * of the configs and services (by name) both have, and into its export error counter, so
 * ebpf_exporter_span*_total and the tracing share of ebpf_exporter_decoder_errors_total go on
 * across a reload, whatever prev still counts while it shuts down. prev may be freed before or
 * after the new one; both must be built and freed on the same thread.
 * Returns 0 with *out set, or 0 with *out NULL when there is nothing to do: no config has
 * spans, and the environment asks for no exporter (tracing_requested()) or for none
 * (OTEL_TRACES_EXPORTER=none). The OTEL_* variables are checked either way. On failure returns a negative errno and err holds the
 * whole line to log, e.g. `Error initializing ringbuf "exec_spans": config "exec-trace" has no
 * map named "exec_spans"` or `Error creating tracing processor: OTEL_EXPORTER_OTLP_PROTOCOL
 * "http/xml" is not supported (grpc, http/protobuf or http/json)`.
 */
int tracing__new(struct config **cfgs, struct bpf_object *const *objs, size_t n,
		 struct decoder_env *env, const struct tracing *prev, struct tracing **out,
		 char *err, size_t errlen);

/* Starts the exporter thread and, when there are ring buffers, the event thread. */
int tracing__start(struct tracing *t, char *err, size_t errlen);

/*
 * Appends the tracing families to fams[0..max) and returns how many (at most
 * TRACING_FAMILIES), or a negative errno:
 *   ebpf_exporter_spans_received_total{config}       records read from ring buffers
 *   ebpf_exporter_spans_exported_total{service}       spans the receiver accepted
 *   ebpf_exporter_spans_dropped_total{reason,service} queue_full, export_failed, rejected,
 *                                                     shutdown
 *   ebpf_exporter_span_export_errors_total            failed export attempts, retries included
 *   ebpf_exporter_spans_queued                        spans waiting for export
 * The families and their samples stay valid until the next call or tracing__free(). Calls
 * must not overlap (the collector serializes scrapes). NULL t: returns 0.
 */
#define TRACING_FAMILIES 5
int tracing__collect(struct tracing *t, struct family *fams, size_t max);

/*
 * Ring-buffer records of config cfg_idx that failed to decode or to become a span: they count in
 * ebpf_exporter_decoder_errors_total{config}. NULL t: 0.
 */
uint64_t tracing__decoder_errors(const struct tracing *t, size_t cfg_idx);

/* The default budget of the final flush. */
#define TRACING_SHUTDOWN_TIMEOUT_MS 5000

/*
 * Stops reading (what the ring buffers hold is still read once), then exports the queued
 * spans, spending at most timeout_ms in all (< 0: TRACING_SHUTDOWN_TIMEOUT_MS; 0: nothing is
 * sent). A request that fails then is not retried. What is left is dropped, counted and
 * logged in one line. Idempotent; NULL-tolerant.
 */
void tracing__shutdown(struct tracing *t, int timeout_ms);

/*
 * Whether the environment asks for span export: OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_TRACES_EXPORTER is set (and not empty).
 */
bool tracing_requested(void);

/* Shuts down if needed (dropping what is queued) and frees. NULL-tolerant. */
void tracing__free(struct tracing *t);

/*
 * The exporter's own lifecycle trace, under OTEL_SERVICE_NAME. Spans can be
 * recorded before the tracing exists (start-up): they are kept and handed over by
 * tracing__adopt_lifecycle(); spans ended afterwards are queued at once. Every call is
 * NULL-tolerant (a NULL lifecycle or span records nothing), so callers need no checks.
 * Single-threaded use (main thread).
 *
 *   struct lc_span *a = lifecycle__begin(lc, NULL, "attach");
 *   struct lc_span *c = lifecycle__begin(lc, a, "attach_config");
 *   lifecycle__attr(c, "config", cfg->name);
 *   lifecycle__event(c, "prog_attach", "SEC", section);
 *   lifecycle__error(c, "failed to attach program: ...");
 *   lifecycle__end(lc, c);
 *   lifecycle__end(lc, a);
 */
struct lifecycle;
struct lc_span;

/* Returns a new recorder, or NULL on OOM (the calls below then record nothing). */
struct lifecycle *lifecycle__new(void);

/* Starts a span, a child of parent (NULL: a new trace). Returns NULL on OOM. */
struct lc_span *lifecycle__begin(struct lifecycle *lc, struct lc_span *parent, const char *name);

/* Adds a string attribute. */
void lifecycle__attr(struct lc_span *s, const char *key, const char *value);

/* Adds an event now, with one string attribute (key NULL: none). */
void lifecycle__event(struct lc_span *s, const char *name, const char *key, const char *value);

/* Records an error: an `exception` event with exception.message, and status Error. */
void lifecycle__error(struct lc_span *s, const char *msg);

/* Ends the span; once adopted it is queued for export. Ending twice does nothing. */
void lifecycle__end(struct lifecycle *lc, struct lc_span *s);

/* The span's ids (for passing its context on, e.g. to a BPF program). */
void lifecycle__ids(const struct lc_span *s, uint8_t trace_id[16], uint8_t span_id[8]);

/*
 * Hands the spans ended so far to t (sampled by OTEL_TRACES_SAMPLER) and makes later ones go
 * there. t NULL: nothing happens. lc stays owned by the caller; free it after tracing__free().
 */
void tracing__adopt_lifecycle(struct tracing *t, struct lifecycle *lc);

/* NULL-tolerant. */
void lifecycle__free(struct lifecycle *lc);

#endif
