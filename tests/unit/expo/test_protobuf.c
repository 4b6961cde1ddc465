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
#include "expo/protobuf.h"
#include "prometheus/metrics.pb-c.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The writer's output is decoded with protobuf-c's code generated from
 * proto/prometheus/metrics.proto: an independent decoder of the same schema.
 */

/* Decodes every length-delimited MetricFamily of b[0..len); returns how many (<= max). */
static size_t decode_all(const uint8_t *p, size_t len, Io__Prometheus__Client__MetricFamily **out,
			 size_t max)
{
	size_t n = 0, off = 0;

	while (off < len) {
		uint64_t size = 0;
		int shift = 0;

		do {
			assert_true(off < len);
			size |= (uint64_t)(p[off] & 0x7f) << shift;
			shift += 7;
		} while (p[off++] & 0x80);
		assert_true(size <= len - off);
		assert_true(n < max);
		out[n] = io__prometheus__client__metric_family__unpack(NULL, size, p + off);
		assert_non_null(out[n]);
		n++;
		off += size;
	}
	return n;
}

static void free_all(Io__Prometheus__Client__MetricFamily **f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		io__prometheus__client__metric_family__free_unpacked(f[i], NULL);
}

/* ---- exact bytes ---------------------------------------------------------------------- */

static void test_golden_counter(void **state)
{
	/* What Go's protodelim writes for this family: fields in number order, type always. */
	static const uint8_t want[] = {
		0x1d, 0x0a, 0x01, 'm',	0x12, 0x01, 'h',  0x18, 0x00, 0x22,
		0x13, 0x0a, 0x06, 0x0a, 0x01, 'a',  0x12, 0x01, 'x',  0x1a,
		0x09, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f,
	};
	const char *names[] = { "a" }, *v[] = { "x" };
	struct sample s = { .values = v, .value = 1 };
	struct family f = { .name = "m",
			    .help = "h",
			    .type = FAMILY_COUNTER,
			    .label_names = names,
			    .n_labels = 1,
			    .samples = &s,
			    .n_samples = 1 };
	struct buf b = { 0 };
	char err[64];

	(void)state;
	assert_int_equal(expo_write_protobuf(&b, &f, 1, err, sizeof(err)), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	buf_free(&b);
}

static void test_golden_histogram(void **state)
{
	/* No labels, one bucket; no +Inf bucket is added (Go's const histogram neither). */
	static const uint8_t want[] = {
		0x24, 0x0a, 0x01, 'h',	0x12, 0x00, 0x18, 0x04, 0x22, 0x1b, 0x3a, 0x19, 0x08,
		0x80, 0x01, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x40, 0x1a, 0x0b,
		0x08, 0x03, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f,
	};
	const double le[] = { 0.5 };
	const uint64_t cum[] = { 3 };
	struct histogram_value h = {
		.n_buckets = 1, .le = le, .cumulative = cum, .count = 128, .sum = 2.5
	};
	struct sample s = { .hist = &h };
	struct family f = {
		.name = "h", .help = "", .type = FAMILY_HISTOGRAM, .samples = &s, .n_samples = 1
	};
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	buf_free(&b);
}

/* ---- decoded ---------------------------------------------------------------------------- */

static void assert_label(const Io__Prometheus__Client__LabelPair *l, const char *name,
			 const char *value)
{
	assert_string_equal(l->name, name);
	assert_string_equal(l->value, value);
}

static void test_decoded_families(void **state)
{
	const char *cnames[] = { "zeta", "alpha" };
	const char *cv1[] = { "1", "b" }, *cv2[] = { "2", "a" }, *cv3[] = { "0", "a" };
	struct sample cs[] = {
		{ .values = cv1, .value = 7 },
		{ .values = cv2, .value = 1e6 },
		{ .values = cv3, .value = -0.25 },
	};
	/* Same name again, listing its labels the other way round: merged, sorted together. */
	const char *cnames2[] = { "alpha", "zeta" };
	const char *cv4[] = { "a", "10" };
	struct sample cs2[] = { { .values = cv4, .value = NAN } };
	const char *hnames[] = { "dev" };
	const char *hv1[] = { "sdb" }, *hv2[] = { "bad\xff\xfe" };
	const double le[] = { 1e-6, 2e-6, 4e-6 };
	const uint64_t cum1[] = { 1, 2, 3 }, cum2[] = { 0, 0, 300 };
	struct histogram_value
		h1 = { .n_buckets = 3, .le = le, .cumulative = cum1, .count = 4, .sum = 0.001 },
		h2 = { .n_buckets = 3, .le = le, .cumulative = cum2, .count = 300, .sum = 1e300 };
	struct sample hs[] = { { .values = hv1, .hist = &h1 }, { .values = hv2, .hist = &h2 } };
	struct sample gs = { .value = INFINITY };
	struct family fams[] = {
		{ .name = "c_total",
		  .help = "Counter \\ with\nnewline",
		  .type = FAMILY_COUNTER,
		  .label_names = cnames,
		  .n_labels = 2,
		  .samples = cs,
		  .n_samples = 3 },
		{ .name = "g", .help = NULL, .type = FAMILY_GAUGE, .samples = &gs, .n_samples = 1 },
		{ .name = "empty", .help = "omitted", .type = FAMILY_GAUGE },
		{ .name = "h_seconds",
		  .help = "Hist",
		  .type = FAMILY_HISTOGRAM,
		  .label_names = hnames,
		  .n_labels = 1,
		  .samples = hs,
		  .n_samples = 2 },
		{ .name = "c_total",
		  .help = "Counter \\ with\nnewline",
		  .type = FAMILY_COUNTER,
		  .label_names = cnames2,
		  .n_labels = 2,
		  .samples = cs2,
		  .n_samples = 1 },
	};
	Io__Prometheus__Client__MetricFamily *mf[8];
	struct buf b = { 0 };
	size_t n;

	(void)state;
	buf_puts(&b, "prefix");
	assert_int_equal(expo_write_protobuf(&b, fams, ARRAY_SIZE(fams), NULL, 0), 0);
	assert_memory_equal(b.data, "prefix", 6);
	n = decode_all((const uint8_t *)b.data + 6, b.len - 6, mf, ARRAY_SIZE(mf));
	assert_int_equal(n, 3);

	/* c_total: labels sorted by name, series by alpha then zeta. */
	assert_string_equal(mf[0]->name, "c_total");
	assert_string_equal(mf[0]->help, "Counter \\ with\nnewline");
	assert_true(mf[0]->has_type);
	assert_int_equal(mf[0]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER);
	assert_int_equal(mf[0]->n_metric, 4);
	{
		static const char *const want[][2] = {
			{ "a", "0" }, { "a", "10" }, { "a", "2" }, { "b", "1" }
		};
		const double vals[] = { -0.25, NAN, 1e6, 7 };

		for (size_t i = 0; i < 4; i++) {
			const Io__Prometheus__Client__Metric *m = mf[0]->metric[i];

			assert_int_equal(m->n_label, 2);
			assert_label(m->label[0], "alpha", want[i][0]);
			assert_label(m->label[1], "zeta", want[i][1]);
			assert_non_null(m->counter);
			assert_null(m->gauge);
			assert_null(m->histogram);
			assert_true(m->counter->has_value);
			if (isnan(vals[i]))
				assert_true(isnan(m->counter->value));
			else
				assert_true(m->counter->value == vals[i]);
			assert_false(m->has_timestamp_ms);
		}
	}

	/* g: no help given is an empty help, still sent; no labels. */
	assert_string_equal(mf[1]->name, "g");
	assert_string_equal(mf[1]->help, "");
	assert_int_equal(mf[1]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE);
	assert_int_equal(mf[1]->n_metric, 1);
	assert_int_equal(mf[1]->metric[0]->n_label, 0);
	assert_non_null(mf[1]->metric[0]->gauge);
	assert_true(isinf(mf[1]->metric[0]->gauge->value));

	/* h_seconds: series sort on the raw values; the invalid bytes become one U+FFFD. */
	assert_string_equal(mf[2]->name, "h_seconds");
	assert_int_equal(mf[2]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
	assert_int_equal(mf[2]->n_metric, 2);
	assert_label(mf[2]->metric[0]->label[0], "dev", "bad\xef\xbf\xbd");
	assert_label(mf[2]->metric[1]->label[0], "dev", "sdb");
	{
		const Io__Prometheus__Client__Histogram *h = mf[2]->metric[1]->histogram;

		assert_non_null(h);
		assert_true(h->has_sample_count && h->has_sample_sum);
		assert_int_equal(h->sample_count, 4);
		assert_true(h->sample_sum == 0.001);
		assert_int_equal(h->n_bucket, 3);
		for (size_t i = 0; i < 3; i++) {
			assert_true(h->bucket[i]->has_cumulative_count);
			assert_int_equal(h->bucket[i]->cumulative_count, cum1[i]);
			assert_true(h->bucket[i]->upper_bound == le[i]);
		}
		assert_false(h->has_sample_count_float);
		h = mf[2]->metric[0]->histogram;
		assert_int_equal(h->sample_count, 300);
		assert_true(h->sample_sum == 1e300);
	}
	free_all(mf, n);
	buf_free(&b);
}

static void test_untyped_and_no_samples(void **state)
{
	struct sample s = { .value = 3 };
	struct family f = {
		.name = "u", .help = "x", .type = (enum family_type)7, .samples = &s, .n_samples = 1
	};
	Io__Prometheus__Client__MetricFamily *mf[1];
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(expo_write_protobuf(&b, &f, 0, NULL, 0), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), 0);
	assert_int_equal(decode_all((const uint8_t *)b.data, b.len, mf, 1), 1);
	assert_int_equal(mf[0]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__UNTYPED);
	assert_non_null(mf[0]->metric[0]->untyped);
	assert_true(mf[0]->metric[0]->untyped->value == 3);
	free_all(mf, 1);
	buf_free(&b);
}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_errors_like_text(void **state)
{
	const char *names[] = { "a" }, *v[] = { "x" };
	struct sample s[] = { { .values = v, .value = 1 }, { .values = v, .value = 2 } };
	struct family dup = { .name = "d",
			      .help = "h",
			      .type = FAMILY_COUNTER,
			      .label_names = names,
			      .n_labels = 1,
			      .samples = s,
			      .n_samples = 2 };
	struct family ok = {
		.name = "a", .help = "h", .type = FAMILY_GAUGE, .samples = s, .n_samples = 1
	};
	struct family fams[] = { ok, dup };
	char err_pb[512], err_text[512];
	struct buf b = { 0 };

	(void)state;
	buf_puts(&b, "keep");
	assert_int_equal(expo_write_protobuf(&b, fams, 2, err_pb, sizeof(err_pb)), -EEXIST);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	assert_int_equal(expo_write_text(&b, fams, 2, err_text, sizeof(err_text)), -EEXIST);
	assert_string_equal(err_pb, err_text);
	assert_int_equal(expo_write_prototext(&b, fams, 2, false, err_pb, sizeof(err_pb)), -EEXIST);
	assert_string_equal(err_pb, err_text);
	assert_string_equal(b.data, "keep");
	buf_free(&b);
}

static void test_buffer_limit(void **state)
{
	const char *names[] = { "a" };
	const char *vals[64][1];
	char strs[64][16];
	struct sample s[64];
	struct family f = { .name = "m",
			    .help = "h",
			    .type = FAMILY_COUNTER,
			    .label_names = names,
			    .n_labels = 1,
			    .samples = s,
			    .n_samples = 64 };
	struct buf b = { .max = 200 };

	(void)state;
	for (int i = 0; i < 64; i++) {
		snprintf(strs[i], sizeof(strs[i]), "v%d", i);
		vals[i][0] = strs[i];
		s[i] = (struct sample){ .values = vals[i], .value = i };
	}
	buf_puts(&b, "x");
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), -ENOMEM);
	assert_int_equal(b.len, 1);
	b.max = 0;
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), 0);
	buf_free(&b);
}

