// SPDX-License-Identifier: MIT
/*
 * The map fill counts: which map types are counted, the wait between background passes (the
 * interval, or the CPU share of the last pass), and map_count_keys() on real kernel maps (needs
 * root and bpf(); skipped otherwise): empty and filled hash, LRU, per-CPU and LRU per-CPU hash
 * maps and a hash of maps, in chunks and with the get-next-key walk alike, a hash bucket larger
 * than a chunk, and buffers reused across maps of different layouts.
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

#include "scrape/map_fill.h"

static void test_types(void **state)
{
	assert_true(map_fill_type_counted(BPF_MAP_TYPE_HASH));
	assert_true(map_fill_type_counted(BPF_MAP_TYPE_LRU_HASH));
	assert_true(map_fill_type_counted(BPF_MAP_TYPE_PERCPU_HASH));
	assert_true(map_fill_type_counted(BPF_MAP_TYPE_LRU_PERCPU_HASH));
	assert_true(map_fill_type_counted(BPF_MAP_TYPE_HASH_OF_MAPS));
	assert_false(map_fill_type_counted(BPF_MAP_TYPE_ARRAY));
	assert_false(map_fill_type_counted(BPF_MAP_TYPE_PERCPU_ARRAY));
	assert_false(map_fill_type_counted(BPF_MAP_TYPE_ARRAY_OF_MAPS));
	assert_false(map_fill_type_counted(BPF_MAP_TYPE_RINGBUF));
	assert_false(map_fill_type_counted(BPF_MAP_TYPE_PERF_EVENT_ARRAY));
	assert_false(map_fill_type_counted(BPF_MAP_TYPE_TASK_STORAGE));
}

static void test_next_wait(void **state)
{
	/* cheap passes: the interval */
	assert_int_equal(map_fill_next_wait_ms(5000, 0, 100), 5000);
	assert_int_equal(map_fill_next_wait_ms(5000, 10 * 1000000ull, 100), 5000);
	assert_int_equal(map_fill_next_wait_ms(5000, 50 * 1000000ull, 100), 5000);
	/* dear ones: 100 times their CPU time, a started millisecond counted whole */
	assert_int_equal(map_fill_next_wait_ms(5000, 80 * 1000000ull, 100), 8000);
	assert_int_equal(map_fill_next_wait_ms(5000, 80 * 1000000ull + 1, 100), 8100);
	assert_int_equal(map_fill_next_wait_ms(100, 1500000, 100), 200);
	assert_int_equal(map_fill_next_wait_ms(100, 1, 100), 100);
	assert_int_equal(map_fill_next_wait_ms(50, 1, 100), 100);
	/* never wraps */
	assert_true(map_fill_next_wait_ms(5000, UINT64_MAX, 100) ==
		    UINT64_MAX / 1000000 * 100 + 100);
	assert_true(map_fill_next_wait_ms(5000, UINT64_MAX / 2, UINT64_MAX / 4) == UINT64_MAX);
	assert_true(map_fill_next_wait_ms(5000, 1000001, UINT64_MAX) == UINT64_MAX);
	assert_true(map_fill_next_wait_ms(5000, 1, UINT64_MAX) == UINT64_MAX);
	assert_true(map_fill_next_wait_ms(5000, 1000000, UINT64_MAX) == UINT64_MAX);
}

static int new_map(enum bpf_map_type type, uint32_t key_size, uint32_t value_size, uint32_t max,
		   const struct bpf_map_create_opts *opts)
{
	int fd = bpf_map_create(type, NULL, key_size, value_size, max, opts);

	if (fd < 0)
		skip();
	return fd;
}

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	assert_true(n > 0);
	return n;
}

/* Inserts keys from..to-1 (u32 keys; values of value_size bytes on every CPU when percpu). */
static void fill(int fd, uint32_t from, uint32_t to, size_t value_bytes)
{
	uint8_t *v = calloc(1, value_bytes);

	assert_non_null(v);
	for (uint32_t k = from; k < to; k++)
		assert_int_equal(bpf_map_update_elem(fd, &k, v, BPF_NOEXIST), 0);
	free(v);
}

/* Counts fd both ways (batches and get-next-key) and checks both give want. */
static void check_count(int fd, int type, uint32_t key_size, uint32_t value_size, uint32_t max,
			struct map_count_buf *b, uint64_t want)
{
	bool no_batch = false;
	uint64_t n = 12345;

