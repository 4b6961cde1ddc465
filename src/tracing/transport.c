// SPDX-License-Identifier: MIT
#include "tracing/transport.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include "util/buf.h"
#include "util/build_info.h"
#include "tracing/curl_api.h"
#include "ebpf_exporter/grpc_status.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tracing/span.h"

/* Responses are small; anything past this is not read (a misbehaving server). */
#define MAX_RESPONSE (1u << 20)
#define RETRY_INFO_TYPE "type.googleapis.com/google.rpc.RetryInfo"

enum grpc_code {
	GRPC_OK = 0,
	GRPC_CANCELLED = 1,
	GRPC_UNKNOWN = 2,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_ABORTED = 10,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNIMPLEMENTED = 12,
	GRPC_INTERNAL = 13,
	GRPC_UNAVAILABLE = 14,
	GRPC_DATA_LOSS = 15,
	GRPC_UNAUTHENTICATED = 16,
};

struct otlp_transport {
	const struct otel_conf *conf;
	CURL *curl;
	char curl_err[CURL_ERROR_SIZE];
	struct buf req; /* compressed and framed body */
	struct buf resp;
	bool resp_truncated;
	/* per-request header state */
	long retry_after_ms;
	int grpc_status; /* -1: none seen */
	char grpc_message[256];
	struct buf grpc_details; /* base64 */
	char content_type[64];
	const uint64_t *abort_at;
	bool global_init;
};

static uint64_t mono_ns(void)
{
	return span_now_mono_ns();
}

/* libcurl's functions; callable once otlp_transport__new() (or curl_api__get()) succeeded. */
static const struct curl_api *cu(void)
{
	return curl_api__get(NULL, 0);
}

/* ---- helpers ---- */