/* ---- protobuf and text agree ------------------------------------------------------------ */

/* Appends the text lines of one decoded metric, as expo_write_text prints them. */
static void text_of_metric(struct buf *t, const char *name, const Io__Prometheus__Client__Metric *m)
{
	char num[EXPO_FLOAT_MAX];
	struct buf lab = { 0 };

	buf_puts(&lab, "");
	for (size_t k = 0; k < m->n_label; k++) {
		buf_printf(&lab, "%s%s=\"", k ? "," : "", m->label[k]->name);
		expo_escape_label_value(&lab, m->label[k]->value, strlen(m->label[k]->value));
		buf_putc(&lab, '"');
	}
	if (!m->histogram) {
		double v = m->counter ? m->counter->value : m->gauge->value;

		expo_format_float(v, num);
		buf_printf(t, "%s%s%s%s %s\n", name, lab.len ? "{" : "", lab.data,
			   lab.len ? "}" : "", num);
		buf_free(&lab);
		return;
	}
	for (size_t i = 0; i < m->histogram->n_bucket; i++) {
		char le[EXPO_FLOAT_MAX];

		expo_format_float(m->histogram->bucket[i]->upper_bound, le);
		expo_format_float((double)m->histogram->bucket[i]->cumulative_count, num);
		buf_printf(t, "%s_bucket{%s%sle=\"%s\"} %s\n", name, lab.data, lab.len ? "," : "",
			   le, num);
	}
	expo_format_float((double)m->histogram->sample_count, num);
	buf_printf(t, "%s_bucket{%s%sle=\"+Inf\"} %s\n", name, lab.data, lab.len ? "," : "", num);
	expo_format_float(m->histogram->sample_sum, num);
	buf_printf(t, "%s_sum%s%s%s %s\n", name, lab.len ? "{" : "", lab.data, lab.len ? "}" : "",
		   num);
	expo_format_float((double)m->histogram->sample_count, num);
	buf_printf(t, "%s_count%s%s%s %s\n", name, lab.len ? "{" : "", lab.data, lab.len ? "}" : "",
		   num);
	buf_free(&lab);
}

