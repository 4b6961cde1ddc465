// SPDX-License-Identifier: MIT
/* util/hash.c: the byte and integer hashes, and the open-addressing table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/hash.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct item {
	uint64_t key;
	uint64_t hash;
};

static struct item *find(const struct hash_table *t, uint64_t key, uint64_t h)
{
	struct item *it;

	for (size_t pos = hash_table_home(t, h); (it = hash_table_next(t, h, &pos));) {
		if (it->key == key)
			return it;
	}
	return NULL;
}

/* Every slot's item sits in its hash's probe chain: no empty slot between home and it. */
static void check_chains(const struct hash_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		const struct item *it = t->slots[i].item;

		if (!it)
			continue;
		n++;
		assert_true(t->slots[i].hash == it->hash);
		for (size_t j = t->slots[i].hash & (t->cap - 1); j != i; j = (j + 1) & (t->cap - 1))
			assert_non_null(t->slots[j].item);
	}
	assert_int_equal(n, t->count);
}

static void test_hash_bytes(void **state)
{
	static const char text[] = "The quick brown fox jumps over the lazy dog";
	uint64_t seen[sizeof(text)];
	uint8_t buf[32];

	/* Every prefix length, across the 8-byte rounds and the tail, hashes apart. */
	for (size_t n = 0; n < sizeof(text); n++) {
		seen[n] = hash_bytes(text, n);
		assert_true(seen[n] == hash_bytes(text, n));
		for (size_t k = 0; k < n; k++)
			assert_true(seen[k] != seen[n]);
	}
	/* Trailing zero bytes still count: the length is part of the hash. */
	memset(buf, 0, sizeof(buf));
	for (size_t n = 1; n < sizeof(buf); n++)
		assert_true(hash_bytes(buf, n) != hash_bytes(buf, n - 1));
	/* A one-bit change anywhere moves the hash. */
	for (size_t i = 0; i < sizeof(buf); i++) {
		uint64_t base = hash_bytes(buf, sizeof(buf));

		buf[i] ^= 0x10;
		assert_true(hash_bytes(buf, sizeof(buf)) != base);
		buf[i] ^= 0x10;
	}
	/* Unaligned input is fine. */
	memcpy(buf + 1, text, 20);
	assert_true(hash_bytes(buf + 1, 20) == hash_bytes(text, 20));
}

/* hash_bytes() as first written: the tail copied into a zeroed word. */
static uint64_t reference_hash(const uint8_t *p, size_t n)
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
	return hash_mix64(h);
}

/* The tail read without a variable-length copy gives the same hash, at every length. */
static void test_hash_bytes_tail(void **state)
{
	uint8_t buf[64];
	uint64_t x = 0x0123456789abcdefull;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = hash_mix64(x + i);
		buf[i] = (uint8_t)x;
	}
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; off + n <= sizeof(buf); n++)
			assert_true(hash_bytes(buf + off, n) == reference_hash(buf + off, n));
	}
}

static void test_hash_mix64(void **state)
{
	/* Consecutive keys, as cgroup ids and interface indexes are, spread over the low bits. */
	size_t hits[64] = { 0 };

	for (uint64_t x = 1; x <= 64 * 64; x++)
		hits[hash_mix64(x) & 63]++;
	for (size_t i = 0; i < ARRAY_LEN(hits); i++) {
		assert_true(hits[i] > 32);
		assert_true(hits[i] < 128);
	}
	assert_true(hash_mix64(1) != hash_mix64(2));
	assert_true(hash_mix64(1ull << 63) != hash_mix64(1));
}

static void test_table_empty(void **state)
{
	struct hash_table t = { 0 };
	size_t pos = hash_table_home(&t, 42);

	assert_null(hash_table_next(&t, 42, &pos));
	hash_table_remove(&t, 42, &t); /* not stored: nothing happens */
	hash_table_clear(&t);
	hash_table_shrink(&t, 16);
	assert_int_equal(t.cap, 0);
	assert_int_equal(hash_table_resize(&t, 3), -EINVAL);
	assert_int_equal(hash_table_resize(&t, 0), -EINVAL);
	hash_table_free(&t);
	hash_table_free(NULL);
}