long otlp_parse_retry_after(const char *v)
{
	char *end;
	long s;
	time_t when;

	while (*v == ' ' || *v == '\t')
		v++;
	if (!*v)
		return -1;
	if (isdigit((unsigned char)*v)) {
		errno = 0;
		s = strtol(v, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (errno || *end || s < 0 || s > 86400)
			return -1;
		return s * 1000;
	}
	if (!curl_api__get(NULL, 0))
		return -1;
	when = cu()->getdate(v, NULL);
	if (when < 0)
		return -1;
	s = (long)(when - time(NULL));
	return s > 0 ? (s > 86400 ? 86400000 : s * 1000) : 0;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Standard or URL-safe base64, padding optional. Returns the decoded length or -1. */
static long b64_decode(const char *in, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t n = 0;
	int bits = 0;

	for (; *in && *in != '='; in++) {
		int v = b64val((unsigned char)*in);

		if (v < 0) {
			if (isspace((unsigned char)*in))
				continue;
			return -1;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)n;
}

long otlp_parse_grpc_details(const char *b64, char *msg, size_t msglen)
{
	size_t cap = strlen(b64), i;
	EbpfExporter__Grpc__Status *st;
	uint8_t *raw;
	long n, delay = -1;

	if (msglen)
		msg[0] = '\0';
	raw = malloc(cap + 1);
	if (!raw)
		return -1;
	n = b64_decode(b64, raw, cap);
	if (n < 0) {
		free(raw);
		return -1;
	}
	st = ebpf_exporter__grpc__status__unpack(NULL, (size_t)n, raw);
	free(raw);
	if (!st)
		return -1;
	if (msglen && st->message)
		snprintf(msg, msglen, "%s", st->message);
	for (i = 0; i < st->n_details; i++) {
		const EbpfExporter__Grpc__Any *any = st->details[i];
		EbpfExporter__Grpc__RetryInfo *ri;

		if (!any->type_url || strcmp(any->type_url, RETRY_INFO_TYPE) != 0)
			continue;
		ri = ebpf_exporter__grpc__retry_info__unpack(NULL, any->value.len, any->value.data);
		if (!ri)
			continue;
		if (ri->retry_delay && ri->retry_delay->seconds >= 0 &&
		    ri->retry_delay->seconds < 86400 && ri->retry_delay->nanos >= 0)
			delay = (long)ri->retry_delay->seconds * 1000 +
				ri->retry_delay->nanos / 1000000;
		ebpf_exporter__grpc__retry_info__free_unpacked(ri, NULL);
		break;
	}
	ebpf_exporter__grpc__status__free_unpacked(st, NULL);
	return delay;
}

int otlp_grpc_retryable(int code, long retry_after_ms)
{
	switch (code) {
	case GRPC_CANCELLED:
	case GRPC_DEADLINE_EXCEEDED:
	case GRPC_ABORTED:
	case GRPC_OUT_OF_RANGE:
	case GRPC_UNAVAILABLE:
	case GRPC_DATA_LOSS:
		return 1;
	case GRPC_RESOURCE_EXHAUSTED:
		return retry_after_ms >= 0;
	default:
		return 0;
	}
}

int otlp_grpc_from_http(long http_status)
{
	switch (http_status) {
	case 400:
		return GRPC_INTERNAL;
	case 401:
		return GRPC_UNAUTHENTICATED;
	case 403:
		return GRPC_PERMISSION_DENIED;
	case 404:
		return GRPC_UNIMPLEMENTED;
	case 429:
	case 502:
	case 503:
	case 504:
		return GRPC_UNAVAILABLE;
	default:
		return GRPC_UNKNOWN;
	}
}

/* The JSON string value after "key": at p (unescaped simply), into out. */
static void json_string_after(const char *p, const char *end, char *out, size_t outlen)
{
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p >= end || *p != '"')
		return;
	for (p++; p < end && *p != '"' && n + 1 < outlen; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		out[n++] = *p;
	}
	out[n] = '\0';
}

int64_t otlp_json_partial(const char *body, size_t len, char *msg, size_t msglen)
{
	const char *end = body + len, *p;
	int64_t v = 0;

	if (msglen)
		msg[0] = '\0';
	p = memmem(body, len, "\"rejectedSpans\"", 15);
	if (p) {
		p += 15;
		while (p < end && (*p == ' ' || *p == ':' || *p == '"' || *p == '\t'))
			p++;
		while (p < end && *p >= '0' && *p <= '9' && v < INT64_MAX / 10)
			v = v * 10 + (*p++ - '0');
	}
	p = memmem(body, len, "\"errorMessage\"", 14);
	if (p && msglen)
		json_string_after(p + 14, end, msg, msglen);
	return v;
}

/* ---- libcurl plumbing ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct otlp_transport *t = arg;
	size_t n = size * nmemb;

	if (t->resp.len + n > MAX_RESPONSE) {
		t->resp_truncated = true;
		return n;
	}
	if (buf_append(&t->resp, data, n))
		return 0;
	return n;
}

static void percent_decode_into(const char *s, size_t len, char *out, size_t outlen)
{
	size_t n = 0, i;

	for (i = 0; i < len && n + 1 < outlen; i++) {
		if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			out[n++] = (char)strtol(hex, NULL, 16);
			i += 2;
			continue;
		}
		out[n++] = s[i];
	}
	out[n] = '\0';
}

/* Headers and, for HTTP/2, trailers: one line at a time. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct otlp_transport *t = arg;
	size_t n = size * nmemb, klen, vlen;
	const char *colon, *v;

	colon = memchr(data, ':', n);
	if (!colon)
		return n;
	klen = (size_t)(colon - data);
	v = colon + 1;
	vlen = n - klen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
#define IS(name) (klen == sizeof(name) - 1 && strncasecmp(data, name, klen) == 0)
	if (IS("retry-after")) {
		char tmp[128];

		snprintf(tmp, sizeof(tmp), "%.*s", (int)vlen, v);
		t->retry_after_ms = otlp_parse_retry_after(tmp);
	} else if (IS("grpc-status")) {
		char tmp[16];
		char *end;
		long code;

		snprintf(tmp, sizeof(tmp), "%.*s", (int)vlen, v);
		code = strtol(tmp, &end, 10);
		t->grpc_status = (end != tmp && !*end && code >= 0 && code < 100) ? (int)code :
										    GRPC_UNKNOWN;
	} else if (IS("grpc-message")) {
		percent_decode_into(v, vlen, t->grpc_message, sizeof(t->grpc_message));
	} else if (IS("grpc-status-details-bin")) {
		buf_reset(&t->grpc_details);
		if (vlen < 65536)
			buf_append(&t->grpc_details, v, vlen);
	} else if (IS("content-type")) {
		snprintf(t->content_type, sizeof(t->content_type), "%.*s", (int)vlen, v);
	}
#undef IS
	return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct otlp_transport *t = arg;
	uint64_t at;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (!t->abort_at)
		return 0;
	at = __atomic_load_n(t->abort_at, __ATOMIC_RELAXED);
	return at && mono_ns() >= at;
}

static int gzip_into(struct buf *out, const uint8_t *in, size_t len)
{
	z_stream zs;
	uLong bound;
	int r;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	bound = deflateBound(&zs, (uLong)len) + 32;
	if (buf_reserve(out, bound)) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out->data + out->len;
	zs.avail_out = (uInt)bound;
	r = deflate(&zs, Z_FINISH);
	if (r != Z_STREAM_END) {
		deflateEnd(&zs);
		return -EIO;
	}
	out->len += zs.total_out;
	out->data[out->len] = '\0';
	deflateEnd(&zs);
	return 0;
}

static int gunzip(const uint8_t *in, size_t len, struct buf *out)
{
	z_stream zs;
	int r = Z_OK;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	while (r != Z_STREAM_END) {
		if (buf_reserve(out, 4096) || out->len > MAX_RESPONSE) {
			inflateEnd(&zs);
			return -ENOMEM;
		}
		zs.next_out = (Bytef *)out->data + out->len;
		zs.avail_out = 4096;
		r = inflate(&zs, Z_NO_FLUSH);
		out->len = zs.total_out;
		if (r != Z_OK && r != Z_STREAM_END) {
			inflateEnd(&zs);
			return -EIO;
		}
	}
	inflateEnd(&zs);
	return 0;
}

int otlp_transport__new(const struct otel_conf *c, struct otlp_transport **out, char *err,
			size_t errlen)
{
	struct otlp_transport *t;
	curl_version_info_data *vi;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->conf = c;
	t->resp.max = MAX_RESPONSE + 1;
	if (!curl_api__get(err, errlen)) {
		free(t);
		return -ENOPKG;
	}
	if (cu()->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		free(t);
		return -EIO;
	}
	t->global_init = true;
	vi = cu()->version_info(CURLVERSION_NOW);
	if (c->protocol == OTEL_PROTO_GRPC && !(vi->features & CURL_VERSION_HTTP2)) {
		snprintf(err, errlen,
			 "protocol grpc needs libcurl with HTTP/2 (libcurl %s has none)",
			 vi->version);
		otlp_transport__free(t);
		return -ENOTSUP;
	}
	if (c->tls && !(vi->features & CURL_VERSION_SSL)) {
		snprintf(err, errlen, "endpoint %s needs libcurl with TLS", c->url);
		otlp_transport__free(t);
		return -ENOTSUP;
	}
	t->curl = cu()->easy_init();
	if (!t->curl) {
		otlp_transport__free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void otlp_transport__free(struct otlp_transport *t)
{
	if (!t)
		return;
	if (t->curl)
		cu()->easy_cleanup(t->curl);
	buf_free(&t->req);
	buf_free(&t->resp);
	buf_free(&t->grpc_details);
	if (t->global_init)
		cu()->global_cleanup();
	free(t);
}

static struct curl_slist *add_header(struct curl_slist *l, bool *oom, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct curl_slist *add_header(struct curl_slist *l, bool *oom, const char *fmt, ...)
{
	struct curl_slist *n;
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = cu()->slist_append(l, line);
	if (!n) {
		*oom = true;
		return l;
	}
	return n;
}

static struct curl_slist *build_headers(struct otlp_transport *t, long timeout_ms, bool *oom)
{
	const struct otel_conf *c = t->conf;
	struct curl_slist *h = NULL;
	size_t i;

	if (c->protocol == OTEL_PROTO_GRPC) {
		h = add_header(h, oom, "Content-Type: application/grpc");
		h = add_header(h, oom, "TE: trailers");
		h = add_header(h, oom, "grpc-timeout: %ldm", timeout_ms);
		if (c->gzip)
			h = add_header(h, oom, "grpc-encoding: gzip");
	} else {
		h = add_header(h, oom, "Content-Type: %s",
			       c->protocol == OTEL_PROTO_HTTP_JSON ? "application/json" :
								     "application/x-protobuf");
		if (c->gzip)
			h = add_header(h, oom, "Content-Encoding: gzip");
		/* no 100-continue round trip for large batches */
		h = add_header(h, oom, "Expect:");
	}
	h = add_header(h, oom, "User-Agent: ebpf_exporter/%s", build_info_get()->version);
	for (i = 0; i < c->n_headers; i++)
		h = add_header(h, oom, "%s: %s", c->headers[i].key, c->headers[i].value);
	return h;
}

