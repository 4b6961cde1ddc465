// SPDX-License-Identifier: MIT
#include "tracing/exporter.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/errno_text.h"
#include "util/log.h"
#include "tracing/otlp_encode.h"
#include "tracing/transport.h"

/* Backoff between retries of one batch: doubling from the first delay up to the cap. */
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 5000
/* Export failures are logged at most this often (the first one always). */
#define FAILURE_LOG_INTERVAL_NS (10ULL * 1000000000ULL)

struct span_exporter {
	const struct otel_conf *conf;
	struct otlp_resources res;
	struct service_stats *const *stats;
	size_t n_services;
	struct otlp_transport *transport; /* NULL for console and none */

	pthread_mutex_t lock;
	pthread_cond_t cond; /* queue state changed, or stop */
	struct span *head, *tail;
	size_t len;
	bool started, stopping, joined;
	uint64_t stop_deadline; /* CLOCK_MONOTONIC ns, set when stopping; read by the transport */
	pthread_t thread;

	uint64_t own_errors;
	uint64_t *errors; /* own_errors, or the caller's */
	/* exporter thread only */
	struct span **batch;
	struct buf body;
	uint64_t rng;
	uint64_t last_fail_log;
	unsigned long suppressed;
	unsigned long failures_in_row;
	/* the shutdown flush: spans it dropped and why, logged once when it ends */
	size_t shutdown_dropped;
	char shutdown_msg[600];
};

const char *drop_reason_name(enum drop_reason r)
{
	static const char *const names[] = { "queue_full", "export_failed", "rejected",
					     "shutdown" };
	_Static_assert(sizeof(names) / sizeof(names[0]) == DROP_REASONS, "a name per reason");

	return r < DROP_REASONS ? names[r] : "?";
}

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static void count_dropped(struct span_exporter *x, struct span *const *spans, size_t n,
			  enum drop_reason r)
{
	size_t i;

	if ((unsigned int)r >= DROP_REASONS)
		return;
	for (i = 0; i < n; i++)
		add(&x->stats[spans[i]->service]->dropped[r], 1);
}

int span_exporter__new(const struct otel_conf *conf, const char *const *services, size_t n,
		       struct service_stats *const *stats, uint64_t *errors,
		       struct span_exporter **out, char *err, size_t errlen)
{
	struct span_exporter *x;
	int e;

