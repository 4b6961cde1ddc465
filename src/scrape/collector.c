// SPDX-License-Identifier: MIT
#include "scrape/collector.h"
#include "scrape/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/gofmt.h"
#include "expo/expo.h"
#include "expo/protobuf.h"
#include "scrape/metric.h"
#include "bpf/perf_counters.h"
#include "scrape/builtins.h"
#include "scrape/generation.h"
#include "scrape/map_fill.h"
#include "tracing/tracing.h"

int collector__new(const struct collector_opts *opts, struct collector **out, char *err,
		   size_t errlen)
{
	struct config **cfgs = opts->cfgs;
	size_t i, j, total = 0, n = opts->n;
	struct collector *c;
	int e;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->sf_lock, NULL);
	pthread_cond_init(&c->sf_cond, NULL);
	c->cfgs = cfgs;
	c->mods = opts->mods;
	c->n_cfgs = n;
	c->env = opts->env;
	c->perf = opts->perf;
	c->tracing = opts->tracing;
	c->gen = opts->gen;
	c->reloads = opts->reloads;
	c->decoder_errors = calloc(n ? n : 1, sizeof(*c->decoder_errors));
	for (i = 0; i < n; i++) {
		for (j = 0; j < cfgs[i]->n_counters; j++)
			total += !cfgs[i]->counters[j].perf_event_array;
		total += cfgs[i]->n_histograms;
	}
	c->metrics = calloc(total ? total : 1, sizeof(*c->metrics));
	if (!c->decoder_errors || !c->metrics) {
		e = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		const struct config *cfg = cfgs[i];

		for (j = 0; j < cfg->n_counters; j++) {
			const struct counter_conf *cc = &cfg->counters[j];
			struct metric_state *ms = &c->metrics[c->n_metrics];

			if (cc->perf_event_array)
				continue;
			c->n_metrics++;
			e = metric_init(ms, c, i, cc->name, cc->help, cc->labels, cc->n_labels, err,
					errlen);
			if (e)
				goto out_free;
		}
		for (j = 0; j < cfg->n_histograms; j++) {
			const struct histogram_conf *hc = &cfg->histograms[j];
			struct metric_state *ms = &c->metrics[c->n_metrics++];

			e = metric_init(ms, c, i, hc->name, hc->help, hc->labels, hc->n_labels, err,
					errlen);
			if (!e && hc->n_labels == 0) {
				snprintf(err, errlen,
					 "config \"%s\": histogram \"%s\" needs at least one label "
					 "(the bucket)",
					 cfg->name, hc->name);
				e = -EINVAL;
			}
			if (!e)
				e = metric_hist_init(ms, hc);
			if (e)
				goto out_free;
		}
	}
	e = map_fill__new(&(struct map_fill_opts){ .cfgs = cfgs,
						   .mods = opts->mods,
						   .n = n,
						   .prev = opts->prev ? opts->prev->map_fill :
									NULL },
			  &c->map_fill, err, errlen);
	if (e)
		goto out_free;
	*out = c;
	return 0;

out_free:
	if (e == -ENOMEM && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	collector__free(c);
	return e;
}

