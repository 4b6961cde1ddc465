// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_EXAMPLES_TRACING_DEMO_H
#define EBPF_EXPORTER_EXAMPLES_TRACING_DEMO_H

/*
 * Shared by the tracing examples' demos (sched-trace-demo, sock-trace-demo,
 * cfs-throttling-trace-demo): user-space spans recorded and exported with the exporter's own
 * OTLP code, and the conversion of a span's context into the USDT probe arguments the BPF
 * programs expect. Header-only (static inline functions): each demo is one C file linked with the
 * exporter's objects (see the Makefile).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracing/span.h"
#include "tracing/tracing.h"
#include "util/log.h"

/* Probe arguments in registers: libbpf's USDT support does not decode indexed memory operands,
 * which the default constraint allows. */
#define STAP_SDT_ARG_CONSTRAINT nr
#include <sys/sdt.h>

struct demo {
	struct tracing *t;
	struct lifecycle *lc;
};

/*
 * demo_start - sets up span export. Unset variables get the defaults of upstream's demos:
 * OTEL_EXPORTER_OTLP_PROTOCOL=grpc, OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317,
 * OTEL_TRACES_SAMPLER=always_on and OTEL_SERVICE_NAME=demo; everything else is the exporter's
 * OTEL_* handling. Returns 0, or -1 after printing the error (prog names the demo).
 */
static inline int demo_start(struct demo *d, const char *prog)
{
	static const char *const defaults[][2] = {
		{ "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc" },
		{ "OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317" },
		{ "OTEL_TRACES_SAMPLER", "always_on" },
		{ "OTEL_SERVICE_NAME", "demo" },
	};
	char err[4096];
	size_t i;
	int e;

	memset(d, 0, sizeof(*d));
	log_setup(true, false);
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (setenv(defaults[i][0], defaults[i][1], 0)) {
			perror("setenv");
			return -1;
		}
	}
	e = tracing__new(NULL, NULL, 0, NULL, NULL, &d->t, err, sizeof(err));
	if (!e)
		e = tracing__start(d->t, err, sizeof(err));
	if (e) {
		fprintf(stderr, "%s: %s\n", prog, err);
		tracing__free(d->t);
		d->t = NULL;
		return -1;
	}
	d->lc = lifecycle__new();
	if (!d->lc) {
		fprintf(stderr, "%s: out of memory\n", prog);
		tracing__free(d->t);
		d->t = NULL;
		return -1;
	}
	tracing__adopt_lifecycle(d->t, d->lc);
	return 0;
}

/*
 * demo_finish - exports the spans ended so far (waiting at most OTEL_EXPORTER_OTLP_TIMEOUT)
 * and frees everything.
 */
static inline void demo_finish(struct demo *d)
{
	tracing__shutdown(d->t, -1);
	tracing__free(d->t);
	lifecycle__free(d->lc);
	memset(d, 0, sizeof(*d));
}

/* The probe arguments of a span's context (struct span_parent_t of tracing.bpf.h). */
struct demo_parent {
	uint64_t trace_id_hi, trace_id_lo, span_id;
	char trace_hex[SPAN_TRACE_ID_LEN * 2 + 1], span_hex[SPAN_ID_LEN * 2 + 1];
};

/*
 * demo_parent - s's ids as the BPF side stores them: each 8-byte chunk is the host-order
 * integer of its bytes, so the record holds the id's bytes in order and the hex decoder prints
 * the id as OpenTelemetry does. Also fills the ids' hex text.
 */
static inline void demo_parent(const struct lc_span *s, struct demo_parent *p)
{
	uint8_t trace_id[SPAN_TRACE_ID_LEN] = { 0 }, span_id[SPAN_ID_LEN] = { 0 };

	lifecycle__ids(s, trace_id, span_id);
	memcpy(&p->trace_id_hi, trace_id, 8);
	memcpy(&p->trace_id_lo, trace_id + 8, 8);
	memcpy(&p->span_id, span_id, 8);
	span_id_hex(trace_id, sizeof(trace_id), p->trace_hex);
	span_id_hex(span_id, sizeof(span_id), p->span_hex);
}

#endif