static void test_large_agrees_with_text(void **state)
{
	enum { N = 20000, NH = 500, NB = 30 };
	const char *names[] = { "shard", "id", "comm" };
	const char *hnames[] = { "id" };
	struct sample *s = calloc(N, sizeof(*s)), *hs = calloc(NH, sizeof(*hs));
	const char **vals = calloc(3 * N, sizeof(*vals)), **hvals = calloc(NH, sizeof(*hvals));
	char(*strs)[2][16] = calloc(N, sizeof(*strs));
	char(*hstrs)[16] = calloc(NH, sizeof(*hstrs));
	struct histogram_value *hv = calloc(NH, sizeof(*hv));
	uint64_t *cum = calloc((size_t)NH * NB, sizeof(*cum));
	double le[NB];
	struct family fams[2] = {
		{ .name = "ebpf_exporter_bench_total",
		  .help = "Bench",
		  .type = FAMILY_COUNTER,
		  .label_names = names,
		  .n_labels = 3,
		  .samples = s,
		  .n_samples = N },
		{ .name = "ebpf_exporter_bench_seconds",
		  .help = "Bench hist",
		  .type = FAMILY_HISTOGRAM,
		  .label_names = hnames,
		  .n_labels = 1,
		  .samples = hs,
		  .n_samples = NH },
	};
	Io__Prometheus__Client__MetricFamily *mf[2];
	struct buf pb = { 0 }, text = { 0 }, back = { 0 };
	uint64_t seed = 42;

	(void)state;
	assert_non_null(s && hs && vals && hvals && strs && hstrs && hv && cum);
	for (int i = 0; i < NB; i++)
		le[i] = ldexp(1e-6, i);
	for (size_t i = 0; i < N; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(strs[i][0], sizeof(strs[i][0]), "%zu", (size_t)(seed >> 40) % 16);
		snprintf(strs[i][1], sizeof(strs[i][1]), "%zu", i);
		vals[3 * i] = strs[i][0];
		vals[3 * i + 1] = strs[i][1];
		vals[3 * i + 2] = i % 3 ? "bash" : "a \"q\" \\ \n\xc3";
		s[i] = (struct sample){ .values = vals + 3 * i, .value = (double)(seed >> 20) / 3 };
	}
	for (size_t i = 0; i < NH; i++) {
		uint64_t c = 0;

		snprintf(hstrs[i], sizeof(hstrs[i]), "%zu", i * 7919 % NH);
		hvals[i] = hstrs[i];
		for (size_t j = 0; j < NB; j++) {
			c += (i * j) % 5;
			cum[i * NB + j] = c;
		}
		hv[i] = (struct histogram_value){ .n_buckets = NB,
						  .le = le,
						  .cumulative = cum + i * NB,
						  .count = c + 1,
						  .sum = (double)i * 0.1 };
		hs[i] = (struct sample){ .values = hvals + i, .hist = &hv[i] };
	}

	assert_int_equal(expo_write_protobuf(&pb, fams, 2, NULL, 0), 0);
	assert_int_equal(expo_write_text(&text, fams, 2, NULL, 0), 0);
	assert_int_equal(decode_all((const uint8_t *)pb.data, pb.len, mf, 2), 2);
	for (size_t f = 0; f < 2; f++) {
		buf_printf(&back, "# HELP %s %s\n# TYPE %s %s\n", mf[f]->name, mf[f]->help,
			   mf[f]->name, f ? "counter" : "histogram");
		for (size_t i = 0; i < mf[f]->n_metric; i++)
			text_of_metric(&back, mf[f]->name, mf[f]->metric[i]);
	}
	assert_int_equal(mf[0]->n_metric, NH);
	assert_int_equal(mf[1]->n_metric, N);
	assert_int_equal(back.len, text.len);
	assert_string_equal(back.data, text.data);

	free_all(mf, 2);
	buf_free(&pb);
	buf_free(&text);
	buf_free(&back);
	free(s);
	free(hs);
	free(vals);
	free(hvals);
	free(strs);
	free(hstrs);
	free(hv);
	free(cum);
}

