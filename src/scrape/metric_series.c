// SPDX-License-Identifier: MIT
#include "scrape/metric.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrape/histogram.h"
#include "labels/label_set.h"

/* Per-row scratch arrays larger than this are freed after each rebuild of a metric's series. */
#define SCRATCH_KEEP_MAX (1u << 20)

static int perm_compare(const void *a, const void *b, void *arg)
{
	const struct metric_state *ms = arg;
	const struct sample *x = &ms->samples[*(const uint32_t *)a];
	const struct sample *y = &ms->samples[*(const uint32_t *)b];
	size_t k;

	for (k = 0; k < ms->n_labels; k++) {
		int r = strcmp(x->values[ms->order[k]], y->values[ms->order[k]]);

		if (r)
			return r;
	}
	return 0;
}

/*
 * Sorts the decoded rows by label values (label-name order, as the exposition prints them)
 * and merges rows with equal values into one series each (compared exactly as
 * unlike the Go exporter's joined strings), remembering which rows make up each series.
 */
static int group_rows(struct metric_state *ms)
{
	size_t n = ms->n_samples, i, g = 0;
	int e;

	e = array_grow((void **)&ms->perm, &ms->perm_cap, n + 1, sizeof(*ms->perm));
	if (!e)
		e = array_grow((void **)&ms->grp_rows, &ms->grp_rows_cap, n + 1,
			       sizeof(*ms->grp_rows));
	if (!e)
		e = array_grow((void **)&ms->grp_end, &ms->grp_end_cap, n + 1,
			       sizeof(*ms->grp_end));
	if (!e)
		e = array_grow((void **)&ms->out, &ms->out_cap, n + 1, sizeof(*ms->out));
	if (e)
		return e;
	for (i = 0; i < n; i++)
		ms->perm[i] = (uint32_t)i;
	if (ms->n_labels)
		qsort_r(ms->perm, n, sizeof(*ms->perm), perm_compare, ms);
	for (i = 0; i < n; i++) {
		const struct sample *smp = &ms->samples[ms->perm[i]];

		if (i == 0 || perm_compare(&ms->perm[i - 1], &ms->perm[i], ms) != 0) {
			if (i)
				ms->grp_end[g++] = (uint32_t)i;
			ms->out[g] = *smp;
			ms->out[g].value = 0;
		}
		ms->out[g].value += smp->value;
		ms->grp_rows[i] = ms->rowid[ms->perm[i]];
	}
	if (n)
		ms->grp_end[g++] = (uint32_t)n;
	ms->n_out = g;
	/* One row per series, the usual case: series g is row grp_rows[g], no ends needed. */
	ms->grp_identity = g == n;
	if (ms->grp_identity && ms->grp_end_cap * sizeof(*ms->grp_end) >= SCRATCH_KEEP_MAX) {
		free(ms->grp_end);
		ms->grp_end = NULL;
		ms->grp_end_cap = 0;
	}
	return 0;
}

/*
 * Copies the merged series' label values into one block in series order, each series' values
 * in label-name order and NUL-terminated: the very key the exposition sorts and prints by.
 * Steady-state scrapes then read labels front to back instead of chasing pointers into the
 * decode arena in row order (cache misses dominated the writer), and the arena can go.
 */
static int pack_series(struct metric_state *ms)
{
	size_t n = ms->n_out, nl = ms->n_labels, bytes = 1, off = 0, g, k;

	if (!nl)
		return 0;
	for (g = 0; g < n; g++) {
		for (k = 0; k < nl; k++)
			bytes += strlen(ms->out[g].values[k]) + 1;
	}
	if (bytes > ms->packed_cap) {
		/* Nothing in it is needed any more: out still points into the arena. */
		free(ms->packed);
		ms->packed_cap = 0;
		ms->packed = malloc(bytes);
		if (!ms->packed)
			return -ENOMEM;
		ms->packed_cap = bytes;
	}
	for (g = 0; g < n; g++) {
		const char *start = ms->packed + off;

		for (k = 0; k < nl; k++) {
			const char *v = ms->out[g].values[ms->order[k]];
			size_t len = strlen(v) + 1;

			memcpy(ms->packed + off, v, len);
			off += len;
		}
		ms->out[g].key = start; /* instead of values (a union) */
	}
	return 0;
}

/*
 * Once grouped, the per-row arrays are only needed again when the keys change. Big ones are
 * returned to the system rather than kept across scrapes (RSS matters more than the page
 * faults of rebuilding them on the next change).
 */
static void release_scratch(struct metric_state *ms)
{
	if (ms->samples_cap * sizeof(*ms->samples) < SCRATCH_KEEP_MAX)
		return;
	free(ms->samples);
	ms->samples = NULL;
	ms->samples_cap = 0;
	ms->n_samples = 0;
	free(ms->offs);
	ms->offs = NULL;
	ms->offs_cap = 0;
	free(ms->rowid);
	ms->rowid = NULL;
	ms->rowid_cap = 0;
	free(ms->perm);
	ms->perm = NULL;
	ms->perm_cap = 0;
	/* pack_series copied the label values out of these. */
	free(ms->vals);
	ms->vals = NULL;
	ms->vals_cap = 0;
	buf_free(&ms->arena);
}

