// SPDX-License-Identifier: MIT
/*
 * The cost of one map fill count (bench/run.sh, `count` cases): the exporter's own
 * map_count_keys() (src/scrape/map_fill.c) on a map of N entries this program creates and
 * fills, in BPF_MAP_LOOKUP_BATCH chunks and by the get-next-key walk.
 *
 *   map-count TYPE N REPS
 *     TYPE: hash, percpu_hash or lru_hash; keys {u32 id, u32 0}, 8-byte values.
 *     Prints one line: TYPE N batch_wall_ms batch_cpu_ms iter_wall_ms iter_cpu_ms, each the
 *     median of REPS counts (CPU: this thread's user + system time).
 * Exits 1 when a count is wrong or a syscall fails.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scrape/map_fill.h"

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_ms(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return (n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2) / 1e6;
}

static int fill(int fd, uint32_t n, size_t vb)
{
	const uint32_t chunk = 4096;
	uint64_t *keys = calloc(chunk, sizeof(*keys));
	uint8_t *vals = calloc(chunk, vb);
	int e = 0;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n && !e; i += chunk) {
		__u32 count = n - i < chunk ? n - i : chunk;

		for (uint32_t j = 0; j < count; j++)
			keys[j] = i + j;
		if (bpf_map_update_batch(fd, keys, vals, &count, NULL) < 0)
			e = -errno;
	}
	free(keys);
	free(vals);
	return e;
}

/* Times reps counts; every one must find n keys. */
static int time_counts(int fd, int type, uint32_t n, int reps, bool no_batch, double *wall,
		       double *cpu)
{
	uint64_t *w = calloc((size_t)reps, sizeof(*w)), *c = calloc((size_t)reps, sizeof(*c));
	struct map_count_buf b;
	int e = 0;

	memset(&b, 0, sizeof(b));
	if (!w || !c) {
		free(w);
		free(c);
		return -ENOMEM;
	}
	for (int r = 0; r < reps && !e; r++) {
		uint64_t w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID),
			 got = 0;
		bool nb = no_batch;

		e = map_count_keys(fd, type, 8, 8, n, &b, &nb, &got);
		c[r] = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
		w[r] = now_ns(CLOCK_MONOTONIC) - w0;
		if (!e && (got != n || nb != no_batch)) {
			fprintf(stderr, "map-count: counted %llu of %u keys (batch %s)\n",
				(unsigned long long)got, n, nb ? "refused" : "used");
			e = -EINVAL;
		}
	}
	if (!e) {
		*wall = median_ms(w, reps);
		*cpu = median_ms(c, reps);
	}
	map_count_buf_free(&b);
	free(w);
	free(c);
	return e;
}

int main(int argc, char **argv)
{
	double bw = 0, bc = 0, iw = 0, ic = 0;
	int type, fd, reps, e;
	size_t vb = 8;
	uint32_t n;

	if (argc != 4) {
		fprintf(stderr, "usage: %s hash|percpu_hash|lru_hash N REPS\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "hash")) {
		type = BPF_MAP_TYPE_HASH;
	} else if (!strcmp(argv[1], "percpu_hash")) {
		type = BPF_MAP_TYPE_PERCPU_HASH;
		vb = 8 * (size_t)libbpf_num_possible_cpus();
	} else if (!strcmp(argv[1], "lru_hash")) {
		type = BPF_MAP_TYPE_LRU_HASH;
	} else {
		fprintf(stderr, "map-count: unknown type %s\n", argv[1]);
		return 2;
	}
	n = (uint32_t)strtoul(argv[2], NULL, 10);
	reps = atoi(argv[3]);
	if (!n || reps < 1)
		return 2;
	/* LRU maps evict before they are full: twice the room keeps every key */
	fd = bpf_map_create(type, "bench_count", 8, 8, type == BPF_MAP_TYPE_LRU_HASH ? 2 * n : n,
			    NULL);
	if (fd < 0) {
		fprintf(stderr, "map-count: bpf_map_create: %s\n", strerror(errno));
		return 1;
	}
	e = fill(fd, n, vb);
	if (!e)
		e = time_counts(fd, type, n, reps, false, &bw, &bc);
	if (!e)
		e = time_counts(fd, type, n, reps, true, &iw, &ic);
	close(fd);
	if (e) {
		fprintf(stderr, "map-count: %s\n", strerror(-e));
		return 1;
	}
	printf("%s %u %.3f %.3f %.3f %.3f\n", argv[1], n, bw, bc, iw, ic);
	return 0;
}