static int build_body(struct otlp_transport *t, const uint8_t *body, size_t len)
{
	const struct otel_conf *c = t->conf;
	size_t start;
	int e;

	buf_reset(&t->req);
	if (c->protocol != OTEL_PROTO_GRPC)
		return c->gzip ? gzip_into(&t->req, body, len) : buf_append(&t->req, body, len);
	/* gRPC length-prefixed message: compressed flag, 4-byte big-endian length. */
	e = buf_append(&t->req, "\0\0\0\0\0", 5);
	if (e)
		return e;
	start = t->req.len;
	e = c->gzip ? gzip_into(&t->req, body, len) : buf_append(&t->req, body, len);
	if (e)
		return e;
	len = t->req.len - start;
	if (len > UINT32_MAX)
		return -E2BIG;
	t->req.data[0] = c->gzip ? 1 : 0;
	t->req.data[1] = (char)(len >> 24);
	t->req.data[2] = (char)(len >> 16);
	t->req.data[3] = (char)(len >> 8);
	t->req.data[4] = (char)len;
	return 0;
}

static void set_result(struct export_result *res, enum export_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_result(struct export_result *res, enum export_outcome o, const char *fmt, ...)
{
	va_list ap;

	res->outcome = o;
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

/* A printable excerpt of an error response. */
static void body_excerpt(const struct buf *b, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < b->len && n + 1 < outlen && n < 200; i++) {
		unsigned char ch = (unsigned char)b->data[i];

		out[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
	}
	out[n] = '\0';
}

static void parse_partial_pb(const uint8_t *data, size_t len, struct export_result *res)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r;

	if (!len)
		return;
	r = opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
		NULL, len, data);
	if (!r)
		return;
	if (r->partial_success) {
		res->rejected = r->partial_success->rejected_spans;
		if (r->partial_success->error_message)
			snprintf(res->msg, sizeof(res->msg), "%s",
				 r->partial_success->error_message);
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(
		r, NULL);
}

static void finish_http(struct otlp_transport *t, long status, struct export_result *res)
{
	char excerpt[256];

	if (status >= 200 && status < 300) {
		res->outcome = EXPORT_OK;
		if (t->conf->protocol == OTEL_PROTO_HTTP_JSON)
			res->rejected = otlp_json_partial(t->resp.data ? t->resp.data : "",
							  t->resp.len, res->msg, sizeof(res->msg));
		else
			parse_partial_pb((const uint8_t *)t->resp.data, t->resp.len, res);
		return;
	}
	body_excerpt(&t->resp, excerpt, sizeof(excerpt));
	if (status == 429 || status == 502 || status == 503 || status == 504) {
		res->retry_after_ms = t->retry_after_ms;
		set_result(res, EXPORT_RETRY, "HTTP status %ld%s%s", status, excerpt[0] ? ": " : "",
			   excerpt);
		return;
	}
	set_result(res, EXPORT_FAIL, "HTTP status %ld%s%s", status, excerpt[0] ? ": " : "",
		   excerpt);
}

static void finish_grpc(struct otlp_transport *t, long status, struct export_result *res)
{
	char details_msg[256] = "";
	long delay = -1;
	int code = t->grpc_status;

	if (code < 0)
		code = status == 200 ? GRPC_UNKNOWN : otlp_grpc_from_http(status);
	if (t->grpc_details.len)
		delay = otlp_parse_grpc_details(t->grpc_details.data, details_msg,
						sizeof(details_msg));
	if (code == GRPC_OK) {
		const uint8_t *p = (const uint8_t *)t->resp.data;
		struct buf plain = { 0 };
		uint32_t len;

		res->outcome = EXPORT_OK;
		if (t->resp.len < 5)
			return;
		len = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
		if (len > t->resp.len - 5)
			return;
		if (p[0] & 1) {
			if (!gunzip(p + 5, len, &plain))
				parse_partial_pb((const uint8_t *)plain.data, plain.len, res);
			buf_free(&plain);
		} else {
			parse_partial_pb(p + 5, len, res);
		}
		return;
	}
	res->retry_after_ms = delay >= 0 ? delay : t->retry_after_ms;
	set_result(res, otlp_grpc_retryable(code, res->retry_after_ms) ? EXPORT_RETRY : EXPORT_FAIL,
		   "gRPC status %d%s%s%s", code, t->grpc_status < 0 ? " (from HTTP status)" : "",
		   t->grpc_message[0] || details_msg[0] ? ": " : "",
		   t->grpc_message[0] ? t->grpc_message : details_msg);
}

static bool curl_error_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_OUT_OF_MEMORY:
		return false;
	default:
		return true;
	}
}

