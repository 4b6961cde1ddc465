// SPDX-License-Identifier: MIT
/*
 * Map snapshots on real kernel maps (needs root and bpf(); skipped otherwise): every entry of
 * a hash map read once with its value, the batch path and the key-iteration fallback alike,
 * every index of an array, per-CPU slots, an empty map, and reuse of one snapshot as the map
 * grows and shrinks.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf/map_snapshot.h"

static int new_map(enum bpf_map_type type, uint32_t max)
{
	int fd = bpf_map_create(type, NULL, sizeof(uint32_t), sizeof(uint64_t), max, NULL);

	if (fd < 0)
		skip();
	return fd;
}

/* Checks that s holds exactly keys 0..n-1 (in any order) with values key * 10 + cpu. */
static void check_entries(const struct map_snapshot *s, uint32_t n, int ncpus)
{
	uint8_t *seen = calloc(n ? n : 1, 1);

	assert_non_null(seen);
	assert_int_equal(s->n, n);
	for (size_t i = 0; i < s->n; i++) {
		uint32_t k;

		memcpy(&k, map_snapshot__key(s, i), sizeof(k));
		assert_true(k < n);
		assert_false(seen[k]);
		seen[k] = 1;
		for (int c = 0; c < ncpus; c++)
			assert_true(map_snapshot__value(s, i, c) == (uint64_t)k * 10 + (uint64_t)c);
	}
	free(seen);
}

static void fill(int fd, uint32_t from, uint32_t to, int ncpus)
{
	uint64_t *v = calloc((size_t)ncpus, sizeof(*v));

	assert_non_null(v);
	for (uint32_t k = from; k < to; k++) {
		for (int c = 0; c < ncpus; c++)
			v[c] = (uint64_t)k * 10 + (uint64_t)c;
		assert_int_equal(bpf_map_update_elem(fd, &k, v, BPF_ANY), 0);
	}
	free(v);
}

static void test_hash(void **state)
{
	struct map_snapshot s;
	int fd = new_map(BPF_MAP_TYPE_HASH, 4096);

	memset(&s, 0, sizeof(s));
	assert_int_equal(map_snapshot__read(&s, fd, BPF_MAP_TYPE_HASH, 4, 8, 4096), 0);
	check_entries(&s, 0, 1);
	fill(fd, 0, 3000, 1);
	assert_int_equal(map_snapshot__read(&s, fd, BPF_MAP_TYPE_HASH, 4, 8, 4096), 0);
	check_entries(&s, 3000, 1);
	/* the same snapshot again, after the map shrank */
	for (uint32_t k = 100; k < 3000; k++)
		assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
	assert_int_equal(map_snapshot__read(&s, fd, BPF_MAP_TYPE_HASH, 4, 8, 4096), 0);
	check_entries(&s, 100, 1);
	/* the key-iteration fallback gives the same */
	s.no_batch = true;
	assert_int_equal(map_snapshot__read(&s, fd, BPF_MAP_TYPE_HASH, 4, 8, 4096), 0);
	check_entries(&s, 100, 1);
	map_snapshot__free(&s);
	close(fd);
}

static void test_array(void **state)
{
	struct map_snapshot s;
	int fd = new_map(BPF_MAP_TYPE_ARRAY, 64);

	memset(&s, 0, sizeof(s));
	fill(fd, 0, 64, 1);
	assert_int_equal(map_snapshot__read(&s, fd, BPF_MAP_TYPE_ARRAY, 4, 8, 64), 0);
	check_entries(&s, 64, 1);
	map_snapshot__free(&s);
	close(fd);
}

static void test_percpu(void **state)
{
	struct map_snapshot s;
	int ncpus = libbpf_num_possible_cpus();
	int fd = new_map(BPF_MAP_TYPE_PERCPU_HASH, 512);

	assert_true(ncpus > 0);
	assert_true(map_type_percpu(BPF_MAP_TYPE_PERCPU_HASH));
	assert_true(map_type_percpu(BPF_MAP_TYPE_PERCPU_ARRAY));
	assert_true(map_type_percpu(BPF_MAP_TYPE_LRU_PERCPU_HASH));
	assert_false(map_type_percpu(BPF_MAP_TYPE_HASH));
	memset(&s, 0, sizeof(s));
	fill(fd, 0, 300, ncpus);
	assert_int_equal(map_snapshot__read(&s, fd, BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 512), 0);
	assert_true(s.percpu);
	assert_int_equal(s.ncpus, ncpus);
	check_entries(&s, 300, ncpus);
	map_snapshot__free(&s);
	close(fd);
}

static void test_free_null(void **state)
{
	map_snapshot__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_percpu),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
