// SPDX-License-Identifier: MIT
#include "collect.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "decoders/decoder.h"
#include "decoders/gofmt.h"
#include "expo.h"
#include "expo_pb.h"
#include "histogram.h"
#include "labels.h"
#include "maps.h"
#include "perfbuf.h"
#include "builtins.h"
#include "tracing/tracing.h"
#include "util/log.h"
#include "version.h"

/* Per-row scratch arrays larger than this are freed after each rebuild of a metric's series. */
#define SCRATCH_KEEP_MAX (1u << 20)

/* Decode failures of one metric are logged at most this often (seconds). */
#define ERROR_LOG_INTERVAL 60

struct metric_state {
	size_t cfg_idx;
	const struct config *cfg;
	const char *name;
	const char *help;
	const struct label_conf *labels;
	size_t n_labels;
	char *full_name;
	const char **label_names;
	struct label_set *ls;
	int map_fd;
	int map_type;
	uint32_t key_size, value_size, max_entries;
	bool cpu_label; /* per-CPU map whose last label is `cpu` */
	/* histograms (SPEC §4.5) */
	const struct histogram_conf *hist;
	size_t bucket_label; /* index of the bucket label among the labels */
	size_t n_series_labels; /* labels printed: all but the bucket label */
	size_t n_buckets;
	double *le;
	struct hist_row *rows;
	size_t rows_cap;
	struct histogram_value *hvals;
	size_t hvals_cap;
	uint64_t *cum;
	size_t cum_cap;
	double *acc; /* per-bucket accumulator of one series, n_buckets + 1 (the sum) */
	const char **series_vals;
	size_t series_vals_cap;
	struct map_snapshot snap;
	/* per-scrape scratch, kept between scrapes */
	struct buf arena;
	size_t *offs;
	size_t offs_cap;
	const char **vals;
	size_t vals_cap;
	struct sample *samples;
	size_t n_samples, samples_cap;
	uint8_t *keybuf;
	const char **tmp_values;
	time_t last_log;
	/*
	 * Counters' steady state: when a scrape reads exactly the keys of the previous one and
	 * no decoder source changed, the decoded, sorted and merged series are reused and only
	 * their values recomputed. rowid[k] is the row sample k came from (rows numbered in
	 * walk order); series g sums rows grp_rows[grp_end[g-1]..grp_end[g]).
	 */
	size_t row_no;
	uint32_t *rowid;
	size_t rowid_cap;
	size_t *order; /* label indexes sorted by label name */
	uint32_t *perm;
	size_t perm_cap;
	uint32_t *grp_rows;
	size_t grp_rows_cap;
	uint32_t *grp_end;
	size_t grp_end_cap;
	int32_t *grp_slot; /* histograms: bucket slot of each row in grp_rows, -1 out of range */
	size_t grp_slot_cap;
	struct sample *out;
	size_t n_out, out_cap;
	/* out's label values, copied in series order (see pack_series) */
	char *packed;
	size_t packed_cap;
	const char **pvals;
	size_t pvals_cap;
	uint8_t *prev_keys;
	size_t prev_n, prev_keys_cap;
	uint64_t prev_gen;
	uint64_t prev_errors; /* entries that failed to decode in the slow path */
	uint64_t scrape_errors;
	bool reusable;
};

/* One decoded histogram row: label values (bucket excluded), bucket index, value. */
struct hist_row {
	const char **values; /* all labels, in config order */
	uint64_t bucket;
	double value;
	uint32_t row; /* row number in the snapshot walk, for the steady state */
};

