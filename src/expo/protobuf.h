// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_EXPO_PB_H
#define EBPF_EXPORTER_EXPO_PB_H

#include <stddef.h>

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
 * bucket {cumulative_count, upper_bound} per bucket as given, no +Inf bucket added}.
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

/*
 * Writes the families in format fmt (text, delimited protobuf, protobuf text or compact
 * text) with the writers above or expo_write_text. Same returns.
 */
int expo_write(struct buf *b, enum expo_format fmt, struct family *families, size_t n, char *err,
	       size_t errlen);

#endif
