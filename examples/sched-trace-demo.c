// SPDX-License-Identifier: MIT
/*
 * The user-space half of the sched-trace example, after upstream's tracing/demos/sched: a
 * `lifetime` span (attribute tgid) with two children, `traced sleep` and `non-traced sleep`,
 * each sleeping 123 ms. Around the first sleep the demo passes the span's context to the
 * kernel through the USDT probes ebpf_exporter:sched_set_parent_span(trace_id_hi, trace_id_lo,
 * span_id) and ebpf_exporter:sched_clear_parent_span(), so sched-trace turns the scheduler
 * events of this process in between (sched_switch as it goes to sleep, sched_wakeup as its
 * timer fires) into spans under `traced sleep`; the second sleep gets none.
 *
 * Usage: sched-trace-demo
 *   Prints `tgid=<pid> trace_id=<hex> traced_span_id=<hex> non_traced_span_id=<hex>`, exports
 *   its three spans (see tracing-demo.h for the OTEL_* defaults) and exits 0; 1 on an invalid
 *   OTEL_* environment. Run it from the repository root while the exporter runs sched-trace
 *   (the probes name ./examples/sched-trace-demo).
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "tracing-demo.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct lc_span *lifetime, *traced, *untraced;
	struct demo_parent p, q;
	struct demo d;
	char tgid[24];

	if (argc != 1) {
		fprintf(stderr, "usage: sched-trace-demo\n");
		return 2;
	}
	if (demo_start(&d, "sched-trace-demo"))
		return 1;
	snprintf(tgid, sizeof(tgid), "%d", (int)getpid());

	lifetime = lifecycle__begin(d.lc, NULL, "lifetime");
	lifecycle__attr(lifetime, "tgid", tgid);

	traced = lifecycle__begin(d.lc, lifetime, "traced sleep");
	demo_parent(traced, &p);
	DTRACE_PROBE3(ebpf_exporter, sched_set_parent_span, p.trace_id_hi, p.trace_id_lo,
		      p.span_id);
	sleep_ms(123);
	DTRACE_PROBE(ebpf_exporter, sched_clear_parent_span);
	lifecycle__end(d.lc, traced);

	untraced = lifecycle__begin(d.lc, lifetime, "non-traced sleep");
	demo_parent(untraced, &q);
	sleep_ms(123);
	lifecycle__end(d.lc, untraced);

	lifecycle__end(d.lc, lifetime);
	printf("tgid=%s trace_id=%s traced_span_id=%s non_traced_span_id=%s\n", tgid, p.trace_hex,
	       p.span_hex, q.span_hex);
	fflush(stdout);
	demo_finish(&d);
	return 0;
}
