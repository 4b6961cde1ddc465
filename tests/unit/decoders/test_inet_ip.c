// SPDX-License-Identifier: MIT
/* inet_ip decoder. */
#include <arpa/inet.h>
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
		struct bytes in;
		const char *out;
	} cases[] = {
		/* the documented examples */
		{ B("\x01\x02\x03\x04"), "1.2.3.4" },
		{ B("\x24\x00\xcb\x00\x00\x04\x10\x24\x00\x00\x00\x00\xa2\x9e\xfd\x8f"),
		  "2400:cb00:4:1024::a29e:fd8f" },
		/* IPv4 */
		{ B("\x00\x00\x00\x00"), "0.0.0.0" },
		{ B("\xff\xff\xff\xff"), "255.255.255.255" },
		{ B("\x7f\x00\x00\x01"), "127.0.0.1" },
		/* IPv4-mapped IPv6 prints as IPv4; IPv4-compatible does not */
		{ B("\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\x00\x00\x01"), "10.0.0.1" },
		{ B("\0\0\0\0\0\0\0\0\0\0\0\0\x01\x02\x03\x04"), "::102:304" },
		/* RFC 5952: longest zero run, first on ties, never a single group */
		{ B("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), "::" },
		{ B("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"), "::1" },
		{ B("\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"), "fe80::1" },
		{ B("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0"), "2001:db8::" },
		{ B("\x20\x01\x0d\xb8\0\0\0\x01\0\0\0\0\0\0\0\x01"), "2001:db8:0:1::1" },
		{ B("\x20\x01\x0d\xb8\0\0\0\0\0\x01\0\0\0\0\0\x01"), "2001:db8::1:0:0:1" },
		{ B("\x20\x01\x0d\xb8\0\x01\0\x01\0\x01\0\x01\0\x01\0\x01"),
		  "2001:db8:1:1:1:1:1:1" },
		{ B("\x20\x01\x0d\xb8\0\0\0\x01\0\x01\0\x01\0\x01\0\x01"), "2001:db8:0:1:1:1:1:1" },
		{ B("\xAB\xCD\xEF\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
		  "abcd:ef01::" },
		/* other lengths */
		{ B(""), "<nil>" },
		{ B("\x01"), "?01" },
		{ B("\x01\x02\x03\x04\x05"), "?0102030405" },
		{ B("\xde\xad\xbe\xef\x00\x00\x00\x00"), "?deadbeef00000000" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_out(*state, "inet_ip", NULL, cases[i].in, S(cases[i].out));
}

/* Where inet_ntop and Go agree (not v4-mapped, not v4-compatible), so must we. */
static void test_against_inet_ntop(void **state)
{
	uint8_t a[16];
	char want[INET6_ADDRSTRLEN];
	unsigned int seed = 42;

	for (int n = 0; n < 20000; n++) {
		for (int i = 0; i < 8; i++) {
			/* Mostly zero groups, so runs of every length occur. */
			uint16_t g = rand_r(&seed) % 3 ? 0 : (uint16_t)rand_r(&seed);

			a[2 * i] = (uint8_t)(g >> 8);
			a[2 * i + 1] = (uint8_t)g;
		}
		a[0] |= 0x20; /* never in ::/96 or ::ffff:0:0/96 */
		assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
		expect_out(*state, "inet_ip", NULL, (struct bytes){ (const char *)a, 16 }, S(want));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_against_inet_ntop),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
