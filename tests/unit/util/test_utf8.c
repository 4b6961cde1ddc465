// SPDX-License-Identifier: MIT
/* UTF-8 by Go's rules: validity, decoding, and strings.ToValidUTF8's repair. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/utf8.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct bytes {
	const char *p;
	size_t n;
};
#define B(s) ((struct bytes){ (s), sizeof(s) - 1 })

static void test_valid_prefix(void **state)
{
	static const struct {
		struct bytes in;
		size_t valid;
	} utf[] = {
		{ B("abc"), 3 },
		{ B("\xc3\xa9"), 2 },
		{ B("\xe2\x82\xac"), 3 },
		{ B("\xf0\x9f\x98\x80"), 4 },
		{ B("a\xc0\x80"), 1 }, /* overlong */
		{ B("a\xe0\x80\x80"), 1 }, /* overlong */
		{ B("ab\xed\xa0\x80"), 2 }, /* surrogate */
		{ B("\xf4\x90\x80\x80"), 0 }, /* > U+10FFFF */
		{ B("\xf4\x8f\xbf\xbf"), 4 }, /* U+10FFFF */
		{ B("\xc3"), 0 }, /* truncated */
		{ B("\xe2\x82"), 0 },
		{ B("\x80"), 0 },
		{ B("ok\xff"), 2 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(utf); i++)
		assert_int_equal(utf8_valid_prefix((const uint8_t *)utf[i].in.p, utf[i].in.n),
				 utf[i].valid);
}

static void test_decode(void **state)
{
	static const struct {
		struct bytes in;
		int32_t rune;
		size_t width;
	} cases[] = {
		{ B("a"), 'a', 1 },
		{ B("\x00"), 0, 1 },
		{ B("\x7f"), 0x7f, 1 },
		{ B("\xc2\x80"), 0x80, 2 },
		{ B("\xc3\xa9x"), 0xe9, 2 },
		{ B("\xdf\xbf"), 0x7ff, 2 },
		{ B("\xe0\xa0\x80"), 0x800, 3 },
		{ B("\xe2\x82\xac"), 0x20ac, 3 },
		{ B("\xed\x9f\xbf"), 0xd7ff, 3 },
		{ B("\xef\xbf\xbd"), 0xfffd, 3 },
		{ B("\xf0\x90\x80\x80"), 0x10000, 4 },
		{ B("\xf4\x8f\xbf\xbf"), 0x10ffff, 4 },
		{ B("\x80"), -1, 1 }, /* a lone continuation byte */
		{ B("\xc1\xbf"), -1, 1 }, /* overlong */
		{ B("\xe0\x9f\xbf"), -1, 1 }, /* overlong */
		{ B("\xed\xa0\x80"), -1, 1 }, /* surrogate */
		{ B("\xf0\x8f\xbf\xbf"), -1, 1 }, /* overlong */
		{ B("\xf4\x90\x80\x80"), -1, 1 }, /* above U+10FFFF */
		{ B("\xf5\x80\x80\x80"), -1, 1 },
		{ B("\xe2\x82"), -1, 1 }, /* truncated */
		{ B("\xe2\x28\xa1"), -1, 1 }, /* a bad second byte */
		{ B("\xe2\x82\x28"), -1, 1 }, /* a bad third byte */
		{ B("\xf0\x9f\x98\x28"), -1, 1 }, /* a bad fourth byte */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t w = 0;

		assert_int_equal(utf8_decode((const uint8_t *)cases[i].in.p, cases[i].in.n, &w),
				 cases[i].rune);
		assert_int_equal(w, cases[i].width);
		assert_int_equal(utf8_seq_len((const uint8_t *)cases[i].in.p, cases[i].in.n),
				 cases[i].rune < 0 ? 0 : cases[i].width);
	}
}

static void test_invalid_run(void **state)
{
	/* a run stops at ASCII and at the start of a valid sequence */
	assert_int_equal(utf8_invalid_run((const uint8_t *)"\xff\xfe\xfd", 3), 3);
	assert_int_equal(utf8_invalid_run((const uint8_t *)"\xff"
							   "a\xfe",
					  3),
			 1);
	assert_int_equal(utf8_invalid_run((const uint8_t *)"\x80\xc3\xa9", 3), 1);
	assert_int_equal(utf8_invalid_run((const uint8_t *)"\xe2\x82", 2), 2);
}

static void test_repair(void **state)
{
	static const struct {
		const char *in, *want;
		size_t len, want_len;
	} cases[] = {
		{ "", "", 0, 0 },
		{ "plain", "plain", 5, 5 },
		{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", 5, 5 },
		{ "a\xff", "a\xef\xbf\xbd", 2, 4 },
		{ "\xff\xfe\xfd", "\xef\xbf\xbd", 3, 3 },
		{ "\xff"
		  "a\xfe",
		  "\xef\xbf\xbd"
		  "a\xef\xbf\xbd",
		  3, 7 },
		{ "\xe2\x82", "\xef\xbf\xbd", 2, 3 }, /* truncated */
		{ "\xed\xa0\x80", "\xef\xbf\xbd", 3, 3 }, /* surrogate */
		{ "\xc0\xaf", "\xef\xbf\xbd", 2, 3 }, /* overlong */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd", 4, 3 }, /* above U+10FFFF */
		{ "\xf0\x9f\x98\x80\x80", "\xf0\x9f\x98\x80\xef\xbf\xbd", 5, 7 },
		{ "a\0b", "a\0b", 3, 3 },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = utf8_repaired_len(cases[i].in, cases[i].len);

		if (n != cases[i].want_len)
			fail_msg("case %zu: repaired length %zu, want %zu", i, n,
				 cases[i].want_len);
		assert_ptr_equal(utf8_repair(out, cases[i].in, cases[i].len), out + n);
		assert_memory_equal(out, cases[i].want, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_prefix),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_invalid_run),
		cmocka_unit_test(test_repair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
