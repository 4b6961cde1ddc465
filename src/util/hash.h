// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_HASH_H
#define EBPF_EXPORTER_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Hashing, and one open-addressing table for the exporter's in-memory indexes. The hashes are
 * not keyed: they suit tables whose keys come from the kernel or the configuration, not ones
 * a remote peer picks to make them collide.
 */

/* murmur3's 64-bit finalizer: a bijection in which every input bit moves every output bit. */
static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/*
 * The n (1 to 7) bytes at p as a little-endian number, without a variable-length copy; back:
 * the 8 bytes that end at p + n may be read.
 */
static inline uint64_t hash_tail(const uint8_t *p, size_t n, int back)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t lo, hi;
	uint64_t v;

	if (back) {
		memcpy(&v, p + n - 8, 8);
		return v >> (64 - 8 * n);
	}
	if (n >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		return lo | (uint64_t)hi << (8 * (n - 4));
	}
	return p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) | (uint64_t)p[n - 1] << (8 * (n - 1));
#else
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
#endif
}

/* A fast 64-bit hash of n bytes: multiply-rotate rounds over 8 bytes at a time, then mixed. */
static inline uint64_t hash_bytes(const void *data, size_t n)
{
	const uint64_t k1 = 0x87c37b91114253d5ull, k2 = 0x4cf5ad432745937full;
	const uint8_t *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n * k2), v;
	int back = n >= 8;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		v *= k1;
		v = (v << 31) | (v >> 33);
		h ^= v * k2;
		h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
	}
	if (n) {
		v = hash_tail(p, n, back);
		v *= k1;
		v = (v << 31) | (v >> 33);
		h ^= v * k2;
	}
	return hash_mix64(h);
}

/*
 * A table of items by hash: linear probing over a power-of-two array of slots, kept at most
 * half full, with backward-shift deletion (no tombstones). Each slot holds an item's hash, so
 * that probing looks at an item only when the whole hash matches; the items hold their keys
 * and the caller compares them. A zeroed struct is an empty table.
 */
struct hash_slot {
	uint64_t hash;
	void *item; /* NULL: empty */
};

struct hash_table {
	struct hash_slot *slots;
	size_t cap; /* slots: a power of two, or 0 */
	size_t count; /* items */
};

/* Where a probe for hash h starts; pass it to hash_table_next(). */
static inline size_t hash_table_home(const struct hash_table *t, uint64_t h)
{
	return (size_t)h & (t->cap - 1);
}

/*
 * The next item stored under hash h, probing on from *pos (hash_table_home() first), or
 * NULL when there is none; *pos moves past the item returned. A lookup is
 *
 *	for (size_t pos = hash_table_home(t, h); (it = hash_table_next(t, h, &pos));)
 *		if (same key as it) return it;
 */
static inline void *hash_table_next(const struct hash_table *t, uint64_t h, size_t *pos)
{
	size_t mask = t->cap - 1;

	if (!t->count)
		return NULL;
	for (size_t i = *pos;; i = (i + 1) & mask) {
		const struct hash_slot *s = &t->slots[i];

		if (!s->item)
			return NULL;
		if (s->hash == h) {
			*pos = (i + 1) & mask;
			return s->item;
		}
	}
}

/* Stores item (not NULL) under hash h. The table must have room (hash_table_reserve()). */
static inline void hash_table_insert(struct hash_table *t, uint64_t h, void *item)
{
	size_t mask = t->cap - 1, i = (size_t)h & mask;

	while (t->slots[i].item)
		i = (i + 1) & mask;
	t->slots[i].hash = h;
	t->slots[i].item = item;
	t->count++;
}

/*
 * Makes room for one more item: doubles the slots (min_cap, a power of two, the first time)
 * when the table would be over half full. Returns 0 or -ENOMEM (the table is unchanged).
 */
int hash_table_reserve(struct hash_table *t, size_t min_cap);
/* Rehashes into ncap slots: a power of two, more than the items. Returns 0, -EINVAL or -ENOMEM. */
int hash_table_resize(struct hash_table *t, size_t ncap);
/*
 * Halves the slots, down to min_cap, while at most an eighth of them are used. Keeps the
 * larger table when memory is short.
 */
void hash_table_shrink(struct hash_table *t, size_t min_cap);
/*
 * Takes item, stored under hash h, out of the table. A later item of the same probe chain may
 * move into the freed slot (so a walk over the slots that removes the item at slot i looks at
 * slot i again).
 */
void hash_table_remove(struct hash_table *t, uint64_t h, const void *item);
/* Forgets every item (the caller owns them), keeping the slots. */
void hash_table_clear(struct hash_table *t);
/* Releases the slots; the table is empty and may be reused. NULL-tolerant. */
void hash_table_free(struct hash_table *t);

#endif
