// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expo/expo.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char *om(struct family *f, size_t n, int want_ret)
{
	struct buf b = { 0 };
	char err[512];
	int ret = expo_write_openmetrics(&b, f, n, err, sizeof(err));

	assert_int_equal(ret, want_ret);
	if (!b.data)
		return strdup("");
	return b.data;
}

static void test_counter_gauge(void **state)
{
	static const char *const labels[] = { "kind", "cpu" };
	const char *v1[] = { "a\"b\\c\nd", "0" }, *v2[] = { "x", "1" };
	struct sample cs[] = { { .values = v2, .value = 3 }, { .values = v1, .value = 0.5 } };
	struct sample gs[] = { { .values = NULL, .value = 12 } };
	struct sample ts[] = { { .values = NULL, .value = 1e21 } };
	struct family f[3];
	char *out;

	(void)state;
	family_init(&f[0], "ebpf_exporter_ev_total", "Events \"seen\"\\\nok", FAMILY_COUNTER,
		    labels, 2);
	f[0].samples = cs;
	f[0].n_samples = 2;
	f[0].created = 1765156913.25;
	family_init(&f[1], "ebpf_exporter_g", "gauge", FAMILY_GAUGE, NULL, 0);
	f[1].samples = gs;
	f[1].n_samples = 1;
	f[1].created = 1765156913.25; /* never written for a gauge */
	family_init(&f[2], "ebpf_exporter_plain", "", FAMILY_COUNTER, NULL, 0);
	f[2].samples = ts;
	f[2].n_samples = 1; /* created 0: unknown, no _created */
	out = om(f, 3, 0);
	assert_string_equal(
		out,
		"# HELP ebpf_exporter_ev Events \\\"seen\\\"\\\\\\nok\n"
		"# TYPE ebpf_exporter_ev counter\n"
		"ebpf_exporter_ev_total{cpu=\"0\",kind=\"a\\\"b\\\\c\\nd\"} 0.5\n"
		"ebpf_exporter_ev_created{cpu=\"0\",kind=\"a\\\"b\\\\c\\nd\"} 1.76515691325e+09\n"
		"ebpf_exporter_ev_total{cpu=\"1\",kind=\"x\"} 3.0\n"
		"ebpf_exporter_ev_created{cpu=\"1\",kind=\"x\"} 1.76515691325e+09\n"
		"# HELP ebpf_exporter_g gauge\n"
		"# TYPE ebpf_exporter_g gauge\n"
		"ebpf_exporter_g 12.0\n"
		"# HELP ebpf_exporter_plain \n"
		"# TYPE ebpf_exporter_plain counter\n"
		"ebpf_exporter_plain_total 1e+21\n"
		"# EOF\n");
	free(out);
}

static void test_floats(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 1, "1.0" },	      { 0, "0.0" },	     { -1, "-1.0" },   { NAN, "NaN" },
		{ INFINITY, "+Inf" }, { -INFINITY, "-Inf" }, { 1e6, "1e+06" }, { 100, "100.0" },
		{ 0.25, "0.25" },     { -7, "-7.0" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sample s = { .values = NULL, .value = cases[i].v };
		struct family f;
		char want[128];
		char *out;

		family_init(&f, "g", "h", FAMILY_GAUGE, NULL, 0);
		f.samples = &s;
		f.n_samples = 1;
		out = om(&f, 1, 0);
		snprintf(want, sizeof(want), "# HELP g h\n# TYPE g gauge\ng %s\n# EOF\n",
			 cases[i].want);
		assert_string_equal(out, want);
		free(out);
	}
}

