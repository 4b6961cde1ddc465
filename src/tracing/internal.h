// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_INTERNAL_H
#define EBPF_EXPORTER_TRACING_INTERNAL_H

#include <stdbool.h>

#include "tracing/sampler.h"
#include "tracing/span.h"

struct tracing;
struct lifecycle;

/* Between tracing.c and lifecycle.c. */

/* The sampler from OTEL_TRACES_SAMPLER. */
const struct sampler *tracing__sampler(const struct tracing *t);

/* Queues a lifecycle span (service OTEL_SERVICE_NAME, index 0); takes ownership. */
void tracing__push(struct tracing *t, struct span *sp);

/* tracing__adopt_lifecycle() tells the tracing, so that tracing__free() can detach it. */
void tracing__remember_lifecycle(struct tracing *t, struct lifecycle *lc);

/* tracing__free() forgets the lifecycle it adopted. */
void lifecycle__forget_tracing(struct lifecycle *lc);

#endif