/* ---- protobuf text formats -------------------------------------------------------------- */

static void test_prototext(void **state)
{
	const char *names[] = { "b", "a" }, *v[] = { "x\t\x01\x7f\"", "\xc2\x85\xc3\xa9\xff" };
	struct sample s = { .values = v, .value = 1e6 };
	const double le[] = { 0.5, INFINITY };
	const uint64_t cum[] = { 1, 2 };
	struct histogram_value h = {
		.n_buckets = 2, .le = le, .cumulative = cum, .count = 2, .sum = NAN
	};
	struct sample hs = { .hist = &h };
	struct family fams[] = {
		{ .name = "c",
		  .help = "line\nbreak \\ \xff",
		  .type = FAMILY_COUNTER,
		  .label_names = names,
		  .n_labels = 2,
		  .samples = &s,
		  .n_samples = 1 },
		{ .name = "h",
		  .help = "",
		  .type = FAMILY_HISTOGRAM,
		  .samples = &hs,
		  .n_samples = 1 },
	};
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(expo_write_prototext(&b, fams, 2, false, NULL, 0), 0);
	assert_string_equal(b.data, "name: \"c\"\n"
				    "help: \"line\\nbreak \\\\ \\xff\"\n"
				    "type: COUNTER\n"
				    "metric: {\n"
				    "  label: {\n"
				    "    name: \"a\"\n"
				    "    value: \"\\u0085\xc3\xa9\xef\xbf\xbd\"\n"
				    "  }\n"
				    "  label: {\n"
				    "    name: \"b\"\n"
				    "    value: \"x\\t\\x01\\x7f\\\"\"\n"
				    "  }\n"
				    "  counter: {\n"
				    "    value: 1e+06\n"
				    "  }\n"
				    "}\n"
				    "\n"
				    "name: \"h\"\n"
				    "help: \"\"\n"
				    "type: HISTOGRAM\n"
				    "metric: {\n"
				    "  histogram: {\n"
				    "    sample_count: 2\n"
				    "    sample_sum: nan\n"
				    "    bucket: {\n"
				    "      cumulative_count: 1\n"
				    "      upper_bound: 0.5\n"
				    "    }\n"
				    "    bucket: {\n"
				    "      cumulative_count: 2\n"
				    "      upper_bound: inf\n"
				    "    }\n"
				    "  }\n"
				    "}\n"
				    "\n");
	buf_reset(&b);
	assert_int_equal(expo_write_prototext(&b, fams, 2, true, NULL, 0), 0);
	assert_string_equal(
		b.data,
		"name:\"c\" help:\"line\\nbreak \\\\ \\xff\" type:COUNTER metric:{label:{name:\"a\" "
		"value:\"\\u0085\xc3\xa9\xef\xbf\xbd\"} label:{name:\"b\" "
		"value:\"x\\t\\x01\\x7f\\\"\"} counter:{value:1e+06}}\n"
		"name:\"h\" help:\"\" type:HISTOGRAM metric:{histogram:{sample_count:2 "
		"sample_sum:nan bucket:{cumulative_count:1 upper_bound:0.5} "
		"bucket:{cumulative_count:2 upper_bound:inf}}}\n");
	buf_free(&b);
}

