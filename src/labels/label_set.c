// SPDX-License-Identifier: MIT
#include "labels/label_set.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/gofmt.h"

struct dec_inst {
	const struct decoder *dec;
	void *state;
};

struct label_slot {
	char *name;
	uint64_t size;
	uint64_t padding;
	struct dec_inst *decs; /* points into label_set.insts */
	size_t n_decs;
};

/*
 * The decoded-label cache: one open-addressing table per label set, keyed by the
 * whole raw key; entries on one of two LRU lists shared by every set (env->cache), results
 * bounded by a byte budget, skipped keys by --config.skip-cache-size. An entry remembers the
 * generation of the sources its set's decoders read and is decoded again once it moved.
 */
struct lc_entry {
	struct lru_node lru; /* first: container_of by cast */
	struct label_set *owner;
	uint64_t hash;
	uint64_t gen;
	size_t charge; /* bytes counted against the budget */
	uint32_t key_len;
	uint32_t vals_len; /* the values, each followed by a NUL */
	bool skip;
	bool used; /* hit since it last reached the LRU list's tail */
	uint32_t lens[]; /* one per label (none for a skip), then the key, then the values */
};

#define MIN_SLOTS 64 /* smallest table; tables grow at half full, shrink at an eighth */

struct lc_slot {
	uint64_t hash;
	struct lc_entry *e; /* NULL: empty */
};

struct label_set {
	struct decoder_env *env;
	unsigned int sources; /* DECODER_SRC_* read by any of the decoders */
	struct lc_slot *lc_slots; /* the cache table */
	size_t lc_cap; /* power of two, or 0 */
	size_t lc_count;
	const char *err_dec; /* decoder of the last decode error, NULL outside a decoder */
	bool had_miss; /* a decode since the last label_set__generation() had a lookup miss */
	uint64_t miss_salt; /* moves label_set__generation() after such misses */
	size_t n;
	struct label_slot *slots;
	struct dec_inst *insts;
	size_t n_insts;
	uint64_t key_size; /* UINT64_MAX on overflow */
	size_t *offs; /* per-decode value offsets; used under env->lock */
	bool tracked; /* counted in decoder_env__track_sources() */
	bool uncached; /* every decoder is cheap: the decoded-label cache would not pay */
	struct buf scratch[2]; /* intermediate outputs of decoder chains; under env->lock */
};

/* Where a nested message can go after the prefix already in err. */
static char *err_tail(char *err, size_t errlen, size_t *taillen, char *junk, size_t junklen)
{
	size_t used = strnlen(err, errlen);

	if (used + 1 >= errlen) {
		junk[0] = '\0';
		*taillen = junklen;
		return junk;
	}
	*taillen = errlen - used;
	return err + used;
}

static void set_prefix_label(char *err, size_t errlen, const char *label)
{
	err[0] = '\0';
	gofmt_appendf(err, errlen, "label ");
	gofmt_append_quote(err, errlen, label, strlen(label));
	gofmt_appendf(err, errlen, ": ");
}

static int init_decoder(struct dec_inst *inst, const struct label_conf *label,
			const struct decoder_conf *dc, struct decoder_env *env, char *err,
			size_t errlen)
{
	const char *lname = label->name ? label->name : "";
	const char *dname = dc->name ? dc->name : "";
	char junk[8], *tail;
	size_t taillen;
	int ret;

	inst->dec = decoder_find(dname);
	if (!inst->dec) {
		set_prefix_label(err, errlen, lname);
		gofmt_appendf(err, errlen, "unknown decoder ");
		gofmt_append_quote(err, errlen, dname, strlen(dname));
		return -EINVAL;
	}
	if (!inst->dec->init)
		return 0;
	set_prefix_label(err, errlen, lname);
	gofmt_appendf(err, errlen, "decoder ");
	gofmt_append_quote(err, errlen, dname, strlen(dname));
	gofmt_appendf(err, errlen, ": ");
	tail = err_tail(err, errlen, &taillen, junk, sizeof(junk));
	ret = inst->dec->init(dc, env, &inst->state, tail, taillen);
	if (ret) {
		inst->state = NULL;
		if (!tail[0])
			gofmt_appendf(err, errlen, "%s", strerror(-ret));
		return ret < 0 ? ret : -EINVAL;
	}
	err[0] = '\0';
	return 0;
}