void otlp_transport__send(struct otlp_transport *t, const uint8_t *body, size_t len,
			  long timeout_ms, const uint64_t *abort_at, struct export_result *res)
{
	const struct otel_conf *c = t->conf;
	struct curl_slist *headers;
	bool oom = false;
	long status = 0, version = 0;
	CURLcode rc;
	CURL *h = t->curl;

	memset(res, 0, sizeof(*res));
	res->retry_after_ms = -1;
	t->retry_after_ms = -1;
	t->grpc_status = -1;
	t->grpc_message[0] = '\0';
	t->content_type[0] = '\0';
	t->resp_truncated = false;
	t->abort_at = abort_at;
	buf_reset(&t->resp);
	buf_reset(&t->grpc_details);
	if (timeout_ms < 1)
		timeout_ms = 1;
	if (build_body(t, body, len)) {
		set_result(res, EXPORT_FAIL, "cannot encode the request: out of memory");
		return;
	}
	headers = build_headers(t, timeout_ms, &oom);
	if (oom) {
		cu()->slist_free_all(headers);
		set_result(res, EXPORT_FAIL, "cannot build the request headers: out of memory");
		return;
	}

	cu()->easy_reset(h);
	t->curl_err[0] = '\0';
	cu()->easy_setopt(h, CURLOPT_URL, c->url);
	cu()->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cu()->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cu()->easy_setopt(h, CURLOPT_POST, 1L);
	cu()->easy_setopt(h, CURLOPT_POSTFIELDS, t->req.data);
	cu()->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->req.len);
	cu()->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	cu()->easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	cu()->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	cu()->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	cu()->easy_setopt(h, CURLOPT_WRITEDATA, t);
	cu()->easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	cu()->easy_setopt(h, CURLOPT_HEADERDATA, t);
	cu()->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	cu()->easy_setopt(h, CURLOPT_XFERINFODATA, t);
	cu()->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	cu()->easy_setopt(h, CURLOPT_ERRORBUFFER, t->curl_err);
	cu()->easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (c->protocol == OTEL_PROTO_GRPC)
		cu()->easy_setopt(h, CURLOPT_HTTP_VERSION,
				  c->tls ? (long)CURL_HTTP_VERSION_2TLS :
					   (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	/*
	 * libcurl 7.88 (Debian 12) never sends a second request on a reused prior-knowledge
	 * HTTP/2 connection: the transfer ends at once with "Error in the HTTP2 framing layer".
	 * h2c costs one loopback-cheap handshake per batch, so do not reuse it at all.
	 */
	if (c->protocol == OTEL_PROTO_GRPC && !c->tls)
		cu()->easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	else if (!c->tls)
		cu()->easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (c->certificate)
		cu()->easy_setopt(h, CURLOPT_CAINFO, c->certificate);
	if (c->client_certificate) {
		cu()->easy_setopt(h, CURLOPT_SSLCERT, c->client_certificate);
		cu()->easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
	}

	rc = cu()->easy_perform(h);
	cu()->slist_free_all(headers);
	cu()->easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	if (rc != CURLE_OK) {
		set_result(res, curl_error_retryable(rc) ? EXPORT_RETRY : EXPORT_FAIL, "%s",
			   t->curl_err[0] ? t->curl_err : cu()->easy_strerror(rc));
		return;
	}
	cu()->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (c->protocol == OTEL_PROTO_GRPC) {
		cu()->easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
		if (version != CURL_HTTP_VERSION_2_0) {
			set_result(res, EXPORT_FAIL,
				   "gRPC needs HTTP/2, the server at %s answered over HTTP/1",
				   c->url);
			return;
		}
		finish_grpc(t, status, res);
	} else {
		finish_http(t, status, res);
	}
}
