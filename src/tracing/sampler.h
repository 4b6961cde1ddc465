// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_SAMPLER_H
#define EBPF_EXPORTER_TRACING_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The SDK's built-in samplers (OTEL_TRACES_SAMPLER). Upstream ignores the variable and keeps
 * everything; we honour it. Ring-buffer records carry no trace flags, so a span whose
 * record names a parent treats that remote parent as sampled: the program that passed the
 * context decided.
 */

enum sampler_kind {
	SAMPLER_ALWAYS_ON,
	SAMPLER_ALWAYS_OFF,
	SAMPLER_TRACEIDRATIO,
	SAMPLER_PARENTBASED_ALWAYS_ON, /* the SDK's default */
	SAMPLER_PARENTBASED_ALWAYS_OFF,
	SAMPLER_PARENTBASED_TRACEIDRATIO,
};

struct sampler {
	enum sampler_kind kind;
	double ratio; /* traceidratio samplers, in [0, 1] */
	uint64_t bound; /* trace ids whose last 8 bytes (big-endian) >> 1 are below this pass */
};

/*
 * Parses an OTEL_TRACES_SAMPLER value (NULL or "" gives the default) and its argument (NULL or
 * "": ratio 1). Returns 0 or -EINVAL (unknown sampler, or an argument that is not a number in
 * [0, 1]).
 */
int sampler_parse(struct sampler *s, const char *name, const char *arg);

/*
 * The decision for a span in trace_id: has_parent says whether it has a valid parent and
 * parent_sampled whether that parent was sampled. Deterministic: traceidratio decides on the
 * trace id as the Go and Java SDKs do, so every span of one trace gets the same answer.
 */
bool sampler_sample(const struct sampler *s, const uint8_t trace_id[16], bool has_parent,
		    bool parent_sampled);

/* The value of OTEL_TRACES_SAMPLER that gives s. */
const char *sampler_name(const struct sampler *s);

#endif
