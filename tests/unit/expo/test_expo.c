// SPDX-License-Identifier: MIT
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expo/expo.h"
#include "expo/protobuf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) prints after expfmt's
 * special cases. */
static const struct {
	double v;
	const char *want;
} float_cases[] = {
	{ 1, "1" },
	{ 0, "0" },
	{ -0.0, "0" },
	{ -1, "-1" },
	{ NAN, "NaN" },
	{ INFINITY, "+Inf" },
	{ -INFINITY, "-Inf" },
	{ 1e-6, "1e-06" },
	{ 0.000128, "0.000128" },
	{ 6.4e-5, "6.4e-05" },
	{ 999999, "999999" },
	{ 1e6, "1e+06" },
	{ 1048576, "1.048576e+06" },
	{ 12345678, "1.2345678e+07" },
	{ 134.217728, "134.217728" },
	{ 1824 * 1e-6, "0.0018239999999999999" },
	{ 2.147483648, "2.147483648" },
	{ 0.000131072, "0.000131072" },
	{ 6.5536e-05, "6.5536e-05" },
	{ 1e-9, "1e-09" },
	{ 0.5, "0.5" },
	{ 100, "100" },
	{ 1e21, "1e+21" },
	{ DBL_MAX, "1.7976931348623157e+308" },
	{ 5e-324, "5e-324" },
	{ -2.5, "-2.5" },
	{ 123456.7, "123456.7" },
	{ 0.1, "0.1" },
	{ 0.1 + 0.2, "0.30000000000000004" },
	{ 1.0 / 3, "0.3333333333333333" },
	{ 1e-4, "0.0001" },
	{ 1e-5, "1e-05" },
	{ 0.00012345, "0.00012345" },
	{ 100000, "100000" },
	{ 123456, "123456" },
	{ 1234567, "1.234567e+06" },
	{ 1e15, "1e+15" },
	{ 1e16, "1e+16" },
	{ 9007199254740991.0, "9.007199254740991e+15" },
	{ 9007199254740992.0, "9.007199254740992e+15" },
	{ 9007199254740994.0, "9.007199254740994e+15" },
	{ 18446744073709551615.0, "1.8446744073709552e+19" },
	{ 72057594037927936.0, "7.205759403792794e+16" },
	{ 1e22, "1e+22" },
	{ 1e23, "1e+23" },
	{ DBL_MIN, "2.2250738585072014e-308" },
	{ 1e-300, "1e-300" },
	{ 1e100, "1e+100" },
	{ 1.7976931348623157e307, "1.7976931348623158e+307" },
	{ 3.14159, "3.14159" },
	{ -0.001, "-0.001" },
	{ 0.001, "0.001" },
	{ 0.25, "0.25" },
	{ 2, "2" },
	{ 10, "10" },
	{ 1000, "1000" },
	{ 1.5e-7, "1.5e-07" },
	{ -123456789, "-1.23456789e+08" },
	{ 4.35e-7 * 3, "1.305e-06" },
	{ 0.3, "0.3" },
	{ 12345.678, "12345.678" },
	{ 5e-5, "5e-05" },
	{ 2.5e-5, "2.5e-05" },
	{ 1024.5, "1024.5" },
};

static void test_format_float(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(float_cases); i++) {
		char out[EXPO_FLOAT_MAX];
		size_t n = expo_format_float(float_cases[i].v, out);

		assert_string_equal(out, float_cases[i].want);
		assert_int_equal(n, strlen(float_cases[i].want));
	}
}

/* Results read back exactly, and the nearest decimal with one digit fewer does not. */
static void test_format_float_roundtrip(void **state)
{
	double v = 1e-7;

	for (int i = 0; i < 20000; i++) {
		char out[EXPO_FLOAT_MAX], shorter[40];
		size_t n = expo_format_float(v, out);
		int nd = 0;

		assert_true(n < EXPO_FLOAT_MAX);
		assert_true(strtod(out, NULL) == v);
		for (const char *p = out; *p && *p != 'e'; p++)
			nd += *p >= '0' && *p <= '9';
		for (const char *p = out; *p == '0' || *p == '.'; p++)
			nd -= *p == '0';
		if (nd > 1) {
			snprintf(shorter, sizeof(shorter), "%.*e", nd - 2, v);
			assert_true(strtod(shorter, NULL) != v);
		}
		v = v * 1.37 + 1e-9;
		if (v > 1e12)
			v = 1e-7 + i * 1e-12;
	}
}

static void check_escape(bool label, const char *in, size_t len, const char *want, size_t want_len)
{
	struct buf b = { 0 };

	assert_int_equal(label ? expo_escape_label_value(&b, in, len) : expo_escape_help(&b, in),
			 0);
	assert_int_equal(b.len, want_len);
	assert_memory_equal(b.data, want, want_len);
	buf_free(&b);
}