static void test_expo_write_dispatch(void **state)
{
	struct sample s = { .value = 2 };
	struct family f = {
		.name = "g", .help = "h", .type = FAMILY_GAUGE, .samples = &s, .n_samples = 1
	};
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(expo_write(&b, EXPO_TEXT, &f, 1, NULL, 0), 0);
	assert_string_equal(b.data, "# HELP g h\n# TYPE g gauge\ng 2\n");
	buf_reset(&b);
	assert_int_equal(expo_write(&b, EXPO_PROTOCOMPACT, &f, 1, NULL, 0), 0);
	assert_string_equal(b.data, "name:\"g\" help:\"h\" type:GAUGE metric:{gauge:{value:2}}\n");
	buf_reset(&b);
	assert_int_equal(expo_write(&b, EXPO_PROTOBUF, &f, 1, NULL, 0), 0);
	assert_int_equal((unsigned char)b.data[0], b.len - 1);
	buf_free(&b);
}

/* A writer that lists the groups it sees and fails on the one named "fail". */
static int list_groups(struct buf *b, const struct expo_group *g, void *arg)
{
	int *calls = arg;

	(*calls)++;
	if (!strcmp(g->f->name, "fail"))
		return -EIO;
	return buf_printf(b, "%s:%zu;", g->f->name, g->n_series);
}

