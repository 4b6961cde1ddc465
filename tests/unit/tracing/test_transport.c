// SPDX-License-Identifier: MIT
/*
 * OTLP transport and export queue against a canned HTTP server on loopback: answers,
 * retries, Retry-After, partial success, gzip, headers, queue overflow, shutdown bounds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "ebpf_exporter/grpc_status.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tracing/exporter.h"
#include "tracing/otel_env.h"
#include "tracing/transport.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a canned HTTP/1.1 server: one answer per connection, then close ---- */

struct canned {
	int fd;
	int port;
	pthread_t thread;
	pthread_mutex_t lock;
	const char *answers[8]; /* full responses; the last one repeats */
	size_t n_answers;
	size_t served;
	char last_headers[4096];
	uint8_t last_body[65536];
	size_t last_body_len;
	volatile int stop;
};

static void *canned_main(void *arg)
{
	struct canned *c = arg;

	while (!c->stop) {
		char req[70000];
		size_t len = 0, want = 0;
		char *hend = NULL;
		int fd = accept(c->fd, NULL, NULL);

		if (fd < 0)
			continue;
		while (len < sizeof(req) - 1) {
			ssize_t r = read(fd, req + len, sizeof(req) - 1 - len);

			if (r <= 0)
				break;
			len += (size_t)r;
			req[len] = '\0';
			if (!hend && (hend = strstr(req, "\r\n\r\n"))) {
				char *cl = strcasestr(req, "content-length:");

				want = (size_t)(hend + 4 - req) +
				       (cl ? strtoul(cl + 15, NULL, 10) : 0);
			}
			if (hend && len >= want)
				break;
		}
		pthread_mutex_lock(&c->lock);
		if (hend) {
			size_t hl = (size_t)(hend - req);

			snprintf(c->last_headers, sizeof(c->last_headers), "%.*s", (int)hl, req);
			c->last_body_len = len - hl - 4;
			memcpy(c->last_body, hend + 4, c->last_body_len);
		}
		{
			const char *a =
				c->answers[c->served < c->n_answers ? c->served : c->n_answers - 1];

			c->served++;
			pthread_mutex_unlock(&c->lock);
			if (write(fd, a, strlen(a)) < 0)
				perror("write");
		}
		close(fd);
	}
	return NULL;
}

static void canned_start(struct canned *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct timeval tv = { .tv_usec = 100000 };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(c->fd, 16), 0);
	assert_int_equal(getsockname(c->fd, (struct sockaddr *)&sa, &sl), 0);
	/* accept() wakes up now and then to see stop */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->port = ntohs(sa.sin_port);
	pthread_mutex_init(&c->lock, NULL);
	assert_int_equal(pthread_create(&c->thread, NULL, canned_main, c), 0);
}

static void canned_stop(struct canned *c)
{
	c->stop = 1;
	pthread_join(c->thread, NULL);
	close(c->fd);
	pthread_mutex_destroy(&c->lock);
}

/* A port nothing listens on. */
static int closed_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void conf_for(struct otel_conf *c, int port, enum otel_protocol proto, bool gzip)
{
	static char url[128];

	memset(c, 0, sizeof(*c));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/traces", port);
	c->exporter = OTEL_EXPORTER_OTLP;
	c->protocol = proto;
	c->url = url;
	c->timeout_ms = 2000;
	c->gzip = gzip;
	c->service_name = (char *)"svc";
	c->bsp_schedule_delay_ms = 10;
	c->bsp_export_timeout_ms = 5000;
	c->bsp_max_queue = 2;
	c->bsp_max_batch = 2;
	c->attr_count_limit = 128;
	c->attr_value_limit = SIZE_MAX;
}

static char pb_ok_partial[256];

static void build_partial_answer(void)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse r =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	uint8_t body[64];
	size_t n, hl;

	ps.rejected_spans = 2;
	ps.error_message = (char *)"too old";
	r.partial_success = &ps;
	n = opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&r,
											    body);
	hl = (size_t)snprintf(pb_ok_partial, sizeof(pb_ok_partial),
			      "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
			      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			      n);
	/* the body has no NUL bytes: field tags and "too old" */
	memcpy(pb_ok_partial + hl, body, n);
	pb_ok_partial[hl + n] = '\0';
	assert_int_equal(strlen(pb_ok_partial), hl + n);
}

