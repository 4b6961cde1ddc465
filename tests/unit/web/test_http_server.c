// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "web/http_server.h"

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

/* Listening sockets are named as Go's net.Addr.String() names them. */
static void test_socket_name(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char name[256], want[128], path[64];
	int fd = -1, port;

	(void)state;
	assert_int_equal(http_listen("127.0.0.1:0", &fd, name, sizeof(name)), 0);
	http_socket_name(fd, name, sizeof(name));
	assert_int_equal(strncmp(name, "127.0.0.1:", 10), 0);
	port = atoi(name + 10);
	assert_true(port > 0);
	snprintf(want, sizeof(want), "127.0.0.1:%d", port);
	assert_string_equal(name, want);
	close(fd);

	/* ":port" listens on every address, both families */
	assert_int_equal(http_listen(":0", &fd, name, sizeof(name)), 0);
	http_socket_name(fd, name, sizeof(name));
	assert_int_equal(strncmp(name, "[::]:", 5), 0);
	close(fd);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/tmp/test_http_%d.sock", (int)getpid());
	unlink(path);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
	http_socket_name(fd, name, sizeof(name));
	assert_string_equal(name, path);
	close(fd);
	unlink(path);

	http_socket_name(-1, name, sizeof(name));
	assert_string_equal(name, "fd -1");
}

#define PB "application/vnd.google.protobuf"
#define PB_MF PB ";proto=io.prometheus.client.MetricFamily"

static const char *format_name(enum expo_format f)
{
	switch (f) {
	case EXPO_TEXT:
		return "text";
	case EXPO_PROTOBUF:
		return "protobuf";
	case EXPO_PROTOTEXT:
		return "prototext";
	case EXPO_PROTOCOMPACT:
		return "protocompact";
	default:
		return "?";
	}
}