static void test_write_families_callback(void **state)
{
	const char *names[] = { "a" }, *v1[] = { "1" }, *v2[] = { "2" };
	struct sample s1 = { .values = v1 }, s2 = { .values = v2 };
	struct family fams[] = {
		{ .name = "z",
		  .type = FAMILY_GAUGE,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = &s1,
		  .n_samples = 1 },
		{ .name = "e", .type = FAMILY_GAUGE },
		{ .name = "fail", .type = FAMILY_GAUGE, .samples = &s1, .n_samples = 1 },
		{ .name = "z",
		  .type = FAMILY_GAUGE,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = &s2,
		  .n_samples = 1 },
		{ .name = "b", .type = FAMILY_GAUGE, .samples = &s1, .n_samples = 1 },
	};
	struct buf b = { 0 };
	int calls = 0;

	(void)state;
	/* Name order, empty families skipped, same names merged. */
	assert_int_equal(expo_write_families(&b, fams, 2, list_groups, &calls, NULL, 0), 0);
	assert_string_equal(b.data, "z:1;");
	buf_reset(&b);
	calls = 0;
	assert_int_equal(expo_write_families(&b, fams + 3, 2, list_groups, &calls, NULL, 0), 0);
	assert_string_equal(b.data, "b:1;z:1;");
	buf_reset(&b);
	fams[2].name = "y";
	calls = 0;
	assert_int_equal(expo_write_families(&b, fams, 5, list_groups, &calls, NULL, 0), 0);
	assert_string_equal(b.data, "b:1;y:1;z:2;");
	assert_int_equal(calls, 3);
	/* A writer's error stops the walk and leaves b as it was. */
	fams[2].name = "fail";
	calls = 0;
	assert_int_equal(expo_write_families(&b, fams, 5, list_groups, &calls, NULL, 0), -EIO);
	assert_int_equal(calls, 2);
	assert_string_equal(b.data, "b:1;y:1;z:2;");
	buf_free(&b);
}

/* ---- created timestamps and native histograms -------------------------------------------- */

static void test_created_timestamps(void **state)
{
	const char *names[] = { "a" }, *v[] = { "x" };
	const double le[] = { 1 };
	const uint64_t cum[] = { 2 };
	struct histogram_value hv = {
		.n_buckets = 1, .le = le, .cumulative = cum, .count = 2, .sum = 0.5
	};
	struct sample c = { .values = v, .value = 3 }, g = { .values = v, .value = 4 };
	struct sample hs = { .values = v, .hist = &hv };
	struct family fams[] = {
		{ .name = "c",
		  .type = FAMILY_COUNTER,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = &c,
		  .n_samples = 1,
		  .created = 1700000000.25 },
		{ .name = "g",
		  .type = FAMILY_GAUGE,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = &g,
		  .n_samples = 1,
		  .created = 1700000000.25 },
		{ .name = "h",
		  .type = FAMILY_HISTOGRAM,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = &hs,
		  .n_samples = 1,
		  .created = 1600000000 },
		{ .name = "z",
		  .type = FAMILY_COUNTER,
		  .label_names = names,
		  .n_labels = 1,
		  .samples = &c,
		  .n_samples = 1 },
	};
	Io__Prometheus__Client__MetricFamily *out[4];
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(expo_write_protobuf(&b, fams, 4, NULL, 0), 0);
	assert_int_equal(decode_all((const uint8_t *)b.data, b.len, out, 4), 4);
	assert_non_null(out[0]->metric[0]->counter->created_timestamp);
	assert_int_equal(out[0]->metric[0]->counter->created_timestamp->seconds, 1700000000);
	assert_int_equal(out[0]->metric[0]->counter->created_timestamp->nanos, 250000000);
	assert_true(out[0]->metric[0]->counter->value == 3);
	/* Gauges never carry one; neither does a family whose time is unknown. */
	assert_int_equal(out[1]->metric[0]->gauge->base.n_unknown_fields, 0);
	assert_true(out[1]->metric[0]->gauge->value == 4);
	assert_non_null(out[2]->metric[0]->histogram->created_timestamp);
	assert_int_equal(out[2]->metric[0]->histogram->created_timestamp->seconds, 1600000000);
	assert_int_equal(out[2]->metric[0]->histogram->created_timestamp->nanos, 0);
	assert_int_equal(out[2]->metric[0]->histogram->sample_count, 2);
	assert_null(out[3]->metric[0]->counter->created_timestamp);
	free_all(out, 4);
	buf_free(&b);
}