static int metric_init(struct metric_state *ms, struct collector *c, size_t cfg_idx,
		       const char *name, const char *help, const struct label_conf *labels,
		       size_t n_labels, char *err, size_t errlen)
{
	const struct config *cfg = c->cfgs[cfg_idx];
	struct module *mod = c->mods[cfg_idx];
	const struct bpf_map *map;
	char lerr[512];
	size_t i;
	int e;

	ms->cfg_idx = cfg_idx;
	ms->cfg = cfg;
	ms->name = name;
	ms->help = help;
	ms->labels = labels;
	ms->n_labels = n_labels;
	ms->map_fd = -1;
	if (asprintf(&ms->full_name, "ebpf_exporter_%s", name) < 0) {
		ms->full_name = NULL;
		return -ENOMEM;
	}
	ms->label_names = calloc(n_labels + 1, sizeof(*ms->label_names));
	ms->tmp_values = calloc(n_labels + 1, sizeof(*ms->tmp_values));
	if (!ms->label_names || !ms->tmp_values)
		return -ENOMEM;
	for (i = 0; i < n_labels; i++)
		ms->label_names[i] = labels[i].name;
	ms->order = calloc(n_labels + 1, sizeof(*ms->order));
	if (!ms->order)
		return -ENOMEM;
	for (i = 0; i < n_labels; i++)
		ms->order[i] = i;
	/* Insertion sort by name: a handful of labels. */
	for (i = 1; i < n_labels; i++) {
		size_t k = ms->order[i], j = i;

		for (; j > 0 && strcmp(labels[ms->order[j - 1]].name, labels[k].name) > 0; j--)
			ms->order[j] = ms->order[j - 1];
		ms->order[j] = k;
	}

	e = label_set__new(labels, n_labels, c->env, &ms->ls, lerr, sizeof(lerr));
	if (!e)
		e = label_set__check(ms->ls, lerr, sizeof(lerr));
	if (e) {
		snprintf(err, errlen, "config \"%s\": metric \"%s\": %s", cfg->name, name, lerr);
		return e;
	}
	if (!mod)
		return 0;
	map = bpf_object__find_map_by_name(mod->obj, name);
	if (!map) {
		snprintf(err, errlen, "failed to get map \"%s\" for config \"%s\"", name,
			 cfg->name);
		return -ENOENT;
	}
	ms->map_fd = bpf_map__fd(map);
	ms->map_type = bpf_map__type(map);
	ms->key_size = bpf_map__key_size(map);
	ms->value_size = bpf_map__value_size(map);
	ms->max_entries = bpf_map__max_entries(map);
	ms->cpu_label = map_type_percpu(ms->map_type) && n_labels > 0 &&
			strcmp(labels[n_labels - 1].name, "cpu") == 0;
	ms->keybuf = calloc(1, ms->key_size + 2);
	if (!ms->keybuf)
		return -ENOMEM;
	return 0;
}

/* Upper bounds of a histogram's buckets, in loop order (SPEC §4.5). */
static int hist_init(struct metric_state *ms, const struct histogram_conf *h)
{
	size_t i, j;

	ms->hist = h;
	/* The bucket is the last label, or the one before a trailing per-CPU `cpu` label. */
	ms->bucket_label = ms->n_labels - 1;
	if (ms->cpu_label && ms->n_labels >= 2)
		ms->bucket_label = ms->n_labels - 2;
	ms->n_series_labels = ms->n_labels - 1;
	/* Printed label names: every label but the bucket. */
	for (i = 0, j = 0; i < ms->n_labels; i++)
		if (i != ms->bucket_label)
			ms->label_names[j++] = ms->labels[i].name;

	ms->n_buckets = histogram_bucket_count(h);
	ms->le = calloc(ms->n_buckets + 1, sizeof(*ms->le));
	ms->acc = calloc(ms->n_buckets + 2, sizeof(*ms->acc));
	if (!ms->le || !ms->acc)
		return -ENOMEM;
	return histogram_bounds(h, ms->le);
}

static void metric_free(struct metric_state *ms)
{
	free(ms->full_name);
	free(ms->label_names);
	free(ms->tmp_values);
	label_set__free(ms->ls);
	map_snapshot__free(&ms->snap);
	buf_free(&ms->arena);
	free(ms->offs);
	free(ms->vals);
	free(ms->samples);
	free(ms->keybuf);
	free(ms->rowid);
	free(ms->order);
	free(ms->perm);
	free(ms->grp_rows);
	free(ms->grp_end);
	free(ms->grp_slot);
	free(ms->out);
	free(ms->packed);
	free(ms->pvals);
	free(ms->prev_keys);
	free(ms->le);
	free(ms->acc);
	free(ms->rows);
	free(ms->hvals);
	free(ms->cum);
	free(ms->series_vals);
}

int collector__new(struct config **cfgs, struct module **mods, size_t n, struct decoder_env *env,
		   struct collector **out, char *err, size_t errlen)
{
	struct collector *c;
	size_t i, j, total = 0;
	int e;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->sf_lock, NULL);
	pthread_cond_init(&c->sf_cond, NULL);
	c->cfgs = cfgs;
	c->mods = mods;
	c->n_cfgs = n;
	c->env = env;
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
				e = hist_init(ms, hc);
			if (e)
				goto out_free;
		}
	}
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
 * Counts a failed entry (SPEC §0: only that entry is dropped) and logs it: decode errors at
 * most once a minute per config and decoder (the label set keeps that account), other errors
 * (map reads, bucket indexes) at most once a minute per metric.
 */
