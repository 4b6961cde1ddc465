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
	struct lc_entry *e;

	for (size_t pos = hash_table_home(&ls->lc, h); (e = hash_table_next(&ls->lc, h, &pos));) {
		if (e->key_len == len && memcmp(entry_key(e, entry_lens(e, ls)), key, len) == 0)
			return e;
	}
	return NULL;
}

/* Takes e off its LRU list, returns its budget and frees it (its table slot stays). */
static void entry_release(struct label_set *ls, struct lc_entry *e)
{
	lru_unlink(&e->lru);
	if (e->skip)
		ls->cache->skips--;
	else
		ls->cache->bytes -= e->charge;
	free(e);
}

/* Takes e out of its set's table and the LRU, returns its budget, frees it. */
static void cache_drop(struct lc_entry *e)
{
	struct label_set *ls = e->owner;

	hash_table_remove(&ls->lc, e->hash, e);
	entry_release(ls, e);
	/*
	 * Give back a table that others' entries emptied, so that tables stay within the
	 * budget's share (a failed shrink keeps the larger table).
	 */
	hash_table_shrink(&ls->lc, MIN_SLOTS);
}

void label_cache_clear(struct label_set *ls)
{
	for (size_t i = 0; i < ls->lc.cap; i++) {
		struct lc_entry *e = ls->lc.slots[i].item;

		if (e)
			entry_release(ls, e);
	}
	hash_table_clear(&ls->lc);
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
	charge += 2 * sizeof(struct hash_slot);
	if (skip ? !c->budget.skip_max : charge > c->budget.max_bytes)
		return;
	if (hash_table_reserve(&ls->lc, MIN_SLOTS))
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
	hash_table_insert(&ls->lc, h, e);
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
	h = hash_bytes(key, len);
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
