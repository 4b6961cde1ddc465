// SPDX-License-Identifier: MIT
#include "labels/series_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

/* A stored series: the tuple's values NUL-separated in vals[0..len). */
struct series {
	uint64_t count;
	size_t len;
	char vals[];
};

struct series_table {
	size_t n_labels;
	struct hash_table index; /* struct series items */
	size_t value_bytes;
};

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
	for (size_t i = 0; i < t->index.cap; i++)
		free(t->index.slots[i].item);
	hash_table_clear(&t->index);
	t->value_bytes = 0;
}

void series_table__free(struct series_table *t)
{
	if (!t)
		return;
	series_table__clear(t);
	hash_table_free(&t->index);
	free(t);
}

int series_table__add(struct series_table *t, const char *const *values, uint64_t by)
{
	char stackbuf[512], *key = stackbuf;
	size_t len = 0, i, off = 0;
	struct series *s;
	uint64_t h;
	int e = 0;

	/*
	 * The tuple's hash combines each value's (with its NUL), read where it is rather than
	 * from the key just copied together: wide loads of bytes stored a moment ago stall.
	 */
	for (i = 0, h = 0; i < t->n_labels; i++) {
		size_t l = strlen(values[i]) + 1;

		h = hash_mix64(h ^ hash_bytes(values[i], l));
		len += l;
	}
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

	for (size_t pos = hash_table_home(&t->index, h);
	     (s = hash_table_next(&t->index, h, &pos));) {
		if (s->len == len && memcmp(s->vals, key, len) == 0) {
			s->count += by;
			goto out;
		}
	}
	e = hash_table_reserve(&t->index, 16);
	if (e)
		goto out;
	s = malloc(sizeof(*s) + len);
	if (!s) {
		e = -ENOMEM;
		goto out;
	}
	s->count = by;
	s->len = len;
	memcpy(s->vals, key, len);
	hash_table_insert(&t->index, h, s);
	t->value_bytes += len;
out:
	if (key != stackbuf)
		free(key);
	return e;
}

size_t series_table__len(const struct series_table *t)
{
	return t->index.count;
}

size_t series_table__value_bytes(const struct series_table *t)
{
	return t->value_bytes;
}

int series_table__each(const struct series_table *t, series_fn fn, void *arg)
{
	size_t i;
	int r;

	for (i = 0; i < t->index.cap; i++) {
		const struct series *s = t->index.slots[i].item;
		struct series_entry e;

		if (!s)
			continue;
		e.values = s->vals;
		e.count = s->count;
		r = fn(&e, arg);
		if (r)
			return r;
	}
	return 0;
}