/* Remembers the keys the series were built from, for the next scrape's fast path. */
static int remember_keys(struct metric_state *ms, uint64_t gen)
{
	size_t bytes = ms->snap.n * ms->key_size;

	ms->reusable = false;
	if (array_grow((void **)&ms->prev_keys, &ms->prev_keys_cap, bytes, 1))
		return -ENOMEM;
	if (bytes)
		memcpy(ms->prev_keys, ms->snap.keys, bytes);
	ms->prev_n = ms->snap.n;
	ms->prev_gen = gen;
	ms->prev_errors = ms->scrape_errors;
	ms->reusable = true;
	return 0;
}

/* The previous scrape's series still hold when the same keys decode the same way. */
static bool keys_unchanged(const struct metric_state *ms, uint64_t gen)
{
	return ms->reusable && ms->snap.n == ms->prev_n && gen == ms->prev_gen &&
	       (ms->snap.n == 0 ||
		memcmp(ms->prev_keys, ms->snap.keys, ms->snap.n * ms->key_size) == 0);
}

/* Steady state: same series, new values. */
static void counter_refresh(struct metric_state *ms)
{
	size_t g, i;

	for (g = 0, i = 0; g < ms->n_out; g++) {
		double v = 0;

		if (ms->grp_identity) {
			ms->out[g].value = metric_row_value(ms, ms->grp_rows[g]);
			continue;
		}
		for (; i < ms->grp_end[g]; i++)
			v += metric_row_value(ms, ms->grp_rows[i]);
		ms->out[g].value = v;
	}
}

/* Decodes every row of the snapshot into ms->samples, all label values included. */
static int decode_rows(struct collector *c, struct metric_state *ms)
{
	int e;

	ms->n_samples = 0;
	ms->row_no = 0;
	buf_reset(&ms->arena);
	e = metric_walk_snapshot(c, ms, false, metric_add_row_cb, NULL);
	return e ? e : metric_fix_values(ms);
}

/* Decodes every row, then sorts, merges and packs them into series. */
static int counter_rebuild(struct collector *c, struct metric_state *ms)
{
	int e = decode_rows(c, ms);

	if (!e)
		e = group_rows(ms);
	if (!e)
		e = pack_series(ms);
	return e;
}

static int row_compare(const void *a, const void *b, void *arg)
{
	const struct metric_state *ms = arg;
	const struct hist_row *x = a, *y = b;
	size_t i;

	for (i = 0; i < ms->n_labels; i++) {
		int r;

		if (i == ms->bucket_label)
			continue;
		r = strcmp(x->values[i], y->values[i]);
		if (r)
			return r;
	}
	return 0;
}

/* Series ng's histogram from the accumulated bucket values in ms->acc. */
static void hist_finish_series(struct metric_state *ms, size_t ng)
{
	struct histogram_value *hv = &ms->hvals[ng];
	uint64_t *cum = ms->cum + ng * ms->n_buckets;

	histogram_finish(ms->hist, ms->acc, ms->n_buckets, cum, &hv->count, &hv->sum);
	hv->n_buckets = ms->n_buckets;
	hv->le = ms->le;
	hv->cumulative = cum;
	hv->native = histogram_native(ms->hist, &hv->native_zero, &hv->native_first);
}

/*
 * Steady state: the same keys decode to the same label sets, so each series sums the same
 * rows into the same buckets as last time; only the values are read again.
 */
static void hist_refresh(struct metric_state *ms)
{
	size_t g, i = 0;

	for (g = 0; g < ms->n_out; g++) {
		memset(ms->acc, 0, (ms->n_buckets + 1) * sizeof(*ms->acc));
		for (; i < ms->grp_end[g]; i++) {
			if (ms->grp_slot[i] >= 0)
				ms->acc[ms->grp_slot[i]] += metric_row_value(ms, ms->grp_rows[i]);
		}
		hist_finish_series(ms, g);
	}
}

/*
 * Decodes every row, parses the bucket label, sorts and groups rows into series and sums
 * them; remembers each series' rows and buckets for hist_refresh().
 */
