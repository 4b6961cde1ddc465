// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_SERIES_H
#define EBPF_EXPORTER_SERIES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Counts per label-value tuple, for counters kept in user space (perf_event_array counters,
 * the sample's labels). Tuples are compared exactly, value by value. Not thread-safe: the
 * owner locks.
 */
struct series_table;

/* One stored series: its values, NUL-separated (n_labels strings), and its count. */
struct series_entry {
	const char *values; /* n_labels NUL-terminated strings, one after the other */
	uint64_t count;
};

/* A table for tuples of n_labels values (0 is allowed: one unlabelled series). NULL + errno. */
struct series_table *series_table__new(size_t n_labels);

/* NULL-tolerant. */
void series_table__free(struct series_table *t);

/*
 * Adds by to the series of values[0..n_labels) (each a NUL-terminated string, copied when the
 * series is new). Returns 0 or -ENOMEM (the table is unchanged then).
 */
int series_table__add(struct series_table *t, const char *const *values, uint64_t by);

/* Number of series. */
size_t series_table__len(const struct series_table *t);

/* Bytes of all series' values, NULs included (to size a copy). */
size_t series_table__value_bytes(const struct series_table *t);

/* Drops every series; the memory of the index is kept for reuse. */
void series_table__clear(struct series_table *t);

/*
 * Calls fn for every series, in no particular order, until fn returns non-zero (returned).
 * The entry is only valid during the call.
 */
typedef int (*series_fn)(const struct series_entry *e, void *arg);
int series_table__each(const struct series_table *t, series_fn fn, void *arg);

#endif
