// SPDX-License-Identifier: MIT
/*
 * The decoded-label cache of label sets: one open-addressing table per set keyed by the whole
 * raw key, entries on the two LRU lists every set shares, results bounded by a byte budget and
 * skipped keys by --config.skip-cache-size (see labels/internal.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels/internal.h"

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
static void cache_drop(struct lc_entry *e)
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
		ls->cache->skips--;
	else
		ls->cache->bytes -= e->charge;
	free(e);
	/*
	 * Give back a table that others' entries emptied, so that tables stay within the
	 * budget's share (a failed shrink keeps the larger table).
	 */
	if (ls->lc_cap > MIN_SLOTS && ls->lc_count * 8 < ls->lc_cap)
		cache_resize(ls, ls->lc_cap / 2);
}

void label_cache_clear(struct label_set *ls)
{
	for (size_t i = 0; i < ls->lc_cap; i++) {
		struct lc_entry *e = ls->lc_slots[i].e;

		if (!e)
			continue;
		lru_unlink(&e->lru);
		if (e->skip)
			ls->cache->skips--;
		else
			ls->cache->bytes -= e->charge;
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
	struct label_cache *c = ls->cache;
	size_t n_lens = skip ? 0 : ls->n, vals = skip ? 0 : out->len - base;
	size_t charge = sizeof(struct lc_entry) + n_lens * sizeof(uint32_t) + len + vals;
	struct lc_entry *e;

	if (len > UINT32_MAX || vals > UINT32_MAX)
		return;
	/* Each entry also holds about two slots of its table (the load stays under 1/2). */
	charge += 2 * sizeof(struct lc_slot);
	if (skip ? !c->budget.skip_max : charge > c->budget.max_bytes)
		return;
	if ((ls->lc_count + 1) * 2 > ls->lc_cap &&
	    cache_resize(ls, ls->lc_cap ? ls->lc_cap * 2 : MIN_SLOTS))
		return;
	e = malloc(charge);
	if (!e)
		return;
	while (skip ? c->skips >= c->budget.skip_max : c->bytes + charge > c->budget.max_bytes) {
		struct lru_node *head = skip ? &c->skipped : &c->results, *tail = head->prev;

		if (tail == head)
			break;
		if (((struct lc_entry *)tail)->used) {
			((struct lc_entry *)tail)->used = false;
			lru_unlink(tail);
			lru_push_front(head, tail);
			continue;
		}
		cache_drop((struct lc_entry *)tail);
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

int label_cache_decode(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
		       const char **values, char *err, size_t errlen)
{
	struct decoder_env *env = ls->env;
	struct label_cache *c = ls->cache;
	size_t base = out->len;
	uint64_t h, gen;
	struct lc_entry *e;
	bool missed;
	int ret;

	decoder_env__poll(env);
	if ((!c->budget.max_bytes && !c->budget.skip_max) || ls->uncached) {
		decoder_env__take_no_cache(env);
		ret = label_set_decode_locked(ls, key, len, out, values, err, errlen);
		if (decoder_env__take_no_cache(env) && (ret == 0 || ret == DECODER_SKIP))
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
		cache_drop(e); /* decoded under sources that changed since */
	c->misses++;
	decoder_env__take_no_cache(env);
	ret = label_set_decode_locked(ls, key, len, out, values, err, errlen);
	missed = decoder_env__take_no_cache(env);
	if (missed && (ret == 0 || ret == DECODER_SKIP))
		ls->had_miss = true;
	/* Results of lookups that missed, or made while a source changed, are not kept. */
	if ((ret == 0 || ret == DECODER_SKIP) && !missed &&
	    decoder_env__generation(env, ls->sources) == gen)
		cache_put(ls, h, gen, key, len, ret == DECODER_SKIP, out, base);
	return ret;
}

static void lru_init(struct lru_node *head)
{
	head->prev = head->next = head;
}

struct label_cache *label_cache_shared(struct decoder_env *env)
{
	struct label_cache *c = decoder_env__attachment(env);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->budget = *decoder_env__cache_budget(env);
	lru_init(&c->results);
	lru_init(&c->skipped);
	decoder_env__set_attachment(env, c, free);
	return c;
}

void label_cache__stats(struct decoder_env *env, struct label_cache_stats *out)
{
	const struct label_cache *c;

	memset(out, 0, sizeof(*out));
	decoder_env__lock(env);
	c = decoder_env__attachment(env);
	if (c) {
		out->hits = c->hits;
		out->misses = c->misses;
		out->evictions = c->evictions;
		out->bytes = c->bytes;
		out->skips = c->skips;
	}
	decoder_env__unlock(env);
}
