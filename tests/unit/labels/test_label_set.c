// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "labels/label_set.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Hand-built config structs (no config.c). */
#define DEC(n)              \
	{                   \
		.name = (n) \
	}
#define DECS(...)               \
	(struct decoder_conf[]) \
	{                       \
		__VA_ARGS__     \
	}
#define N_DECS(...) (sizeof((struct decoder_conf[]){ __VA_ARGS__ }) / sizeof(struct decoder_conf))
#define LABEL(nm, sz, pad, ...)                                                              \
	{                                                                                    \
		.name = (nm), .size = (sz), .padding = (pad), .decoders = DECS(__VA_ARGS__), \
		.n_decoders = N_DECS(__VA_ARGS__)                                            \
	}
#define REGEXP(...)                                                              \
	{                                                                        \
		.name = "regexp", .regexps = (char *[]){ __VA_ARGS__ },          \
		.n_regexps = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
		.regexps_set = true                                              \
	}
#define SM(k, v)                         \
	{                                \
		.key = (k), .value = (v) \
	}

static char fixture_path[4096];

static const char *fixture(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');

	snprintf(fixture_path, sizeof(fixture_path), "%.*s/../fixtures/decoders/%s",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".", name);
	return fixture_path;
}

static int setup(void **state)
{
	struct decoder_env_opts opts = { .kallsyms_path = fixture("kallsyms.txt") };
	struct decoder_env *env = NULL;
	char err[512];

	if (decoder_env__new(&opts, &env, err, sizeof(err))) {
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

static struct label_set *new_set(struct decoder_env *env, const struct label_conf *labels, size_t n)
{
	struct label_set *ls = NULL;
	char err[1024] = "";

	if (label_set__new(labels, n, env, &ls, err, sizeof(err)))
		fail_msg("label_set__new: %s", err);
	assert_int_equal(label_set__count(ls), n);
	return ls;
}

/* "x"/n: ASCII x zero-padded to n bytes, after a 4-byte prefix. */
static size_t key_with(uint8_t *key, const uint8_t prefix[4], const char *s, size_t n)
{
	memcpy(key, prefix, 4);
	memset(key + 4, 0, n);
	memcpy(key + 4, s, strlen(s));
	return 4 + n;
}

static void expect_values(struct label_set *ls, const uint8_t *key, size_t len, size_t n,
			  const char *const *want)
{
	const char *values[16];
	struct buf out = { 0 };
	char err[2048] = "";
	int ret;

	assert_true(n <= ARRAY_SIZE(values));
	ret = label_set__decode(ls, key, len, &out, values, err, sizeof(err));
	if (ret)
		fail_msg("decode: ret %d: %s", ret, err);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(values[i], want[i]);
	buf_free(&out);
}

static void expect_error(struct label_set *ls, const uint8_t *key, size_t len, int want_ret,
			 const char *want_err)
{
	const char *values[16] = { 0 };
	struct buf out = { 0 };
	char err[2048] = "";

	assert_int_equal(buf_puts(&out, "keep"), 0);
	assert_int_equal(label_set__decode(ls, key, len, &out, values, err, sizeof(err)), want_ret);
	if (want_err)
		assert_string_equal(err, want_err);
	/* out is left as it was, values untouched */
	assert_int_equal(out.len, 4);
	assert_string_equal(out.data, "keep");
	assert_null(values[0]);
	buf_free(&out);
}

/* Pipeline vectors. */
static void test_pipeline_vectors(void **state)
{
	static const uint8_t eight[4] = { 8, 0, 0, 0 }, eight_pad[4] = { 8, 1, 1, 1 };
	static const char *const want[] = { "8", "bananas" };
	uint8_t key[64];
	size_t len;

	struct label_conf number[] = { LABEL("number", 4, 0, DEC("uint")) };
	struct label_set *ls = new_set(*state, number, 1);

	len = key_with(key, eight, "potatoes", 16);
	expect_error(ls, key, len, -EINVAL,
		     "error decoding labels: total size of key []byte{0x8, 0x0, 0x0, 0x0, 0x70, "
		     "0x6f, 0x74, 0x61, 0x74, 0x6f, 0x65, 0x73, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, "
		     "0x0} is 20 bytes, but we have labels to decode 4");
	label_set__free(ls);

	struct label_conf fruit[] = { LABEL("number", 4, 0, DEC("uint")),
				      LABEL("fruit", 32, 0, DEC("string")) };
	ls = new_set(*state, fruit, 2);
	assert_int_equal(label_set__key_size(ls), 36);
	assert_string_equal(label_set__name(ls, 0), "number");
	assert_string_equal(label_set__name(ls, 1), "fruit");
	len = key_with(key, eight, "bananas", 32);
	expect_values(ls, key, len, 2, want);
	label_set__free(ls);

	struct label_conf padded[] = { LABEL("number", 1, 3, DEC("uint")),
				       LABEL("fruit", 32, 0, DEC("string")) };
	ls = new_set(*state, padded, 2);
	len = key_with(key, eight_pad, "bananas", 32);
	expect_values(ls, key, len, 2, want);
	label_set__free(ls);

	struct label_conf re[] = {
		LABEL("number", 4, 0, DEC("uint")),
		LABEL("fruit", 32, 0, DEC("string"), REGEXP("^bananas$", "$is-banana-even-fruit$")),
	};
	ls = new_set(*state, re, 2);
	len = key_with(key, eight, "bananas", 32);
	expect_values(ls, key, len, 2, want);
	label_set__free(ls);

	struct label_conf tomato[] = {
		LABEL("number", 4, 0, DEC("uint")),
		LABEL("fruit", 32, 0, DEC("string"), REGEXP("^tomato$")),
	};
	ls = new_set(*state, tomato, 2);
	expect_error(ls, key, len, DECODER_SKIP, "");
	label_set__free(ls);

	/* One raw key, two label layouts: no cross-talk. */
	static const uint8_t babe[8] = { 0xba, 0xbe, 0xba, 0xbe, 0xde, 0xad, 0xbe, 0xef };
	static const char *const one_want[] = { "17275436392834055866" };
	static const char *const two_want[] = { "3199909562", "4022250974" };
	struct label_conf one[] = { LABEL("single_u64", 8, 0, DEC("uint")) };
	struct label_conf two[] = { LABEL("u32_one", 4, 0, DEC("uint")),
				    LABEL("u32_two", 4, 0, DEC("uint")) };
	struct label_set *a = new_set(*state, one, 1), *b = new_set(*state, two, 2);

	expect_values(a, babe, 8, 1, one_want);
	expect_values(b, babe, 8, 2, two_want);
	expect_values(a, babe, 8, 1, one_want);
	label_set__free(a);
	label_set__free(b);
}

/* The checks run in order: size, then each decoder. */
static void test_check_order(void **state)
{
	static const uint8_t key[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct label_set *ls;
	char err[256];

	/* 1. zero size beats a length mismatch */
	struct label_conf zero[] = { LABEL("ok", 4, 0, DEC("uint")),
				     LABEL("empty\"one", 0, 0, DEC("uint")) };
	ls = new_set(*state, zero, 2);
	expect_error(ls, key, 3, -EINVAL,
		     "error decoding label \"empty\\\"one\": size is zero or not set");
	assert_int_equal(label_set__check(ls, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "error decoding label \"empty\\\"one\": size is zero or not set");
	label_set__free(ls);

	/* 2. a length mismatch beats a missing decoder list */
	struct label_conf nodec[] = { LABEL("a", 4, 0, DEC("uint")),
				      { .name = "bare", .size = 4 } };
	ls = new_set(*state, nodec, 2);
	expect_error(ls, key, 7, -EINVAL,
		     "error decoding labels: total size of key []byte{0x1, 0x2, 0x3, 0x4, 0x5, "
		     "0x6, 0x7} is 7 bytes, but we have labels to decode 8");
	/* 3. inside the loop, after earlier labels decoded */
	expect_error(ls, key, 8, -EINVAL, "error decoding label \"bare\": no decoders set");
	assert_int_equal(label_set__check(ls, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "error decoding label \"bare\": no decoders set");
	label_set__free(ls);

	/* ... so a skip in an earlier label wins over it */
	struct label_conf skipfirst[] = { LABEL("a", 4, 0, DEC("string"), REGEXP("^zzz$")),
					  { .name = "bare", .size = 4 } };
	ls = new_set(*state, skipfirst, 2);
	expect_error(ls, key, 8, DECODER_SKIP, NULL);
	label_set__free(ls);

	/* A clean set passes the check. */
	struct label_conf good[] = { LABEL("a", 4, 4, DEC("uint")) };
	ls = new_set(*state, good, 1);
	err[0] = 'x';
	assert_int_equal(label_set__check(ls, err, sizeof(err)), 0);
	label_set__free(ls);
}

static void test_decoder_errors(void **state)
{
	struct label_set *ls;

	struct label_conf odd[] = { LABEL("n", 3, 0, DEC("uint")) };
	ls = new_set(*state, odd, 1);
	expect_error(ls, (const uint8_t *)"\x01\x02\x03", 3, -EINVAL,
		     "error decoding with decoder \"uint\": unknown value length 3 for "
		     "[]byte{0x1, 0x2, 0x3}");
	label_set__free(ls);

	/* An error in a later decoder of the chain names that decoder and its input. */
	struct label_conf chain[] = { LABEL("ok", 1, 0, DEC("uint")),
				      LABEL("s", 5, 0, DEC("string"), DEC("uint")) };
	ls = new_set(*state, chain, 2);
	expect_error(ls,
		     (const uint8_t *)"\x07"
				      "abc\0\0",
		     6, -EINVAL,
		     "error decoding with decoder \"uint\": unknown value length 3 for "
		     "[]byte{0x61, 0x62, 0x63}");
	label_set__free(ls);

	/* ksym short input: an error, not a crash. */
	struct label_conf k[] = { LABEL("fn", 4, 0, DEC("ksym")) };
	ls = new_set(*state, k, 1);
	expect_error(ls, (const uint8_t *)"\x30\x08\xd9\x19", 4, -EINVAL,
		     "error decoding with decoder \"ksym\": need at least 8 bytes for an address, "
		     "got 4: []byte{0x30, 0x8, 0xd9, 0x19}");
	label_set__free(ls);
}

static void test_chains(void **state)
{
	struct decoder_conf sm = { .name = "static_map",
				   .static_map = (struct static_map_entry[]){ SM("0", "read"),
									      SM("1", "write") },
				   .n_static_map = 2,
				   .static_map_set = true };
	struct decoder_conf sm_tags = {
		.name = "static_map",
		.static_map = (struct static_map_entry[]){ SM("beef", "cow"), SM("sys", "system") },
		.n_static_map = 2,
		.static_map_set = true,
		.allow_unknown = true
	};
	struct label_conf labels[] = {
		LABEL("op", 1, 3, DEC("uint"), sm),
		LABEL("comm", 16, 0, DEC("string"), REGEXP("^(sys)temd", "^kworker"), sm_tags),
		LABEL("tag", 2, 6, DEC("hex"), REGEXP("^(be)"), DEC("hex"), DEC("hex")),
		LABEL("fn", 8, 0, DEC("ksym"), REGEXP("^pipe_(.*)$"), DEC("string")),
		LABEL("raw", 2, 0, DEC("hex")),
	};
	struct label_set *ls = new_set(*state, labels, ARRAY_SIZE(labels));
	uint8_t key[4 + 16 + 8 + 8 + 2];
	uint64_t addr = 0xffffffeb19d90870; /* pipe_unlock */
	static const char *const want[] = { "write", "system", "36323635", "unlock", "beef" };
	static const char *const want2[] = { "unknown:7", "kworker", "36323635", "unlock", "0000" };

	assert_int_equal(label_set__key_size(ls), sizeof(key));
	memset(key, 0, sizeof(key));
	key[0] = 1;
	memcpy(key + 4, "systemd-journal", 15);
	key[20] = 0xbe;
	key[21] = 0xef;
	memcpy(key + 28, &addr, 8);
	key[36] = 0xbe;
	key[37] = 0xef;
	expect_values(ls, key, sizeof(key), ARRAY_SIZE(want), want);

	key[0] = 7;
	memset(key + 4, 0, 16);
	memcpy(key + 4, "kworker/0:1", 11);
	key[36] = key[37] = 0;
	expect_values(ls, key, sizeof(key), ARRAY_SIZE(want2), want2);

	/* A skip in the middle of the set leaves nothing behind. */
	memcpy(key + 4, "bash\0\0\0", 7);
	expect_error(ls, key, sizeof(key), DECODER_SKIP, NULL);
	label_set__free(ls);
}

static void test_new_errors(void **state)
{
	const struct {
		struct label_conf label;
		int ret;
		const char *err;
	} cases[] = {
		{ LABEL("x", 4, 0, DEC("uint"), DEC("foo")), -EINVAL,
		  "label \"x\": unknown decoder \"foo\"" },
		{ LABEL("x\ty", 4, 0, DEC("")), -EINVAL, "label \"x\\ty\": unknown decoder \"\"" },
		{ LABEL("comm", 16, 0, DEC("string"), REGEXP("ok", "(")), -EINVAL,
		  "label \"comm\": decoder \"regexp\": error compiling regexp \"(\": missing "
		  "closing parenthesis" },
		{ LABEL("comm", 16, 0, DEC("string"), DEC("regexp")), -EINVAL,
		  "label \"comm\": decoder \"regexp\": no regexps defined in config" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct label_conf labels[] = { LABEL("fine", 4, 0, DEC("string"), REGEXP("a")),
					       cases[i].label };
		struct label_set *ls = NULL;
		char err[512] = "";

		assert_int_equal(label_set__new(labels, 2, *state, &ls, err, sizeof(err)),
				 cases[i].ret);
		assert_null(ls);
		assert_string_equal(err, cases[i].err);
	}

	/* Truncated messages stay terminated; tiny buffers are safe. */
	struct label_conf bad[] = { LABEL("comm", 16, 0, REGEXP("((((((((((")) };
	struct label_set *ls = NULL;
	char small[24];

	assert_int_equal(label_set__new(bad, 1, *state, &ls, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "label \"comm\": decoder \"");
	label_set__free(NULL);
}

static void test_sizes(void **state)
{
	struct label_set *ls;

	/* No labels: only an empty key decodes. */
	ls = new_set(*state, NULL, 0);
	assert_int_equal(label_set__key_size(ls), 0);
	expect_values(ls, (const uint8_t *)"", 0, 0, NULL);
	expect_error(ls, (const uint8_t *)"\0\0\0\0", 4, -EINVAL,
		     "error decoding labels: total size of key []byte{0x0, 0x0, 0x0, 0x0} is 4 "
		     "bytes, but we have labels to decode 0");
	label_set__free(ls);

	/* Sizes that overflow never match and never crash. */
	struct label_conf huge[] = { LABEL("a", UINT64_MAX, 5, DEC("hex")),
				     LABEL("b", 4, 0, DEC("hex")) };
	ls = new_set(*state, huge, 2);
	assert_int_equal(label_set__key_size(ls), UINT64_MAX);
	expect_error(ls, (const uint8_t *)"\1\2\3\4", 4, -EINVAL,
		     "error decoding labels: total size of key []byte{0x1, 0x2, 0x3, 0x4} is 4 "
		     "bytes, but the sizes of the labels overflow");
	label_set__free(ls);

	struct label_conf huge2[] = { LABEL("a", UINT64_MAX / 2 + 1, 0, DEC("hex")),
				      LABEL("b", UINT64_MAX / 2 + 1, 0, DEC("hex")) };
	ls = new_set(*state, huge2, 2);
	assert_int_equal(label_set__key_size(ls), UINT64_MAX);
	label_set__free(ls);
}

static void test_record_truncation(void **state)
{
	struct label_conf labels[] = { LABEL("pid", 4, 0, DEC("uint")),
				       LABEL("comm", 4, 4, DEC("string")) };
	struct label_set *ls = new_set(*state, labels, 2);
	const uint8_t rec[16] = { 42, 0, 0, 0, 'a', 'b', 'c', 'd', 9, 9, 9, 9, 7, 7, 7, 7 };
	const char *values[2];
	struct buf out = { 0 };
	char err[512];

	assert_int_equal(label_set__key_size(ls), 12);
	/* Perf samples arrive padded (12 → 16 bytes here): truncated to Σ. */
	assert_int_equal(label_set__decode_record(ls, rec, 16, &out, values, err, sizeof(err)), 0);
	assert_string_equal(values[0], "42");
	assert_string_equal(values[1], "abcd");
	assert_int_equal(label_set__decode_record(ls, rec, 12, &out, values, err, sizeof(err)), 0);
	/* Short records still fail the size check. */
	assert_int_equal(label_set__decode_record(ls, rec, 11, &out, values, err, sizeof(err)),
			 -EINVAL);
	assert_true(strstr(err, "is 11 bytes, but we have labels to decode 12") != NULL);
	/* Map keys are never truncated. */
	assert_int_equal(label_set__decode(ls, rec, 16, &out, values, err, sizeof(err)), -EINVAL);
	assert_true(strstr(err, "is 16 bytes, but we have labels to decode 12") != NULL);
	buf_free(&out);
	label_set__free(ls);
}

static void test_output_buffer(void **state)
{
	/* Twelve 256-byte hex labels: out reallocates many times; values must follow. */
	enum { N = 12, SZ = 256 };
	struct label_conf labels[N];
	struct decoder_conf hex = DEC("hex");
	static uint8_t key[N * SZ];
	const char *values[N];
	struct buf out = { 0 };
	char err[64], want[2 * SZ + 1];

	for (size_t i = 0; i < N; i++)
		labels[i] = (struct label_conf){
			.name = "h", .size = SZ, .decoders = &hex, .n_decoders = 1
		};
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i / SZ);
	struct label_set *ls = new_set(*state, labels, N);

	assert_int_equal(buf_puts(&out, "prefix"), 0);
	assert_int_equal(label_set__decode(ls, key, sizeof(key), &out, values, err, sizeof(err)),
			 0);
	assert_int_equal(out.len, 6 + N * (2 * SZ + 1));
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < SZ; j++)
			snprintf(want + 2 * j, 3, "%02zx", i);
		assert_string_equal(values[i], want);
	}
	/* Decoding again appends; a small error buffer only truncates the message. */
	assert_int_equal(label_set__decode(ls, key, 5, &out, values, err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(out.len, 6 + N * (2 * SZ + 1));
	buf_free(&out);
	label_set__free(ls);
}

struct worker {
	struct label_set *ls;
	int iterations;
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint8_t key[36] = { 8, 0, 0, 0, 'b', 'a', 'n', 'a', 'n', 'a', 's' };
	const char *values[2];
	struct buf out = { 0 };
	char err[512];

	for (int i = 0; i < w->iterations; i++) {
		key[0] = (uint8_t)i;
		buf_reset(&out);
		if (label_set__decode(w->ls, key, sizeof(key), &out, values, err, sizeof(err)) ||
		    strtol(values[0], NULL, 10) != (uint8_t)i || strcmp(values[1], "bananas"))
			w->failures++;
		if (label_set__decode_record(w->ls, key, sizeof(key), &out, values, err,
					     sizeof(err)))
			w->failures++;
	}
	buf_free(&out);
	return NULL;
}

/* Shared sets and env from many threads (upstream: 1000 goroutines). */
static void test_concurrency(void **state)
{
	enum { THREADS = 16 };
	struct label_conf labels[] = {
		LABEL("number", 4, 0, DEC("uint")),
		LABEL("fruit", 32, 0, DEC("string"), REGEXP("^bananas$", "$is-banana-even-fruit$")),
	};
	struct label_set *a = new_set(*state, labels, 2), *b = new_set(*state, labels, 2);
	struct worker w[THREADS];
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .ls = i % 2 ? a : b, .iterations = 2000 };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	label_set__free(a);
	label_set__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline_vectors),  cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_decoder_errors),	  cmocka_unit_test(test_chains),
		cmocka_unit_test(test_new_errors),	  cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_record_truncation), cmocka_unit_test(test_output_buffer),
		cmocka_unit_test(test_concurrency),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