/* Inserts, finds, removes in another order, with the given hash of each key. */
static void run_table(uint64_t (*hash)(uint64_t), size_t n)
{
	struct item *items = calloc(n, sizeof(*items));
	struct hash_table t = { 0 };

	assert_non_null(items);
	for (size_t i = 0; i < n; i++) {
		items[i].key = i * 7919 + 1;
		items[i].hash = hash(items[i].key);
		assert_null(find(&t, items[i].key, items[i].hash));
		assert_int_equal(hash_table_reserve(&t, 16), 0);
		hash_table_insert(&t, items[i].hash, &items[i]);
	}
	assert_int_equal(t.count, n);
	assert_true(t.cap >= 16 && (t.cap & (t.cap - 1)) == 0);
	assert_true(t.count * 2 <= t.cap && t.count * 4 > t.cap); /* grown at half full */
	check_chains(&t);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(find(&t, items[i].key, items[i].hash), &items[i]);
	/* Remove every third, then check that the rest are all still found. */
	for (size_t i = 0; i < n; i += 3) {
		hash_table_remove(&t, items[i].hash, &items[i]);
		check_chains(&t);
	}
	for (size_t i = 0; i < n; i++) {
		struct item *want = i % 3 ? &items[i] : NULL;

		assert_ptr_equal(find(&t, items[i].key, items[i].hash), want);
	}
	/* Removing what is not there changes nothing. */
	{
		size_t count = t.count;

		hash_table_remove(&t, items[0].hash, &items[0]);
		assert_int_equal(t.count, count);
	}
	/* Remove the rest from the back, shrinking as the table empties. */
	for (size_t i = n; i-- > 0;) {
		if (!(i % 3))
			continue;
		hash_table_remove(&t, items[i].hash, &items[i]);
		hash_table_shrink(&t, 16);
		check_chains(&t);
		assert_true(t.cap >= 16);
		assert_true(t.cap == 16 || t.count * 8 >= t.cap);
		for (size_t k = 0; k < i; k++) {
			struct item *want = k % 3 ? &items[k] : NULL;

			assert_ptr_equal(find(&t, items[k].key, items[k].hash), want);
		}
	}
	assert_int_equal(t.count, 0);
	assert_int_equal(t.cap, 16);
	hash_table_free(&t);
	assert_null(t.slots);
	free(items);
}

static uint64_t spread(uint64_t key)
{
	return hash_mix64(key);
}

/* Eight keys share each hash: long chains, items found past others of the same hash. */
static uint64_t collide(uint64_t key)
{
	return hash_mix64(key / (8 * 7919));
}

/* Every hash's home is the last slot of a 16- or 32-slot table: chains wrap around. */
static uint64_t wrap(uint64_t key)
{
	return (hash_mix64(key) << 6) | 31;
}

static void test_table_spread(void **state)
{
	run_table(spread, 1000);
}

static void test_table_collisions(void **state)
{
	run_table(collide, 500);
}

static void test_table_wrap(void **state)
{
	run_table(wrap, 12);
}

/*
 * A walk over the slots that removes items as it goes (looking at slot i again after a
 * removal there) sees every item: the shift only moves items it has not reached into the
 * slot it stands on, or items it saw already.
 */
static void test_table_remove_while_walking(void **state)
{
	struct item items[200];
	struct hash_table t = { 0 };
	size_t seen[ARRAY_LEN(items)] = { 0 };

	for (size_t i = 0; i < ARRAY_LEN(items); i++) {
		items[i].key = i;
		/* Chains of eight, some wrapping around the end of the table. */
		items[i].hash = hash_mix64(i / 8) | 255;
		assert_int_equal(hash_table_reserve(&t, 64), 0);
		hash_table_insert(&t, items[i].hash, &items[i]);
	}
	for (size_t i = 0; i < t.cap;) {
		struct item *it = t.slots[i].item;

		if (it)
			seen[it - items]++;
		if (it && it->key % 2) {
			hash_table_remove(&t, it->hash, it);
			continue;
		}
		i++;
	}
	check_chains(&t);
	assert_int_equal(t.count, ARRAY_LEN(items) / 2);
	for (size_t i = 0; i < ARRAY_LEN(items); i++) {
		assert_true(seen[i] >= 1);
		assert_ptr_equal(find(&t, items[i].key, items[i].hash), i % 2 ? NULL : &items[i]);
	}
	hash_table_free(&t);
}

static void test_table_clear_resize(void **state)
{
	struct item items[40];
	struct hash_table t = { 0 };

	for (size_t i = 0; i < ARRAY_LEN(items); i++) {
		items[i].key = i;
		items[i].hash = spread(i);
		assert_int_equal(hash_table_reserve(&t, 4), 0);
		hash_table_insert(&t, items[i].hash, &items[i]);
	}
	/* Grown by doubling from 4 at half full: 40 items take 128 slots. */
	assert_int_equal(t.cap, 128);
	assert_int_equal(hash_table_resize(&t, 32), -EINVAL); /* not more than the items */
	assert_int_equal(hash_table_resize(&t, 48), -EINVAL); /* not a power of two */
	assert_int_equal(hash_table_resize(&t, 64), 0);
	assert_int_equal(t.cap, 64);
	check_chains(&t);
	for (size_t i = 0; i < ARRAY_LEN(items); i++)
		assert_ptr_equal(find(&t, items[i].key, items[i].hash), &items[i]);
	hash_table_clear(&t);
	assert_int_equal(t.count, 0);
	assert_int_equal(t.cap, 64);
	for (size_t i = 0; i < ARRAY_LEN(items); i++)
		assert_null(find(&t, items[i].key, items[i].hash));
	hash_table_shrink(&t, 16);
	assert_int_equal(t.cap, 16);
	hash_table_free(&t);
	assert_int_equal(t.cap, 0);
	assert_int_equal(t.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_bytes),
		cmocka_unit_test(test_hash_bytes_tail),
		cmocka_unit_test(test_hash_mix64),
		cmocka_unit_test(test_table_empty),
		cmocka_unit_test(test_table_spread),
		cmocka_unit_test(test_table_collisions),
		cmocka_unit_test(test_table_wrap),
		cmocka_unit_test(test_table_remove_while_walking),
		cmocka_unit_test(test_table_clear_resize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
