// SPDX-License-Identifier: MIT
/*
 * The user-space half of the usdt-span example: starts a span, hands its trace context to the
 * kernel through the USDT probe ebpf_exporter:set_parent_span, makes a few system calls (which
 * the usdt-span BPF program turns into child spans), withdraws the context and exports its own
 * span. Exporting uses the exporter's own OTLP code, so the same OTEL_* variables apply
 * (OTEL_SERVICE_NAME defaults to usdt-span-demo here).
 *
 * Usage: usdt-span-demo [COUNT]
 *   Makes COUNT (default 3) getppid() calls and one 10 ms sleep inside the span, prints
 *   `trace_id=<hex> span_id=<hex>`, exports the span (waiting at most the OTLP timeout) and
 *   exits 0; 1 when the OTEL_* environment is invalid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/*
 * Probe arguments in registers: libbpf's USDT support does not decode indexed memory operands,
 * which the default constraint allows.
 */
#define STAP_SDT_ARG_CONSTRAINT nr
#include <sys/sdt.h>

#include "tracing/span.h"
#include "tracing/tracing.h"
#include "util/log.h"

int main(int argc, char **argv)
{
	uint8_t trace_id[SPAN_TRACE_ID_LEN], span_id[SPAN_ID_LEN];
	struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
	char err[4096], trace_hex[33], span_hex[17];
	unsigned long long hi, lo, sid;
	struct tracing *t = NULL;
	struct lifecycle *lc;
	struct lc_span *span;
	long count = 3, i;
	char *end;
	int e;

	if (argc > 2 || (argc == 2 && ((count = strtol(argv[1], &end, 10)) < 0 || *end))) {
		fprintf(stderr, "usage: usdt-span-demo [COUNT]\n");
		return 2;
	}
	log_setup(true, false);
	if (setenv("OTEL_SERVICE_NAME", "usdt-span-demo", 0)) {
		perror("setenv");
		return 1;
	}
	e = tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err));
	if (!e)
		e = tracing__start(t, err, sizeof(err));
	if (e) {
		fprintf(stderr, "%s\n", err);
		tracing__free(t);
		return 1;
	}
	lc = lifecycle__new();
	tracing__adopt_lifecycle(t, lc);

	span = lifecycle__begin(lc, NULL, "usdt-span-demo");
	lifecycle__attr(span, "demo.calls", argc == 2 ? argv[1] : "3");
	lifecycle__ids(span, trace_id, span_id);
	/* 8-byte chunks as the host-order integers of their bytes: the BPF side stores them
	 * back as memory, and the hex decoder prints memory order */
	memcpy(&hi, trace_id, 8);
	memcpy(&lo, trace_id + 8, 8);
	memcpy(&sid, span_id, 8);

	DTRACE_PROBE3(ebpf_exporter, set_parent_span, hi, lo, sid);
	for (i = 0; i < count; i++)
		getppid();
	nanosleep(&pause, NULL);
	DTRACE_PROBE(ebpf_exporter, clear_parent_span);

	lifecycle__end(lc, span);
	span_id_hex(trace_id, sizeof(trace_id), trace_hex);
	span_id_hex(span_id, sizeof(span_id), span_hex);
	printf("trace_id=%s span_id=%s\n", trace_hex, span_hex);
	fflush(stdout);

	tracing__shutdown(t, -1);
	tracing__free(t);
	lifecycle__free(lc);
	return 0;
}
