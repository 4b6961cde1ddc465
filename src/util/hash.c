// SPDX-License-Identifier: MIT
#include "util/hash.h"

#include <errno.h>
#include <stdlib.h>

int hash_table_resize(struct hash_table *t, size_t ncap)
{
	struct hash_table n = { .cap = ncap };

	if (!ncap || (ncap & (ncap - 1)) || ncap <= t->count)
		return -EINVAL;
	if (ncap > SIZE_MAX / sizeof(*n.slots))
		return -ENOMEM;
	n.slots = calloc(ncap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].item)
			hash_table_insert(&n, t->slots[i].hash, t->slots[i].item);
	}
	free(t->slots);
	*t = n;
	return 0;
}

int hash_table_reserve(struct hash_table *t, size_t min_cap)
{
	if ((t->count + 1) * 2 <= t->cap)
		return 0;
	if (!t->cap)
		return hash_table_resize(t, min_cap);
	if (t->cap > SIZE_MAX / 2)
		return -ENOMEM;
	return hash_table_resize(t, t->cap * 2);
}

void hash_table_shrink(struct hash_table *t, size_t min_cap)
{
	while (t->cap > min_cap && t->count * 8 < t->cap && !hash_table_resize(t, t->cap / 2))
		;
}

void hash_table_remove(struct hash_table *t, uint64_t h, const void *item)
{
	size_t mask = t->cap - 1, i, j;

	if (!t->count)
		return;
	for (i = (size_t)h & mask; t->slots[i].item != item; i = (i + 1) & mask) {
		if (!t->slots[i].item)
			return;
	}
	t->slots[i].item = NULL;
	t->count--;
	/* Move each later item of the chain into the hole unless its home lies cyclically in (i, j]. */
	for (j = (i + 1) & mask; t->slots[j].item; j = (j + 1) & mask) {
		size_t home = (size_t)t->slots[j].hash & mask;

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			t->slots[j].item = NULL;
			i = j;
		}
	}
}

void hash_table_clear(struct hash_table *t)
{
	if (t->cap)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->count = 0;
}

void hash_table_free(struct hash_table *t)
{
	if (!t)
		return;
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
	t->count = 0;
}
