// SPDX-License-Identifier: MIT
/*
 * Bucket math of histogram maps through src/histogram.h: upper bounds and their
 * text (Go formatting), which slot a bucket index lands in, cumulative counts, the count and
 * the sum, for every bucket type, with worked examples and the edge cases around them.
 * Each case runs the pipeline the collector runs on one series' rows: histogram_slot() per
 * row, values added per slot, then histogram_finish().
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expo/expo.h"
#include "scrape/histogram.h"
#include "util/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_BUCKETS 40
#define MAX_ROWS 16

#define EXP2(lo, hi, m)                                                             \
	{                                                                           \
		.bucket_type = BUCKET_EXP2, .bucket_min = (lo), .bucket_max = (hi), \
		.bucket_multiplier = (m)                                            \
	}
#define EXP2ZERO(lo, hi, m)                                                             \
	{                                                                               \
		.bucket_type = BUCKET_EXP2ZERO, .bucket_min = (lo), .bucket_max = (hi), \
		.bucket_multiplier = (m)                                                \
	}
#define LINEAR(lo, hi, m)                                                             \
	{                                                                             \
		.bucket_type = BUCKET_LINEAR, .bucket_min = (lo), .bucket_max = (hi), \
		.bucket_multiplier = (m)                                              \
	}
#define FIXED(m, ...)                                                                  \
	{                                                                              \
		.bucket_type = BUCKET_FIXED, .bucket_keys = (double[]){ __VA_ARGS__ }, \
		.n_bucket_keys = sizeof((double[]){ __VA_ARGS__ }) / sizeof(double),   \
		.bucket_multiplier = (m)                                               \
	}

/* One map row of a series: bucket index and value (rows of equal index add up). */
struct row {
	uint64_t idx;
	double value;
};

struct hist_case {
	const char *name;
	struct histogram_conf conf;
	struct row rows[MAX_ROWS];
	size_t n_rows;
	const char *le[MAX_BUCKETS]; /* rendered upper bounds, NULL-terminated */
	uint64_t cum[MAX_BUCKETS]; /* cumulative count of each bucket */
	uint64_t count;
	const char *sum; /* rendered sum */
};

#define ROWS(...)                \
	.rows = { __VA_ARGS__ }, \
	.n_rows = sizeof((struct row[]){ __VA_ARGS__ }) / sizeof(struct row)

