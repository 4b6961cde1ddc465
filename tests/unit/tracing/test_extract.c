// SPDX-License-Identifier: MIT
/* Ring-buffer records to spans, through the real label decoders. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "labels/label_set.h"
#include "tracing/extract.h"
#include "tracing/span.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MS 1000000ULL

#define DEC(n)              \
	{                   \
		.name = (n) \
	}
#define LABEL(nm, sz, dec)                                                                   \
	{                                                                                    \
		.name = (nm), .size = (sz), .decoders = (struct decoder_conf[]){ DEC(dec) }, \
		.n_decoders = 1                                                              \
	}

static const struct extract_opts opts = {
	.default_name = "some_buf",
	.config_name = "potato",
	.service = 3,
	.attr_count_limit = 128,
	.attr_value_limit = SIZE_MAX,
};

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* no labels at all. */
static void test_empty_labels(void **state)
{
	struct idgen g;
	struct span *sp = NULL;
	char err[512] = "";
	uint64_t now;

	(void)state;
	idgen_init(&g);
	assert_int_equal(span_extract(&opts, NULL, NULL, 0, &g, &sp, err, sizeof(err)), 0);
	now = span_now_unix_ns();
	assert_string_equal(sp->name, "some_buf");
	assert_true(absdiff(sp->start_ns, now) <= MS);
	assert_int_equal(sp->end_ns, sp->start_ns);
	/* a new root with random ids (the SDK's "invalid parent" case) */
	assert_false(span_id_is_zero(sp->trace_id, 16));
	assert_false(span_id_is_zero(sp->span_id, 8));
	assert_true(span_id_is_zero(sp->parent_span_id, 8));
	assert_false(sp->parent_remote);
	assert_int_equal(sp->service, 3);
	/* only the config attribute */
	assert_int_equal(sp->n_attrs, 1);
	assert_string_equal(sp->attrs[0].key, "ebpf_exporter.config");
	assert_string_equal(sp->attrs[0].value, "potato");
	span_free(sp);
}

