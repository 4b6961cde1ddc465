// SPDX-License-Identifier: MIT
/*
 * Values written as Go prints them, as tables of what Go itself writes: strconv.Quote (%q)
 * into both kinds of destination, %#v of a []byte, and syscall.Errno / *fs.PathError texts
 * (util/errno_text.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/errno_text.h"
#include "util/gofmt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct bytes {
	const char *p;
	size_t n;
};
#define B(s) ((struct bytes){ (s), sizeof(s) - 1 })

static void test_quote(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "\"\"" },
		{ "abc", "\"abc\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "\n\t\r", "\"\\n\\t\\r\"" },
		{ "\a\b\f\v", "\"\\a\\b\\f\\v\"" },
		{ "\x01", "\"\\x01\"" },
		{ "\x7f", "\"\\x7f\"" },
		{ "\xff", "\"\\xff\"" }, /* invalid UTF-8 */
		{ "\xe2\x82", "\"\\xe2\\x82\"" }, /* a truncated sequence */
		{ "h\xc3\xa9llo", "\"h\xc3\xa9llo\"" }, /* printable runes stay */
		{ "\xc2\xa0", "\"\\u00a0\"" }, /* a space other than ' ' */
		{ "\xe2\x80\x8b", "\"\\u200b\"" }, /* a format character */
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
		{ "'", "\"'\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf b = { 0 };

		assert_int_equal(gofmt_buf_quote(&b, cases[i].in), 0);
		assert_string_equal(b.data, cases[i].want);
		buf_free(&b);
	}
}

static void test_append(void **state)
{
	static const struct {
		struct bytes in;
		const char *quoted;
	} quotes[] = {
		{ B("plain"), "\"plain\"" },
		{ B(""), "\"\"" },
		{ B("a\"b\\c"), "\"a\\\"b\\\\c\"" },
		{ B("\n\t\r\a\b\f\v"), "\"\\n\\t\\r\\a\\b\\f\\v\"" },
		{ B("\0\x01\x7f"), "\"\\x00\\x01\\x7f\"" },
		{ B("\xff"
		    "a"),
		  "\"\\xffa\"" },
		{ B("\xc3\xa9"), "\"\xc3\xa9\"" },
		{ B("\xc2\x85"), "\"\\u0085\"" },
		{ B("\xef\xbb\xbf"), "\"\\ufeff\"" },
		{ B("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"" },
		{ B("\xc0\x80"), "\"\\xc0\\x80\"" },
	};
	char dst[64];

	for (size_t i = 0; i < ARRAY_SIZE(quotes); i++) {
		dst[0] = '\0';
		gofmt_append_quote(dst, sizeof(dst), quotes[i].in.p, quotes[i].in.n);
		assert_string_equal(dst, quotes[i].quoted);
	}

	dst[0] = '\0';
	gofmt_append_bytes(dst, sizeof(dst), NULL, 0);
	assert_string_equal(dst, "[]byte{}");
	dst[0] = '\0';
	gofmt_append_bytes(dst, sizeof(dst), (const uint8_t *)"\x08\x00\xff\x10", 4);
	assert_string_equal(dst, "[]byte{0x8, 0x0, 0xff, 0x10}");

	/* Appends, and truncates at the capacity. */
	snprintf(dst, sizeof(dst), "x=");
	gofmt_appendf(dst, sizeof(dst), "%d;", 42);
	gofmt_append_quote(dst, sizeof(dst), "q", 1);
	assert_string_equal(dst, "x=42;\"q\"");
	char small[8] = "";
	gofmt_append_bytes(small, sizeof(small), (const uint8_t *)"\x01\x02", 2);
	assert_string_equal(small, "[]byte{");
	gofmt_append_quote(small, sizeof(small), "zz", 2);
	assert_string_equal(small, "[]byte{");
	char tiny[6] = "";
	gofmt_append_quote(tiny, sizeof(tiny), "\xff\xff", 2);
	assert_string_equal(tiny, "\"\\xff");
}

static void test_errno_texts(void **state)
{
	struct buf b = { 0 };
	char et[128];

	assert_string_equal(errno_text(ENOENT, et, sizeof(et)), "no such file or directory");
	assert_string_equal(errno_text(-EPERM, et, sizeof(et)), "operation not permitted");
	assert_string_equal(errno_text(524, et, sizeof(et)), "errno 524");
	assert_int_equal(gofmt_buf_errno(&b, EACCES), 0);
	assert_string_equal(b.data, "permission denied");
	buf_reset(&b);
	assert_int_equal(gofmt_buf_path_error(&b, "open", "/x", ENOENT), 0);
	assert_string_equal(b.data, "open /x: no such file or directory");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_errno_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