static const struct hist_case cases[] = {
	{
		/* The worked example: index 4 is the sum, 9 is outside and ignored. */
		.name = "exp2 0..3 x1e-6 worked example",
		.conf = EXP2(0, 3, 1e-6),
		ROWS({ 0, 2 }, { 2, 3 }, { 4, 1000 }, { 9, 7 }),
		.le = { "1e-06", "2e-06", "4e-06", "8e-06" },
		.cum = { 2, 2, 5, 5 },
		.count = 5,
		.sum = "0.001",
	},
	{
		/* Only the sum key: every bucket 0, the sum with Go's float noise. */
		.name = "exp2 only the sum key",
		.conf = EXP2(0, 3, 1e-6),
		ROWS({ 4, 1824 }),
		.le = { "1e-06", "2e-06", "4e-06", "8e-06" },
		.cum = { 0, 0, 0, 0 },
		.count = 0,
		.sum = "0.0018239999999999999",
	},
	{
		.name = "exp2 empty map",
		.conf = EXP2(0, 3, 1e-6),
		.le = { "1e-06", "2e-06", "4e-06", "8e-06" },
		.cum = { 0, 0, 0, 0 },
		.count = 0,
		.sum = "0",
	},
	{
		.name = "exp2 0..27 x1e-6 (biolatency)",
		.conf = EXP2(0, 27, 0.000001),
		ROWS({ 0, 1 }, { 10, 2 }, { 27, 3 }, { 28, 1824 }, { 29, 50 }),
		.le = { "1e-06",     "2e-06",	  "4e-06",     "8e-06",	    "1.6e-05",	"3.2e-05",
			"6.4e-05",   "0.000128",  "0.000256",  "0.000512",  "0.001024", "0.002048",
			"0.004096",  "0.008192",  "0.016384",  "0.032768",  "0.065536", "0.131072",
			"0.262144",  "0.524288",  "1.048576",  "2.097152",  "4.194304", "8.388608",
			"16.777216", "33.554432", "67.108864", "134.217728" },
		.cum = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3,
			 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 6 },
		.count = 6,
		.sum = "0.0018239999999999999",
	},
	{
		.name = "exp2 0..31 x1e-9",
		.conf = EXP2(0, 31, 1e-9),
		ROWS({ 31, 1 }, { 32, 2147483648.0 }),
		.le = { "1e-09",       "2e-09",	      "4e-09",	     "8e-09",	    "1.6e-08",
			"3.2e-08",     "6.4e-08",     "1.28e-07",    "2.56e-07",    "5.12e-07",
			"1.024e-06",   "2.048e-06",   "4.096e-06",   "8.192e-06",   "1.6384e-05",
			"3.2768e-05",  "6.5536e-05",  "0.000131072", "0.000262144", "0.000524288",
			"0.001048576", "0.002097152", "0.004194304", "0.008388608", "0.016777216",
			"0.033554432", "0.067108864", "0.134217728", "0.268435456", "0.536870912",
			"1.073741824", "2.147483648" },
		.cum = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
		.count = 1,
		.sum = "2.147483648",
	},
	{
		/* Keys beyond the range, up to the largest u64, never count. */
		.name = "exp2 keys beyond the range",
		.conf = EXP2(0, 3, 0),
		ROWS({ 1, 1 }, { 5, 10 }, { 100, 10 }, { 0x7fffffffffffffffULL, 10 },
		     { 0x8000000000000000ULL, 10 }, { 0x8000000000000004ULL, 10 },
		     { UINT64_MAX, 10 }, { 4, 3 }),
		.le = { "1", "2", "4", "8" },
		.cum = { 0, 1, 1, 1 },
		.count = 1,
		.sum = "3",
	},
	{
		/* Indexes below bucket_min are outside the loop too; the sum is max + 1. */
		.name = "exp2 2..4, indexes below the minimum",
		.conf = EXP2(2, 4, 1),
		ROWS({ 0, 5 }, { 1, 5 }, { 2, 1 }, { 4, 2 }, { 5, 9 }),
		.le = { "4", "8", "16" },
		.cum = { 1, 1, 3 },
		.count = 3,
		.sum = "9",
	},
	{
		.name = "exp2 one bucket (3..3)",
		.conf = EXP2(3, 3, 1),
		ROWS({ 2, 5 }, { 3, 4 }, { 4, 30 }),
		.le = { "8" },
		.cum = { 4 },
		.count = 4,
		.sum = "30",
	},
	{
		/* Rows with the same index (per-CPU slots, merged label sets) add up. */
		.name = "exp2 repeated indexes add up",
		.conf = EXP2(0, 2, 0.5),
		ROWS({ 1, 2 }, { 1, 3 }, { 3, 4 }, { 3, 5 }, { 0, 1 }),
		.le = { "0.5", "1", "2" },
		.cum = { 1, 6, 6 },
		.count = 6,
		.sum = "4.5",
	},
	{
		.name = "exp2zero 0..3 x1",
		.conf = EXP2ZERO(0, 3, 1),
		ROWS({ 0, 3 }),
		.le = { "0", "1", "2", "4" },
		.cum = { 3, 3, 3, 3 },
		.count = 3,
		.sum = "0",
	},
	{
		.name = "exp2zero 0..3 x0.001",
		.conf = EXP2ZERO(0, 3, 0.001),
		ROWS({ 0, 1 }, { 1, 2 }, { 3, 4 }, { 4, 7 }, { 5, 9 }),
		.le = { "0", "0.001", "0.002", "0.004" },
		.cum = { 1, 3, 3, 7 },
		.count = 7,
		.sum = "0.007",
	},
	{
		.name = "exp2zero one bucket (0..0)",
		.conf = EXP2ZERO(0, 0, 1e-6),
		ROWS({ 0, 2 }, { 1, 1000000 }, { 2, 5 }),
		.le = { "0" },
		.cum = { 2 },
		.count = 2,
		.sum = "1",
	},
	{
		.name = "exp2zero 2..4 starts above zero",
		.conf = EXP2ZERO(2, 4, 1),
		ROWS({ 0, 7 }, { 2, 1 }, { 4, 1 }),
		.le = { "2", "4", "8" },
		.cum = { 1, 1, 2 },
		.count = 2,
		.sum = "0",
	},
	{
		.name = "linear 0..20 x50",
		.conf = LINEAR(0, 20, 50),
		ROWS({ 0, 1 }, { 20, 1 }, { 21, 500 }, { 22, 1 }),
		.le = { "0",   "50",  "100", "150", "200", "250", "300", "350", "400", "450", "500",
			"550", "600", "650", "700", "750", "800", "850", "900", "950", "1000" },
		.cum = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2 },
		.count = 2,
		.sum = "25000",
	},
	{
		.name = "linear 2..5 x0.5",
		.conf = LINEAR(2, 5, 0.5),
		ROWS({ 0, 100 }, { 1, 100 }, { 2, 1 }, { 3, 2 }, { 5, 3 }, { 6, 10 }, { 7, 100 }),
		.le = { "1", "1.5", "2", "2.5" },
		.cum = { 1, 3, 3, 6 },
		.count = 6,
		.sum = "5",
	},
	{
		/* A multiplier of 0 (or none) means 1. */
		.name = "linear without multiplier",
		.conf = LINEAR(0, 2, 0),
		ROWS({ 2, 1 }, { 3, 6 }),
		.le = { "0", "1", "2" },
		.cum = { 0, 0, 1 },
		.count = 1,
		.sum = "6",
	},
	{
		.name = "linear one bucket (7..7)",
		.conf = LINEAR(7, 7, 1e-6),
		ROWS({ 7, 3 }, { 8, 21 }),
		.le = { "7e-06" },
		.cum = { 3 },
		.count = 3,
		.sum = "2.1e-05",
	},
	{
		/* sum index 251; 3 is no key; 252 is beyond the sum. */
		.name = "fixed [1,5,10,250] x0.001",
		.conf = FIXED(0.001, 1, 5, 10, 250),
		ROWS({ 1, 1 }, { 3, 50 }, { 5, 2 }, { 10, 3 }, { 250, 4 }, { 251, 1000 },
		     { 252, 9 }, { 0, 7 }),
		.le = { "0.001", "0.005", "0.01", "0.25" },
		.cum = { 1, 3, 6, 10 },
		.count = 10,
		.sum = "1",
	},
	{
		.name = "fixed one key",
		.conf = FIXED(0, 7),
		ROWS({ 7, 2 }, { 8, 15 }, { 6, 1 }),
		.le = { "7" },
		.cum = { 2 },
		.count = 2,
		.sum = "15",
	},
	{
		.name = "fixed empty map",
		.conf = FIXED(1e-6, 0, 100, 1000000),
		.le = { "0", "9.999999999999999e-05", "1" }, /* 100 * 1e-6, as Go computes it */
		.cum = { 0, 0, 0 },
		.count = 0,
		.sum = "0",
	},
};