	assert_int_equal(map_count_keys(fd, type, key_size, value_size, max, b, &no_batch, &n), 0);
	assert_int_equal(n, want);
	no_batch = true;
	n = 12345;
	assert_int_equal(map_count_keys(fd, type, key_size, value_size, max, b, &no_batch, &n), 0);
	assert_int_equal(n, want);
}

static void test_count_hash_types(void **state)
{
	static const enum bpf_map_type types[] = { BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH,
						   BPF_MAP_TYPE_PERCPU_HASH,
						   BPF_MAP_TYPE_LRU_PERCPU_HASH };
	struct map_count_buf b;

	memset(&b, 0, sizeof(b));
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		bool percpu = types[t] == BPF_MAP_TYPE_PERCPU_HASH ||
			      types[t] == BPF_MAP_TYPE_LRU_PERCPU_HASH;
		size_t vb = percpu ? 8 * (size_t)ncpus() : 8;
		/* LRU maps evict before they are full: a roomy map keeps every key */
		uint32_t max = 20000;
		int fd = new_map(types[t], 4, 8, max, NULL);

		check_count(fd, types[t], 4, 8, max, &b, 0);
		fill(fd, 0, 1, vb);
		check_count(fd, types[t], 4, 8, max, &b, 1);
		/* more than one 64 KiB chunk (4096 entries of 4 + 8 bytes, or fewer per CPU) */
		fill(fd, 1, 10000, vb);
		check_count(fd, types[t], 4, 8, max, &b, 10000);
		for (uint32_t k = 0; k < 10000; k += 2)
			assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
		check_count(fd, types[t], 4, 8, max, &b, 5000);
		close(fd);
	}
	map_count_buf_free(&b);
}

static void test_count_full_hash(void **state)
{
	struct map_count_buf b;
	uint64_t one = 1;
	uint32_t k = 64;
	int fd = new_map(BPF_MAP_TYPE_HASH, 4, 8, 64, NULL);

	memset(&b, 0, sizeof(b));
	fill(fd, 0, 64, 8);
	/* full: a new key is rejected, and the count is max_entries */
	assert_int_not_equal(bpf_map_update_elem(fd, &k, &one, BPF_NOEXIST), 0);
	check_count(fd, BPF_MAP_TYPE_HASH, 4, 8, 64, &b, 64);
	close(fd);
	map_count_buf_free(&b);
}

static void test_count_hash_of_maps(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	struct map_count_buf b;
	int inner = new_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, NULL), outer;

	memset(&b, 0, sizeof(b));
	opts.inner_map_fd = inner;
	outer = new_map(BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 16, &opts);
	check_count(outer, BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 16, &b, 0);
	for (uint32_t k = 0; k < 5; k++)
		assert_int_equal(bpf_map_update_elem(outer, &k, &inner, BPF_ANY), 0);
	check_count(outer, BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 16, &b, 5);
	close(outer);
	close(inner);
	map_count_buf_free(&b);
}

/*
 * Values of 32 KiB: a 64 KiB buffer holds one entry, so every hash bucket holding two keys
 * makes the kernel ask for a larger chunk; the count stays exact. The same buffer then counts
 * a map of small entries.
 */
static void test_count_big_values(void **state)
{
	const uint32_t vs = 32 * 1024, n = 300;
	struct map_count_buf b;
	int fd = new_map(BPF_MAP_TYPE_HASH, 4, vs, n, NULL), small;

	memset(&b, 0, sizeof(b));
	fill(fd, 0, n, vs);
	check_count(fd, BPF_MAP_TYPE_HASH, 4, vs, n, &b, n);
	small = new_map(BPF_MAP_TYPE_HASH, 4, 8, 100, NULL);
	fill(small, 0, 77, 8);
	check_count(small, BPF_MAP_TYPE_HASH, 4, 8, 100, &b, 77);
	close(small);
	close(fd);
	map_count_buf_free(&b);
}

static void test_count_bad_fd(void **state)
{
	struct map_count_buf b;
	bool no_batch = false;
	uint64_t n = 7;

	memset(&b, 0, sizeof(b));
	assert_true(map_count_keys(-1, BPF_MAP_TYPE_HASH, 4, 8, 10, &b, &no_batch, &n) < 0);
	assert_int_equal(n, 7);
	map_count_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_next_wait),
		cmocka_unit_test(test_count_hash_types),
		cmocka_unit_test(test_count_full_hash),
		cmocka_unit_test(test_count_hash_of_maps),
		cmocka_unit_test(test_count_big_values),
		cmocka_unit_test(test_count_bad_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
