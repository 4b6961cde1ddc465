// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_COLLECT_H
#define EBPF_EXPORTER_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "expo/expo.h"
#include "bpf/module.h"
#include "util/buf.h"

struct decoder_env;
struct metric_state;
struct collector; /* opaque: scrape/internal.h, for the scrape folder only */
struct perf_counters;
struct tracing;
struct lifecycle;
struct lc_span;
struct generation;
struct reload_status;

/*
 * One scrape's answer, shared by every request that arrived while it was being collected
 * (single flight). Reference-counted; release with scrape_result__put().
 */
struct scrape_result {
	struct collector *owner;
	int refs; /* guarded by the owner's sf_lock */
	bool done; /* guarded by the owner's sf_lock */
	int err; /* 0, or a negative errno: body then holds the gather error */
	struct buf body;
};

/* HTTP status codes counted by promhttp_metric_handler_requests_total. */
enum scrape_code {
	SCRAPE_200,
	SCRAPE_500,
	SCRAPE_503,
	SCRAPE_CODES,
};

/* What the collector reads on each scrape; every pointer is borrowed and must outlive it. */
struct collector_opts {
	struct config **cfgs;
	struct module **mods; /* mods[i] belongs to cfgs[i]; NULL entries are skipped */
	size_t n;
	struct decoder_env *env;
	struct perf_counters *perf; /* may be NULL: perf_event_array counters */
	struct tracing *tracing; /* may be NULL: the tracing metrics */
	const struct generation *gen; /* may be NULL: the generation cfgs..tracing belong to */
	struct reload_status *reloads; /* may be NULL: the ebpf_exporter_config_* families */
	/* may be NULL: the running collector a reload's view replaces (maps counted there go on) */
	const struct collector *prev;
};

/*
 * Builds the collector from opts (copied; what it points to is borrowed): one compiled label
 * set per metric and its map. Returns 0 or a
 * negative errno with a message (unknown decoder, bad regexp...) naming config and metric.
 */
int collector__new(const struct collector_opts *opts, struct collector **out, char *err,
		   size_t errlen);

/*
 * Collects everything and writes the exposition in format fmt into out (reset first).
 * Returns 0, or a negative errno with the gather error in err (the HTTP layer answers 500
 * with it).
 * Takes the lock.
 */
int collector__scrape(struct collector *c, enum expo_format fmt, struct buf *out, char *err,
		      size_t errlen);

/*
 * Single-flight scrape: joins the collection of the same format already in flight, or starts
 * one. Never returns NULL (an allocation failure, or a format outside enum expo_format, is
 * reported as a result with err set, from a static result). The caller owns one reference.
 */
struct scrape_result *collector__scrape_shared(struct collector *c, enum expo_format fmt);

/* Drops a reference; the last one keeps the buffer as the collector's spare. NULL-tolerant. */
void scrape_result__put(struct scrape_result *r);

/*
 * Writes the raw maps in the /maps debug format into out (reset first): per config
 * `## Config: <c>`, per map `### Map: <m>` and rows `<raw key> (labels: [v ...]) -> <value>`.
 * Returns 0 or -ENOMEM. Takes the lock.
 */
int collector__dump_maps(struct collector *c, struct buf *out);

/*
 * Records the outcome of one /metrics request (after the response was built). A code outside
 * enum scrape_code is ignored.
 */
void collector__count_request(struct collector *c, enum scrape_code code);

/* Marks a scrape as in flight (+1) or done (-1). */
void collector__in_flight(struct collector *c, int delta);

/*
 * Detaches every module under the scrape lock, recording close_module spans under
 * parent in the lifecycle trace (lc may be NULL).
 */
void collector__detach(struct collector *c, struct lifecycle *lc, struct lc_span *parent);

void collector__free(struct collector *c);

/*
 * A reload's next view: collector__new() on the next generation's opts builds a collector
 * beside the running one (nothing it points to is touched). collector__swap() then makes
 * staged's configs, modules, metrics, perf counters, tracing, map fill and generation those c
 * scrapes,
 * under the scrape lock, so every scrape reads one set or the other, whole; staged is left
 * with c's previous view, to be freed with collector__free() (after which the previous
 * generation may go). Decoder error counts of configs present in both views carry over.
 * Request counts, the single-flight state and opts.reloads stay with c.
 */
void collector__swap(struct collector *c, struct collector *staged);

/*
 * Calls fn with the generation c scrapes (NULL when none was given), under the scrape lock:
 * fn must not scrape. For readers such as the status page.
 */
void collector__with_generation(struct collector *c,
				void (*fn)(const struct generation *g, void *arg), void *arg);

/* The reload status given in opts (NULL when none). */
struct reload_status *collector__reload_status(const struct collector *c);

#endif