void collector__free(struct collector *c)
{
	size_t i;

	if (!c)
		return;
	map_fill__free(c->map_fill);
	for (i = 0; i < c->n_metrics; i++)
		metric_free(&c->metrics[i]);
	free(c->metrics);
	free(c->decoder_errors);
	buf_free(&c->arena);
	if (c->sf_spare) {
		buf_free(&c->sf_spare->body);
		free(c->sf_spare);
	}
	pthread_cond_destroy(&c->sf_cond);
	pthread_mutex_destroy(&c->sf_lock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/*
 * Counts a failed entry (only that entry is dropped) and logs it: decode errors at
 * most once a minute per config and decoder (the label set keeps that account), other errors
 * (map reads, bucket indexes) at most once a minute per metric.
 */
int collector__scrape(struct collector *c, enum expo_format fmt, struct buf *out, char *err,
		      size_t errlen)
{
	struct builtin b;
	struct reload_families rf;
	struct family *fams = NULL, *pf = NULL, tf[TRACING_FAMILIES];
	size_t n = 0, i, np = 0, nr = 0;
	int nt = 0;
	int e;

	memset(&b, 0, sizeof(b));
	buf_reset(out);
	pthread_mutex_lock(&c->lock);
	fams = calloc(c->n_metrics + 1, sizeof(*fams));
	if (!fams) {
		e = -ENOMEM;
		goto out;
	}
	for (i = 0; !c->detached && i < c->n_metrics; i++) {
		struct metric_state *ms = &c->metrics[i];

		e = metric_collect(c, ms, &fams[n]);
		if (e)
			goto out;
		if (fams[n].n_samples)
			n++;
	}
	e = builtins_collect(c, &b);
	if (!e && !c->detached)
		e = perf_counters__collect(c->perf, &pf, &np);
	if (!e && !c->detached && (nt = tracing__collect(c->tracing, tf, TRACING_FAMILIES)) < 0)
		e = nt;
	if (e)
		goto out;
	if (!c->detached)
		nr = reload_status_families(c->reloads, &rf);

	{
		struct family *all = calloc(n + b.n + np + (size_t)nt + nr, sizeof(*all));

		if (!all) {
			e = -ENOMEM;
			goto out;
		}
		memcpy(all, fams, n * sizeof(*all));
		memcpy(all + n, b.fams, b.n * sizeof(*all));
		if (np)
			memcpy(all + n + b.n, pf, np * sizeof(*all));
		if (nt > 0)
			memcpy(all + n + b.n + np, tf, (size_t)nt * sizeof(*all));
		if (nr)
			memcpy(all + n + b.n + np + (size_t)nt, rf.fams, nr * sizeof(*all));
		size_t na = n + b.n + np + (size_t)nt + nr;

		e = fmt == EXPO_OPENMETRICS ? expo_write_openmetrics(out, all, na, err, errlen) :
					      expo_write(out, fmt, all, na, err, errlen);
		free(all);
	}
out:
	if (e == -ENOMEM && (!err[0]))
		snprintf(err, errlen, "out of memory while collecting metrics");
	pthread_mutex_unlock(&c->lock);
	builtins_free(&b);
	free(fams);
	return e;
}

struct dump_ctx {
	struct buf *out;
	struct buf scratch;
};

static int dump_row_cb(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		       double v, void *arg)
{
	struct dump_ctx *d = arg;
	struct buf *out = d->out;
	char raw[16384] = "";
	size_t i;
	int e;

	/*
	 * Not ms->arena: it holds the label values the next scrape may reuse (the steady state
	 * of metric_series.c).
	 */
	buf_reset(&d->scratch);
	e = metric_decode_key(c, ms, &d->scratch, key, len);
	if (e)
		return e < 0 ? e : 0;
	gofmt_append_bytes(raw, sizeof(raw), key, len);
	e = buf_printf(out, "%s (labels: [", raw);
	for (i = 0; !e && i < ms->n_labels; i++)
		e = buf_printf(out, "%s%s", i ? " " : "", ms->tmp_values[i]);
	if (!e)
		e = buf_printf(out, "]) -> %.0f\n", v);
	return e;
}

int collector__dump_maps(struct collector *c, struct buf *out)
{
	struct dump_ctx d = { .out = out };
	size_t i, j, k = 0;
	int e = 0;

	buf_reset(out);
	pthread_mutex_lock(&c->lock);
	for (i = 0; !c->detached && !e && i < c->n_cfgs; i++) {
		const struct config *cfg = c->cfgs[i];

		e = buf_printf(out, "## Config: %s\n\n", cfg->name);
		for (j = 0; !e && j < cfg->n_counters; j++) {
			if (!cfg->counters[j].perf_event_array)
				continue;
			e = buf_printf(out, "### Map: %s\n\n(perf event array, not readable)\n\n",
				       cfg->counters[j].name);
		}
		for (; !e && k < c->n_metrics && c->metrics[k].cfg_idx == i; k++) {
			struct metric_state *ms = &c->metrics[k];

			e = buf_printf(out, "### Map: %s\n\n```\n", ms->name);
			if (!e)
				e = metric_walk_rows(c, ms, true, dump_row_cb, &d);
			if (!e)
				e = buf_puts(out, "```\n\n");
		}
	}
	pthread_mutex_unlock(&c->lock);
	buf_free(&d.scratch);
	return e;
}

/* Largest scrape buffer kept for reuse between scrapes. */
#define SPARE_MAX (8u << 20)

/* Returned when a result cannot even be allocated. */
static struct scrape_result oom_result = {
	.refs = 1,
	.done = true,
	.err = -ENOMEM,
	.body = { .data = (char *)"out of memory", .len = 13, .cap = 14 },
};

/* Returned for a format outside enum expo_format (sf_running has a slot per format). */
static struct scrape_result bad_format_result = {
	.refs = 1,
	.done = true,
	.err = -EINVAL,
	.body = { .data = (char *)"unknown exposition format", .len = 25, .cap = 26 },
};

struct scrape_result *collector__scrape_shared(struct collector *c, enum expo_format fmt)
{
	struct scrape_result *r;
	char err[2048] = "";

	if ((unsigned int)fmt >= EXPO_FORMATS)
		return &bad_format_result;
	pthread_mutex_lock(&c->sf_lock);
	r = c->sf_running[fmt];
	if (r) {
		/* Join the collection in flight and wait for its answer. */
		r->refs++;
		while (!r->done)
			pthread_cond_wait(&c->sf_cond, &c->sf_lock);
		pthread_mutex_unlock(&c->sf_lock);
		return r;
	}
	r = c->sf_spare;
	c->sf_spare = NULL;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r) {
			pthread_mutex_unlock(&c->sf_lock);
			return &oom_result;
		}
		r->owner = c;
	}
	r->refs = 1;
	r->done = false;
	c->sf_running[fmt] = r;
	pthread_mutex_unlock(&c->sf_lock);

	r->err = collector__scrape(c, fmt, &r->body, err, sizeof(err));
	if (r->err) {
		buf_reset(&r->body);
		if (buf_puts(&r->body, err))
			buf_reset(&r->body);
	}

	pthread_mutex_lock(&c->sf_lock);
	r->done = true;
	c->sf_running[fmt] = NULL;
	pthread_cond_broadcast(&c->sf_cond);
	pthread_mutex_unlock(&c->sf_lock);
	return r;
}