static size_t n_le(const struct hist_case *c)
{
	size_t n = 0;

	while (n < MAX_BUCKETS && c->le[n])
		n++;
	return n;
}

/* Fails naming the case and what differs. */
#define check_eq_u64(c, what, i, got, want)                                                     \
	do {                                                                                    \
		if ((got) != (want))                                                            \
			fail_msg("%s: %s[%zu] = %llu, want %llu", (c)->name, what, (size_t)(i), \
				 (unsigned long long)(got), (unsigned long long)(want));        \
	} while (0)
#define check_eq_str(c, what, i, got, want)                                            \
	do {                                                                           \
		if (strcmp((got), (want)) != 0)                                        \
			fail_msg("%s: %s[%zu] = \"%s\", want \"%s\"", (c)->name, what, \
				 (size_t)(i), got, want);                              \
	} while (0)

static void run_case(const struct hist_case *c)
{
	size_t n = histogram_bucket_count(&c->conf), i;
	double le[MAX_BUCKETS], acc[MAX_BUCKETS + 1] = { 0 }, sum = -1;
	uint64_t cum[MAX_BUCKETS], count = UINT64_MAX;
	char text[EXPO_FLOAT_MAX];

	check_eq_u64(c, "bucket count", 0, n, n_le(c));
	assert_true(n <= MAX_BUCKETS);
	assert_int_equal(histogram_bounds(&c->conf, le), 0);
	for (i = 0; i < n; i++) {
		expo_format_float(le[i], text);
		check_eq_str(c, "le", i, text, c->le[i]);
	}
	for (i = 0; i < c->n_rows; i++) {
		long slot = histogram_slot(&c->conf, c->rows[i].idx);

		if (slot < -1 || slot > (long)n)
			fail_msg("%s: index %llu gives slot %ld", c->name,
				 (unsigned long long)c->rows[i].idx, slot);
		if (slot >= 0)
			acc[slot] += c->rows[i].value;
	}
	histogram_finish(&c->conf, acc, n, cum, &count, &sum);
	for (i = 0; i < n; i++)
		check_eq_u64(c, "cumulative", i, cum[i], c->cum[i]);
	check_eq_u64(c, "count", 0, count, c->count);
	expo_format_float(sum, text);
	check_eq_str(c, "sum", 0, text, c->sum);
}