int label_set__new(const struct label_conf *labels, size_t n, struct decoder_env *env,
		   struct label_set **out, char *err, size_t errlen)
{
	struct label_set *ls;
	size_t total = 0, k = 0;
	bool expensive = false;
	int ret;

	ls = calloc(1, sizeof(*ls));
	if (!ls)
		goto nomem;
	ls->env = env;
	ls->n = n;
	for (size_t i = 0; i < n; i++) {
		if (total > SIZE_MAX - labels[i].n_decoders)
			goto nomem;
		total += labels[i].n_decoders;
	}
	ls->slots = calloc(n ? n : 1, sizeof(*ls->slots));
	ls->insts = calloc(total ? total : 1, sizeof(*ls->insts));
	ls->offs = calloc(n ? n : 1, sizeof(*ls->offs));
	if (!ls->slots || !ls->insts || !ls->offs)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		struct label_slot *s = &ls->slots[i];
		uint64_t step = labels[i].size + labels[i].padding;

		s->name = strdup(labels[i].name ? labels[i].name : "");
		if (!s->name)
			goto nomem;
		s->size = labels[i].size;
		s->padding = labels[i].padding;
		if (ls->key_size != UINT64_MAX) {
			if (step < labels[i].size || ls->key_size > UINT64_MAX - 1 - step)
				ls->key_size = UINT64_MAX;
			else
				ls->key_size += step;
		}
		s->decs = &ls->insts[k];
		s->n_decs = labels[i].n_decoders;
		for (size_t j = 0; j < s->n_decs; j++) {
			ls->n_insts = ++k;
			ret = init_decoder(&s->decs[j], &labels[i], &labels[i].decoders[j], env,
					   err, errlen);
			if (ret) {
				label_set__free(ls);
				return ret;
			}
			ls->sources |= s->decs[j].dec->sources;
			if (!s->decs[j].dec->cheap)
				expensive = true;
		}
	}
	ls->uncached = !expensive && !env->cache.cache_cheap;
	decoder_env__lock(env);
	decoder_env__track_sources(env, ls->sources, 1);
	decoder_env__unlock(env);
	ls->tracked = true;
	*out = ls;
	return 0;
nomem:
	label_set__free(ls);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

static void cache_clear(struct label_set *ls);

void label_set__free(struct label_set *ls)
{
	if (!ls)
		return;
	if (ls->env) {
		decoder_env__lock(ls->env);
		cache_clear(ls);
		if (ls->tracked)
			decoder_env__track_sources(ls->env, ls->sources, -1);
		decoder_env__unlock(ls->env);
	}
	free(ls->lc_slots);
	for (size_t i = 0; i < ls->n_insts; i++) {
		if (ls->insts[i].dec && ls->insts[i].dec->free)
			ls->insts[i].dec->free(ls->insts[i].state);
	}
	for (size_t i = 0; ls->slots && i < ls->n; i++)
		free(ls->slots[i].name);
	free(ls->slots);
	free(ls->insts);
	free(ls->offs);
	buf_free(&ls->scratch[0]);
	buf_free(&ls->scratch[1]);
	free(ls);
}

size_t label_set__count(const struct label_set *ls)
{
	return ls->n;
}

const char *label_set__name(const struct label_set *ls, size_t i)
{
	return ls->slots[i].name;
}

uint64_t label_set__key_size(const struct label_set *ls)
{
	return ls->key_size;
}

