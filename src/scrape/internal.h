// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_SCRAPE_INTERNAL_H
#define EBPF_EXPORTER_SCRAPE_INTERNAL_H

/*
 * The collector's state, shared by the parts of the scrape folder only: collector.c (single
 * flight, the scrape walk, /maps), metric.c and metric_series.c (one map each) and
 * builtins.c (the built-in families). Everyone else has collector.h.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scrape/collector.h"
#include "util/buf.h"

/*
 * Turns every config's maps into metric families on each scrape and adds the
 * built-in metrics. All scrapes are serialized by one lock. The view (cfgs, mods, n_cfgs,
 * metrics, decoder_errors, perf, tracing, gen, map_fill) changes only under that lock, by
 * collector__swap().
 */
struct collector {
	pthread_mutex_t lock;
	struct config **cfgs; /* borrowed */
	struct module **mods; /* borrowed; NULL entries are skipped */
	size_t n_cfgs;
	struct decoder_env *env; /* borrowed */
	struct metric_state *metrics;
	size_t n_metrics;
	uint64_t *decoder_errors; /* per config */
	bool detached; /* after shutdown: exporter metrics are gone */
	uint64_t requests[SCRAPE_CODES];
	int in_flight;
	struct buf arena; /* built-in metrics' label values */
	struct perf_counters *perf; /* borrowed, may be NULL: perf_event_array counters */
	struct tracing *tracing; /* borrowed, may be NULL: tracing/tracing.h metrics */
	const struct generation *gen; /* borrowed, may be NULL: what the view above belongs to */
	struct reload_status *reloads; /* borrowed, may be NULL: scrape/generation.h */
	struct map_fill *map_fill; /* owned, may be NULL: entries of the other hash maps */
	/* single flight: the collection in progress per format, and a spare result to reuse */
	pthread_mutex_t sf_lock;
	pthread_cond_t sf_cond;
	struct scrape_result *sf_running[EXPO_FORMATS];
	struct scrape_result *sf_spare;
};

#endif