static void metric_error(struct collector *c, struct metric_state *ms, const char *msg, bool decode)
{
	time_t now = time(NULL);

	c->decoder_errors[ms->cfg_idx]++;
	ms->scrape_errors++;
	if (decode) {
		if (!label_set__error_log_due(ms->ls, ms->cfg->name))
			return;
	} else {
		if (ms->last_log && now - ms->last_log < ERROR_LOG_INTERVAL)
			return;
		ms->last_log = now;
	}
	log_msg("Error getting map \"%s\" values for metric \"%s\" of config \"%s\": %s", ms->name,
		ms->name, ms->cfg->name, msg);
}

/*
 * Decodes one key into ms->tmp_values (strings appended to arena). Returns 0, 1 when the
 * row is dropped (a regexp skip, or a decode error, which is counted and logged: SPEC §0
 * drops only that entry), or -ENOMEM.
 */
static int decode_key(struct collector *c, struct metric_state *ms, struct buf *arena,
		      const uint8_t *key, size_t len)
{
	char derr[1024] = "";
	int e;

	/* A map without labels: the single zero key is one unlabelled series. */
	if (ms->n_labels == 0 && len == 4 && !key[0] && !key[1] && !key[2] && !key[3])
		return 0;
	e = label_set__decode(ms->ls, key, len, arena, ms->tmp_values, derr, sizeof(derr));
	if (e == -ENOMEM)
		return e;
	if (e == DECODER_SKIP)
		return 1;
	if (e) {
		metric_error(c, ms, derr, true);
		return 1;
	}
	return 0;
}

/*
 * Decodes one row's key and appends a sample with value v. Decode errors are counted and
 * drop only this row (SPEC §0); skips drop it silently.
 */
static int add_row(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		   double v)
{
	size_t n = ms->n_samples, i;
	int e;

	e = array_grow((void **)&ms->samples, &ms->samples_cap, n + 1, sizeof(*ms->samples));
	if (!e)
		e = array_grow((void **)&ms->offs, &ms->offs_cap, (n + 1) * (ms->n_labels + 1),
			       sizeof(*ms->offs));
	if (e)
		return e;

	e = decode_key(c, ms, &ms->arena, key, len);
	if (e)
		return e < 0 ? e : 0;
	for (i = 0; i < ms->n_labels; i++)
		ms->offs[n * ms->n_labels + i] = (size_t)(ms->tmp_values[i] - ms->arena.data);
	e = array_grow((void **)&ms->rowid, &ms->rowid_cap, n + 1, sizeof(*ms->rowid));
	if (e)
		return e;
	ms->rowid[n] = (uint32_t)ms->row_no;
	ms->samples[n].value = v;
	ms->samples[n].hist = NULL;
	ms->samples[n].values = NULL;
	ms->n_samples++;
	return 0;
}

typedef int (*row_fn)(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		      double v, void *arg);

/*
 * Snapshots the map and calls fn for every row (SPEC §4.1): per-CPU maps give one row per
 * CPU with the CPU index appended to the key when the last label is `cpu`; otherwise their
 * CPUs' values are summed into one row, unless split_cpus asks for a row per CPU (/maps).
 */
/*
 * Reads the map into ms->snap. Returns 1 when there is a snapshot to walk, 0 when there is
 * none (no map, or a read error, which is counted and logged), or -ENOMEM.
 */
static int read_snapshot(struct collector *c, struct metric_state *ms)
{
	int e;

	ms->snap.n = 0;
	if (ms->map_fd < 0)
		return 0;
	e = map_snapshot__read(&ms->snap, ms->map_fd, ms->map_type, ms->key_size, ms->value_size,
			       ms->max_entries);
	if (e) {
		char et[128];

		if (e == -ENOMEM)
			return e;
		metric_error(c, ms, errno_text(e, et, sizeof(et)), false);
		return 0;
	}
	return 1;
}