/* the 68-byte record, decoded by the label decoders first. */
static void test_filled_record(void **state)
{
	struct decoder_env *env = *state;
	struct label_conf labels[] = {
		LABEL("trace_id", 16, "hex"),
		LABEL("parent_span_id", 8, "hex"),
		LABEL("span_id", 8, "hex"),
		LABEL("span_monotonic_timestamp_ns", 8, "uint"),
		LABEL("span_duration_ns", 8, "uint"),
		LABEL("lol", 4, "string"),
	};
	uint8_t rec[68 + 12] = { 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0xfe, 0xed };
	const char *names[ARRAY_SIZE(labels)], *values[ARRAY_SIZE(labels)];
	struct label_set *ls = NULL;
	struct buf out = { 0 };
	struct span *sp = NULL;
	char err[2048] = "";
	uint64_t ts = span_now_mono_ns() + 60000 * MS, now;
	struct idgen g;
	size_t i;

	idgen_init(&g);
	memcpy(rec + 16, "\xfe\xed", 2);
	memcpy(rec + 24, "\xbe\xef", 2);
	memcpy(rec + 32, &ts, 8);
	memcpy(rec + 40, "\xff\xab\x3d", 3);
	memcpy(rec + 48, "haha", 4);
	memset(rec + 68, 0x77, 12); /* ring-buffer tail past the labels: ignored */
	if (label_set__new(labels, ARRAY_SIZE(labels), env, &ls, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(
		label_set__decode_record(ls, rec, sizeof(rec), &out, values, err, sizeof(err)), 0);
	for (i = 0; i < ARRAY_SIZE(labels); i++)
		names[i] = labels[i].name;
	assert_string_equal(values[0], "beef000000000000feed000000000000");
	assert_int_equal(span_extract(&opts, names, values, ARRAY_SIZE(labels), &g, &sp, err,
				      sizeof(err)),
			 0);
	now = span_now_unix_ns();
	assert_memory_equal(sp->trace_id, "\xbe\xef\0\0\0\0\0\0\xfe\xed\0\0\0\0\0\0", 16);
	assert_memory_equal(sp->parent_span_id, "\xfe\xed\0\0\0\0\0\0", 8);
	assert_memory_equal(sp->span_id, "\xbe\xef\0\0\0\0\0\0", 8);
	assert_true(sp->parent_remote);
	assert_true(absdiff(sp->start_ns, now + 60000 * MS) <= MS);
	assert_int_equal(sp->end_ns - sp->start_ns, 4041727);
	assert_string_equal(sp->name, "some_buf");
	assert_int_equal(sp->n_attrs, 2);
	assert_string_equal(sp->attrs[0].key, "lol");
	assert_string_equal(sp->attrs[0].value, "haha");
	assert_string_equal(sp->attrs[1].key, "ebpf_exporter.config");
	span_free(sp);
	buf_free(&out);
	label_set__free(ls);
}

struct field_case {
	const char *names[4];
	const char *values[4];
	size_t n;
	const char *err; /* NULL: success */
};

static void test_field_errors(void **state)
{
	static const struct field_case cases[] = {
		{ { "trace_id" },
		  { "00" },
		  1,
		  "error parsing trace_id \"00\": hex encoded trace-id must have length equals to 32" },
		{ { "trace_id" },
		  { "0000000000000000000000000000000G" },
		  1,
		  "error parsing trace_id \"0000000000000000000000000000000G\": trace-id and span-id "
		  "can only contain [0-9a-f] characters, all lowercase" },
		{ { "trace_id" },
		  { "00000000000000000000000000000000" },
		  1,
		  "error parsing trace_id \"00000000000000000000000000000000\": trace-id can't be all "
		  "zero" },
		{ { "trace_id" },
		  { "ABCD0000000000000000000000000000" },
		  1,
		  "error parsing trace_id \"ABCD0000000000000000000000000000\": trace-id and span-id "
		  "can only contain [0-9a-f] characters, all lowercase" },
		{ { "parent_span_id" },
		  { "beef" },
		  1,
		  "error parsing parent_span_id \"beef\": hex encoded span-id must have length equals "
		  "to 16" },
		{ { "span_id" },
		  { "xx00000000000000" },
		  1,
		  "error parsing span_id \"xx00000000000000\": trace-id and span-id can only contain "
		  "[0-9a-f] characters, all lowercase" },
		{ { "span_monotonic_timestamp_ns" },
		  { "12a" },
		  1,
		  "error decoding integer for span_monotonic_timestamp_ns from \"12a\": "
		  "strconv.ParseUint: parsing \"12a\": invalid syntax" },
		{ { "span_duration_ns" },
		  { "" },
		  1,
		  "error decoding integer for span_duration_ns from \"\": strconv.ParseUint: parsing "
		  "\"\": invalid syntax" },
		{ { "span_duration_ns" },
		  { "18446744073709551616" },
		  1,
		  "error decoding integer for span_duration_ns from \"18446744073709551616\": "
		  "strconv.ParseUint: parsing \"18446744073709551616\": value out of range" },
		{ { "span_duration_ns" }, { "18446744073709551615" }, 1, NULL },
		/* zero ids are "unset", not errors */
		{ { "parent_span_id", "span_id" },
		  { "0000000000000000", "0000000000000000" },
		  2,
		  NULL },
	};
	struct idgen g;
	size_t i;

	(void)state;
	idgen_init(&g);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct span *sp = NULL;
		char err[1024] = "";
		int r = span_extract(&opts, cases[i].names, cases[i].values, cases[i].n, &g, &sp,
				     err, sizeof(err));

		if (cases[i].err) {
			assert_int_equal(r, -EINVAL);
			assert_null(sp);
			assert_string_equal(err, cases[i].err);
		} else {
			assert_int_equal(r, 0);
			span_free(sp);
		}
	}
}

/* Ids: a trace id joins that trace; span_id is used unless zero; no trace id
 * means a new random trace whatever span_id says. */
static void test_ids(void **state)
{
	static const char *const names[] = { "trace_id", "parent_span_id", "span_id" };
	static const char *const root_in_trace[] = { "0102030405060708090a0b0c0d0e0f10",
						     "0000000000000000", "0000000000000000" };
	static const char *const no_trace[] = { "parent_span_id", "span_id" };
	static const char *const no_trace_v[] = { "1111111111111111", "2222222222222222" };
	struct span *sp = NULL;
	char err[512];
	struct idgen g;

	(void)state;
	idgen_init(&g);
	assert_int_equal(span_extract(&opts, names, root_in_trace, 3, &g, &sp, err, sizeof(err)),
			 0);
	assert_memory_equal(sp->trace_id,
			    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
	assert_true(span_id_is_zero(sp->parent_span_id, 8));
	assert_false(sp->parent_remote);
	assert_false(span_id_is_zero(sp->span_id, 8));
	span_free(sp);

	assert_int_equal(span_extract(&opts, no_trace, no_trace_v, 2, &g, &sp, err, sizeof(err)),
			 0);
	assert_true(span_id_is_zero(sp->parent_span_id, 8));
	assert_memory_not_equal(sp->span_id, "\x22\x22\x22\x22\x22\x22\x22\x22", 8);
	assert_false(span_id_is_zero(sp->trace_id, 16));
	span_free(sp);
}

/* span_name overrides the name, even when empty; other labels are attributes in order. */
static void test_name_and_attributes(void **state)
{
	static const char *const names[] = { "b", "span_name", "a" };
	static const char *const values[] = { "2", "", "1" };
	static const char *const names2[] = { "span_name", "x" };
	static const char *const values2[] = { "/bin/bash", "bad \xff\xfe utf8" };
	struct span *sp = NULL;
	char err[512];
	struct idgen g;

	(void)state;
	idgen_init(&g);
	assert_int_equal(span_extract(&opts, names, values, 3, &g, &sp, err, sizeof(err)), 0);
	assert_string_equal(sp->name, "");
	assert_int_equal(sp->n_attrs, 3);
	assert_string_equal(sp->attrs[0].key, "b");
	assert_string_equal(sp->attrs[1].key, "a");
	assert_string_equal(sp->attrs[2].key, "ebpf_exporter.config");
	span_free(sp);

	/* invalid UTF-8 never reaches OTLP: one U+FFFD per run */
	assert_int_equal(span_extract(&opts, names2, values2, 2, &g, &sp, err, sizeof(err)), 0);
	assert_string_equal(sp->name, "/bin/bash");
	assert_string_equal(sp->attrs[0].value, "bad \xef\xbf\xbd utf8");
	span_free(sp);
}

static void test_limits(void **state)
{
	static const char *const names[] = { "a", "b", "c" };
	static const char *const values[] = { "1234", "h\xc3\xa9llo", "x" };
	struct extract_opts o = opts;
	struct span *sp = NULL;
	char err[512];
	struct idgen g;

	(void)state;
	idgen_init(&g);
	o.attr_count_limit = 2;
	o.attr_value_limit = 2;
	assert_int_equal(span_extract(&o, names, values, 3, &g, &sp, err, sizeof(err)), 0);
	assert_int_equal(sp->n_attrs, 2);
	assert_int_equal(sp->dropped_attrs, 2);
	assert_string_equal(sp->attrs[0].value, "12");
	/* cut before a split character, not inside it */
	assert_string_equal(sp->attrs[1].value, "h");
	span_free(sp);
}

/* converting the current monotonic time lands between two wall readings. */
static void test_ktime(void **state)
{
	uint64_t before, after, got;

	(void)state;
	before = span_now_unix_ns();
	got = span_ktime_to_unix_ns(span_now_mono_ns());
	after = span_now_unix_ns();
	assert_true(got + MS >= before);
	assert_true(got <= after + MS);
	/* a timestamp in the past stays in the past */
	got = span_ktime_to_unix_ns(span_now_mono_ns() - 5000 * MS);
	assert_true(absdiff(got + 5000 * MS, span_now_unix_ns()) <= 10 * MS);
}

static void test_idgen(void **state)
{
	uint8_t a[16], b[16];
	struct idgen g;
	int i;

	(void)state;
	idgen_init(&g);
	for (i = 0; i < 1000; i++) {
		idgen_fill(&g, a, sizeof(a));
		idgen_fill(&g, b, sizeof(b));
		assert_false(span_id_is_zero(a, sizeof(a)));
		assert_memory_not_equal(a, b, sizeof(a));
	}
}

static int setup(void **state)
{
	struct decoder_env_opts o = { 0 };
	struct decoder_env *env = NULL;
	const char *slash = strrchr(__FILE__, '/');
	char path[4096], err[512];

	snprintf(path, sizeof(path), "%.*s/../fixtures/decoders/kallsyms.txt",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	o.kallsyms_path = path;
	if (decoder_env__new(&o, &env, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	decoder_env__free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_labels),
		cmocka_unit_test(test_filled_record),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_name_and_attributes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ktime),
		cmocka_unit_test(test_idgen),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
