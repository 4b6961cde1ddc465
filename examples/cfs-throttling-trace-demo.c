// SPDX-License-Identifier: MIT
/*
 * The user-space half of the cfs-throttling-trace example, after upstream's
 * tracing/demos/cfs-throttling: a `work` span (attribute tgid) with two `busy` children, each
 * burning the CPU for a while. Around the first one the demo passes the span's context to the
 * kernel through the USDT probes ebpf_exporter:cfs_set_parent_span(trace_id_hi, trace_id_lo,
 * span_id) and ebpf_exporter:cfs_clear_parent_span(); cfs-throttling-trace keys it by the
 * demo's cgroup and turns every CFS bandwidth throttling of that cgroup in between into a
 * cfs_throttle span under the first `busy` span. Throttling needs a CPU quota below what the
 * demo uses, e.g.:
 *
 *   systemd-run --scope -p CPUQuota=80% ./examples/cfs-throttling-trace-demo
 *
 * Usage: cfs-throttling-trace-demo [MILLISECONDS]
 *   Each busy span lasts MILLISECONDS (default 1000). Prints `trace_id=<hex>
 *   traced_span_id=<hex>`, exports its spans (see tracing-demo.h for the OTEL_* defaults) and
 *   exits 0; 1 on an invalid OTEL_* environment. Run it from the repository root while the
 *   exporter runs cfs-throttling-trace (the probes name ./examples/cfs-throttling-trace-demo).
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "tracing-demo.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Hashes in a loop (FNV-1a over a counter) for ms milliseconds; returns the rounds done. */
static uint64_t busy_work(uint64_t ms)
{
	uint64_t start = now_ms(), rounds = 0, h = 14695981039346656037ULL;
	volatile uint64_t sink;

	for (;;) {
		uint64_t v = rounds;
		int i;

		for (i = 0; i < 8; i++, v >>= 8)
			h = (h ^ (v & 0xff)) * 1099511628211ULL;
		rounds++;
		if (rounds % 100000 == 0 && now_ms() - start >= ms)
			break;
	}
	sink = h;
	(void)sink;
	return rounds;
}

static void busy_span(struct demo *d, struct lc_span *parent, uint64_t ms, int traced,
		      struct demo_parent *p)
{
	struct lc_span *busy = lifecycle__begin(d->lc, parent, "busy");
	char rounds[24];

	lifecycle__attr(busy, "kernel.traced", traced ? "true" : "false");
	demo_parent(busy, p);
	if (traced)
		DTRACE_PROBE3(ebpf_exporter, cfs_set_parent_span, p->trace_id_hi, p->trace_id_lo,
			      p->span_id);
	snprintf(rounds, sizeof(rounds), "%llu", (unsigned long long)busy_work(ms));
	if (traced)
		DTRACE_PROBE(ebpf_exporter, cfs_clear_parent_span);
	lifecycle__attr(busy, "iterations", rounds);
	lifecycle__end(d->lc, busy);
}

int main(int argc, char **argv)
{
	struct demo_parent traced, untraced;
	unsigned long long ms = 1000;
	struct lc_span *work;
	struct demo d;
	char tgid[24];
	char *end;

	if (argc > 2 || (argc == 2 && (argv[1][0] < '0' || argv[1][0] > '9'))) {
		fprintf(stderr, "usage: cfs-throttling-trace-demo [MILLISECONDS]\n");
		return 2;
	}
	if (argc == 2) {
		errno = 0;
		ms = strtoull(argv[1], &end, 10);
		if (errno || *end) {
			fprintf(stderr, "usage: cfs-throttling-trace-demo [MILLISECONDS]\n");
			return 2;
		}
	}
	if (demo_start(&d, "cfs-throttling-trace-demo"))
		return 1;
	snprintf(tgid, sizeof(tgid), "%d", (int)getpid());
	work = lifecycle__begin(d.lc, NULL, "work");
	lifecycle__attr(work, "tgid", tgid);
	busy_span(&d, work, ms, 1, &traced);
	busy_span(&d, work, ms, 0, &untraced);
	lifecycle__end(d.lc, work);
	printf("trace_id=%s traced_span_id=%s\n", traced.trace_hex, traced.span_hex);
	fflush(stdout);
	demo_finish(&d);
	return 0;
}
