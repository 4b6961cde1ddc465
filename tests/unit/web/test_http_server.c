// SPDX-License-Identifier: MIT
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <gnutls/gnutls.h>

#include "web/http_server.h"
#include "web/web_settings.h"

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
	case EXPO_OPENMETRICS:
		return "openmetrics";
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

#define OM_1 "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping="
#define OM_0 "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping="
#define TEXT_CT "text/plain; version=0.0.4; charset=utf-8; escaping="
#define PB_CT                                                                        \
	"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; " \
	"encoding=delimited; escaping="
#define PROM3                                                                                 \
	"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"              \
	"application/openmetrics-text;version=0.0.1;q=0.5,"                                   \
	"text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3," \
	"*/*;q=0.2"
#define PROM2                                                                      \
	"application/openmetrics-text;version=1.0.0,application/openmetrics-text;" \
	"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

static void test_negotiate_openmetrics(void **state)
{
	static const struct {
		const char *accept;
		enum expo_format off, on; /* without and with the flag */
		const char *ct_off, *ct_on;
	} cases[] = {
		{ PROM3, EXPO_TEXT, EXPO_OPENMETRICS, TEXT_CT "allow-utf-8", OM_1 "allow-utf-8" },
		{ PROM2, EXPO_TEXT, EXPO_OPENMETRICS, TEXT_CT "underscores", OM_1 "underscores" },
		{ "*/*", EXPO_TEXT, EXPO_TEXT, TEXT_CT "underscores", TEXT_CT "underscores" },
		{ NULL, EXPO_TEXT, EXPO_TEXT, TEXT_CT "underscores", TEXT_CT "underscores" },
		{ PB_MF ";encoding=delimited;q=0.7," PROM2, EXPO_PROTOBUF, EXPO_OPENMETRICS,
		  PB_CT "underscores", OM_1 "underscores" },
		{ PB_MF ";encoding=delimited," PROM3, EXPO_PROTOBUF, EXPO_PROTOBUF,
		  PB_CT "underscores", PB_CT "underscores" },
		/* 0.0.1 and no version are 0.0.1; other versions do not decide. */
		{ "application/openmetrics-text;version=0.0.1", EXPO_TEXT, EXPO_OPENMETRICS,
		  TEXT_CT "underscores", OM_0 "underscores" },
		{ "application/openmetrics-text;escaping=dots", EXPO_TEXT, EXPO_OPENMETRICS,
		  TEXT_CT "dots", OM_0 "dots" },
		{ "application/openmetrics-text;version=2.0.0, " PB_MF ";encoding=delimited;q=0.1",
		  EXPO_PROTOBUF, EXPO_PROTOBUF, PB_CT "underscores", PB_CT "underscores" },
		/* q decides before the order in the header. */
		{ "text/plain;q=0.9, application/openmetrics-text;version=1.0.0", EXPO_TEXT,
		  EXPO_OPENMETRICS, TEXT_CT "underscores", OM_1 "underscores" },
		{ "application/openmetrics-text;version=1.0.0;q=0.1, text/plain", EXPO_TEXT,
		  EXPO_TEXT, TEXT_CT "underscores", TEXT_CT "underscores" },
	};
	char ct[160], small[40];
	enum expo_format fmt;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *a = cases[i].accept ? cases[i].accept : "(null)";

		assert_int_equal(http_negotiate(cases[i].accept, false, &fmt, ct, sizeof(ct)), 0);
		if (fmt != cases[i].off || strcmp(ct, cases[i].ct_off))
			fail_msg("off(\"%s\") = %s %s", a, format_name(fmt), ct);
		/* Without the flag it is exactly the negotiation without OpenMetrics. */
		assert_int_equal(fmt, http_negotiate_format(cases[i].accept));
		assert_int_equal(http_negotiate(cases[i].accept, true, &fmt, ct, sizeof(ct)), 0);
		if (fmt != cases[i].on || strcmp(ct, cases[i].ct_on))
			fail_msg("on(\"%s\") = %s %s", a, format_name(fmt), ct);
	}
	assert_int_equal(http_negotiate(PROM3, true, &fmt, small, sizeof(small)), -ENOSPC);
	assert_int_equal(http_content_type(EXPO_OPENMETRICS, "values", ct, sizeof(ct)), 0);
	assert_string_equal(ct, OM_1 "values");
}

/* ---- credentials verified off the request threads ---- */

