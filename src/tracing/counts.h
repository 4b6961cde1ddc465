// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_COUNTS_H
#define EBPF_EXPORTER_TRACING_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "tracing/exporter.h"

/*
 * The tracing's counters, kept apart from the tracing so that they carry on across reloads:
 * the tracing of a new generation adopts the entries of the previous one (by config name and
 * by service name, and its export error counter), so both count into the same counters while
 * they overlap (the old one still reads its ring buffers and flushes its queue after the swap)
 * and a scrape never sees a counter go down. Every entry is reference-counted: it lives as long
 * as a set holds it, so the entry of a config or service that is gone is freed with the last
 * set that had it. The counters are written and read with __atomic operations from any thread;
 * sets are built and freed (references taken and dropped) on one thread only.
 */

/* The counters of one config, by name. */
struct span_cfg_count {
	int refs;
	char *name;
	uint64_t received; /* records read from its ring buffers */
	uint64_t decoder_errors; /* records that failed to decode or to become a span */
};

/* The counters of one service, by name. */
struct span_svc_count {
	int refs;
	char *name;
	struct service_stats st;
};

/* Failed export attempts. */
struct span_err_count {
	int refs;
	uint64_t n;
};

/* One tracing's view: its configs in order, its services in order, its export errors. */
struct span_counts {
	struct span_cfg_count **cfgs;
	size_t n_cfgs, cfgs_cap;
	struct span_svc_count **svcs;
	size_t n_svcs, svcs_cap;
	struct span_err_count *errors;
};

/*
 * Creates an empty set whose export error counter is prev's (NULL: a new one at 0). Returns 0
 * and *out, or -ENOMEM.
 */
int span_counts__new(const struct span_counts *prev, struct span_counts **out);

/*
 * Appends config name as cfgs[n_cfgs]: prev's entry of that name when it has one (its counts go
 * on), else a new one at 0. A name may be appended once only. Returns 0 or -ENOMEM.
 */
int span_counts__add_config(struct span_counts *c, const struct span_counts *prev,
			    const char *name);

/*
 * Sets *idx to the index of service name in svcs, appending it when c does not have it yet:
 * prev's entry of that name when it has one, else a new one at 0. Returns 0 or -ENOMEM.
 */
int span_counts__service(struct span_counts *c, const struct span_counts *prev, const char *name,
			 uint32_t *idx);

/* Drops the set's references; an entry no set holds any more is freed. NULL-tolerant. */
void span_counts__free(struct span_counts *c);

#endif