static const char ok_empty[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
			       "Content-Length: 0\r\nConnection: close\r\n\r\n";
static const char unavailable_retry[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\n"
					"Content-Length: 5\r\nConnection: close\r\n\r\nbusy\n";
static const char unavailable[] = "HTTP/1.1 503 Service Unavailable\r\n"
				  "Content-Length: 0\r\nConnection: close\r\n\r\n";
static const char bad_request[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\n"
				  "Connection: close\r\n\r\nbad!";
static const char json_partial[] =
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	"Content-Length: 59\r\nConnection: close\r\n\r\n"
	"{\"partialSuccess\":{\"rejectedSpans\":\"1\",\"errorMessage\":\"x\"}}";

static void test_transport_http(void **state)
{
	struct canned c = { .n_answers = 5 };
	struct otlp_transport *t = NULL;
	struct export_result res;
	struct otel_kv hdr = { (char *)"x-token", (char *)"s3cret" };
	struct otel_conf conf;
	char err[256];
	uint8_t plain[64];
	uLongf plain_len = sizeof(plain);

	(void)state;
	build_partial_answer();
	c.answers[0] = pb_ok_partial;
	c.answers[1] = unavailable_retry;
	c.answers[2] = bad_request;
	c.answers[3] = json_partial;
	c.answers[4] = ok_empty;
	canned_start(&c);
	conf_for(&conf, c.port, OTEL_PROTO_HTTP_PROTOBUF, false);
	conf.headers = &hdr;
	conf.n_headers = 1;
	assert_int_equal(otlp_transport__new(&conf, &t, err, sizeof(err)), 0);

	otlp_transport__send(t, (const uint8_t *)"abc", 3, 1000, NULL, &res);
	assert_int_equal(res.outcome, EXPORT_OK);
	assert_int_equal(res.rejected, 2);
	assert_string_equal(res.msg, "too old");
	assert_non_null(strstr(c.last_headers, "POST /v1/traces HTTP/1.1"));
	assert_non_null(strcasestr(c.last_headers, "Content-Type: application/x-protobuf"));
	assert_non_null(strcasestr(c.last_headers, "x-token: s3cret"));
	assert_int_equal(c.last_body_len, 3);

	otlp_transport__send(t, (const uint8_t *)"abc", 3, 1000, NULL, &res);
	assert_int_equal(res.outcome, EXPORT_RETRY);
	assert_int_equal(res.retry_after_ms, 3000);
	assert_string_equal(res.msg, "HTTP status 503: busy ");

	otlp_transport__send(t, (const uint8_t *)"abc", 3, 1000, NULL, &res);
	assert_int_equal(res.outcome, EXPORT_FAIL);
	assert_string_equal(res.msg, "HTTP status 400: bad!");
	otlp_transport__free(t);

	/* JSON with gzip: the body is a gzip stream of the request */
	conf_for(&conf, c.port, OTEL_PROTO_HTTP_JSON, true);
	assert_int_equal(otlp_transport__new(&conf, &t, err, sizeof(err)), 0);
	otlp_transport__send(t, (const uint8_t *)"{\"resourceSpans\":[]}", 20, 1000, NULL, &res);
	assert_int_equal(res.outcome, EXPORT_OK);
	assert_int_equal(res.rejected, 1);
	assert_string_equal(res.msg, "x");
	assert_non_null(strcasestr(c.last_headers, "Content-Type: application/json"));
	assert_non_null(strcasestr(c.last_headers, "Content-Encoding: gzip"));
	assert_true(c.last_body_len > 2 && c.last_body[0] == 0x1f && c.last_body[1] == 0x8b);
	{
		z_stream zs = { 0 };

		assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
		zs.next_in = c.last_body;
		zs.avail_in = (uInt)c.last_body_len;
		zs.next_out = plain;
		zs.avail_out = (uInt)plain_len;
		assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
		assert_int_equal(zs.total_out, 20);
		assert_memory_equal(plain, "{\"resourceSpans\":[]}", 20);
		inflateEnd(&zs);
	}
	otlp_transport__free(t);
	canned_stop(&c);

	/* nobody listening: a network failure is retryable */
	conf_for(&conf, closed_port(), OTEL_PROTO_HTTP_PROTOBUF, false);
	assert_int_equal(otlp_transport__new(&conf, &t, err, sizeof(err)), 0);
	otlp_transport__send(t, (const uint8_t *)"abc", 3, 1000, NULL, &res);
	assert_int_equal(res.outcome, EXPORT_RETRY);
	assert_int_equal(res.retry_after_ms, -1);
	otlp_transport__free(t);
}

static struct span *small_span(uint32_t service)
{
	struct span *sp = span_alloc(0, 0, 16);

	assert_non_null(sp);
	memset(sp->trace_id, 1, 16);
	memset(sp->span_id, 2, 8);
	sp->name = span_str(sp, "s", 1);
	sp->service = service;
	return sp;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void wait_for(uint64_t *counter, uint64_t want)
{
	uint64_t start = now_ms();

	while (__atomic_load_n(counter, __ATOMIC_RELAXED) < want && now_ms() - start < 10000)
		usleep(10000);
}

/* Queue overflow is counted; 503s are retried with backoff until the export succeeds. */
static void test_exporter_retries(void **state)
{
	static const char *const services[] = { "a", "b" };
	struct service_stats stats[2] = { 0 };
	struct service_stats *const sp[] = { &stats[0], &stats[1] };
	struct canned c = { .n_answers = 3 };
	struct span_exporter *x = NULL;
	struct otel_conf conf;
	char err[256];
	uint64_t start;
	int i;

	(void)state;
	c.answers[0] = unavailable;
	c.answers[1] = unavailable;
	c.answers[2] = ok_empty;
	canned_start(&c);
	conf_for(&conf, c.port, OTEL_PROTO_HTTP_PROTOBUF, false);
	assert_int_equal(span_exporter__new(&conf, services, 2, sp, NULL, &x, err, sizeof(err)), 0);
	/* not started: the queue (2) fills, the rest is dropped and counted */
	for (i = 0; i < 5; i++)
		span_exporter__push(x, small_span((uint32_t)(i % 2)));
	assert_int_equal(span_exporter__queued(x), 2);
	assert_int_equal(stats[0].dropped[DROP_QUEUE_FULL] + stats[1].dropped[DROP_QUEUE_FULL], 3);

	start = now_ms();
	assert_int_equal(span_exporter__start(x), 0);
	wait_for(&stats[0].exported, 1);
	wait_for(&stats[1].exported, 1);
	assert_int_equal(stats[0].exported, 1);
	assert_int_equal(stats[1].exported, 1);
	assert_int_equal(span_exporter__errors(x), 2);
	assert_int_equal(c.served, 3);
	/* backoff: about 0.5 s, then about 1 s (+-20%) */
	assert_true(now_ms() - start >= 1100);
	span_exporter__free(x);
	canned_stop(&c);
}

/* A receiver that never answers in time: the shutdown flush is bounded, leftovers counted. */
static void test_exporter_shutdown_bounded(void **state)
{
	static const char *const services[] = { "a" };
	struct service_stats stats[1] = { 0 };
	struct service_stats *const sp[] = { &stats[0] };
	struct span_exporter *x = NULL;
	struct otel_conf conf;
	char err[256];
	uint64_t start;

	(void)state;
	conf_for(&conf, closed_port(), OTEL_PROTO_GRPC, false);
	conf.bsp_schedule_delay_ms = 60000;
	conf.bsp_max_queue = 10;
	conf.bsp_max_batch = 1;
	assert_int_equal(span_exporter__new(&conf, services, 1, sp, NULL, &x, err, sizeof(err)), 0);
	assert_int_equal(span_exporter__start(x), 0);
	span_exporter__push(x, small_span(0));
	span_exporter__push(x, small_span(0));
	span_exporter__push(x, small_span(0));
	start = now_ms();
	span_exporter__shutdown(x, 300);
	assert_true(now_ms() - start < 1500);
	assert_int_equal(stats[0].exported, 0);
	assert_int_equal(stats[0].dropped[DROP_EXPORT_FAILED] + stats[0].dropped[DROP_SHUTDOWN], 3);
	/* after shutdown, pushes are refused and counted */
	assert_int_equal(span_exporter__push(x, small_span(0)), -ENOSPC);
	assert_int_equal(stats[0].dropped[DROP_SHUTDOWN] + stats[0].dropped[DROP_EXPORT_FAILED], 4);
	span_exporter__free(x);
}

static void test_retry_after(void **state)
{
	(void)state;
	assert_int_equal(otlp_parse_retry_after("5"), 5000);
	assert_int_equal(otlp_parse_retry_after(" 0 "), 0);
	assert_int_equal(otlp_parse_retry_after("-1"), -1);
	assert_int_equal(otlp_parse_retry_after("soon"), -1);
	assert_int_equal(otlp_parse_retry_after(""), -1);
	assert_int_equal(otlp_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0);
}

static size_t b64(const uint8_t *in, size_t n, char *out, bool pad)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
		out[o++] = tbl[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static void test_grpc_details(void **state)
{
	EbpfExporter__Grpc__Duration d = EBPF_EXPORTER__GRPC__DURATION__INIT;
	EbpfExporter__Grpc__RetryInfo ri = EBPF_EXPORTER__GRPC__RETRY_INFO__INIT;
	EbpfExporter__Grpc__Any other = EBPF_EXPORTER__GRPC__ANY__INIT,
				any = EBPF_EXPORTER__GRPC__ANY__INIT;
	EbpfExporter__Grpc__Any *details[] = { &other, &any };
	EbpfExporter__Grpc__Status st = EBPF_EXPORTER__GRPC__STATUS__INIT;
	uint8_t rib[64], stb[256];
	char enc[512], msg[64];
	size_t n;

	(void)state;
	d.seconds = 2;
	d.nanos = 500000000;
	ri.retry_delay = &d;
	any.type_url = (char *)"type.googleapis.com/google.rpc.RetryInfo";
	any.value.data = rib;
	any.value.len = ebpf_exporter__grpc__retry_info__pack(&ri, rib);
	other.type_url = (char *)"type.googleapis.com/google.rpc.DebugInfo";
	st.code = 14;
	st.message = (char *)"overloaded";
	st.n_details = 2;
	st.details = details;
	n = ebpf_exporter__grpc__status__pack(&st, stb);
	b64(stb, n, enc, true);
	assert_int_equal(otlp_parse_grpc_details(enc, msg, sizeof(msg)), 2500);
	assert_string_equal(msg, "overloaded");
	b64(stb, n, enc, false); /* gRPC sends -bin values unpadded */
	assert_int_equal(otlp_parse_grpc_details(enc, msg, sizeof(msg)), 2500);
	st.n_details = 1;
	n = ebpf_exporter__grpc__status__pack(&st, stb);
	b64(stb, n, enc, true);
	assert_int_equal(otlp_parse_grpc_details(enc, msg, sizeof(msg)), -1);
	assert_int_equal(otlp_parse_grpc_details("!!!", msg, sizeof(msg)), -1);
}

static void test_grpc_codes(void **state)
{
	static const int retryable[] = { 1, 4, 10, 11, 14, 15 };
	static const int permanent[] = { 0, 2, 3, 5, 6, 7, 9, 12, 13, 16 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(retryable); i++)
		assert_true(otlp_grpc_retryable(retryable[i], -1));
	for (i = 0; i < ARRAY_SIZE(permanent); i++)
		assert_false(otlp_grpc_retryable(permanent[i], 1000));
	/* RESOURCE_EXHAUSTED only when the server says when to come back */
	assert_false(otlp_grpc_retryable(8, -1));
	assert_true(otlp_grpc_retryable(8, 0));
	assert_int_equal(otlp_grpc_from_http(429), 14);
	assert_int_equal(otlp_grpc_from_http(503), 14);
	assert_int_equal(otlp_grpc_from_http(404), 12);
	assert_int_equal(otlp_grpc_from_http(401), 16);
	assert_int_equal(otlp_grpc_from_http(500), 2);
}

static void test_json_partial(void **state)
{
	static const char a[] =
		"{\"partialSuccess\":{\"rejectedSpans\":\"12\",\"errorMessage\":\"a \\\"b\\\"\"}}";
	static const char b[] = "{\"partialSuccess\":{\"rejectedSpans\": 3}}";
	char msg[64];

	(void)state;
	assert_int_equal(otlp_json_partial(a, strlen(a), msg, sizeof(msg)), 12);
	assert_string_equal(msg, "a \"b\"");
	assert_int_equal(otlp_json_partial(b, strlen(b), msg, sizeof(msg)), 3);
	assert_string_equal(msg, "");
	assert_int_equal(otlp_json_partial("{}", 2, msg, sizeof(msg)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_grpc_details),
		cmocka_unit_test(test_grpc_codes),
		cmocka_unit_test(test_json_partial),
		cmocka_unit_test(test_transport_http),
		cmocka_unit_test(test_exporter_retries),
		cmocka_unit_test(test_exporter_shutdown_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
