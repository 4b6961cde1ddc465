// SPDX-License-Identifier: MIT
/*
 * Text read as Go's standard library reads it, as tables of what Go itself returns:
 * strconv.ParseFloat, int(float64), time.ParseDuration, strings.TrimSpace == "", path.Clean
 * and filepath.Base.
 */
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

#include "util/buf.h"
#include "util/gostr.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_parse_float(void **state)
{
	static const struct {
		const char *in;
		double want;
	} ok[] = {
		{ "1", 1 },	 { "1e3", 1000 },    { "-2.5", -2.5 }, { "+.5", 0.5 },
		{ "5.", 5 },	 { "0x1p-2", 0.25 }, { "0x1.8p1", 3 }, { "1_000", 1000 },
		{ "1e-400", 0 }, { "007", 7 },
	};
	static const char *const syntax[] = { "",   "abc", "1e",   "0x1",  "1__0", "_1",
					      " 1", "1 ",  "+nan", "infx", "0x",   "1.2.3" };
	double v;

	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		assert_int_equal(gostr_parse_float(ok[i].in, &v), 0);
		assert_true(v == ok[i].want);
	}
	for (size_t i = 0; i < ARRAY_LEN(syntax); i++)
		assert_int_equal(gostr_parse_float(syntax[i], &v), -EINVAL);
	assert_int_equal(gostr_parse_float("inf", &v), 0);
	assert_true(isinf(v) && v > 0);
	assert_int_equal(gostr_parse_float("-Infinity", &v), 0);
	assert_true(isinf(v) && v < 0);
	assert_int_equal(gostr_parse_float("NaN", &v), 0);
	assert_true(isnan(v));
	v = 42;
	assert_int_equal(gostr_parse_float("1e400", &v), -ERANGE);
	assert_true(v == 42); /* untouched */
}

static void test_float_to_int(void **state)
{
	assert_true(gostr_float_to_int(1.9) == 1);
	assert_true(gostr_float_to_int(-1.9) == -1);
	assert_true(gostr_float_to_int(0.0) == 0);
	assert_true(gostr_float_to_int(9007199254740992.0) == 9007199254740992LL);
	assert_true(gostr_float_to_int(NAN) == INT64_MIN);
	assert_true(gostr_float_to_int(1e19) == INT64_MIN);
	assert_true(gostr_float_to_int(-1e19) == INT64_MIN);
}

static void test_parse_duration(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} ok[] = {
		{ "0", 0 },
		{ "1s", 1000000000LL },
		{ "1.5h", 5400000000000LL },
		{ "-1m", -60000000000LL },
		{ "+5ms", 5000000LL },
		{ "1h2m3s4ms5us6ns", 3723004005006LL },
		{ "1\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
		{ "1\xce\xbcs", 1000 }, /* U+03BC Greek mu */
		{ ".5s", 500000000LL },
		{ "1.s", 1000000000LL },
		{ "2562047h", 2562047LL * 3600 * 1000000000LL },
	};
	static const char *const bad[] = { "", "1", "1x", "s", ".s", "1..5s", "-", "1s ", " 1s" };
	int64_t v;

	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		assert_int_equal(gostr_parse_duration(ok[i].in, strlen(ok[i].in), &v), 0);
		assert_true(v == ok[i].want);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(gostr_parse_duration(bad[i], strlen(bad[i]), &v), -EINVAL);
	assert_int_equal(gostr_parse_duration("2562048h", 8, &v), -ERANGE);
	assert_int_equal(gostr_parse_duration("9223372036854775808ns", 21, &v), -ERANGE);
	/* the length bounds the text: "1s" of "1sX" */
	assert_int_equal(gostr_parse_duration("1sX", 2, &v), 0);
	assert_true(v == 1000000000LL);
}

static void test_blank(void **state)
{
	assert_true(gostr_is_blank("", 0));
	assert_true(gostr_is_blank(" \t\n\r\v\f", 6));
	assert_true(gostr_is_blank("\xc2\xa0", 2)); /* U+00A0 is a unicode.IsSpace space */
	assert_false(gostr_is_blank(" a", 2));
	assert_false(gostr_is_blank("\xff", 1));
	assert_true(gostr_is_blank(" x", 1)); /* only the first n bytes */
}

static void test_paths(void **state)
{
	static const struct {
		const char *in, *want;
	} clean[] = {
		{ "", "." },
		{ "a/../b", "b" },
		{ "/../x", "/x" },
		{ "//a//b/", "/a/b" },
		{ "a/./b/..", "a" },
		{ "..", ".." },
		{ "../../a", "../../a" },
		{ "/", "/" },
		{ "a/b/../../..", ".." },
	};
	static const struct {
		const char *in, *want;
	} base[] = {
		{ "/a/b/", "b" },	   { "", "." }, { "///", "/" }, { "x", "x" },
		{ "/a/b.yaml", "b.yaml" },
	};

	for (size_t i = 0; i < ARRAY_LEN(clean); i++) {
		char s[64];

		snprintf(s, sizeof(s), "%s", clean[i].in);
		gostr_path_clean(s);
		assert_string_equal(s, clean[i].want);
	}
	for (size_t i = 0; i < ARRAY_LEN(base); i++) {
		struct buf b = { 0 };

		assert_int_equal(gostr_path_base(&b, base[i].in), 0);
		assert_string_equal(b.data, base[i].want);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_float),    cmocka_unit_test(test_float_to_int),
		cmocka_unit_test(test_parse_duration), cmocka_unit_test(test_blank),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