static int label_error(char *err, size_t errlen, const char *label, const char *what)
{
	err[0] = '\0';
	gofmt_appendf(err, errlen, "error decoding label ");
	gofmt_append_quote(err, errlen, label, strlen(label));
	gofmt_appendf(err, errlen, ": %s", what);
	return -EINVAL;
}

static int check_sizes(const struct label_set *ls, char *err, size_t errlen)
{
	for (size_t i = 0; i < ls->n; i++) {
		if (ls->slots[i].size == 0)
			return label_error(err, errlen, ls->slots[i].name,
					   "size is zero or not set");
	}
	return 0;
}

int label_set__check(const struct label_set *ls, char *err, size_t errlen)
{
	int ret = check_sizes(ls, err, errlen);

	if (ret)
		return ret;
	for (size_t i = 0; i < ls->n; i++) {
		if (ls->slots[i].n_decs == 0)
			return label_error(err, errlen, ls->slots[i].name, "no decoders set");
	}
	return 0;
}

/*
 * Runs one label's chain over in[0..len): intermediate outputs alternate between the two
 * scratch buffers, the last decoder appends straight to out.
 */
static int decode_chain(struct label_set *ls, const struct label_slot *s, const uint8_t *in,
			size_t len, struct buf *out, char *err, size_t errlen)
{
	char junk[8], *tail;
	size_t taillen;
	int ret;

	for (size_t j = 0; j < s->n_decs; j++) {
		const struct dec_inst *d = &s->decs[j];
		bool last = j + 1 == s->n_decs;
		struct buf *dst = last ? out : &ls->scratch[j & 1];
		size_t start;

		if (!last)
			buf_reset(dst);
		start = dst->len;
		err[0] = '\0';
		gofmt_appendf(err, errlen, "error decoding with decoder ");
		gofmt_append_quote(err, errlen, d->dec->name, strlen(d->dec->name));
		gofmt_appendf(err, errlen, ": ");
		tail = err_tail(err, errlen, &taillen, junk, sizeof(junk));
		ret = d->dec->decode(d->state, ls->env, in, len, dst, tail, taillen);
		if (ret == DECODER_SKIP) {
			err[0] = '\0';
			return ret;
		}
		if (ret) {
			if (!tail[0])
				gofmt_appendf(err, errlen, "%s", strerror(ret < 0 ? -ret : EINVAL));
			ls->err_dec = d->dec->name;
			return ret < 0 ? ret : -EINVAL;
		}
		in = dst->data ? (const uint8_t *)dst->data + start : (const uint8_t *)"";
		len = dst->len - start;
	}
	err[0] = '\0';
	return 0;
}