static void test_negotiate_format(void **state)
{
	static const struct {
		const char *accept;
		enum expo_format want;
	} cases[] = {
		{ NULL, EXPO_TEXT },
		{ "", EXPO_TEXT },
		{ "*/*", EXPO_TEXT },
		{ PB_MF ";encoding=delimited", EXPO_PROTOBUF },
		{ PB_MF ";encoding=text", EXPO_PROTOTEXT },
		{ PB_MF ";encoding=compact-text", EXPO_PROTOCOMPACT },
		{ PB_MF ";encoding=json", EXPO_TEXT },
		{ PB_MF, EXPO_TEXT },
		{ PB ";proto=io.prometheus.client.Metric;encoding=delimited", EXPO_TEXT },
		/* Prometheus 2.x asking for protobuf first (native histograms enabled). */
		{ PB_MF ";encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1",
		  EXPO_PROTOBUF },
		/* Prometheus' default: OpenMetrics first, which is never negotiated. */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		  "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  EXPO_TEXT },
		/* Higher q wins wherever it is. */
		{ "text/plain;version=0.0.4;q=0.9, " PB_MF ";encoding=delimited", EXPO_PROTOBUF },
		{ PB_MF ";encoding=delimited;q=0.2,text/plain;q=0.3", EXPO_TEXT },
		/* Equal q: the header's order. */
		{ "text/plain, " PB_MF ";encoding=delimited", EXPO_TEXT },
		{ PB_MF ";encoding=delimited, text/plain", EXPO_PROTOBUF },
		/* Equal q: concrete types before wildcards. */
		{ "*/*;q=0.5, " PB_MF ";encoding=delimited;q=0.5", EXPO_PROTOBUF },
		/* text/plain of another version does not decide; q=0 is not excluded. */
		{ "text/plain;version=1.0.0, " PB_MF ";encoding=delimited;q=0", EXPO_PROTOBUF },
		{ "text/plain;version=, " PB_MF ";encoding=delimited", EXPO_TEXT },
		/* Spaces are trimmed around types and parameters, tabs are not. */
		{ "  " PB " ; proto = io.prometheus.client.MetricFamily ; encoding=delimited ",
		  EXPO_PROTOBUF },
		{ PB ";\tproto=io.prometheus.client.MetricFamily;encoding=delimited", EXPO_TEXT },
		/* Case matters, as in Go. */
		{ "Application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=delimited",
		  EXPO_TEXT },
		/* The last of a repeated parameter counts. */
		{ PB_MF ";encoding=text;encoding=delimited", EXPO_PROTOBUF },
		/* An unparsable q is 0; a q with a space after it does not parse either. */
		{ PB_MF ";encoding=delimited;q=x, text/plain;q=0.1", EXPO_TEXT },
		{ "text/plain;q=0.5 ;x=y, " PB_MF ";encoding=delimited;q=0.1", EXPO_PROTOBUF },
		/* Media ranges with more than one slash are skipped. */
		{ "text/plain/x, " PB_MF ";encoding=delimited", EXPO_PROTOBUF },
		{ "garbage,,;;==, " PB_MF ";encoding=compact-text", EXPO_PROTOCOMPACT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum expo_format got = http_negotiate_format(cases[i].accept);

		if (got != cases[i].want)
			fail_msg("negotiate(\"%s\") = %s, want %s",
				 cases[i].accept ? cases[i].accept : "(null)", format_name(got),
				 format_name(cases[i].want));
	}
}

static void test_negotiate_many_clauses(void **state)
{
	char accept[2048] = "";
	size_t len = 0;

	(void)state;
	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(accept + len, sizeof(accept) - len, "text/x%d;q=0.%d, ", i,
					i % 9 + 1);
	snprintf(accept + len, sizeof(accept) - len, PB_MF ";encoding=delimited;q=0.95");
	assert_int_equal(http_negotiate_format(accept), EXPO_PROTOBUF);
}

static void test_negotiate_escaping(void **state)
{
	static const struct {
		const char *accept, *want;
	} cases[] = {
		{ NULL, "underscores" },
		{ "", "underscores" },
		{ "text/plain;escaping=allow-utf-8", "allow-utf-8" },
		{ "text/plain;escaping=dots", "dots" },
		{ "text/plain;escaping=values", "values" },
		{ "text/plain;escaping=underscores", "underscores" },
		{ "text/plain;escaping=bogus", "underscores" },
		{ PB_MF ";encoding=delimited;escaping=allow-utf-8", "allow-utf-8" },
		/* A clause before the deciding one counts, one after it does not. */
		{ "text/html;escaping=dots, " PB_MF ";encoding=delimited", "dots" },
		{ "text/plain;version=0.0.4, text/html;escaping=dots", "underscores" },
		{ "text/html;escaping=dots, text/html;escaping=values, text/plain", "values" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = http_negotiate_escaping(cases[i].accept);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("escaping(\"%s\") = %s, want %s",
				 cases[i].accept ? cases[i].accept : "(null)", got, cases[i].want);
	}
}

static void test_content_type(void **state)
{
	static const struct {
		enum expo_format fmt;
		const char *escaping, *want;
	} cases[] = {
		{ EXPO_TEXT, "underscores",
		  "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" },
		{ EXPO_PROTOBUF, "underscores",
		  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		  "encoding=delimited; escaping=underscores" },
		{ EXPO_PROTOTEXT, "allow-utf-8",
		  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		  "encoding=text; escaping=allow-utf-8" },
		{ EXPO_PROTOCOMPACT, "values",
		  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		  "encoding=compact-text; escaping=values" },
	};
	char out[160], small[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
			http_content_type(cases[i].fmt, cases[i].escaping, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(http_content_type(EXPO_TEXT, "underscores", small, sizeof(small)),
			 -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_accepts_gzip),
		cmocka_unit_test(test_listen_errors),
		cmocka_unit_test(test_socket_name),
		cmocka_unit_test(test_negotiate_format),
		cmocka_unit_test(test_negotiate_many_clauses),
		cmocka_unit_test(test_negotiate_escaping),
		cmocka_unit_test(test_content_type),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
