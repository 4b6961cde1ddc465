// SPDX-License-Identifier: MIT
#include "labels/series_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A stored series: the tuple's values NUL-separated in vals[0..len). */
struct series {
	uint64_t hash;
	uint64_t count;
	size_t len;
	char vals[];
};

/* Open addressing with linear probing; the slot count is a power of two, at most half full. */
struct series_table {
	size_t n_labels;
	struct series **slots;
	size_t cap; /* slots; 0 until the first add */
	size_t len;
	size_t value_bytes;
};

/* FNV-1a, 64 bit: the tuples are short and this table is not exposed to untrusted keys. */
static uint64_t hash_bytes(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct series_table *series_table__new(size_t n_labels)
{
	struct series_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_labels = n_labels;
	return t;
}

void series_table__clear(struct series_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++) {
		free(t->slots[i]);
		t->slots[i] = NULL;
	}
	t->len = 0;
	t->value_bytes = 0;
}

void series_table__free(struct series_table *t)
{
	if (!t)
		return;
	series_table__clear(t);
	free(t->slots);
	free(t);
}

static int grow(struct series_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 16, i;
	struct series **slots;

	if (cap < t->cap)
		return -ENOMEM;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		struct series *s = t->slots[i];
		size_t j;

		if (!s)
			continue;
		for (j = s->hash & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = s;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

int series_table__add(struct series_table *t, const char *const *values, uint64_t by)
{
	char stackbuf[512], *key = stackbuf;
	size_t len = 0, i, j, off = 0;
	struct series *s;
	uint64_t h;
	int e = 0;

	for (i = 0; i < t->n_labels; i++)
		len += strlen(values[i]) + 1;
	if (len > sizeof(stackbuf)) {
		key = malloc(len);
		if (!key)
			return -ENOMEM;
	}
	for (i = 0; i < t->n_labels; i++) {
		size_t l = strlen(values[i]) + 1;

		memcpy(key + off, values[i], l);
		off += l;
	}
	h = hash_bytes(key, len);

	if (t->cap) {
		for (j = h & (t->cap - 1); (s = t->slots[j]); j = (j + 1) & (t->cap - 1)) {
			if (s->hash == h && s->len == len && memcmp(s->vals, key, len) == 0) {
				s->count += by;
				goto out;
			}
		}
	}
	if ((t->len + 1) * 2 > t->cap) {
		e = grow(t);
		if (e)
			goto out;
	}
	s = malloc(sizeof(*s) + len);
	if (!s) {
		e = -ENOMEM;
		goto out;
	}
	s->hash = h;
	s->count = by;
	s->len = len;
	memcpy(s->vals, key, len);
	for (j = h & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1))
		;
	t->slots[j] = s;
	t->len++;
	t->value_bytes += len;
out:
	if (key != stackbuf)
		free(key);
	return e;
}

size_t series_table__len(const struct series_table *t)
{
	return t->len;
}

size_t series_table__value_bytes(const struct series_table *t)
{
	return t->value_bytes;
}

int series_table__each(const struct series_table *t, series_fn fn, void *arg)
{
	size_t i;
	int r;

	for (i = 0; i < t->cap; i++) {
		struct series_entry e;

		if (!t->slots[i])
			continue;
		e.values = t->slots[i]->vals;
		e.count = t->slots[i]->count;
		r = fn(&e, arg);
		if (r)
			return r;
	}
	return 0;
}