static void test_created_golden(void **state)
{
	/* The golden counter with created 1.5: Counter { value, created_timestamp { 1, 5e8 } }. */
	static const uint8_t want[] = {
		0x27, 0x0a, 0x01, 'm',	0x12, 0x01, 'h',  0x18, 0x00, 0x22, 0x1d, 0x0a, 0x06, 0x0a,
		0x01, 'a',  0x12, 0x01, 'x',  0x1a, 0x13, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xf0, 0x3f, 0x1a, 0x08, 0x08, 0x01, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01,
	};
	const char *names[] = { "a" }, *v[] = { "x" };
	struct sample s = { .values = v, .value = 1 };
	struct family f = { .name = "m",
			    .help = "h",
			    .type = FAMILY_COUNTER,
			    .label_names = names,
			    .n_labels = 1,
			    .samples = &s,
			    .n_samples = 1,
			    .created = 1.5 };
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	buf_free(&b);
}

/* Decodes the single histogram family in b. */
static Io__Prometheus__Client__MetricFamily *decode_one(struct buf *b)
{
	Io__Prometheus__Client__MetricFamily *out[1];

	assert_int_equal(decode_all((const uint8_t *)b->data, b->len, out, 1), 1);
	assert_int_equal(out[0]->n_metric, 1);
	assert_non_null(out[0]->metric[0]->histogram);
	return out[0];
}

static void test_native_exp2zero(void **state)
{
	/* Bucket counts: zero 3, le 1: 0, le 2: 2, le 4: 0, le 8: 0, le 16: 4, le 32: 1. */
	const double le[] = { 0, 1, 2, 4, 8, 16, 32 };
	const uint64_t cum[] = { 3, 3, 5, 5, 5, 9, 10 };
	struct histogram_value hv = { .n_buckets = 7,
				      .le = le,
				      .cumulative = cum,
				      .count = 10,
				      .sum = 77,
				      .native = true,
				      .native_zero = true,
				      .native_first = 0 };
	struct sample s = { .hist = &hv };
	struct family f = { .name = "h", .type = FAMILY_HISTOGRAM, .samples = &s, .n_samples = 1 };
	struct buf b = { 0 };
	Io__Prometheus__Client__MetricFamily *mf;
	const Io__Prometheus__Client__Histogram *h;

	(void)state;
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), 0);
	mf = decode_one(&b);
	h = mf->metric[0]->histogram;
	/* The classic part as before. */
	assert_int_equal(h->sample_count, 10);
	assert_true(h->sample_sum == 77);
	assert_int_equal(h->n_bucket, 7);
	assert_int_equal(h->bucket[5]->cumulative_count, 9);
	assert_true(h->bucket[5]->upper_bound == 16);
	/* The native part. */
	assert_true(h->has_schema);
	assert_int_equal(h->schema, 0);
	assert_true(h->has_zero_threshold);
	assert_true(h->zero_threshold == 0);
	assert_int_equal(h->zero_count, 3);
	assert_int_equal(h->n_positive_span, 2);
	assert_int_equal(h->positive_span[0]->offset, 1); /* le 2 = 2^1 */
	assert_int_equal(h->positive_span[0]->length, 1);
	assert_int_equal(h->positive_span[1]->offset, 2); /* le 16, two empty buckets later */
	assert_int_equal(h->positive_span[1]->length, 2);
	assert_int_equal(h->n_positive_delta, 3);
	assert_int_equal(h->positive_delta[0], 2);
	assert_int_equal(h->positive_delta[1], 2);
	assert_int_equal(h->positive_delta[2], -3);
	assert_int_equal(h->n_negative_span, 0);
	io__prometheus__client__metric_family__free_unpacked(mf, NULL);
	buf_free(&b);
}

static void test_native_exp2_shifted(void **state)
{
	/* exp2 from 2^-3 (a multiplier of 1/8 on bucket_min 0): native indexes from -3. */
	const double le[] = { 0.125, 0.25, 0.5 };
	const uint64_t cum[] = { 1, 4, 4 };
	struct histogram_value hv = { .n_buckets = 3,
				      .le = le,
				      .cumulative = cum,
				      .count = 4,
				      .sum = 0.5,
				      .native = true,
				      .native_first = -3 };
	struct sample s = { .hist = &hv };
	struct family f = { .name = "h", .type = FAMILY_HISTOGRAM, .samples = &s, .n_samples = 1 };
	struct buf b = { 0 };
	Io__Prometheus__Client__MetricFamily *mf;
	const Io__Prometheus__Client__Histogram *h;

	(void)state;
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), 0);
	mf = decode_one(&b);
	h = mf->metric[0]->histogram;
	assert_int_equal(h->zero_count, 0);
	assert_int_equal(h->n_positive_span, 1);
	assert_int_equal(h->positive_span[0]->offset, -3);
	assert_int_equal(h->positive_span[0]->length, 2);
	assert_int_equal(h->n_positive_delta, 2);
	assert_int_equal(h->positive_delta[0], 1);
	assert_int_equal(h->positive_delta[1], 2);
	io__prometheus__client__metric_family__free_unpacked(mf, NULL);
	buf_free(&b);
}

