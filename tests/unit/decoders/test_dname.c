// SPDX-License-Identifier: MIT
/* dname decoder. */
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
		struct bytes in, out;
	} cases[] = {
		/* the documented examples */
		{ B(""), B(".") },
		{ B("\x03"
		    "com"),
		  B("com") },
		{ B("\x07"
		    "example\x03"
		    "com"),
		  B("example.com") },
		{ B("\x05"
		    "com"),
		  B("\x05"
		    "com") },
		/* upstream's quirks, byte for byte */
		{ B("\x03"
		    "com\x00"),
		  B("com.") }, /* an unstripped terminator */
		{ B("\x03"
		    "com\x00\x00\x00"),
		  B("com...") }, /* zero padding */
		{ B("\x00"), B("") },
		{ B("\x01"
		    "a\x01"
		    "."),
		  B("a..") }, /* no escaping */
		{ B("\xc0\x0c"), B("\xc0\x0c") }, /* no compression pointers */
		{ B("\x03"
		    "www\x07"
		    "example\x04"
		    "test"),
		  B("www.example.test") },
		{ B("\x02"
		    "ab\x05"
		    "cd"),
		  B("\x02"
		    "ab\x05"
		    "cd") }, /* the second label overruns */
		{ B("\x01\xff"), B("\xff") },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_out(*state, "dname", NULL, cases[i].in, cases[i].out);
}

static void test_long(void **state)
{
	/* 127 one-byte labels: a name as long as a DNS name gets. */
	char in[254], want[254];
	size_t n = 0, w = 0;

	for (int i = 0; i < 127; i++) {
		in[n++] = 1;
		in[n++] = (char)('a' + i % 26);
		if (i)
			want[w++] = '.';
		want[w++] = (char)('a' + i % 26);
	}
	expect_out(*state, "dname", NULL, (struct bytes){ in, n }, (struct bytes){ want, w });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_long),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
