// SPDX-License-Identifier: MIT
/* errno decoder. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "decoder_harness.h"

static int setup(void **state)
{
	*state = new_env(NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	decoder_env__free(*state);
	return 0;
}

static void test_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* the documented examples */
		{ "0", "unknown:0" },
		{ "1", "EPERM" },
		{ "32", "EPIPE" },
		{ "104", "ECONNRESET" },
		{ "1000", "unknown:1000" },
		/* Go's x/sys/unix names where Linux has aliases */
		{ "11", "EAGAIN" },
		{ "35", "EDEADLK" },
		{ "95", "ENOTSUP" },
		/* the holes and the ends of the table */
		{ "41", "unknown:41" },
		{ "58", "unknown:58" },
		{ "2", "ENOENT" },
		{ "40", "ELOOP" },
		{ "42", "ENOMSG" },
		{ "133", "EHWPOISON" },
		{ "134", "unknown:134" },
		{ "18446744073709551615", "unknown:18446744073709551615" },
		{ "007", "E2BIG" }, /* ParseUint accepts leading zeros */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_out(*state, "errno", NULL, S(cases[i].in), S(cases[i].out));
}

static void test_errors(void **state)
{
	static const struct {
		struct bytes in;
		const char *err;
	} cases[] = {
		{ B("-1"), "error parsing \"-1\" as uint" },
		{ B("+1"), "error parsing \"+1\" as uint" },
		{ B(""), "error parsing \"\" as uint" },
		{ B("abc"), "error parsing \"abc\" as uint" },
		{ B(" 1"), "error parsing \" 1\" as uint" },
		{ B("1\0"), "error parsing \"1\\x00\" as uint" },
		{ B("18446744073709551616"), "error parsing \"18446744073709551616\" as uint" },
		{ B("0x10"), "error parsing \"0x10\" as uint" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_err(*state, "errno", NULL, cases[i].in, -EINVAL, cases[i].err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
