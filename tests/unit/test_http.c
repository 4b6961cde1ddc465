// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"

static void test_clean_path(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "/" },
		{ "/", "/" },
		{ "/metrics", "/metrics" },
		{ "//metrics", "/metrics" },
		{ "/a/../metrics", "/metrics" },
		{ "/./metrics", "/metrics" },
		{ "/metrics/", "/metrics/" },
		{ "/metrics/.", "/metrics" },
		{ "/..", "/" },
		{ "/../..", "/" },
		{ "/a/b/../../..", "/" },
		{ "/a//b/", "/a/b/" },
		{ "/a/b/c/../d", "/a/b/d" },
		{ "metrics", "/metrics" },
		{ "/.../x", "/.../x" },
		{ "/..a/x", "/..a/x" },
		{ "/a/..", "/" },
		{ "/a/../", "/" },
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_clean_path(cases[i].in, out, sizeof(out));
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("clean(\"%s\") = \"%s\", want \"%s\"", cases[i].in, out,
				 cases[i].out);
	}
}

static void test_accepts_gzip(void **state)
{
	static const struct {
		const char *in;
		bool gzip;
	} cases[] = {
		{ NULL, false },
		{ "", false },
		{ "gzip", true },
		{ "GZIP", true },
		{ "deflate, gzip", true },
		{ "gzip;q=0", false },
		{ "gzip;q=0.5", true },
		{ "gzip; q=0", false },
		{ "*", true },
		{ "*;q=0", false },
		{ "identity", false },
		{ "*, gzip;q=0", false },
		{ "gzipx", false },
		{ "br, deflate", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (http_accepts_gzip(cases[i].in) != cases[i].gzip)
			fail_msg("accepts_gzip(\"%s\") != %d", cases[i].in ? cases[i].in : "(null)",
				 cases[i].gzip);
	}
}

static void test_listen_errors(void **state)
{
	char err[256];
	int fd = -1;

	(void)state;
	assert_int_not_equal(http_listen("9435", &fd, err, sizeof(err)), 0);
	assert_string_equal(err, "listen tcp 9435: address 9435: missing port in address");
	assert_int_not_equal(http_listen("a:b:1", &fd, err, sizeof(err)), 0);
	assert_string_equal(err, "listen tcp a:b:1: address a:b:1: too many colons in address");
	assert_int_not_equal(http_listen("fd://x", &fd, err, sizeof(err)), 0);
	assert_string_equal(err, "error extracting fd number from \"fd://x\": strconv.Atoi: "
				 "parsing \"x\": invalid syntax");
	/* An ephemeral loopback port works. */
	assert_int_equal(http_listen("127.0.0.1:0", &fd, err, sizeof(err)), 0);
	assert_true(fd >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_accepts_gzip),
		cmocka_unit_test(test_listen_errors),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