static void test_escape_help(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "plain text", "plain text" },
		{ "a\\b", "a\\\\b" },
		{ "line1\nline2", "line1\\nline2" },
		{ "quote \" stays", "quote \" stays" },
		{ "tab\tand\rcr", "tab\tand\rcr" },
		{ "\xff not repaired", "\xff not repaired" },
		{ "\\\n\\\n", "\\\\\\n\\\\\\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_escape(false, cases[i].in, 0, cases[i].want, strlen(cases[i].want));
}

static void test_escape_label_value(void **state)
{
	/* Expected replacements as Go's strings.ToValidUTF8(s, "\uFFFD") gives them. */
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "sda", "sda" },
		{ "a\"b", "a\\\"b" },
		{ "c:\\dir", "c:\\\\dir" },
		{ "x\ny", "x\\ny" },
		{ "h\xc3\xa9llo", "h\xc3\xa9llo" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "\xef\xbf\xbd", "\xef\xbf\xbd" },
		{ "\xff", "\xef\xbf\xbd" },
		{ "a\xff\xfe"
		  "b",
		  "a\xef\xbf\xbd"
		  "b" },
		{ "\xe2\x82", "\xef\xbf\xbd" },
		{ "\xe2\x82"
		  "A",
		  "\xef\xbf\xbd"
		  "A" },
		{ "\xc0\xaf", "\xef\xbf\xbd" },
		{ "\xe0\x80\xaf", "\xef\xbf\xbd" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd" },
		{ "\xf5", "\xef\xbf\xbd" },
		{ "\x80\x80\x80", "\xef\xbf\xbd" },
		{ "a\xc3", "a\xef\xbf\xbd" },
		{ "\xff\xef\xbf\xbd", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xff\"x", "\xef\xbf\xbd\\\"x" },
		{ "\xf0\x9f\x98\xff\xe2\x82\xac", "\xef\xbf\xbd\xe2\x82\xac" },
		{ "\xed\x9f\xbf\xf4\x8f\xbf\xbf", "\xed\x9f\xbf\xf4\x8f\xbf\xbf" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_escape(true, cases[i].in, strlen(cases[i].in), cases[i].want,
			     strlen(cases[i].want));
	/* Explicit length: a NUL byte passes through, bytes past len are not read. */
	check_escape(true, "a\0b", 3, "a\0b", 3);
	check_escape(true, "ab\xff", 2, "ab", 2);
}

/* ---- families ---- */

static const char *names_ba[] = { "b", "a" };
static const char *names_ab[] = { "a", "b" };

static void check_text(struct family *f, size_t n, const char *want)
{
	struct buf b = { 0 };
	char err[256] = "x";

	assert_int_equal(expo_write_text(&b, f, n, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void test_counter_labels_sorted(void **state)
{
	const char *v1[] = { "y", "2" }, *v2[] = { "x", "10" }, *v3[] = { "x", "1" };
	struct sample s[] = {
		{ .values = v1, .value = 3 },
		{ .values = v2, .value = 1234567 },
		{ .values = v3, .value = 0.5 },
	};
	struct family f = {
		.name = "ebpf_exporter_c",
		.help = "Counts \\ things\nand more",
		.type = FAMILY_COUNTER,
		.label_names = names_ba,
		.n_labels = 2,
		.samples = s,
		.n_samples = 3,
	};

	/* Label "a" sorts first, so samples order by the value of "a", then "b". */
	check_text(&f, 1,
		   "# HELP ebpf_exporter_c Counts \\\\ things\\nand more\n"
		   "# TYPE ebpf_exporter_c counter\n"
		   "ebpf_exporter_c{a=\"1\",b=\"x\"} 0.5\n"
		   "ebpf_exporter_c{a=\"10\",b=\"x\"} 1.234567e+06\n"
		   "ebpf_exporter_c{a=\"2\",b=\"y\"} 3\n");
}

static void test_gauge_no_labels(void **state)
{
	struct sample s = { .value = 1 };
	struct family f = {
		.name = "ebpf_exporter_g",
		.help = "",
		.type = FAMILY_GAUGE,
		.samples = &s,
		.n_samples = 1,
	};

	check_text(&f, 1,
		   "# HELP ebpf_exporter_g \n"
		   "# TYPE ebpf_exporter_g gauge\n"
		   "ebpf_exporter_g 1\n");
}

static void test_label_escaping_in_line(void **state)
{
	const char *v[] = { "q\"\\\n\xff" };
	const char *names[] = { "l" };
	struct sample s = { .values = v, .value = -2.5 };
	struct family f = {
		.name = "m",
		.help = "h",
		.type = FAMILY_GAUGE,
		.label_names = names,
		.n_labels = 1,
		.samples = &s,
		.n_samples = 1,
	};

	check_text(&f, 1,
		   "# HELP m h\n# TYPE m gauge\n"
		   "m{l=\"q\\\"\\\\\\n\xef\xbf\xbd\"} -2.5\n");
}

static void test_histogram(void **state)
{
	/* exp2 0..3, multiplier 1e-6; map {0:2, 2:3, 4:1000} (the worked example). */
	const double le[] = { 1e-6, 2e-6, 4e-6, 8e-6 };
	const uint64_t cum1[] = { 2, 2, 5, 5 };
	const uint64_t cum2[] = { 0, 1234567, 1234567, 1234567 };
	struct histogram_value h1 = {
		.n_buckets = 4, .le = le, .cumulative = cum1, .count = 5, .sum = 1000 * 1e-6
	};
	struct histogram_value h2 = {
		.n_buckets = 4, .le = le, .cumulative = cum2, .count = 1234567, .sum = 1824 * 1e-6
	};
	const char *v1[] = { "sdb", "write" }, *v2[] = { "sda", "write" };
	const char *names[] = { "device", "op" };
	struct sample s[] = { { .values = v1, .hist = &h1 }, { .values = v2, .hist = &h2 } };
	struct family f = {
		.name = "ebpf_exporter_bio_latency_seconds",
		.help = "Block IO latency histogram",
		.type = FAMILY_HISTOGRAM,
		.label_names = names,
		.n_labels = 2,
		.samples = s,
		.n_samples = 2,
	};

	check_text(
		&f, 1,
		"# HELP ebpf_exporter_bio_latency_seconds Block IO latency histogram\n"
		"# TYPE ebpf_exporter_bio_latency_seconds histogram\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sda\",op=\"write\",le=\"1e-06\"} 0\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sda\",op=\"write\",le=\"2e-06\"} 1.234567e+06\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sda\",op=\"write\",le=\"4e-06\"} 1.234567e+06\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sda\",op=\"write\",le=\"8e-06\"} 1.234567e+06\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sda\",op=\"write\",le=\"+Inf\"} 1.234567e+06\n"
		"ebpf_exporter_bio_latency_seconds_sum{device=\"sda\",op=\"write\"} 0.0018239999999999999\n"
		"ebpf_exporter_bio_latency_seconds_count{device=\"sda\",op=\"write\"} 1.234567e+06\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sdb\",op=\"write\",le=\"1e-06\"} 2\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sdb\",op=\"write\",le=\"2e-06\"} 2\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sdb\",op=\"write\",le=\"4e-06\"} 5\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sdb\",op=\"write\",le=\"8e-06\"} 5\n"
		"ebpf_exporter_bio_latency_seconds_bucket{device=\"sdb\",op=\"write\",le=\"+Inf\"} 5\n"
		"ebpf_exporter_bio_latency_seconds_sum{device=\"sdb\",op=\"write\"} 0.001\n"
		"ebpf_exporter_bio_latency_seconds_count{device=\"sdb\",op=\"write\"} 5\n");
}

/* Samples of one family with different bounds (two configs merged): each keeps its own le. */
static void test_histogram_bounds_per_sample(void **state)
{
	const double le1[] = { 1, 2 }, le2[] = { 0.5, 1, 1.5 };
	const uint64_t cum1[] = { 1, 2 }, cum2[] = { 1, 1, 3 };
	struct histogram_value
		h1 = { .n_buckets = 2, .le = le1, .cumulative = cum1, .count = 2, .sum = 3 },
		h2 = { .n_buckets = 3, .le = le2, .cumulative = cum2, .count = 3, .sum = 2 };
	const char *v1[] = { "a" }, *v2[] = { "b" }, *v3[] = { "c" };
	const char *names[] = { "k" };
	struct sample s[] = {
		{ .values = v1, .hist = &h1 },
		{ .values = v2, .hist = &h2 },
		{ .values = v3, .hist = &h1 },
	};
	struct family f = {
		.name = "h",
		.help = "x",
		.type = FAMILY_HISTOGRAM,
		.label_names = names,
		.n_labels = 1,
		.samples = s,
		.n_samples = 3,
	};

	check_text(&f, 1,
		   "# HELP h x\n# TYPE h histogram\n"
		   "h_bucket{k=\"a\",le=\"1\"} 1\nh_bucket{k=\"a\",le=\"2\"} 2\n"
		   "h_bucket{k=\"a\",le=\"+Inf\"} 2\nh_sum{k=\"a\"} 3\nh_count{k=\"a\"} 2\n"
		   "h_bucket{k=\"b\",le=\"0.5\"} 1\nh_bucket{k=\"b\",le=\"1\"} 1\n"
		   "h_bucket{k=\"b\",le=\"1.5\"} 3\nh_bucket{k=\"b\",le=\"+Inf\"} 3\n"
		   "h_sum{k=\"b\"} 2\nh_count{k=\"b\"} 3\n"
		   "h_bucket{k=\"c\",le=\"1\"} 1\nh_bucket{k=\"c\",le=\"2\"} 2\n"
		   "h_bucket{k=\"c\",le=\"+Inf\"} 2\nh_sum{k=\"c\"} 3\nh_count{k=\"c\"} 2\n");
}

static void test_histogram_no_labels_inf_bucket(void **state)
{
	/* A stored +Inf bucket is not repeated; no labels gives braces with le only. */
	const double le[] = { 0, 50, INFINITY };
	const uint64_t cum[] = { 1, 3, 4 };
	struct histogram_value h = {
		.n_buckets = 3, .le = le, .cumulative = cum, .count = 4, .sum = 75
	};
	struct sample s = { .hist = &h };
	struct family f = {
		.name = "h",
		.help = "x",
		.type = FAMILY_HISTOGRAM,
		.samples = &s,
		.n_samples = 1,
	};

	check_text(&f, 1,
		   "# HELP h x\n# TYPE h histogram\n"
		   "h_bucket{le=\"0\"} 1\n"
		   "h_bucket{le=\"50\"} 3\n"
		   "h_bucket{le=\"+Inf\"} 4\n"
		   "h_sum 75\n"
		   "h_count 4\n");
}

static void test_histogram_no_buckets(void **state)
{
	const char *names[] = { "k" }, *v[] = { "v" };
	struct histogram_value h = { .count = 0, .sum = 0 };
	struct sample s = { .values = v, .hist = &h };
	struct family f = {
		.name = "h",
		.help = "x",
		.type = FAMILY_HISTOGRAM,
		.label_names = names,
		.n_labels = 1,
		.samples = &s,
		.n_samples = 1,
	};

	check_text(&f, 1,
		   "# HELP h x\n# TYPE h histogram\n"
		   "h_bucket{k=\"v\",le=\"+Inf\"} 0\n"
		   "h_sum{k=\"v\"} 0\n"
		   "h_count{k=\"v\"} 0\n");
}

static void test_family_order_and_empty(void **state)
{
	const char *v[] = { "1" };
	const char *names[] = { "id" };
	struct sample sb = { .values = v, .value = 2 }, sa = { .values = v, .value = 1 };
	struct family f[] = {
		{ .name = "zeta",
		  .help = "z",
		  .type = FAMILY_GAUGE,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = &sb,
		  .n_samples = 1 },
		{ .name = "empty", .help = "e", .type = FAMILY_COUNTER },
		{ .name = "alpha_total",
		  .help = "a",
		  .type = FAMILY_COUNTER,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = &sa,
		  .n_samples = 1 },
		{ .name = "alpha",
		  .help = "a2",
		  .type = FAMILY_COUNTER,
		  .samples = &sa,
		  .n_samples = 1 },
		{ .name = "Zed",
		  .help = "upper sorts first",
		  .type = FAMILY_GAUGE,
		  .samples = &sb,
		  .n_samples = 1 },
	};

	check_text(f, ARRAY_SIZE(f),
		   "# HELP Zed upper sorts first\n# TYPE Zed gauge\nZed 2\n"
		   "# HELP alpha a2\n# TYPE alpha counter\nalpha 1\n"
		   "# HELP alpha_total a\n# TYPE alpha_total counter\nalpha_total{id=\"1\"} 1\n"
		   "# HELP zeta z\n# TYPE zeta gauge\nzeta{id=\"1\"} 2\n");
	check_text(f + 1, 1, "");
	check_text(NULL, 0, "");
}

static void test_merge_same_name(void **state)
{
	/* Same name from two configs, label order differing: one block, samples interleaved. */
	const char *a1[] = { "y", "1" }, *a2[] = { "x", "3" };
	const char *b1[] = { "2", "x" }, *b2[] = { "1", "x" };
	struct sample sa[] = { { .values = a1, .value = 10 }, { .values = a2, .value = 11 } };
	struct sample sb[] = { { .values = b1, .value = 20 }, { .values = b2, .value = 21 } };
	struct family f[] = {
		{ .name = "m",
		  .help = "h",
		  .type = FAMILY_COUNTER,
		  .label_names = names_ba,
		  .n_labels = 2,
		  .samples = sa,
		  .n_samples = 2 },
		{ .name = "k", .help = "k", .type = FAMILY_COUNTER },
		{ .name = "m",
		  .help = "h",
		  .type = FAMILY_COUNTER,
		  .label_names = names_ab,
		  .n_labels = 2,
		  .samples = sb,
		  .n_samples = 2 },
		{ .name = "m",
		  .help = "h",
		  .type = FAMILY_COUNTER,
		  .label_names = names_ab,
		  .n_labels = 2 },
	};

	check_text(f, ARRAY_SIZE(f),
		   "# HELP m h\n# TYPE m counter\n"
		   "m{a=\"1\",b=\"x\"} 21\n"
		   "m{a=\"1\",b=\"y\"} 10\n"
		   "m{a=\"2\",b=\"x\"} 20\n"
		   "m{a=\"3\",b=\"x\"} 11\n");
}

static void test_duplicate_series(void **state)
{
	const char *a1[] = { "x", "1" }, *b1[] = { "1", "x" };
	struct sample sa = { .values = a1, .value = 1 }, sb = { .values = b1, .value = 2 };
	struct family f[] = {
		{ .name = "ebpf_exporter_x",
		  .help = "h",
		  .type = FAMILY_COUNTER,
		  .label_names = names_ba,
		  .n_labels = 2,
		  .samples = &sa,
		  .n_samples = 1 },
		{ .name = "ebpf_exporter_x",
		  .help = "h",
		  .type = FAMILY_COUNTER,
		  .label_names = names_ab,
		  .n_labels = 2,
		  .samples = &sb,
		  .n_samples = 1 },
	};
	struct buf b = { 0 };
	char err[512];

	assert_int_equal(buf_puts(&b, "keep"), 0);
	assert_int_equal(expo_write_text(&b, f, ARRAY_SIZE(f), err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "collected metric \"ebpf_exporter_x\" { label:<name:\"a\" "
				 "value:\"1\" > label:<name:\"b\" value:\"x\" > } was collected "
				 "before with the same name and label values");
	assert_string_equal(b.data, "keep");
	/* A NULL err is allowed. */
	assert_int_equal(expo_write_text(&b, f, ARRAY_SIZE(f), NULL, 0), -EEXIST);
	buf_free(&b);
}

static void test_duplicate_several(void **state)
{
	/* Three equal no-label samples give two errors; a second family one more. */
	struct sample s[3] = { { .value = 1 }, { .value = 2 }, { .value = 3 } };
	const char *names[] = { "l" }, *v[] = { "\"\xff\n" };
	struct sample t[2] = { { .values = v }, { .values = v } };
	struct family f[] = {
		{ .name = "b",
		  .help = "",
		  .type = FAMILY_GAUGE,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = t,
		  .n_samples = 2 },
		{ .name = "a", .help = "", .type = FAMILY_GAUGE, .samples = s, .n_samples = 3 },
	};
	struct buf b = { 0 };
	char err[512];

	assert_int_equal(expo_write_text(&b, f, ARRAY_SIZE(f), err, sizeof(err)), -EEXIST);
	assert_string_equal(err,
			    "3 error(s) occurred:\n"
			    "* collected metric \"a\" { } was collected before with the same "
			    "name and label values\n"
			    "* collected metric \"a\" { } was collected before with the same "
			    "name and label values\n"
			    "* collected metric \"b\" { label:<name:\"l\" value:\"\\\"\\377\\n\" "
			    "> } was collected before with the same name and label values");
	assert_true(b.len == 0);
	/* A short err buffer is truncated, never overrun. */
	assert_int_equal(expo_write_text(&b, f, ARRAY_SIZE(f), err, 8), -EEXIST);
	assert_string_equal(err, "3 error");
	buf_free(&b);
}

static void test_histogram_name_collision(void **state)
{
	struct histogram_value h = { .count = 1, .sum = 1 };
	struct sample hs = { .hist = &h }, cs[2] = { { .value = 1 }, { .value = 2 } };
	const char *names[] = { "l" }, *v1[] = { "1" }, *v2[] = { "2" };
	struct sample ls[2] = { { .values = v1 }, { .values = v2 } };
	struct family f[] = {
		{ .name = "lat_sum",
		  .help = "",
		  .type = FAMILY_COUNTER,
		  .samples = cs,
		  .n_samples = 1 },
		{ .name = "lat",
		  .help = "",
		  .type = FAMILY_HISTOGRAM,
		  .samples = &hs,
		  .n_samples = 1 },
		{ .name = "lat_bucket",
		  .help = "",
		  .type = FAMILY_GAUGE,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = ls,
		  .n_samples = 2 },
	};
	struct buf b = { 0 };
	char err[512];

	assert_int_equal(expo_write_text(&b, f, 2, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "collected metric named \"lat_sum\" collides with previously "
				 "collected histogram named \"lat\"");
	assert_int_equal(expo_write_text(&b, f, 3, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "3 error(s) occurred:\n"
				 "* collected metric named \"lat_bucket\" collides with previously "
				 "collected histogram named \"lat\"\n"
				 "* collected metric named \"lat_bucket\" collides with previously "
				 "collected histogram named \"lat\"\n"
				 "* collected metric named \"lat_sum\" collides with previously "
				 "collected histogram named \"lat\"");
	assert_true(b.len == 0);
	/* A histogram without samples collides with nothing, nor does a plain prefix. */
	f[1].n_samples = 0;
	check_text(f, 2, "# HELP lat_sum \n# TYPE lat_sum counter\nlat_sum 1\n");
	f[1].n_samples = 1;
	f[0].name = "latsum";
	assert_int_equal(expo_write_text(&b, f, 2, err, sizeof(err)), 0);
	buf_free(&b);
}

static void test_inconsistent_families(void **state)
{
	const char *v[] = { "1", "2" };
	struct sample s = { .values = v };
	const char *other[] = { "a", "c" };
	struct family f[] = {
		{ .name = "m",
		  .help = "h",
		  .type = FAMILY_COUNTER,
		  .label_names = names_ab,
		  .n_labels = 2,
		  .samples = &s,
		  .n_samples = 1 },
		{ .name = "m",
		  .help = "h",
		  .type = FAMILY_COUNTER,
		  .label_names = other,
		  .n_labels = 2,
		  .samples = &s,
		  .n_samples = 1 },
	};
	struct buf b = { 0 };
	char err[256];

	assert_int_equal(expo_write_text(&b, f, 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "collected metric m has"));
	f[1].label_names = names_ba;
	f[1].type = FAMILY_GAUGE;
	assert_int_equal(expo_write_text(&b, f, 2, err, sizeof(err)), -EINVAL);
	f[1].type = FAMILY_COUNTER;
	f[1].help = "other";
	assert_int_equal(expo_write_text(&b, f, 2, err, sizeof(err)), -EINVAL);
	buf_free(&b);
}

static void test_sort_and_compare(void **state)
{
	const char *names[] = { "z", "a", "m" };
	const char *v0[] = { "1", "b", "x" }, *v1[] = { "0", "b", "x" }, *v2[] = { "9", "a", "y" };
	const char *v3[] = { "9", "a", "" };
	struct sample s[] = { { .values = v0, .value = 0 },
			      { .values = v1, .value = 1 },
			      { .values = v2, .value = 2 },
			      { .values = v3, .value = 3 } };
	struct family f = {
		.name = "f", .label_names = names, .n_labels = 3, .samples = s, .n_samples = 4
	};
	size_t order[3];

	expo_label_order(&f, order);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 0);
	assert_true(expo_compare_samples(&f, &s[0], &s[1]) > 0);
	assert_true(expo_compare_samples(&f, &s[2], &s[0]) < 0);
	assert_int_equal(expo_compare_samples(&f, &s[3], &s[3]), 0);
	expo_sort_samples(&f);
	/* a, then m, then z */
	assert_true(s[0].value == 3);
	assert_true(s[1].value == 2);
	assert_true(s[2].value == 1);
	assert_true(s[3].value == 0);
}

static void test_write_family(void **state)
{
	const char *v[] = { "v" };
	const char *names[] = { "l" };
	struct sample s = { .values = v, .value = 7 };
	struct family f = { .name = "w",
			    .help = "h",
			    .type = FAMILY_COUNTER,
			    .label_names = names,
			    .n_labels = 1,
			    .samples = &s };
	struct buf b = { 0 };

	assert_int_equal(expo_write_family(&b, &f), 0);
	assert_true(b.len == 0);
	f.n_samples = 1;
	assert_int_equal(expo_write_family(&b, &f), 0);
	assert_string_equal(b.data, "# HELP w h\n# TYPE w counter\nw{l=\"v\"} 7\n");
	buf_free(&b);
}

static void test_buffer_limit(void **state)
{
	const char *v[] = { "value" };
	const char *names[] = { "label" };
	struct sample s = { .values = v, .value = 7 };
	struct family f = { .name = "limited",
			    .help = "h",
			    .type = FAMILY_COUNTER,
			    .label_names = names,
			    .n_labels = 1,
			    .samples = &s,
			    .n_samples = 1 };
	struct buf b = { .max = 48 };

	assert_int_equal(buf_puts(&b, "x"), 0);
	assert_int_equal(expo_write_text(&b, &f, 1, NULL, 0), -ENOMEM);
	assert_string_equal(b.data, "x");
	assert_int_equal(expo_write_family(&b, &f), -ENOMEM);
	assert_string_equal(b.data, "x");
	buf_free(&b);
}

static void test_many_labels(void **state)
{
	/* More labels than the on-stack order holds: the heap and fallback paths. */
	enum { N = 40 };
	char names_buf[N][8], vals_a[N][8], vals_b[N][8];
	const char *names[N], *va[N], *vb[N];
	struct sample s[2] = { { .values = va, .value = 1 }, { .values = vb, .value = 2 } };
	struct family f = { .name = "many",
			    .help = "",
			    .type = FAMILY_GAUGE,
			    .label_names = names,
			    .n_labels = N,
			    .samples = s,
			    .n_samples = 2 };
	struct buf b = { 0 };

	for (int i = 0; i < N; i++) {
		snprintf(names_buf[i], sizeof(names_buf[i]), "l%02d", N - 1 - i);
		snprintf(vals_a[i], sizeof(vals_a[i]), "%d", i == N - 1 ? 2 : 0);
		snprintf(vals_b[i], sizeof(vals_b[i]), "%d", i == N - 1 ? 1 : 0);
		names[i] = names_buf[i];
		va[i] = vals_a[i];
		vb[i] = vals_b[i];
	}
	/* l00 is the last config label and sorts first: it decides. */
	assert_true(expo_compare_samples(&f, &s[0], &s[1]) > 0);
	expo_sort_samples(&f);
	assert_true(s[0].value == 2);
	assert_int_equal(expo_write_family(&b, &f), 0);
	assert_non_null(strstr(b.data, "\nmany{l00=\"1\",l01=\"0\","));
	assert_non_null(strstr(b.data, "l38=\"0\",l39=\"0\"} 2\n"));
	buf_free(&b);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_large_family_sorted(void **state)
{
	/* 20000 series in scrambled order come out sorted, one line each. */
	enum { N = 20000 };
	const char *names[] = { "id" };
	char(*vals)[8] = calloc(N, sizeof(*vals));
	const char **vp = calloc(N, sizeof(*vp));
	char **sorted = calloc(N, sizeof(*sorted));
	struct sample *s = calloc(N, sizeof(*s));
	struct family f = { .name = "big",
			    .help = "",
			    .type = FAMILY_COUNTER,
			    .label_names = names,
			    .n_labels = 1,
			    .samples = s,
			    .n_samples = N };
	struct buf b = { 0 }, b2 = { 0 };
	const char *p;

	assert_non_null(vals);
	assert_non_null(vp);
	assert_non_null(sorted);
	assert_non_null(s);
	for (int i = 0; i < N; i++) {
		snprintf(vals[i], sizeof(vals[i]), "%d", (i * 7919) % N);
		vp[i] = vals[i];
		sorted[i] = vals[i];
		s[i].values = &vp[i];
		s[i].value = i;
	}
	qsort(sorted, N, sizeof(*sorted), cmp_str);
	assert_int_equal(expo_write_text(&b, &f, 1, NULL, 0), 0);
	p = strstr(b.data, "counter\n") + 8;
	for (int i = 0; i < N; i++) {
		char want[32];
		int n = snprintf(want, sizeof(want), "big{id=\"%s\"} ", sorted[i]);

		assert_memory_equal(p, want, (size_t)n);
		p = strchr(p, '\n') + 1;
	}
	assert_int_equal(*p, '\0');
	/* Sorting in place, then writing as given, yields the same text. */
	expo_sort_samples(&f);
	assert_int_equal(expo_write_family(&b2, &f), 0);
	assert_string_equal(b2.data, b.data);
	buf_free(&b2);
	buf_free(&b);
	free(s);
	free(sorted);
	free(vp);
	free(vals);
}

/*
 * A presorted family whose keys lie back to back (the collector's steady state) is written
 * exactly as the general path writes it, in text and in protobuf; a second family of the same
 * name makes the writer merge and check duplicates again.
 */
static void test_presorted_contiguous(void **state)
{
	/* Label names b, a: keys in label-name order are "a\0b\0". */
	static const char packed[] = "1\0x\0"
				     "10\0x\0"
				     "2\0y\0";
	const char *v[] = { packed + 2, packed, packed + 7, packed + 4, packed + 11, packed + 9 };
	const char *w1[] = { "x", "0" };
	struct sample s[] = {
		{ .values = &v[0], .value = 0.5 },
		{ .values = &v[2], .value = 1234567 },
		{ .values = &v[4], .value = 3 },
	};
	struct sample sk[] = {
		{ .key = packed, .value = 0.5 },
		{ .key = packed + 4, .value = 1234567 },
		{ .key = packed + 9, .value = 3 },
	};
	struct sample other[] = { { .values = w1, .value = 7 } };
	struct family f = {
		.name = "ebpf_exporter_c",
		.help = "h",
		.type = FAMILY_COUNTER,
		.label_names = names_ba,
		.n_labels = 2,
		.samples = s,
		.n_samples = 3,
	};
	struct family two[2];
	struct buf plain = { 0 }, fast = { 0 }, pb_plain = { 0 }, pb_fast = { 0 };
	const char *want = "# HELP ebpf_exporter_c h\n"
			   "# TYPE ebpf_exporter_c counter\n"
			   "ebpf_exporter_c{a=\"1\",b=\"x\"} 0.5\n"
			   "ebpf_exporter_c{a=\"10\",b=\"x\"} 1.234567e+06\n"
			   "ebpf_exporter_c{a=\"2\",b=\"y\"} 3\n";

	assert_int_equal(expo_write(&plain, EXPO_TEXT, &f, 1, NULL, 0), 0);
	assert_int_equal(expo_write(&pb_plain, EXPO_PROTOBUF, &f, 1, NULL, 0), 0);
	assert_string_equal(plain.data, want);

	/* Presorted with label values: keys are built one at a time. */
	f.presorted = true;
	assert_int_equal(expo_write(&fast, EXPO_TEXT, &f, 1, NULL, 0), 0);
	assert_string_equal(fast.data, want);

	/* Presorted with contiguous keys: used in place, in text and in protobuf. */
	f.samples = sk;
	f.contiguous_keys = true;
	buf_reset(&fast);
	assert_int_equal(expo_write(&fast, EXPO_TEXT, &f, 1, NULL, 0), 0);
	assert_int_equal(expo_write(&pb_fast, EXPO_PROTOBUF, &f, 1, NULL, 0), 0);
	assert_string_equal(fast.data, want);
	assert_int_equal(pb_fast.len, pb_plain.len);
	assert_memory_equal(pb_fast.data, pb_plain.data, pb_plain.len);

	/* Two same-named families: merged and checked, whatever their flags say. */
	two[0] = f;
	two[1] = f;
	two[1].samples = other;
	two[1].n_samples = 1;
	two[1].presorted = false;
	two[1].contiguous_keys = false;
	buf_reset(&fast);
	assert_int_equal(expo_write(&fast, EXPO_TEXT, two, 2, NULL, 0), 0);
	assert_string_equal(fast.data, "# HELP ebpf_exporter_c h\n"
				       "# TYPE ebpf_exporter_c counter\n"
				       "ebpf_exporter_c{a=\"0\",b=\"x\"} 7\n"
				       "ebpf_exporter_c{a=\"1\",b=\"x\"} 0.5\n"
				       "ebpf_exporter_c{a=\"10\",b=\"x\"} 1.234567e+06\n"
				       "ebpf_exporter_c{a=\"2\",b=\"y\"} 3\n");

	/* A duplicate across them is reported with the contiguous family's label values. */
	other[0].values = (const char *[]){ "y", "2" };
	buf_reset(&fast);
	{
		char err[512] = "";

		assert_int_equal(expo_write(&fast, EXPO_TEXT, two, 2, err, sizeof(err)), -EEXIST);
		assert_non_null(strstr(err, "label:<name:\"a\" value:\"2\" > "
					    "label:<name:\"b\" value:\"y\" > "));
	}
	buf_free(&plain);
	buf_free(&fast);
	buf_free(&pb_plain);
	buf_free(&pb_fast);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_float),
		cmocka_unit_test(test_format_float_roundtrip),
		cmocka_unit_test(test_escape_help),
		cmocka_unit_test(test_escape_label_value),
		cmocka_unit_test(test_counter_labels_sorted),
		cmocka_unit_test(test_gauge_no_labels),
		cmocka_unit_test(test_label_escaping_in_line),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_histogram_bounds_per_sample),
		cmocka_unit_test(test_histogram_no_labels_inf_bucket),
		cmocka_unit_test(test_histogram_no_buckets),
		cmocka_unit_test(test_family_order_and_empty),
		cmocka_unit_test(test_merge_same_name),
		cmocka_unit_test(test_duplicate_series),
		cmocka_unit_test(test_duplicate_several),
		cmocka_unit_test(test_histogram_name_collision),
		cmocka_unit_test(test_inconsistent_families),
		cmocka_unit_test(test_sort_and_compare),
		cmocka_unit_test(test_write_family),
		cmocka_unit_test(test_buffer_limit),
		cmocka_unit_test(test_many_labels),
		cmocka_unit_test(test_large_family_sorted),
		cmocka_unit_test(test_presorted_contiguous),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