static void test_native_empty_and_classic(void **state)
{
	const double le[] = { 1, 2 };
	const uint64_t zeros[] = { 0, 0 };
	/* No observations: a span of length 0 says native (as client_golang writes it). */
	struct histogram_value empty = {
		.n_buckets = 2, .le = le, .cumulative = zeros, .native = true
	};
	/* Not native: no native field at all. */
	struct histogram_value classic = { .n_buckets = 2, .le = le, .cumulative = zeros };
	struct sample s = { .hist = &empty };
	struct family f = { .name = "h", .type = FAMILY_HISTOGRAM, .samples = &s, .n_samples = 1 };
	struct buf b = { 0 };
	Io__Prometheus__Client__MetricFamily *mf;
	const Io__Prometheus__Client__Histogram *h;

	(void)state;
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), 0);
	mf = decode_one(&b);
	h = mf->metric[0]->histogram;
	assert_true(h->has_schema);
	assert_int_equal(h->n_positive_span, 1);
	assert_int_equal(h->positive_span[0]->offset, 0);
	assert_int_equal(h->positive_span[0]->length, 0);
	assert_int_equal(h->n_positive_delta, 0);
	io__prometheus__client__metric_family__free_unpacked(mf, NULL);
	buf_free(&b);

	s.hist = &classic;
	assert_int_equal(expo_write_protobuf(&b, &f, 1, NULL, 0), 0);
	mf = decode_one(&b);
	h = mf->metric[0]->histogram;
	assert_false(h->has_schema);
	assert_false(h->has_zero_threshold);
	assert_false(h->has_zero_count);
	assert_int_equal(h->n_positive_span, 0);
	assert_int_equal(h->n_bucket, 2);
	io__prometheus__client__metric_family__free_unpacked(mf, NULL);
	buf_free(&b);
}

static void test_prototext_native_created(void **state)
{
	/* exp2zero: zero 1, le 1: 2, le 2: 0, le 4: 5; created 1.25 on both families. */
	const double le[] = { 0, 1, 2, 4 };
	const uint64_t cum[] = { 1, 3, 3, 8 };
	struct histogram_value h = { .n_buckets = 4,
				     .le = le,
				     .cumulative = cum,
				     .count = 8,
				     .sum = 20,
				     .native = true,
				     .native_zero = true };
	struct sample hs = { .hist = &h }, cs = { .value = 2 };
	struct family fams[] = {
		{ .name = "c",
		  .type = FAMILY_COUNTER,
		  .samples = &cs,
		  .n_samples = 1,
		  .created = 1.25 },
		{ .name = "h",
		  .type = FAMILY_HISTOGRAM,
		  .samples = &hs,
		  .n_samples = 1,
		  .created = 1.25 },
	};
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(expo_write_prototext(&b, fams, 2, true, NULL, 0), 0);
	assert_string_equal(b.data,
			    "name:\"c\" help:\"\" type:COUNTER metric:{counter:{value:2 "
			    "created_timestamp:{seconds:1 nanos:250000000}}}\n"
			    "name:\"h\" help:\"\" type:HISTOGRAM metric:{histogram:{sample_count:8 "
			    "sample_sum:20 bucket:{cumulative_count:1 upper_bound:0} "
			    "bucket:{cumulative_count:3 upper_bound:1} "
			    "bucket:{cumulative_count:3 upper_bound:2} "
			    "bucket:{cumulative_count:8 upper_bound:4} schema:0 zero_threshold:0 "
			    "zero_count:1 positive_span:{offset:0 length:1} "
			    "positive_span:{offset:1 length:1} positive_delta:2 positive_delta:3 "
			    "created_timestamp:{seconds:1 nanos:250000000}}}\n");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_counter),
		cmocka_unit_test(test_golden_histogram),
		cmocka_unit_test(test_decoded_families),
		cmocka_unit_test(test_untyped_and_no_samples),
		cmocka_unit_test(test_errors_like_text),
		cmocka_unit_test(test_buffer_limit),
		cmocka_unit_test(test_large_agrees_with_text),
		cmocka_unit_test(test_prototext),
		cmocka_unit_test(test_expo_write_dispatch),
		cmocka_unit_test(test_write_families_callback),
		cmocka_unit_test(test_created_timestamps),
		cmocka_unit_test(test_created_golden),
		cmocka_unit_test(test_native_exp2zero),
		cmocka_unit_test(test_native_exp2_shifted),
		cmocka_unit_test(test_native_empty_and_classic),
		cmocka_unit_test(test_prototext_native_created),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
