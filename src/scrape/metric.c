// SPDX-License-Identifier: MIT
#include "scrape/metric.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scrape/histogram.h"
#include "labels/label_set.h"
#include "util/errno_text.h"
#include "util/log.h"

/* Decode failures of one metric are logged at most this often (seconds). */
#define ERROR_LOG_INTERVAL 60

int metric_init(struct metric_state *ms, struct collector *c, size_t cfg_idx, const char *name,
		const char *help, const struct label_conf *labels, size_t n_labels, char *err,
		size_t errlen)
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
	/*
	 * The writer's own label order: counters hand their series over sorted in it
	 * (family.presorted), so it must be the very same.
	 */
	expo_label_order(&(struct family){ .label_names = ms->label_names, .n_labels = n_labels },
			 ms->order);

	e = label_set__new_checked(labels, n_labels, c->env, &ms->ls, lerr, sizeof(lerr));
	if (e) {
		snprintf(err, errlen, "config \"%s\": metric \"%s\": %s", cfg->name, name, lerr);
		return e;
	}
	if (!mod)
		return 0;
	map = bpf_object__find_map_by_name(module__object(mod), name);
	if (!map) {
		snprintf(err, errlen, "failed to get map \"%s\" for config \"%s\"", name,
			 cfg->name);
		return -ENOENT;
	}
	return metric_set_map(ms, bpf_map__fd(map), bpf_map__type(map), bpf_map__key_size(map),
			      bpf_map__value_size(map), bpf_map__max_entries(map));
}

int metric_set_map(struct metric_state *ms, int fd, int type, uint32_t key_size,
		   uint32_t value_size, uint32_t max_entries)
{
	ms->map_fd = fd;
	ms->map_type = type;
	ms->key_size = key_size;
	ms->value_size = value_size;
	ms->max_entries = max_entries;
	ms->cpu_label = map_type_percpu(ms->map_type) && ms->n_labels > 0 &&
			strcmp(ms->labels[ms->n_labels - 1].name, "cpu") == 0;
	free(ms->keybuf);
	ms->keybuf = calloc(1, ms->key_size + 2);
	if (!ms->keybuf)
		return -ENOMEM;
	return 0;
}

/* Upper bounds of a histogram's buckets, in loop order. */
int metric_hist_init(struct metric_state *ms, const struct histogram_conf *h)
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

void metric_free(struct metric_state *ms)
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
	free(ms->prev_keys);
	free(ms->le);
	free(ms->acc);
	free(ms->rows);
	free(ms->hvals);
	free(ms->cum);
	free(ms->series_vals);
}

void metric_error(struct collector *c, struct metric_state *ms, const char *msg, bool decode)
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
 * row is dropped (a regexp skip, or a decode error, which is counted and logged:
 * drops only that entry), or -ENOMEM.
 */
int metric_decode_key(struct collector *c, struct metric_state *ms, struct buf *arena,
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
 * drop only this row; skips drop it silently.
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

	e = metric_decode_key(c, ms, &ms->arena, key, len);
	if (e)
		return e < 0 ? e : 0;
	for (i = 0; i < ms->n_labels; i++)
		ms->offs[n * ms->n_labels + i] = (size_t)(ms->tmp_values[i] - ms->arena.data);
	e = array_grow((void **)&ms->rowid, &ms->rowid_cap, n + 1, sizeof(*ms->rowid));
	if (e)
		return e;
	ms->rowid[n] = (uint32_t)ms->row_no;
	ms->samples[n].value = v;
	ms->samples[n].values = NULL;
	ms->n_samples++;
	return 0;
}

/*
 * Snapshots the map and calls fn for every row: per-CPU maps give one row per
 * CPU with the CPU index appended to the key when the last label is `cpu`; otherwise their
 * CPUs' values are summed into one row, unless split_cpus asks for a row per CPU (/maps).
 */
/*
 * Reads the map into ms->snap. Returns 1 when there is a snapshot to walk, 0 when there is
 * none (no map, or a read error, which is counted and logged), or -ENOMEM.
 */
int metric_read_snapshot(struct collector *c, struct metric_state *ms)
{
	int e;

	ms->snap.n = 0;
	ms->snap_ok = false;
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
	ms->snap_ok = true;
	return 1;
}

/* Calls fn for every row of the snapshot already read (see metric_walk_rows()). */
int metric_walk_snapshot(struct collector *c, struct metric_state *ms, bool split_cpus, row_fn fn,
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

			/* Only a cpu label and a zero u32 key: the key is dropped. */
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

int metric_walk_rows(struct collector *c, struct metric_state *ms, bool split_cpus, row_fn fn,
		     void *arg)
{
	int e = metric_read_snapshot(c, ms);

	if (e <= 0)
		return e;
	return metric_walk_snapshot(c, ms, split_cpus, fn, arg);
}

int metric_add_row_cb(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		      double v, void *arg)
{
	int e = add_row(c, ms, key, len, v);

	ms->row_no++;
	return e;
}

/* Turns the arena offsets of the decoded rows into pointers, once the arena stops moving. */
int metric_fix_values(struct metric_state *ms)
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

/* Value of row r of the snapshot (rows numbered as metric_walk_snapshot() visits them). */
double metric_row_value(const struct metric_state *ms, uint32_t r)
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