static void test_cases(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
}

/* Which slot each index lands in: a bucket, n for the sum, -1 when ignored. */
static void test_slots(void **state)
{
	const struct {
		struct histogram_conf conf;
		uint64_t idx;
		long slot;
	} tests[] = {
		{ EXP2(0, 3, 1), 0, 0 },
		{ EXP2(0, 3, 1), 3, 3 },
		{ EXP2(0, 3, 1), 4, 4 },
		{ EXP2(0, 3, 1), 5, -1 },
		{ EXP2(2, 4, 1), 1, -1 },
		{ EXP2(2, 4, 1), 2, 0 },
		{ EXP2(2, 4, 1), 5, 3 },
		{ EXP2(3, 3, 1), 3, 0 },
		{ EXP2(3, 3, 1), 4, 1 },
		{ EXP2ZERO(0, 17, 1), 0, 0 },
		{ EXP2ZERO(0, 17, 1), 18, 18 },
		{ LINEAR(0, 20, 50), 21, 21 },
		{ LINEAR(0, 20, 50), UINT64_MAX, -1 },
		{ FIXED(1, 1, 5, 10, 250), 1, 0 },
		{ FIXED(1, 1, 5, 10, 250), 10, 2 },
		{ FIXED(1, 1, 5, 10, 250), 250, 3 },
		{ FIXED(1, 1, 5, 10, 250), 251, 4 },
		{ FIXED(1, 1, 5, 10, 250), 11, -1 },
		{ FIXED(1, 1, 5, 10, 250), 0, -1 },
		{ FIXED(1, 1, 5, 10, 250), 252, -1 },
		{ FIXED(1, 1, 5, 10, 250), UINT64_MAX, -1 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		long got = histogram_slot(&tests[i].conf, tests[i].idx);

		if (got != tests[i].slot)
			fail_msg("slot case %zu (index %llu): %ld, want %ld", i,
				 (unsigned long long)tests[i].idx, got, tests[i].slot);
	}
}

static void test_multiplier_and_count(void **state)
{
	struct histogram_conf none = EXP2(0, 3, 0), half = LINEAR(0, 1, 0.5);
	struct histogram_conf micro = EXP2(0, 27, 1e-6), nano = EXP2(0, 31, 1e-9);
	struct histogram_conf inverted = EXP2(5, 3, 1), fixed = FIXED(0, 1, 2, 3);

	assert_true(histogram_multiplier(&none) == 1);
	assert_true(histogram_multiplier(&half) == 0.5);
	assert_true(histogram_multiplier(&micro) == 1e-6);
	assert_true(histogram_multiplier(&nano) == 1e-9);
	assert_int_equal(histogram_bucket_count(&none), 4);
	assert_int_equal(histogram_bucket_count(&micro), 28);
	assert_int_equal(histogram_bucket_count(&nano), 32);
	assert_int_equal(histogram_bucket_count(&fixed), 3);
	/* Rejected at startup; the math itself gives no buckets. */
	assert_int_equal(histogram_bucket_count(&inverted), 0);
}

static void test_unknown_type(void **state)
{
	struct histogram_conf h = { .bucket_type = BUCKET_UNKNOWN, .bucket_max = 2 };
	double le[3];

	assert_int_equal(histogram_bounds(&h, le), -EINVAL);
}

/* The bucket label as upstream parses it: Go's strconv.ParseUint(s, 0, 64). */
static void test_parse_index(void **state)
{
	static const struct {
		const char *in;
		int err;
		uint64_t want;
	} tests[] = {
		{ "0", 0, 0 },
		{ "7", 0, 7 },
		{ "28", 0, 28 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "0x1f", 0, 31 },
		{ "0X1F", 0, 31 },
		{ "0b101", 0, 5 },
		{ "0o17", 0, 15 },
		{ "017", 0, 15 },
		{ "0x_1f", 0, 31 },
		{ "0x1_f", 0, 31 },
		{ "1_000", 0, 1000 },
		{ "0_17", 0, 15 },
		{ "1__0", -EINVAL, 0 },
		{ "10_", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ "1.5", -EINVAL, 0 },
		{ "abc", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "08", -EINVAL, 0 },
		{ "0b2", -EINVAL, 0 },
		{ "0x1__f", -EINVAL, 0 },
		{ "0x1f_", -EINVAL, 0 },
		{ "_1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		uint64_t v = 12345;
		int err = histogram_parse_index(tests[i].in, &v);

		if (err != tests[i].err || (!err && v != tests[i].want))
			fail_msg("parse \"%s\": error %d value %llu, want error %d value %llu",
				 tests[i].in, err, (unsigned long long)v, tests[i].err,
				 (unsigned long long)tests[i].want);
	}
}

/* The worked example as the exposition writer prints it: le last, +Inf = count. */
static void test_exposition(void **state)
{
	static const char want[] =
		"# HELP ebpf_exporter_io_latency_seconds IO latency\n"
		"# TYPE ebpf_exporter_io_latency_seconds histogram\n"
		"ebpf_exporter_io_latency_seconds_bucket{device=\"sda\",le=\"1e-06\"} 2\n"
		"ebpf_exporter_io_latency_seconds_bucket{device=\"sda\",le=\"2e-06\"} 2\n"
		"ebpf_exporter_io_latency_seconds_bucket{device=\"sda\",le=\"4e-06\"} 5\n"
		"ebpf_exporter_io_latency_seconds_bucket{device=\"sda\",le=\"8e-06\"} 5\n"
		"ebpf_exporter_io_latency_seconds_bucket{device=\"sda\",le=\"+Inf\"} 5\n"
		"ebpf_exporter_io_latency_seconds_sum{device=\"sda\"} 0.001\n"
		"ebpf_exporter_io_latency_seconds_count{device=\"sda\"} 5\n";
	struct histogram_conf h = EXP2(0, 3, 0.000001);
	static const struct row rows[] = { { 0, 2 }, { 2, 3 }, { 4, 1000 }, { 9, 7 } };
	double le[4], acc[5] = { 0 };
	uint64_t cum[4];
	struct histogram_value hv = { .n_buckets = 4, .le = le, .cumulative = cum };
	const char *names[] = { "device" }, *values[] = { "sda" };
	struct sample s = { .values = values, .hist = &hv };
	struct family f = {
		.name = "ebpf_exporter_io_latency_seconds",
		.help = "IO latency",
		.type = FAMILY_HISTOGRAM,
		.label_names = names,
		.n_labels = 1,
		.samples = &s,
		.n_samples = 1,
	};
	struct buf b = { 0 };
	size_t i;

	assert_int_equal(histogram_bounds(&h, le), 0);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		long slot = histogram_slot(&h, rows[i].idx);

		if (slot >= 0)
			acc[slot] += rows[i].value;
	}
	histogram_finish(&h, acc, 4, cum, &hv.count, &hv.sum);
	assert_int_equal(expo_write_family(&b, &f), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	buf_free(&b);
}

/* When native: every bound after the zero bucket is 2^(first + j); the zero bucket is le 0. */
static void assert_native(const struct histogram_conf *h, bool want_zero, int32_t want_first)
{
	double le[MAX_BUCKETS];
	bool zero = !want_zero;
	int32_t first = want_first + 1;
	size_t n = histogram_bucket_count(h), z = want_zero ? 1 : 0;

	assert_true(n <= MAX_BUCKETS);
	assert_true(histogram_native(h, &zero, &first));
	assert_int_equal(zero, want_zero);
	assert_int_equal(first, want_first);
	assert_int_equal(histogram_bounds(h, le), 0);
	if (want_zero)
		assert_true(le[0] == 0);
	for (size_t j = z; j < n; j++)
		assert_true(le[j] == ldexp(1, first + (int)(j - z)));
}

static void test_native(void **state)
{
	struct histogram_conf exp2 = EXP2(0, 10, 0), one = EXP2(3, 5, 1),
			      eighth = EXP2(0, 3, 0.125);
	struct histogram_conf big = EXP2(2, 4, 1024), zero = EXP2ZERO(0, 6, 0);
	struct histogram_conf zero_half = EXP2ZERO(0, 4, 0.5), no_zero = EXP2ZERO(2, 5, 4);
	struct histogram_conf only_zero = EXP2ZERO(0, 0, 1);
	struct histogram_conf micro = EXP2(0, 27, 1e-6), three = EXP2(0, 3, 3);
	struct histogram_conf negative = EXP2(0, 3, -1), zero_micro = EXP2ZERO(0, 3, 1e-6);
	struct histogram_conf linear = LINEAR(0, 3, 1), fixed = FIXED(0, 1, 2, 4);
	struct histogram_conf inverted = EXP2(5, 3, 1), below_zero = EXP2ZERO(-1, 3, 1);
	struct histogram_conf huge = EXP2(1000, 1030, 1), tiny = EXP2(-1100, -1090, 1);
	bool z;
	int32_t first;

	(void)state;
	assert_native(&exp2, false, 0);
	assert_native(&one, false, 3);
	assert_native(&eighth, false, -3);
	assert_native(&big, false, 12);
	assert_native(&zero, true, 0);
	assert_native(&zero_half, true, -1);
	assert_native(&no_zero, false, 3);
	assert_native(&only_zero, true, 0);
	/* Classic only: not a power of two, not exp2, or bounds that are not all powers of two. */
	assert_false(histogram_native(&micro, &z, &first));
	assert_false(histogram_native(&three, &z, &first));
	assert_false(histogram_native(&negative, &z, &first));
	assert_false(histogram_native(&zero_micro, &z, &first));
	assert_false(histogram_native(&linear, &z, &first));
	assert_false(histogram_native(&fixed, &z, &first));
	assert_false(histogram_native(&inverted, &z, &first));
	assert_false(histogram_native(&below_zero, &z, &first));
	assert_false(histogram_native(&huge, &z, &first));
	assert_false(histogram_native(&tiny, &z, &first));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_multiplier_and_count),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_parse_index),
		cmocka_unit_test(test_exposition),
		cmocka_unit_test(test_native),
	};

	return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
