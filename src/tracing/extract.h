// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_EXTRACT_H
#define EBPF_EXPORTER_TRACING_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "tracing/span.h"

/*
 * Decoded ring-buffer labels to a span: the base labels become ids and times, the
 * rest become string attributes in label order, then `ebpf_exporter.config`.
 */

struct extract_opts {
	const char *default_name; /* the span entry's name, or its ringbuf when that is empty */
	const char *config_name; /* value of the ebpf_exporter.config attribute */
	uint32_t service;
	size_t attr_count_limit; /* OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT; extra attributes are dropped */
	size_t attr_value_limit; /* OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT in bytes; SIZE_MAX: none */
};

/*
 * Builds a span from n decoded labels (names[i] = values[i], NUL-terminated). Ids: a valid
 * trace_id makes the span join that trace with parent_span_id as its remote parent (zero:
 * root) and span_id as its id (zero: a random one); without trace_id the trace and span ids are
 * random. Random ids come from g. Times: span_monotonic_timestamp_ns converted to wall-clock
 * time now, or now when absent; end = start + span_duration_ns.
 * Returns 0 and *out (free with span_free()), -ENOMEM, or -EINVAL with upstream's message in
 * err, e.g. `error parsing trace_id "00": hex encoded trace-id must have length equals to 32`,
 * `error decoding integer for span_duration_ns from "x": strconv.ParseUint: parsing "x":
 * invalid syntax`.
 */
int span_extract(const struct extract_opts *o, const char *const *names, const char *const *values,
		 size_t n, struct idgen *g, struct span **out, char *err, size_t errlen);

#endif