/* Calls fn for every row of the snapshot already read (see walk_rows). */
static int walk_snapshot(struct collector *c, struct metric_state *ms, bool split_cpus, row_fn fn,
			 void *arg)
{
	struct map_snapshot *s = &ms->snap;
	size_t i;
	int e, cpu;

	for (i = 0; i < s->n; i++) {
		const uint8_t *key = map_snapshot__key(s, i);

		if (ms->cpu_label) {
			const uint8_t *kp = key;
			size_t klen = ms->key_size;

			/* Only a cpu label and a zero u32 key: the key is dropped (SPEC §4.2). */
			if (ms->n_labels == 1 && klen >= 4 && !kp[0] && !kp[1] && !kp[2] &&
			    !kp[3]) {
				kp += 4;
				klen -= 4;
			}
			memcpy(ms->keybuf, kp, klen);
			for (cpu = 0; cpu < s->ncpus; cpu++) {
				uint16_t c16 = (uint16_t)cpu;

				memcpy(ms->keybuf + klen, &c16, sizeof(c16));
				e = fn(c, ms, ms->keybuf, klen + 2,
				       (double)map_snapshot__value(s, i, cpu), arg);
				if (e)
					return e;
			}
		} else if (split_cpus) {
			for (cpu = 0; cpu < s->ncpus; cpu++) {
				e = fn(c, ms, key, ms->key_size,
				       (double)map_snapshot__value(s, i, cpu), arg);
				if (e)
					return e;
			}
		} else {
			double v = 0;

			/* Per-CPU rows share the key and are summed, in CPU order, as floats. */
			for (cpu = 0; cpu < s->ncpus; cpu++)
				v += (double)map_snapshot__value(s, i, cpu);
			e = fn(c, ms, key, ms->key_size, v, arg);
			if (e)
				return e;
		}
	}
	return 0;
}

static int walk_rows(struct collector *c, struct metric_state *ms, bool split_cpus, row_fn fn,
		     void *arg)
{
	int e = read_snapshot(c, ms);

	if (e <= 0)
		return e;
	return walk_snapshot(c, ms, split_cpus, fn, arg);
}

static int add_row_cb(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		      double v, void *arg)
{
	int e = add_row(c, ms, key, len, v);

	ms->row_no++;
	return e;
}

/* Turns the arena offsets of the decoded rows into pointers, once the arena stops moving. */
static int fix_values(struct metric_state *ms)
{
	size_t i, k;
	int e;

	e = array_grow((void **)&ms->vals, &ms->vals_cap, ms->n_samples * ms->n_labels + 1,
		       sizeof(*ms->vals));
	if (e)
		return e;
	for (i = 0; i < ms->n_samples; i++) {
		for (k = 0; k < ms->n_labels; k++)
			ms->vals[i * ms->n_labels + k] =
				ms->arena.data + ms->offs[i * ms->n_labels + k];
		ms->samples[i].values = ms->n_labels ? &ms->vals[i * ms->n_labels] : NULL;
	}
	return 0;
}

/* Value of row r of the snapshot (rows numbered as walk_snapshot() visits them). */
static double row_value(const struct metric_state *ms, uint32_t r)
{
	const struct map_snapshot *s = &ms->snap;
	double v = 0;
	int cpu;

	if (ms->cpu_label)
		return (double)map_snapshot__value(s, r / (uint32_t)s->ncpus,
						   (int)(r % (uint32_t)s->ncpus));
	for (cpu = 0; cpu < s->ncpus; cpu++)
		v += (double)map_snapshot__value(s, r, cpu);
	return v;
}

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
 * and merges rows with equal values into one series each (SPEC §4.3, compared exactly as
 * SPEC §0 says), remembering which rows make up each series.
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
	int e;

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
	e = array_grow((void **)&ms->pvals, &ms->pvals_cap, n * nl + 1, sizeof(*ms->pvals));
	if (e)
		return e;
	for (g = 0; g < n; g++) {
		for (k = 0; k < nl; k++) {
			size_t idx = ms->order[k];
			const char *v = ms->out[g].values[idx];
			size_t len = strlen(v) + 1;

			memcpy(ms->packed + off, v, len);
			ms->pvals[g * nl + idx] = ms->packed + off;
			off += len;
		}
		ms->out[g].values = &ms->pvals[g * nl];
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
	if (bytes > ms->prev_keys_cap) {
		uint8_t *p = realloc(ms->prev_keys, bytes);

		if (!p)
			return -ENOMEM;
		ms->prev_keys = p;
		ms->prev_keys_cap = bytes;
	}
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

static int collect_counter(struct collector *c, struct metric_state *ms, struct family *f)
{
	uint64_t gen;
	size_t g, i;
	int e;

	memset(f, 0, sizeof(*f));
	ms->scrape_errors = 0;
	e = read_snapshot(c, ms);
	if (e < 0)
		return e;
	if (e == 0) {
		ms->n_out = 0;
		ms->reusable = false;
		return 0;
	}
	gen = label_set__generation(ms->ls);
	if (keys_unchanged(ms, gen)) {
		/* Steady state: same series, new values; keys that failed count again. */
		for (g = 0, i = 0; g < ms->n_out; g++) {
			double v = 0;

			for (; i < ms->grp_end[g]; i++)
				v += row_value(ms, ms->grp_rows[i]);
			ms->out[g].value = v;
		}
		c->decoder_errors[ms->cfg_idx] += ms->prev_errors;
	} else {
		ms->n_samples = 0;
		ms->row_no = 0;
		buf_reset(&ms->arena);
		e = walk_snapshot(c, ms, false, add_row_cb, NULL);
		if (!e)
			e = fix_values(ms);
		if (!e)
			e = group_rows(ms);
		if (!e)
			e = pack_series(ms);
		if (!e)
			e = remember_keys(ms, gen);
		if (e)
			return e;
		release_scratch(ms);
	}

	f->name = ms->full_name;
	f->help = ms->help;
	f->type = FAMILY_COUNTER;
	f->label_names = ms->label_names;
	f->n_labels = ms->n_labels;
	f->samples = ms->out;
	f->n_samples = ms->n_out;
	f->presorted = true; /* group_rows sorted and merged them in label-name order */
	f->contiguous_keys = true; /* pack_series */
	return 0;
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
				ms->acc[ms->grp_slot[i]] += row_value(ms, ms->grp_rows[i]);
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
	ms->n_samples = 0;
	ms->row_no = 0;
	buf_reset(&ms->arena);
	e = walk_snapshot(c, ms, false, add_row_cb, NULL);
	if (!e)
		e = fix_values(ms);
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

			/* SPEC §0: only this entry is dropped, and it is counted. */
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
		ms->samples[ng].hist = &ms->hvals[ng];
		ms->samples[ng].value = 0;
		ng++;
	}
	ms->n_out = ng;
	return 0;
}