static int hist_rebuild(struct collector *c, struct metric_state *ms)
{
	size_t nr = 0, ng = 0, i, j, a, b, k = 0, nsl = ms->n_series_labels;
	int e;

	ms->n_out = 0;
	e = decode_rows(c, ms);
	if (!e)
		e = array_grow((void **)&ms->rows, &ms->rows_cap, ms->n_samples + 1,
			       sizeof(*ms->rows));
	if (e)
		return e;
	for (i = 0; i < ms->n_samples; i++) {
		const char *bv = ms->samples[i].values[ms->bucket_label];
		struct hist_row *r = &ms->rows[nr];

		if (histogram_parse_index(bv, &r->bucket) != 0) {
			char msg[512];

			/* only this entry is dropped, and it is counted. */
			snprintf(msg, sizeof(msg),
				 "error parsing bucket index \"%s\": not an unsigned integer", bv);
			metric_error(c, ms, msg, false);
			continue;
		}
		r->values = ms->samples[i].values;
		r->value = ms->samples[i].value;
		r->row = ms->rowid[i];
		nr++;
	}
	qsort_r(ms->rows, nr, sizeof(*ms->rows), row_compare, ms);

	/* At most nr series: size everything once so pointers stay valid. */
	e = array_grow((void **)&ms->hvals, &ms->hvals_cap, nr + 1, sizeof(*ms->hvals));
	if (!e)
		e = array_grow((void **)&ms->cum, &ms->cum_cap, nr * ms->n_buckets + 1,
			       sizeof(*ms->cum));
	if (!e)
		e = array_grow((void **)&ms->series_vals, &ms->series_vals_cap, nr * nsl + 1,
			       sizeof(*ms->series_vals));
	if (!e)
		e = array_grow((void **)&ms->grp_rows, &ms->grp_rows_cap, nr + 1,
			       sizeof(*ms->grp_rows));
	if (!e)
		e = array_grow((void **)&ms->grp_slot, &ms->grp_slot_cap, nr + 1,
			       sizeof(*ms->grp_slot));
	if (!e)
		e = array_grow((void **)&ms->grp_end, &ms->grp_end_cap, nr + 1,
			       sizeof(*ms->grp_end));
	if (e)
		return e;

	for (a = 0; a < nr; a = b) {
		const char **sv = ms->series_vals + ng * nsl;

		for (b = a + 1; b < nr && row_compare(&ms->rows[a], &ms->rows[b], ms) == 0; b++)
			;
		memset(ms->acc, 0, (ms->n_buckets + 1) * sizeof(*ms->acc));
		for (i = a; i < b; i++, k++) {
			long slot = histogram_slot(ms->hist, ms->rows[i].bucket);

			if (slot >= 0)
				ms->acc[slot] += ms->rows[i].value;
			ms->grp_rows[k] = ms->rows[i].row;
			ms->grp_slot[k] = (int32_t)slot;
		}
		ms->grp_end[ng] = (uint32_t)k;
		hist_finish_series(ms, ng);
		for (i = 0, j = 0; i < ms->n_labels; i++)
			if (i != ms->bucket_label)
				sv[j++] = ms->rows[a].values[i];
		/* Rows were copied out above: the sample array now holds the series. */
		ms->samples[ng].values = nsl ? sv : NULL;
		ms->samples[ng].hist = &ms->hvals[ng]; /* not value: they share their storage */
		ng++;
	}
	ms->n_out = ng;
	return 0;
}

/*
 * Reads the map, then either gives last scrape's series this scrape's values (same keys, and
 * the decoders' sources unchanged) or builds them again.
 */
static int refresh_or_rebuild(struct collector *c, struct metric_state *ms)
{
	uint64_t gen;
	int e;

	ms->scrape_errors = 0;
	e = metric_read_snapshot(c, ms);
	if (e <= 0) {
		ms->n_out = 0;
		ms->reusable = false;
		return e;
	}
	gen = label_set__generation(ms->ls);
	if (keys_unchanged(ms, gen)) {
		if (ms->hist)
			hist_refresh(ms);
		else
			counter_refresh(ms);
		/* The keys that failed to decode last time fail again: count them again. */
		c->decoder_errors[ms->cfg_idx] += ms->prev_errors;
		return 0;
	}
	e = ms->hist ? hist_rebuild(c, ms) : counter_rebuild(c, ms);
	if (!e)
		e = remember_keys(ms, gen);
	if (e) {
		ms->reusable = false; /* half-built: never reuse it */
		return e;
	}
	if (!ms->hist)
		release_scratch(ms);
	return 0;
}

int metric_collect(struct collector *c, struct metric_state *ms, struct family *f)
{
	int e;

	memset(f, 0, sizeof(*f));
	e = refresh_or_rebuild(c, ms);
	if (e || ms->n_out == 0)
		return e;
	f->name = ms->full_name;
	f->help = ms->help;
	f->label_names = ms->label_names;
	f->n_samples = ms->n_out;
	/* The series began counting when the config's maps were created: its module's load. */
	f->created =
		c->mods[ms->cfg_idx] ? (double)module__loaded_at_ns(c->mods[ms->cfg_idx]) / 1e9 : 0;
	if (ms->hist) {
		f->type = FAMILY_HISTOGRAM;
		f->n_labels = ms->n_series_labels;
		f->samples = ms->samples;
		return 0;
	}
	f->type = FAMILY_COUNTER;
	f->n_labels = ms->n_labels;
	f->samples = ms->out;
	f->presorted = true; /* group_rows sorted and merged them in label-name order */
	f->contiguous_keys = true; /* pack_series */
	return 0;
}