static void test_histogram(void **state)
{
	static const char *const labels[] = { "op" };
	static const double le[] = { 0.5, 1, 1048576 };
	static const uint64_t cum[] = { 1, 3, 4 };
	static const double le_inf[] = { 1, INFINITY };
	static const uint64_t cum_inf[] = { 2, 2 };
	const struct histogram_value h = {
		.n_buckets = 3, .le = le, .cumulative = cum, .count = 5, .sum = 7.5
	};
	const struct histogram_value hi = {
		.n_buckets = 2, .le = le_inf, .cumulative = cum_inf, .count = 2, .sum = 1
	};
	const char *v1[] = { "r" }, *v2[] = { "w" }, *v3[] = { "z" };
	struct sample s[] = { { .values = v2, .hist = &hi },
			      { .values = v1, .hist = &h },
			      { .values = v3, .hist = NULL } };
	struct family f;
	char *out;

	(void)state;
	family_init(&f, "ebpf_exporter_lat_seconds", "Latency", FAMILY_HISTOGRAM, labels, 1);
	f.samples = s;
	f.n_samples = 3;
	f.created = 1700000000;
	out = om(&f, 1, 0);
	assert_string_equal(out,
			    "# HELP ebpf_exporter_lat_seconds Latency\n"
			    "# TYPE ebpf_exporter_lat_seconds histogram\n"
			    "ebpf_exporter_lat_seconds_bucket{op=\"r\",le=\"0.5\"} 1\n"
			    "ebpf_exporter_lat_seconds_bucket{op=\"r\",le=\"1.0\"} 3\n"
			    "ebpf_exporter_lat_seconds_bucket{op=\"r\",le=\"1.048576e+06\"} 4\n"
			    "ebpf_exporter_lat_seconds_bucket{op=\"r\",le=\"+Inf\"} 5\n"
			    "ebpf_exporter_lat_seconds_count{op=\"r\"} 5\n"
			    "ebpf_exporter_lat_seconds_sum{op=\"r\"} 7.5\n"
			    "ebpf_exporter_lat_seconds_created{op=\"r\"} 1.7e+09\n"
			    "ebpf_exporter_lat_seconds_bucket{op=\"w\",le=\"1.0\"} 2\n"
			    "ebpf_exporter_lat_seconds_bucket{op=\"w\",le=\"+Inf\"} 2\n"
			    "ebpf_exporter_lat_seconds_count{op=\"w\"} 2\n"
			    "ebpf_exporter_lat_seconds_sum{op=\"w\"} 1.0\n"
			    "ebpf_exporter_lat_seconds_created{op=\"w\"} 1.7e+09\n"
			    "ebpf_exporter_lat_seconds_bucket{op=\"z\",le=\"+Inf\"} 0\n"
			    "ebpf_exporter_lat_seconds_count{op=\"z\"} 0\n"
			    "ebpf_exporter_lat_seconds_sum{op=\"z\"} 0.0\n"
			    "ebpf_exporter_lat_seconds_created{op=\"z\"} 1.7e+09\n"
			    "# EOF\n");
	free(out);
}

static void test_empty_and_errors(void **state)
{
	static const char *const labels[] = { "k" };
	const char *v[] = { "a" };
	struct sample s[] = { { .values = v, .value = 1 }, { .values = v, .value = 2 } };
	struct family f;
	struct buf b = { 0 };
	char err[512];
	char *out;

	(void)state;
	out = om(NULL, 0, 0);
	assert_string_equal(out, "# EOF\n");
	free(out);

	/* A duplicate series: the error of the text format, and b as it was (no # EOF). */
	family_init(&f, "c_total", "h", FAMILY_COUNTER, labels, 1);
	f.samples = s;
	f.n_samples = 2;
	assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(expo_write_openmetrics(&b, &f, 1, err, sizeof(err)), -EEXIST);
	assert_string_equal(b.data, "x");
	assert_non_null(strstr(err, "was collected before with the same name and label values"));
	buf_free(&b);

	/* Distinct in text, one name in OpenMetrics: counter x_total and histogram x. */
	{
		struct sample cs = { .values = NULL, .value = 1 }, hs = { .values = NULL };
		struct family two[2];

		family_init(&two[0], "x_total", "c", FAMILY_COUNTER, NULL, 0);
		two[0].samples = &cs;
		two[0].n_samples = 1;
		family_init(&two[1], "x", "h", FAMILY_HISTOGRAM, NULL, 0);
		two[1].samples = &hs;
		two[1].n_samples = 1;
		assert_int_equal(buf_append(&b, "y", 1), 0);
		assert_int_equal(expo_write_openmetrics(&b, two, 2, err, sizeof(err)), -EEXIST);
		assert_string_equal(b.data, "y");
		assert_string_equal(err,
				    "two collected metrics are written as \"x\" in OpenMetrics");
		/* a gauge x_created against counter x's created samples */
		family_init(&two[1], "x_created", "g", FAMILY_GAUGE, NULL, 0);
		two[1].samples = &cs;
		two[1].n_samples = 1;
		assert_int_equal(expo_write_openmetrics(&b, two, 2, err, sizeof(err)), -EEXIST);
		assert_string_equal(
			err, "two collected metrics are written as \"x_created\" in OpenMetrics");
		/* the same families written apart are fine */
		assert_int_equal(expo_write_openmetrics(&b, &two[1], 1, err, sizeof(err)), 0);
		assert_string_equal(err, "");
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_gauge),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_empty_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
