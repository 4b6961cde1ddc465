// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_OTLP_ENCODE_H
#define EBPF_EXPORTER_TRACING_OTLP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "tracing/otel_env.h"
#include "tracing/span.h"

/*
 * A batch of spans as one OTLP ExportTraceServiceRequest: one ResourceSpans per service (in
 * order of first appearance), its resource = OTEL_RESOURCE_ATTRIBUTES + service.name, one
 * ScopeSpans named SPAN_SCOPE_NAME. Spans are INTERNAL, sampled, with their flags saying
 * whether the parent is remote.
 */
struct otlp_resources {
	const struct otel_kv *attrs; /* shared by every service (OTEL_RESOURCE_ATTRIBUTES) */
	size_t n_attrs;
	const char *const *services; /* service.name by span->service index */
	size_t n_services;
};

/* Binary protobuf (http/protobuf, gRPC). Appends to out. Returns 0, -ENOMEM or -EINVAL. */
int otlp_encode_protobuf(const struct otlp_resources *res, struct span *const *spans, size_t n,
			 struct buf *out);

/*
 * OTLP/JSON (http/json, the console exporter): ids as hex strings, enums as integers, 64-bit
 * integers as decimal strings, lowerCamelCase keys. Appends one line without a newline.
 * Returns 0, -ENOMEM or -EINVAL.
 */
int otlp_encode_json(const struct otlp_resources *res, struct span *const *spans, size_t n,
		     struct buf *out);

/* Span.flags: W3C sampled, plus whether the parent is known to be remote. */
uint32_t otlp_span_flags(const struct span *sp);

#endif