void scrape_result__put(struct scrape_result *r)
{
	struct collector *c;

	if (!r || r == &oom_result || r == &bad_format_result)
		return;
	c = r->owner;
	pthread_mutex_lock(&c->sf_lock);
	if (--r->refs > 0) {
		pthread_mutex_unlock(&c->sf_lock);
		return;
	}
	/*
	 * Keep one buffer for the next scrape, so steady state allocates nothing; but not a huge
	 * one, whose memory is better returned between scrapes (the idle RSS stays small).
	 */
	if (!c->sf_spare && r->body.cap <= SPARE_MAX) {
		buf_reset(&r->body);
		c->sf_spare = r;
		r = NULL;
	}
	pthread_mutex_unlock(&c->sf_lock);
	if (r) {
		buf_free(&r->body);
		free(r);
	}
}

void collector__count_request(struct collector *c, enum scrape_code code)
{
	if ((unsigned int)code >= SCRAPE_CODES)
		return;
	__atomic_add_fetch(&c->requests[code], 1, __ATOMIC_RELAXED);
}

void collector__in_flight(struct collector *c, int delta)
{
	__atomic_add_fetch(&c->in_flight, delta, __ATOMIC_RELAXED);
}

void collector__detach(struct collector *c, struct lifecycle *lc, struct lc_span *parent)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->n_cfgs; i++)
		module__detach(c->mods[i], lc, parent);
	c->detached = true;
	pthread_mutex_unlock(&c->lock);
}

/* Exchanges the scrape view of a and b (the caller holds a's lock). */
#define SWAP(field)                                \
	do {                                       \
		__typeof__(a->field) t = a->field; \
		a->field = b->field;               \
		b->field = t;                      \
	} while (0)

static void swap_view(struct collector *a, struct collector *b)
{
	SWAP(cfgs);
	SWAP(mods);
	SWAP(n_cfgs);
	SWAP(metrics);
	SWAP(n_metrics);
	SWAP(decoder_errors);
	SWAP(perf);
	SWAP(tracing);
	SWAP(gen);
	SWAP(map_fill);
}

#undef SWAP

void collector__swap(struct collector *c, struct collector *staged)
{
	size_t i, j;

	pthread_mutex_lock(&c->lock);
	/* a config both views hold is the same object: its count goes on */
	for (i = 0; i < staged->n_cfgs; i++)
		for (j = 0; j < c->n_cfgs; j++)
			if (staged->cfgs[i] == c->cfgs[j]) {
				staged->decoder_errors[i] += c->decoder_errors[j];
				break;
			}
	swap_view(c, staged);
	pthread_mutex_unlock(&c->lock);
}

void collector__with_generation(struct collector *c,
				void (*fn)(const struct generation *g, void *arg), void *arg)
{
	pthread_mutex_lock(&c->lock);
	fn(c->gen, arg);
	pthread_mutex_unlock(&c->lock);
}

struct reload_status *collector__reload_status(const struct collector *c)
{
	return c->reloads;
}