static int decode_locked(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
			 const char **values, char *err, size_t errlen)
{
	size_t base = out->len, off = 0;
	int ret;

	ls->err_dec = NULL;
	ret = check_sizes(ls, err, errlen);
	if (ret)
		return ret;
	if (ls->key_size == UINT64_MAX || ls->key_size != len) {
		err[0] = '\0';
		gofmt_appendf(err, errlen, "error decoding labels: total size of key ");
		gofmt_append_bytes(err, errlen, key, len);
		if (ls->key_size == UINT64_MAX)
			gofmt_appendf(err, errlen,
				      " is %zu bytes, but the sizes of the labels overflow", len);
		else
			gofmt_appendf(err, errlen,
				      " is %zu bytes, but we have labels to decode %llu", len,
				      (unsigned long long)ls->key_size);
		return -EINVAL;
	}
	for (size_t i = 0; i < ls->n; i++) {
		const struct label_slot *s = &ls->slots[i];

		if (s->n_decs == 0) {
			ret = label_error(err, errlen, s->name, "no decoders set");
			goto restore;
		}
		ls->offs[i] = out->len - base;
		/* key_size == len bounds every offset and size, so the casts are lossless. */
		ret = decode_chain(ls, s, key + off, (size_t)s->size, out, err, errlen);
		if (!ret)
			ret = buf_putc(out, '\0');
		if (ret)
			goto restore;
		off += (size_t)(s->size + s->padding);
	}
	for (size_t i = 0; i < ls->n; i++)
		values[i] = out->data + base + ls->offs[i];
	return 0;
restore:
	out->len = base;
	if (out->data)
		out->data[base] = '\0';
	if (ret == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
	return ret;
}

/* --- the decoded-label cache --- */

/* A fast 64-bit hash of the key bytes (multiply-rotate rounds, murmur3's finalizer). */
static uint64_t hash_key(const uint8_t *p, size_t n)
{
	const uint64_t k1 = 0x87c37b91114253d5ull, k2 = 0x4cf5ad432745937full;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n * k2), v;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		v *= k1;
		v = (v << 31) | (v >> 33);
		h ^= v * k2;
		h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
	}
	if (n) {
		v = 0;
		memcpy(&v, p, n);
		v *= k1;
		v = (v << 31) | (v >> 33);
		h ^= v * k2;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint8_t *entry_key(struct lc_entry *e, size_t n_lens)
{
	return (uint8_t *)(e->lens + n_lens);
}

static size_t entry_lens(const struct lc_entry *e, const struct label_set *ls)
{
	return e->skip ? 0 : ls->n;
}

static void lru_unlink(struct lru_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

static void lru_push_front(struct lru_node *head, struct lru_node *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static struct lc_entry *cache_find(struct label_set *ls, uint64_t h, const uint8_t *key, size_t len)
{
	if (!ls->lc_cap)
		return NULL;
	for (size_t i = h & (ls->lc_cap - 1);; i = (i + 1) & (ls->lc_cap - 1)) {
		struct lc_entry *e = ls->lc_slots[i].e;

		if (!e)
			return NULL;
		if (ls->lc_slots[i].hash == h && e->key_len == len &&
		    memcmp(entry_key(e, entry_lens(e, ls)), key, len) == 0)
			return e;
	}
}

/* Rehashes ls's table into ncap (a power of two, more than twice the entries) slots. */
static int cache_resize(struct label_set *ls, size_t ncap)
{
	struct lc_slot *slots;

	if (ncap > SIZE_MAX / sizeof(*slots))
		return -ENOMEM;
	slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < ls->lc_cap; i++) {
		size_t j;

		if (!ls->lc_slots[i].e)
			continue;
		for (j = ls->lc_slots[i].hash & (ncap - 1); slots[j].e; j = (j + 1) & (ncap - 1))
			;
		slots[j] = ls->lc_slots[i];
	}
	free(ls->lc_slots);
	ls->lc_slots = slots;
	ls->lc_cap = ncap;
	return 0;
}

/* Takes e out of its set's table and the LRU, returns its budget, frees it. */
static void cache_drop(struct decoder_env *env, struct lc_entry *e)
{
	struct label_set *ls = e->owner;
	size_t mask = ls->lc_cap - 1, i = e->hash & mask, j;

	while (ls->lc_slots[i].e != e)
		i = (i + 1) & mask;
	ls->lc_slots[i].e = NULL;
	/* Backward-shift deletion: no tombstones, probe chains stay short. */
	for (j = (i + 1) & mask; ls->lc_slots[j].e; j = (j + 1) & mask) {
		size_t home = ls->lc_slots[j].hash & mask;

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			ls->lc_slots[i] = ls->lc_slots[j];
			ls->lc_slots[j].e = NULL;
			i = j;
		}
	}
	ls->lc_count--;
	lru_unlink(&e->lru);
	if (e->skip)
		env->cache.skips--;
	else
		env->cache.bytes -= e->charge;
	free(e);
	/*
	 * Give back a table that others' entries emptied, so that tables stay within the
	 * budget's share (a failed shrink keeps the larger table).
	 */
	if (ls->lc_cap > MIN_SLOTS && ls->lc_count * 8 < ls->lc_cap)
		cache_resize(ls, ls->lc_cap / 2);
}

static void cache_clear(struct label_set *ls)
{
	for (size_t i = 0; i < ls->lc_cap; i++) {
		struct lc_entry *e = ls->lc_slots[i].e;

		if (!e)
			continue;
		lru_unlink(&e->lru);
		if (e->skip)
			ls->env->cache.skips--;
		else
			ls->env->cache.bytes -= e->charge;
		free(e);
		ls->lc_slots[i].e = NULL;
	}
	ls->lc_count = 0;
}

/*
 * Remembers the outcome of decoding key: its values (out[base..], ls->offs) or a skip.
 * Evicts least recently used entries to stay within the budget. Failures only mean the key
 * is decoded again next time.
 */
static void cache_put(struct label_set *ls, uint64_t h, uint64_t gen, const uint8_t *key,
		      size_t len, bool skip, const struct buf *out, size_t base)
{
	struct decoder_cache_state *c = &ls->env->cache;
	size_t n_lens = skip ? 0 : ls->n, vals = skip ? 0 : out->len - base;
	size_t charge = sizeof(struct lc_entry) + n_lens * sizeof(uint32_t) + len + vals;
	struct lc_entry *e;

	if (len > UINT32_MAX || vals > UINT32_MAX)
		return;
	/* Each entry also holds about two slots of its table (the load stays under 1/2). */
	charge += 2 * sizeof(struct lc_slot);
	if (skip ? !c->skip_max : charge > c->max_bytes)
		return;
	if ((ls->lc_count + 1) * 2 > ls->lc_cap &&
	    cache_resize(ls, ls->lc_cap ? ls->lc_cap * 2 : MIN_SLOTS))
		return;
	e = malloc(charge);
	if (!e)
		return;
	while (skip ? c->skips >= c->skip_max : c->bytes + charge > c->max_bytes) {
		struct lru_node *head = skip ? &c->skipped : &c->results, *tail = head->prev;

		if (tail == head)
			break;
		if (((struct lc_entry *)tail)->used) {
			((struct lc_entry *)tail)->used = false;
			lru_unlink(tail);
			lru_push_front(head, tail);
			continue;
		}
		cache_drop(ls->env, (struct lc_entry *)tail);
		c->evictions++;
	}
	e->owner = ls;
	e->hash = h;
	e->gen = gen;
	e->charge = charge;
	e->key_len = (uint32_t)len;
	e->vals_len = (uint32_t)vals;
	e->skip = skip;
	e->used = false;
	for (size_t i = 0; i < n_lens; i++) {
		size_t end = i + 1 < ls->n ? ls->offs[i + 1] : vals;

		e->lens[i] = (uint32_t)(end - ls->offs[i] - 1);
	}
	memcpy(entry_key(e, n_lens), key, len);
	if (vals)
		memcpy(entry_key(e, n_lens) + len, out->data + base, vals);
	for (size_t i = h & (ls->lc_cap - 1);; i = (i + 1) & (ls->lc_cap - 1)) {
		if (!ls->lc_slots[i].e) {
			ls->lc_slots[i].hash = h;
			ls->lc_slots[i].e = e;
			break;
		}
	}
	ls->lc_count++;
	if (skip)
		c->skips++;
	else
		c->bytes += charge;
	lru_push_front(skip ? &c->skipped : &c->results, &e->lru);
}

/* A hit: the cached values appended to out, values[] pointed at them. */
static int cache_copy(struct label_set *ls, struct lc_entry *e, struct buf *out,
		      const char **values)
{
	const char *p;
	int ret;

	ret = buf_reserve(out, e->vals_len);
	if (ret)
		return ret;
	p = out->data + out->len;
	memcpy(out->data + out->len, entry_key(e, ls->n) + e->key_len, e->vals_len);
	out->len += e->vals_len;
	out->data[out->len] = '\0';
	for (size_t i = 0; i < ls->n; i++) {
		values[i] = p;
		p += e->lens[i] + 1;
	}
	return 0;
}

static int decode_cached(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
			 const char **values, char *err, size_t errlen)
{
	struct decoder_env *env = ls->env;
	struct decoder_cache_state *c = &env->cache;
	size_t base = out->len;
	uint64_t h, gen;
	struct lc_entry *e;
	int ret;

	decoder_env__poll(env);
	if ((!c->max_bytes && !c->skip_max) || ls->uncached) {
		env->no_cache = false;
		ret = decode_locked(ls, key, len, out, values, err, errlen);
		if (env->no_cache && (ret == 0 || ret == DECODER_SKIP))
			ls->had_miss = true;
		return ret;
	}
	h = hash_key(key, len);
	gen = decoder_env__generation(env, ls->sources);
	e = cache_find(ls, h, key, len);
	if (e && e->gen == gen) {
		c->hits++;
		/* Second chance instead of a move to the front: no neighbours touched. */
		e->used = true;
		if (e->skip) {
			err[0] = '\0';
			return DECODER_SKIP;
		}
		ret = cache_copy(ls, e, out, values);
		if (ret)
			snprintf(err, errlen, "out of memory");
		return ret;
	}
	if (e)
		cache_drop(env, e); /* decoded under sources that changed since */
	c->misses++;
	env->no_cache = false;
	ret = decode_locked(ls, key, len, out, values, err, errlen);
	if (env->no_cache && (ret == 0 || ret == DECODER_SKIP))
		ls->had_miss = true;
	/* Results of lookups that missed, or made while a source changed, are not kept. */
	if ((ret == 0 || ret == DECODER_SKIP) && !env->no_cache &&
	    decoder_env__generation(env, ls->sources) == gen)
		cache_put(ls, h, gen, key, len, ret == DECODER_SKIP, out, base);
	return ret;
}

int label_set__decode(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
		      const char **values, char *err, size_t errlen)
{
	int ret;

	decoder_env__lock(ls->env);
	ret = decode_cached(ls, key, len, out, values, err, errlen);
	decoder_env__unlock(ls->env);
	return ret;
}

size_t label_set__cache_count(struct label_set *ls)
{
	size_t n;

	decoder_env__lock(ls->env);
	n = ls->lc_count;
	decoder_env__unlock(ls->env);
	return n;
}

bool label_set__error_log_due(struct label_set *ls, const char *config)
{
	bool due;

	decoder_env__lock(ls->env);
	due = decoder_env__error_log_due(ls->env, config, ls->err_dec);
	decoder_env__unlock(ls->env);
	return due;
}

int label_set__decode_record(struct label_set *ls, const uint8_t *rec, size_t len, struct buf *out,
			     const char **values, char *err, size_t errlen)
{
	int ret;

	if (ls->key_size != UINT64_MAX && len > ls->key_size)
		len = (size_t)ls->key_size;
	decoder_env__lock(ls->env);
	decoder_env__poll(ls->env);
	ret = decode_locked(ls, rec, len, out, values, err, errlen);
	decoder_env__unlock(ls->env);
	return ret;
}

uint64_t label_set__generation(struct label_set *ls)
{
	struct decoder_env *env = ls->env;
	uint64_t gen;

	decoder_env__lock(env);
	decoder_env__poll(env);
	/*
	 * A lookup that missed (`unknown_cgroup_id:N`, `unknown:N`, `??`) may hit on the next try
	 * without any generation moving (a new cgroup does not move it): while the last decodes
	 * had such misses, answer a new number each time so that callers decode again.
	 */
	if (ls->had_miss) {
		ls->had_miss = false;
		ls->miss_salt++;
	}
	gen = decoder_env__generation(env, ls->sources) + ls->miss_salt;
	decoder_env__unlock(env);
	return gen;
}