static double now_s(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *bcrypt_of(const char *pass, unsigned long cost)
{
	static const char rnd[16] = "0123456789abcdef";
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	const char *h;

	assert_non_null(crypt_gensalt_rn("$2b$", cost, rnd, sizeof(rnd), setting, sizeof(setting)));
	memset(&data, 0, sizeof(data));
	h = crypt_rn(pass, setting, &data, sizeof(data));
	assert_non_null(h);
	return strdup(h);
}

/* A connection to port with a GET of / with Basic credentials user:pass sent. */
static int send_get(int port, const char *userpass)
{
	gnutls_datum_t in = { (unsigned char *)userpass, (unsigned int)strlen(userpass) };
	gnutls_datum_t b64 = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 5 };
	char req[512];
	int fd, n;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(gnutls_base64_encode2(&in, &b64), 0);
	n = snprintf(req, sizeof(req),
		     "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %.*s\r\n\r\n",
		     (int)b64.size, (const char *)b64.data);
	gnutls_free(b64.data);
	assert_int_equal(write(fd, req, (size_t)n), n);
	return fd;
}

/* The status of the answer on fd; 0 when it was closed unanswered, -1 on a timeout. */
static int read_status(int fd)
{
	char buf[64] = { 0 };
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : 0;
	if (n < 12 || strncmp(buf, "HTTP/1.1 ", 9))
		return 0;
	return atoi(buf + 9);
}

#define FLOOD 8

/*
 * Unknown users (checked against a cost-12 hash, about 0.25 s a run) wait for the verifier
 * thread; cached credentials are answered meanwhile; a client that leaves while its
 * connection is suspended does no harm; stopping the server does not wait for the queue.
 */
static void test_auth_queue(void **state)
{
	char dir[] = "/tmp/test-http-auth-XXXXXX", path[64], err[256];
	char nobody[32];
	char *fast = bcrypt_of("secret", 4), *slow = bcrypt_of("x", 12);
	struct web_settings *ws = NULL;
	struct http_server *srv = NULL;
	struct http_opts opts = { .telemetry_path = "/metrics",
				  .request_timeout_ns = 10000000000LL,
				  .idle_timeout_ns = 10000000000LL };
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, port, flood[FLOOD], gone, c, i, n401 = 0, nclosed = 0;
	double t;
	FILE *f;

	(void)state;
	assert_non_null(fast);
	assert_non_null(slow);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "basic_auth_users:\n  alice: \"%s\"\n  slow: \"%s\"\n", fast, slow);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(web_settings__new(path, &ws, err, sizeof(err)), 0);
	opts.settings = ws;
	assert_int_equal(http_listen("127.0.0.1:0", &fd, err, sizeof(err)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	assert_int_equal(http_server__start(&opts, &fd, 1, &srv, err, sizeof(err)), 0);

	/* verified once through the queue, then from the cache */
	c = send_get(port, "alice:secret");
	assert_int_equal(read_status(c), 200);
	close(c);

	/* each unknown user its own: one bcrypt run each */
	for (i = 0; i < FLOOD; i++) {
		snprintf(nobody, sizeof(nobody), "nobody%d:secret", i);
		flood[i] = send_get(port, nobody);
	}
	/* this client goes away while its request waits for its bcrypt run */
	gone = send_get(port, "gone:secret");
	usleep(50 * 1000);
	close(gone);

	/* cached credentials are answered while the queue is busy for about 2 s */
	for (i = 0; i < 4; i++) {
		t = now_s();
		c = send_get(port, "alice:secret");
		assert_int_equal(read_status(c), 200);
		close(c);
		assert_true(now_s() - t < 0.2);
	}
	/* the first unknown user's run (and one more) are done: its 401 arrived */
	usleep(400 * 1000);

	/* stopping finishes the run in progress, not the queue: well under the 2 s left */
	t = now_s();
	http_server__stop(srv);
	t = now_s() - t;
	assert_true(t < 1.0);

	for (i = 0; i < FLOOD; i++) {
		int st = read_status(flood[i]);

		/* answered before the stop, or closed by it: never left hanging */
		assert_true(st == 401 || st == 0);
		n401 += st == 401;
		nclosed += st == 0;
		close(flood[i]);
	}
	print_message("stop took %.3f s; of %d unknown users %d got 401, %d were closed\n", t,
		      FLOOD, n401, nclosed);
	assert_true(n401 >= 1);
	assert_true(nclosed >= 1);
	web_settings__free(ws);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(fast);
	free(slow);
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
		cmocka_unit_test(test_negotiate_openmetrics),
		cmocka_unit_test(test_auth_queue),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