static int collect_histogram(struct collector *c, struct metric_state *ms, struct family *f)
{
	uint64_t gen;
	int e;

	memset(f, 0, sizeof(*f));
	ms->scrape_errors = 0;
	e = read_snapshot(c, ms);
	if (e < 0)
		return e;
	if (e == 0) {
		ms->n_out = 0;
		ms->reusable = false;
		return 0;
	}
	gen = label_set__generation(ms->ls);
	if (keys_unchanged(ms, gen)) {
		hist_refresh(ms);
		c->decoder_errors[ms->cfg_idx] += ms->prev_errors;
	} else {
		e = hist_rebuild(c, ms);
		if (!e)
			e = remember_keys(ms, gen);
		if (e) {
			ms->reusable = false;
			return e;
		}
	}
	if (ms->n_out == 0)
		return 0;
	f->name = ms->full_name;
	f->help = ms->help;
	f->type = FAMILY_HISTOGRAM;
	f->label_names = ms->label_names;
	f->n_labels = ms->n_series_labels;
	f->samples = ms->samples;
	f->n_samples = ms->n_out;
	return 0;
}

int collector__scrape(struct collector *c, enum expo_format fmt, struct buf *out, char *err,
		      size_t errlen)
{
	struct builtin b;
	struct family *fams = NULL, *pf = NULL, tf[TRACING_FAMILIES];
	size_t n = 0, i, np = 0;
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

		e = ms->hist ? collect_histogram(c, ms, &fams[n]) :
			       collect_counter(c, ms, &fams[n]);
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

	{
		struct family *all = calloc(n + b.n + np + (size_t)nt, sizeof(*all));

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
		e = expo_write(out, fmt, all, n + b.n + np + (size_t)nt, err, errlen);
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
	 * Not ms->arena: it holds the label values the next scrape may reuse (collect_counter's
	 * steady state).
	 */
	buf_reset(&d->scratch);
	e = decode_key(c, ms, &d->scratch, key, len);
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
				e = walk_rows(c, ms, true, dump_row_cb, &d);
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

struct scrape_result *collector__scrape_shared(struct collector *c, enum expo_format fmt)
{
	struct scrape_result *r;
	char err[2048] = "";

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

	if (!r || r == &oom_result)
		return;
	c = r->owner;
	pthread_mutex_lock(&c->sf_lock);
	if (--r->refs > 0) {
		pthread_mutex_unlock(&c->sf_lock);
		return;
	}
	/*
	 * Keep one buffer for the next scrape, so steady state allocates nothing; but not a huge
	 * one, whose memory is better returned between scrapes (RSS target of issue 6).
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
