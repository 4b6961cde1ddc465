// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_EXPO_PB_H
#define EBPF_EXPORTER_EXPO_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/expo.h"
#include "util/buf.h"

/*
 * The protobuf expositions of the Prometheus client model
 * (proto/prometheus/metrics.proto), as client_golang's promhttp serves const metrics.
 */

/*
 * Appends the families as length-delimited io.prometheus.client.MetricFamily messages: each
 * family is a varint of its size, then the message. Same input contract, order, merging,
 * duplicate and collision errors as expo_write_text (it goes through expo_write_families):
 * families by name, series in the text order, labels sorted by name, label values UTF-8
 * repaired as in text. Fields are written in field-number order as Go's marshaller does:
 * name, help, type (always, COUNTER too), then per series the labels, then `counter` or
 * `gauge` {value} (`untyped` for an unknown type), or `histogram` {sample_count, sample_sum,
 * bucket {cumulative_count, upper_bound} per bucket as given, no +Inf bucket added}. A
 * histogram whose buckets are native (histogram_value.native) also gets schema 0,
 * zero_threshold 0, zero_count, positive_span and positive_delta (unpacked); counters and
 * histograms of a family with a created time end with created_timestamp {seconds, nanos}.
 * Returns 0, -EEXIST, -EINVAL or -ENOMEM; on error b is left as it was.
 */
int expo_write_protobuf(struct buf *b, struct family *families, size_t n, char *err, size_t errlen);

/*
 * Appends the families in the protobuf text format, as client_golang writes them for
 * `encoding=text` (compact false: prototext.Format, two-space indent, a blank line after each
 * family) or `encoding=compact-text` (compact true: one line per family). Strings escaped as
 * prototext does, numbers in Go's shortest form (`1e+06`, `inf`, `nan`). Go inserts random
 * extra spaces in this format to keep it from being parsed byte for byte; none are written
 * here. Same errors as expo_write_protobuf.
 */
int expo_write_prototext(struct buf *b, struct family *families, size_t n, bool compact, char *err,
			 size_t errlen);

/* Observations in bucket i of h alone (not cumulative). */
uint64_t expo_bucket_count(const struct histogram_value *h, size_t i);

/* Walks the positive spans of a native histogram; zeroed to start. */
struct expo_span_iter {
	size_t i; /* bucket to look from */
	int64_t next; /* native index just past the last span */
	bool any; /* a span was returned */
};

/*
 * The next run of consecutive non-empty native buckets of h (h->native set) as a BucketSpan:
 * the first one's offset is its first bucket's native index, the others' the count of empty
 * buckets since the previous one. Returns false after the last one.
 */
bool expo_native_next_span(const struct histogram_value *h, struct expo_span_iter *it,
			   int32_t *offset, uint32_t *length);

/* t seconds since the epoch as google.protobuf.Timestamp's seconds and nanos (0..999999999). */
void expo_time_split(double t, int64_t *seconds, int32_t *nanos);

/*
 * Writes the families in format fmt (text, delimited protobuf, protobuf text or compact
 * text) with the writers above or expo_write_text. Same returns.
 */
int expo_write(struct buf *b, enum expo_format fmt, struct family *families, size_t n, char *err,
	       size_t errlen);

#endif