	*out = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->conf = conf;
	x->res.attrs = conf->resource;
	x->res.n_attrs = conf->n_resource;
	x->res.services = services;
	x->res.n_services = n;
	x->stats = stats;
	x->errors = errors ? errors : &x->own_errors;
	x->n_services = n;
	x->rng = span_now_mono_ns() | 1;
	pthread_mutex_init(&x->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&x->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	x->batch = calloc(conf->bsp_max_batch ? conf->bsp_max_batch : 1, sizeof(*x->batch));
	if (!x->batch) {
		span_exporter__free(x);
		return -ENOMEM;
	}
	if (conf->exporter == OTEL_EXPORTER_OTLP) {
		e = otlp_transport__new(conf, &x->transport, err, errlen);
		if (e) {
			span_exporter__free(x);
			return e;
		}
	}
	*out = x;
	return 0;
}

static void *export_main(void *arg);

int span_exporter__start(struct span_exporter *x)
{
	int e;

	if (x->started)
		return 0;
	e = pthread_create(&x->thread, NULL, export_main, x);
	if (e)
		return -e;
	x->started = true;
	return 0;
}

int span_exporter__push(struct span_exporter *x, struct span *sp)
{
	bool wake;

	sp->next = NULL;
	pthread_mutex_lock(&x->lock);
	if (x->len >= x->conf->bsp_max_queue || x->joined) {
		pthread_mutex_unlock(&x->lock);
		add(&x->stats[sp->service]->dropped[x->joined ? DROP_SHUTDOWN : DROP_QUEUE_FULL],
		    1);
		span_free(sp);
		return -ENOSPC;
	}
	if (x->tail)
		x->tail->next = sp;
	else
		x->head = sp;
	x->tail = sp;
	x->len++;
	/* wake the thread when it waits for a first span or for a full batch */
	wake = x->len == 1 || x->len == x->conf->bsp_max_batch;
	pthread_mutex_unlock(&x->lock);
	if (wake)
		pthread_cond_signal(&x->cond);
	return 0;
}

size_t span_exporter__queued(struct span_exporter *x)
{
	size_t n;

	pthread_mutex_lock(&x->lock);
	n = x->len;
	pthread_mutex_unlock(&x->lock);
	return n;
}

uint64_t span_exporter__errors(struct span_exporter *x)
{
	return __atomic_load_n(x->errors, __ATOMIC_RELAXED);
}

/* With the lock held: waits until deadline (0: no deadline) or a signal. */
static void wait_until(struct span_exporter *x, uint64_t deadline)
{
	struct timespec ts;

	if (!deadline) {
		pthread_cond_wait(&x->cond, &x->lock);
		return;
	}
	ts = clock_timespec(deadline);
	pthread_cond_timedwait(&x->cond, &x->lock, &ts);
}

static const char *dest(const struct span_exporter *x)
{
	return x->conf->url ? x->conf->url : "stdout";
}

static bool stopping(struct span_exporter *x)
{
	return __atomic_load_n(&x->stop_deadline, __ATOMIC_RELAXED) != 0;
}

static void log_failure(struct span_exporter *x, size_t n, const char *what, const char *msg)
{
	uint64_t now = clock_mono_ns();

	if (stopping(x)) {
		/* one line for the whole flush, from span_exporter__shutdown() */
		x->shutdown_dropped += n;
		snprintf(x->shutdown_msg, sizeof(x->shutdown_msg), "%s", msg);
		return;
	}

	if (x->last_fail_log && now - x->last_fail_log < FAILURE_LOG_INTERVAL_NS) {
		x->suppressed++;
		return;
	}
	if (x->suppressed)
		log_msg("tracing: %s %zu spans for %s: %s (%lu similar messages suppressed)", what,
			n, dest(x), msg, x->suppressed);
	else
		log_msg("tracing: %s %zu spans for %s: %s", what, n, dest(x), msg);
	x->last_fail_log = now;
	x->suppressed = 0;
}

static long jitter(struct span_exporter *x, long ms)
{
	/* +-20%, so that many exporters do not retry in lockstep */
	x->rng ^= x->rng << 13;
	x->rng ^= x->rng >> 7;
	x->rng ^= x->rng << 17;
	return ms * 8 / 10 + (long)(x->rng % (uint64_t)(ms * 4 / 10 + 1));
}

/* The hard end for work on a batch started at start: its export timeout, or the shutdown's. */
static uint64_t batch_deadline(struct span_exporter *x, uint64_t start)
{
	uint64_t d = start + (uint64_t)x->conf->bsp_export_timeout_ms * 1000000ULL;
	uint64_t stop = __atomic_load_n(&x->stop_deadline, __ATOMIC_RELAXED);

	return stop && stop < d ? stop : d;
}

static void export_otlp(struct span_exporter *x, struct span **spans, size_t n)
{
	uint64_t start = clock_mono_ns(), deadline, now;
	long backoff = BACKOFF_FIRST_MS, wait_ms, timeout;
	struct export_result res;
	unsigned attempts = 0;

	for (;;) {
		deadline = batch_deadline(x, start);
		now = clock_mono_ns();
		if (now >= deadline) {
			count_dropped(x, spans, n, DROP_EXPORT_FAILED);
			log_failure(x, n, "dropped", "export timeout exhausted before sending");
			return;
		}
		timeout = (long)((deadline - now) / 1000000ULL);
		if (timeout > x->conf->timeout_ms)
			timeout = x->conf->timeout_ms;
		attempts++;
		otlp_transport__send(x->transport, (const uint8_t *)x->body.data, x->body.len,
				     timeout, &x->stop_deadline, &res);
		if (res.outcome == EXPORT_OK)
			break;
		add(x->errors, 1);
		x->failures_in_row++;
		/* The final flush has a budget to keep: what fails then is not retried. */
		if (res.outcome == EXPORT_FAIL || stopping(x)) {
			count_dropped(x, spans, n, DROP_EXPORT_FAILED);
			log_failure(x, n, "dropped", res.msg);
			return;
		}
		wait_ms = res.retry_after_ms >= 0 ? res.retry_after_ms : jitter(x, backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
		now = clock_mono_ns();
		if (now + (uint64_t)wait_ms * 1000000ULL >= batch_deadline(x, start)) {
			char msg[700];

			snprintf(msg, sizeof(msg), "%s (gave up after %u attempts)", res.msg,
				 attempts);
			count_dropped(x, spans, n, DROP_EXPORT_FAILED);
			log_failure(x, n, "dropped", msg);
			return;
		}
		/* Sleep, but wake early for a shutdown: its deadline may be sooner. */
		pthread_mutex_lock(&x->lock);
		{
			uint64_t until = now + (uint64_t)wait_ms * 1000000ULL;

			while (clock_mono_ns() < until &&
			       clock_mono_ns() < batch_deadline(x, start)) {
				uint64_t d = batch_deadline(x, start);

				wait_until(x, until < d ? until : d);
			}
		}
		pthread_mutex_unlock(&x->lock);
	}
	if (x->failures_in_row) {
		log_msg("tracing: export to %s works again after %lu failed attempts", dest(x),
			x->failures_in_row);
		x->failures_in_row = 0;
		x->last_fail_log = 0;
		x->suppressed = 0;
	}
	if (res.rejected > 0) {
		size_t rej = (uint64_t)res.rejected > n ? n : (size_t)res.rejected;

		/* The receiver does not say which: count them against the first spans. */
		count_dropped(x, spans, rej, DROP_REJECTED);
		log_msg("tracing: the receiver at %s rejected %zu of %zu spans: %s", dest(x), rej,
			n, res.msg[0] ? res.msg : "(no message)");
		spans += rej;
		n -= rej;
	} else if (res.msg[0]) {
		/* partial success without rejections: a warning from the receiver */
		log_msg("tracing: the receiver at %s warns: %s", dest(x), res.msg);
	}
	for (size_t i = 0; i < n; i++)
		add(&x->stats[spans[i]->service]->exported, 1);
}

static void export_batch(struct span_exporter *x, struct span **spans, size_t n)
{
	char et[128];
	int e = 0;

	buf_reset(&x->body);
	switch (x->conf->exporter) {
	case OTEL_EXPORTER_NONE:
		return;
	case OTEL_EXPORTER_CONSOLE:
		e = otlp_encode_json(&x->res, spans, n, &x->body);
		if (!e)
			e = buf_putc(&x->body, '\n');
		if (!e && fwrite(x->body.data, 1, x->body.len, stdout) != x->body.len)
			e = -EIO;
		fflush(stdout);
		break;
	case OTEL_EXPORTER_OTLP:
		e = x->conf->protocol == OTEL_PROTO_HTTP_JSON ?
			    otlp_encode_json(&x->res, spans, n, &x->body) :
			    otlp_encode_protobuf(&x->res, spans, n, &x->body);
		if (!e) {
			export_otlp(x, spans, n);
			return;
		}
		break;
	}
	if (e) {
		add(x->errors, 1);
		count_dropped(x, spans, n, DROP_EXPORT_FAILED);
		log_failure(x, n, "dropped",
			    e == -ENOMEM ? "out of memory" : errno_text(e, et, sizeof(et)));
		return;
	}
	for (size_t i = 0; i < n; i++)
		add(&x->stats[spans[i]->service]->exported, 1);
}

static void *export_main(void *arg)
{
	struct span_exporter *x = arg;
	uint64_t first;
	size_t n, i;

	pthread_mutex_lock(&x->lock);
	for (;;) {
		while (!x->len && !x->stopping)
			wait_until(x, 0);
		if (!x->len)
			break;
		/* A batch: full, or OTEL_BSP_SCHEDULE_DELAY after its first span. */
		first = clock_mono_ns();
		while (!x->stopping && x->len < x->conf->bsp_max_batch &&
		       clock_mono_ns() - first <
			       (uint64_t)x->conf->bsp_schedule_delay_ms * 1000000ULL)
			wait_until(x,
				   first + (uint64_t)x->conf->bsp_schedule_delay_ms * 1000000ULL);
		if (x->stopping) {
			uint64_t stop = __atomic_load_n(&x->stop_deadline, __ATOMIC_RELAXED);

			if (clock_mono_ns() >= stop)
				break;
		}
		for (n = 0; n < x->conf->bsp_max_batch && x->head; n++) {
			x->batch[n] = x->head;
			x->head = x->head->next;
			x->len--;
		}
		if (!x->head)
			x->tail = NULL;
		pthread_mutex_unlock(&x->lock);

		export_batch(x, x->batch, n);
		for (i = 0; i < n; i++)
			span_free(x->batch[i]);

		pthread_mutex_lock(&x->lock);
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

void span_exporter__shutdown(struct span_exporter *x, long timeout_ms)
{
	struct span *rest;

	if (!x)
		return;
	pthread_mutex_lock(&x->lock);
	if (x->joined) {
		pthread_mutex_unlock(&x->lock);
		return;
	}
	if (timeout_ms < 0)
		timeout_ms = 0;
	x->stopping = true;
	__atomic_store_n(&x->stop_deadline, clock_mono_ns() + (uint64_t)timeout_ms * 1000000ULL + 1,
			 __ATOMIC_RELAXED);
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	if (x->started)
		pthread_join(x->thread, NULL);
	pthread_mutex_lock(&x->lock);
	x->joined = true;
	rest = x->head;
	x->head = x->tail = NULL;
	x->len = 0;
	pthread_mutex_unlock(&x->lock);
	for (struct span *sp = rest; sp; sp = sp->next) {
		add(&x->stats[sp->service]->dropped[DROP_SHUTDOWN], 1);
		x->shutdown_dropped++;
		if (!x->shutdown_msg[0])
			snprintf(x->shutdown_msg, sizeof(x->shutdown_msg),
				 "the shutdown flush ran out of its %ld ms", timeout_ms);
	}
	span_free_list(rest);
	if (x->shutdown_dropped)
		log_msg("tracing: dropped %zu spans at shutdown for %s: %s", x->shutdown_dropped,
			dest(x), x->shutdown_msg);
}

void span_exporter__free(struct span_exporter *x)
{
	if (!x)
		return;
	span_exporter__shutdown(x, x->conf->timeout_ms);
	otlp_transport__free(x->transport);
	buf_free(&x->body);
	free(x->batch);
	pthread_cond_destroy(&x->cond);
	pthread_mutex_destroy(&x->lock);
	free(x);
}
