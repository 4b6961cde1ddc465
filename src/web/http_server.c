// SPDX-License-Identifier: MIT
#include "web/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

#include "scrape/collector.h"
#include "scrape/status.h"
#include "web/auth.h"
#include "web/http_guard.h"
#include "web/status_page.h"
#include "web/tls.h"
#include "web/web_settings.h"
#include "util/clock.h"
#include "util/buf.h"
#include "util/errno_text.h"
#include "util/file.h"
#include "util/gostr.h"
#include "util/log.h"
#include "util/systemd.h"

#define TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

/*
 * Limits of the HTTP side. Connections are cheap (epoll, a small memory pool each, no thread
 * each) and are limited only by the open file limit, never per client address; a request must
 * arrive whole within --web.request-timeout (http_guard.c) and an idle keep-alive connection
 * is closed after --web.idle-timeout.
 */
/* Threads serving requests; each owns an epoll set and a share of the connections. */
#define HTTP_THREADS 4
/* Accept queue for bursts of new connections (the kernel caps it at net.core.somaxconn). */
#define HTTP_LISTEN_BACKLOG 4096
/* Memory pool of one connection: request line, headers and the response head must fit. */
#define HTTP_CONNECTION_MEMORY (32 * 1024)
/* File descriptors kept free for everything but connections (maps, /proc reads, export). */
#define HTTP_FD_RESERVE 256
/* The least connection limit, whatever the open file limit. */
#define HTTP_MIN_CONNECTIONS 16
/* Bytes a scrape response is copied out in. */
#define HTTP_RESPONSE_BLOCK (64 * 1024)

struct auth_verifier;

struct http_server {
	struct MHD_Daemon **daemons; /* one per socket */
	int *fds;
	size_t n;
	struct http_guard *guard;
	struct http_opts opts;
	char *telemetry_path;
	unsigned int max_connections; /* over all sockets */
	atomic_uint open; /* connections now, over all sockets */
	bool tls; /* as at start */
	/* the settings the daemons started with (their certificate and key) */
	const struct web_snapshot *start;
	struct auth_verifier *verifier; /* bcrypt runs off the request threads */
	pthread_mutex_t error_lock;
	char mhd_error[1024]; /* libmicrohttpd's last message */
};

/* Marks a request whose headers have been seen; its body (if any) is then discarded. */
static int request_marker;

void http_clean_path(const char *p, char *out, size_t len)
{
	size_t n = strlen(p);
	bool trailing = n > 0 && p[n - 1] == '/';

	if (len < n + 3) {
		if (len)
			snprintf(out, len, "/");
		return;
	}
	/* ServeMux's cleanPath: path.Clean of the rooted path, keeping a trailing slash. */
	snprintf(out, len, "%s%s", p[0] == '/' ? "" : "/", p);
	gostr_path_clean(out);
	n = strlen(out);
	if (trailing && strcmp(out, "/") != 0) {
		out[n] = '/';
		out[n + 1] = '\0';
	}
}

bool http_accepts_gzip(const char *ae)
{
	const char *p = ae;
	bool star = false, gzip_seen = false, gzip_ok = false;

	if (!ae)
		return false;
	while (*p) {
		const char *tok, *end;
		size_t tl;
		double q = 1.0;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		tl = (size_t)(p - tok);
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		/* parameters: only q matters */
		while (p < end) {
			const char *qs = strstr(p, "q=");

			if (!qs || qs >= end)
				break;
			q = strtod(qs + 2, NULL);
			break;
		}
		p = end;
		if (tl == 4 && strncasecmp(tok, "gzip", 4) == 0) {
			gzip_seen = true;
			gzip_ok = q > 0;
		} else if (tl == 1 && *tok == '*') {
			star = q > 0;
		}
	}
	return gzip_seen ? gzip_ok : star;
}

/* ---- content negotiation ------------------------------------------------------------- */

#define PROTO_TYPE "application/vnd.google.protobuf"
#define PROTO_PROTOCOL "io.prometheus.client.MetricFamily"
/* Accept headers with more clauses than this are parsed on the heap. */
#define ACCEPT_STACK_CLAUSES 16

/* A piece of the header (not NUL-terminated). */
struct span {
	const char *p;
	size_t n;
};

/* One clause of an Accept header as goautoneg parses it; the spans point into the header. */
struct accept_clause {
	struct span type, subtype;
	float q;
	struct span proto, encoding, version, escaping; /* the last of each parameter */
};

/* goautoneg trims spaces only (strings.Trim(s, " ")), not tabs. */
static struct span trim(struct span s)
{
	while (s.n && s.p[0] == ' ') {
		s.p++;
		s.n--;
	}
	while (s.n && s.p[s.n - 1] == ' ')
		s.n--;
	return s;
}

static bool span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/*
 * Go's strconv.ParseFloat(s, 32) as goautoneg uses it: the value on success or on a range
 * error, 0 on a syntax error (no surrounding spaces allowed, hex needs a p exponent).
 */
static float parse_q(struct span s)
{
	char tmp[256], *end;
	const char *h;
	float q;

	if (!s.n || s.n >= sizeof(tmp) || s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\n' ||
	    s.p[0] == '\r' || s.p[0] == '\v' || s.p[0] == '\f' || memchr(s.p, '(', s.n))
		return 0;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	h = tmp + (tmp[0] == '+' || tmp[0] == '-');
	if ((h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) && !strpbrk(h, "pP"))
		return 0;
	q = strtof(tmp, &end);
	if (*end)
		return 0;
	return q;
}

/* Parses one comma-separated part; false when goautoneg skips it (no valid media range). */
static bool parse_clause(struct span part, struct accept_clause *c)
{
	const char *semi, *slash, *end;
	struct span media;

	memset(c, 0, sizeof(*c));
	c->q = 1.0f;
	part = trim(part);
	end = part.p + part.n;
	semi = memchr(part.p, ';', part.n);
	media.p = part.p;
	media.n = (size_t)((semi ? semi : end) - part.p);
	slash = memchr(media.p, '/', media.n);
	if (!slash) {
		c->type = trim(media);
		if (!span_is(c->type, "*"))
			return false;
		c->subtype = c->type;
	} else {
		c->type = trim((struct span){ media.p, (size_t)(slash - media.p) });
		c->subtype =
			trim((struct span){ slash + 1, (size_t)(media.p + media.n - slash - 1) });
		if (memchr(c->subtype.p, '/', c->subtype.n))
			return false;
	}
	while (semi) {
		const char *p = semi + 1, *next = memchr(p, ';', (size_t)(end - p)), *eq;
		struct span param = { p, (size_t)((next ? next : end) - p) }, token, value;

		semi = next;
		eq = memchr(param.p, '=', param.n);
		if (!eq)
			continue;
		token = trim((struct span){ param.p, (size_t)(eq - param.p) });
		value = (struct span){ eq + 1, (size_t)(param.p + param.n - eq - 1) };
		if (span_is(token, "q")) {
			c->q = parse_q(value);
			continue;
		}
		value = trim(value);
		if (span_is(token, "proto")) {
			c->proto = value;
		} else if (span_is(token, "encoding")) {
			c->encoding = value;
		} else if (span_is(token, "version")) {
			c->version = value;
		} else if (span_is(token, "escaping")) {
			c->escaping = value;
		}
	}
	return true;
}

/* goautoneg's ordering: higher q first, then concrete type, then concrete subtype. */
static bool clause_less(const struct accept_clause *a, const struct accept_clause *b)
{
	if (a->q > b->q)
		return true;
	if (!span_is(a->type, "*") && span_is(b->type, "*"))
		return true;
	return !span_is(a->subtype, "*") && span_is(b->subtype, "*");
}

/*
 * Runs expfmt.Negotiate on the header. Go sorts with sort.Sort, an insertion sort for up to
 * 12 clauses (which this reproduces exactly, the ordering above being no strict weak order);
 * longer headers may order ties differently.
 */
#define OM_TYPE "application/openmetrics-text"

/*
 * Runs expfmt.Negotiate on the header, or with openmetrics expfmt.NegotiateIncludingOpenMetrics
 * (an `application/openmetrics-text` clause with version 1.0.0, 0.0.1 or none also decides;
 * *om_version is then "1.0.0" for 1.0.0, else "0.0.1").
 */
static enum expo_format negotiate_om(const char *accept, bool openmetrics, const char **escaping,
				     const char **om_version)
{
	struct accept_clause stack[ACCEPT_STACK_CLAUSES], *cl = stack;
	enum expo_format fmt = EXPO_TEXT;
	size_t parts = 1, n = 0;
	const char *p;

	*escaping = "underscores";
	*om_version = NULL;
	if (!accept)
		return fmt;
	for (p = accept; *p; p++)
		parts += *p == ',';
	if (parts > ACCEPT_STACK_CLAUSES) {
		cl = calloc(parts, sizeof(*cl));
		if (!cl)
			return fmt;
	}
	for (p = accept;;) {
		const char *comma = strchr(p, ',');
		struct span part = { p, comma ? (size_t)(comma - p) : strlen(p) };

		if (parse_clause(part, &cl[n]))
			n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && clause_less(&cl[j], &cl[j - 1]); j--) {
			struct accept_clause t = cl[j];

			cl[j] = cl[j - 1];
			cl[j - 1] = t;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct accept_clause *c = &cl[i];
		static const char *const schemes[] = { "allow-utf-8", "underscores", "dots",
						       "values" };
		bool proto = c->type.n + 1 + c->subtype.n == strlen(PROTO_TYPE) &&
			     !memcmp(c->type.p, PROTO_TYPE, c->type.n) &&
			     PROTO_TYPE[c->type.n] == '/' &&
			     !memcmp(c->subtype.p, PROTO_TYPE + c->type.n + 1, c->subtype.n);

		for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++) {
			if (span_is(c->escaping, schemes[k]))
				*escaping = schemes[k];
		}
		if (proto && span_is(c->proto, PROTO_PROTOCOL)) {
			if (span_is(c->encoding, "delimited")) {
				fmt = EXPO_PROTOBUF;
				break;
			}
			if (span_is(c->encoding, "text")) {
				fmt = EXPO_PROTOTEXT;
				break;
			}
			if (span_is(c->encoding, "compact-text")) {
				fmt = EXPO_PROTOCOMPACT;
				break;
			}
		}
		if (span_is(c->type, "text") && span_is(c->subtype, "plain") &&
		    (span_is(c->version, "0.0.4") || !c->version.n))
			break;
		if (openmetrics && c->type.n + 1 + c->subtype.n == strlen(OM_TYPE) &&
		    !memcmp(c->type.p, OM_TYPE, c->type.n) && OM_TYPE[c->type.n] == '/' &&
		    !memcmp(c->subtype.p, OM_TYPE + c->type.n + 1, c->subtype.n) &&
		    (span_is(c->version, "1.0.0") || span_is(c->version, "0.0.1") ||
		     !c->version.n)) {
			fmt = EXPO_OPENMETRICS;
			*om_version = span_is(c->version, "1.0.0") ? "1.0.0" : "0.0.1";
			break;
		}
	}
	if (cl != stack)
		free(cl);
	return fmt;
}

enum expo_format http_negotiate_format(const char *accept)
{
	const char *escaping, *om_version;

	return negotiate_om(accept, false, &escaping, &om_version);
}

const char *http_negotiate_escaping(const char *accept)
{
	const char *escaping, *om_version;

	negotiate_om(accept, false, &escaping, &om_version);
	return escaping;
}

int http_negotiate(const char *accept, bool openmetrics, enum expo_format *fmt, char *ctype,
		   size_t len)
{
	const char *escaping, *om_version;
	int n;

	*fmt = negotiate_om(accept, openmetrics, &escaping, &om_version);
	if (*fmt != EXPO_OPENMETRICS)
		return http_content_type(*fmt, escaping, ctype, len);
	n = snprintf(ctype, len, OM_TYPE "; version=%s; charset=utf-8; escaping=%s", om_version,
		     escaping);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int http_content_type(enum expo_format fmt, const char *escaping, char *out, size_t len)
{
	const char *base;
	int n;

	switch (fmt) {
	case EXPO_PROTOBUF:
		base = PROTO_TYPE "; proto=" PROTO_PROTOCOL "; encoding=delimited";
		break;
	case EXPO_PROTOTEXT:
		base = PROTO_TYPE "; proto=" PROTO_PROTOCOL "; encoding=text";
		break;
	case EXPO_PROTOCOMPACT:
		base = PROTO_TYPE "; proto=" PROTO_PROTOCOL "; encoding=compact-text";
		break;
	case EXPO_OPENMETRICS:
		base = OM_TYPE "; version=1.0.0; charset=utf-8";
		break;
	case EXPO_TEXT:
	default:
		base = "text/plain; version=0.0.4; charset=utf-8";
	}
	n = snprintf(out, len, "%s; escaping=%s", base, escaping);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static int gzip_buf(const char *in, size_t len, struct buf *out)
{
	z_stream zs;
	int err;

	memset(&zs, 0, sizeof(zs));
	/* 16 + 15: gzip wrapper, 32 KiB window. Level 1: scrapes favour speed. */
	if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	buf_reset(out);
	err = buf_reserve(out, deflateBound(&zs, len));
	if (err) {
		deflateEnd(&zs);
		return err;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out->data;
	zs.avail_out = (uInt)(out->cap - 1);
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		return -EIO;
	}
	out->len = zs.total_out;
	deflateEnd(&zs);
	return 0;
}

/* ---- responses ----------------------------------------------------------------------- */

/*
 * Queues resp with the headers of the web config (on every answer, as the toolkit sets them
 * before its handler runs), then releases it.
 */
static enum MHD_Result queue(struct MHD_Connection *conn, unsigned int status,
			     struct MHD_Response *resp, const struct web_snapshot *snap)
{
	enum MHD_Result ret;

	for (size_t i = 0; snap->cfg && i < snap->cfg->n_headers; i++) {
		if (MHD_add_response_header(resp, snap->cfg->headers[i].name,
					    snap->cfg->headers[i].value) != MHD_YES) {
			MHD_destroy_response(resp);
			return MHD_NO;
		}
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result respond(struct MHD_Connection *conn, const struct web_snapshot *snap,
			       unsigned int status, const char *ctype, const char *encoding,
			       void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, body, mode);
	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (encoding)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
	return queue(conn, status, resp, snap);
}

/*
 * An answer as Go's http.Error writes it: text/plain, nosniff, the text and a newline. With
 * basic, the `WWW-Authenticate: Basic` challenge too.
 */
static enum MHD_Result http_error(struct MHD_Connection *conn, const struct web_snapshot *snap,
				  unsigned int status, const char *text, bool basic)
{
	struct MHD_Response *resp;
	bool nosniff = true;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	/* one X-Content-Type-Options, should the web config set it too (it can only say nosniff) */
	for (size_t i = 0; snap->cfg && i < snap->cfg->n_headers; i++)
		if (strcasecmp(snap->cfg->headers[i].name,
			       MHD_HTTP_HEADER_X_CONTENT_TYPE_OPTIONS) == 0)
			nosniff = false;
	if (nosniff)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_X_CONTENT_TYPE_OPTIONS, "nosniff");
	if (basic)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic");
	return queue(conn, status, resp, snap);
}

static ssize_t result_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct scrape_result *r = cls;
	size_t n;

	if (pos >= r->body.len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = r->body.len - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(out, r->body.data + pos, n);
	return (ssize_t)n;
}

static void result_release(void *cls)
{
	scrape_result__put(cls);
}

/* Answers from the shared result without copying it; the response holds a reference. */
static enum MHD_Result respond_result(struct MHD_Connection *conn, const struct web_snapshot *snap,
				      struct scrape_result *r, const char *ctype)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_callback(r->body.len, HTTP_RESPONSE_BLOCK, result_reader, r,
						 result_release);
	if (!resp) {
		scrape_result__put(r);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	return queue(conn, MHD_HTTP_OK, resp, snap);
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *conn,
				     const struct web_snapshot *snap)
{
	struct collector *c = s->opts.collector;
	struct scrape_result *r;
	struct buf gz = { 0 };
	const char *ae, *accept;
	enum expo_format fmt;
	enum MHD_Result ret;
	char ctype[160];

	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	if (http_negotiate(accept, s->opts.enable_openmetrics, &fmt, ctype, sizeof(ctype))) {
		fmt = EXPO_TEXT; /* cannot happen: every Content-Type fits */
		snprintf(ctype, sizeof(ctype), "%s", TEXT_CONTENT_TYPE);
	}
	collector__in_flight(c, 1);
	r = collector__scrape_shared(c, fmt);
	if (r->err) {
		struct buf body = { 0 };

		buf_printf(&body, "An error has occurred while serving metrics:\n\n%s",
			   r->body.data ? r->body.data : "");
		scrape_result__put(r);
		ret = respond(conn, snap, MHD_HTTP_INTERNAL_SERVER_ERROR,
			      "text/plain; charset=utf-8", NULL, body.data, body.len,
			      MHD_RESPMEM_MUST_FREE);
		collector__in_flight(c, -1);
		collector__count_request(c, SCRAPE_500);
		return ret;
	}
	ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (http_accepts_gzip(ae) && gzip_buf(r->body.data, r->body.len, &gz) == 0) {
		scrape_result__put(r);
		ret = respond(conn, snap, MHD_HTTP_OK, ctype, "gzip", gz.data, gz.len,
			      MHD_RESPMEM_MUST_FREE);
	} else {
		buf_free(&gz);
		ret = respond_result(conn, snap, r, ctype);
	}
	collector__in_flight(c, -1);
	collector__count_request(c, SCRAPE_200);
	return ret;
}

static enum MHD_Result serve_maps(struct http_server *s, struct MHD_Connection *conn,
				  const struct web_snapshot *snap)
{
	struct buf body = { 0 };

	if (collector__dump_maps(s->opts.collector, &body) != 0) {
		buf_free(&body);
		return respond(conn, snap, MHD_HTTP_INTERNAL_SERVER_ERROR,
			       "text/plain; charset=utf-8", NULL, (void *)"out of memory\n", 14,
			       MHD_RESPMEM_PERSISTENT);
	}
	return respond(conn, snap, MHD_HTTP_OK, "text/plain", NULL, body.data, body.len,
		       MHD_RESPMEM_MUST_FREE);
}

/* The status page, written for each request from a view of the running set. */
static enum MHD_Result serve_status(struct http_server *s, struct MHD_Connection *conn,
				    const struct web_snapshot *snap)
{
	struct status_view *v = NULL;
	struct buf body = { 0 };

	if (status_view__take(s->opts.collector, &v) != 0 ||
	    status_page_write(&body, v, s->telemetry_path, s->opts.debug) != 0) {
		status_view__free(v);
		buf_free(&body);
		return respond(conn, snap, MHD_HTTP_INTERNAL_SERVER_ERROR,
			       "text/plain; charset=utf-8", NULL, (void *)"out of memory\n", 14,
			       MHD_RESPMEM_PERSISTENT);
	}
	status_view__free(v);
	return respond(conn, snap, MHD_HTTP_OK, "text/html; charset=utf-8", NULL, body.data,
		       body.len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result redirect(struct MHD_Connection *conn, const struct web_snapshot *snap,
				const char *location)
{
	struct MHD_Response *resp;
	struct buf body = { 0 };

	/* as Go's http.Redirect writes it, the location HTML-escaped */
	if (buf_puts(&body, "<a href=\"") || html_escape(&body, location) ||
	    buf_puts(&body, "\">Moved Permanently</a>.\n\n")) {
		buf_free(&body);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(body.len, body.data, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		buf_free(&body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	return queue(conn, MHD_HTTP_MOVED_PERMANENTLY, resp, snap);
}

/* ---- connections and requests -------------------------------------------------------- */

/* What the server keeps about a connection, in MHD's socket context. */
struct conn_ctx {
	struct http_guard_conn *guard;
	struct web_tls *tls; /* the TLS state its session was set up with; a reference */
	bool counted; /* in s->open */
	bool refused; /* shut down when it opened: answered nothing */
	bool checked; /* web_tls__check_session() passed */
	struct auth_job *job; /* the request is suspended for a bcrypt run, or back from one */
};

static const struct web_snapshot no_settings;

static const struct web_snapshot *settings_get(struct http_server *s)
{
	return s->opts.settings ? web_settings__current(s->opts.settings) : &no_settings;
}

static void settings_put(struct http_server *s, const struct web_snapshot *snap)
{
	if (s->opts.settings)
		web_snapshot__put(snap);
}

/* ---- credentials verified off the request threads --------------------------------------- */

/*
 * A request whose credentials the cache does not know yet is not verified on its HTTP thread:
 * web_auth__verify() takes one bcrypt run (about 50 ms at cost 10, one at a time), and a
 * flood of unknown users would hold all HTTP_THREADS threads while scrapes with cached
 * credentials wait behind them. Instead the handler suspends the connection
 * (MHD_suspend_connection(), from the handler as libmicrohttpd requires) and queues a job for
 * the verifier thread, which runs the bcrypt, stores the outcome in the job and resumes the
 * connection (MHD_resume_connection() may be called from any thread: it flags the connection
 * under the daemon's lock and wakes the connection's worker through its ITC). The worker then
 * calls the handler again, which finds the job in the connection's context and answers 401
 * or goes on to the routes with the outcome, without taking another rate-limit token.
 *
 * There is at most one job per connection, as a connection has one request at a time and is
 * suspended while its job waits: the queue is bounded by the connection limit. bcrypt runs one
 * at a time, as in the exporter toolkit.
 *
 * Ownership and races:
 * - The handler makes the job, suspends the connection and queues the job, all under the
 *   verifier's lock, so that the job is queued only if the verifier still takes jobs, and is
 *   never resumed before it is suspended.
 * - The job is the connection context's (ctx->job). The verifier reads it (the credentials,
 *   the snapshot's web_auth) and writes the outcome until it calls MHD_resume_connection();
 *   from that call on it never touches the job or the connection again. Only the worker
 *   thread of the connection frees the job: in the handler, when it takes the outcome, or in
 *   on_completed()/NOTIFY_CLOSED when the connection goes first.
 * - A suspended connection cannot be closed: libmicrohttpd leaves it alone (no reads, no
 *   timeouts) and MHD_stop_daemon() refuses to run with one. So the connection and the job
 *   both live until the verifier resumes it; a client that went away meanwhile is noticed
 *   after the resume, when the answer cannot be written, and the connection is closed and its
 *   context (with the job) freed as any other.
 * - The outcome is written before MHD_resume_connection(), which takes the daemon's lock that
 *   the worker takes before it handles the connection again: the worker sees it.
 * - The job holds the snapshot reference the request took, so the web_auth it was checked
 *   against (and the headers of its answer) stay alive even if the file is reloaded.
 * - On shutdown (verifier_stop()), before the daemons are stopped: no more jobs are taken
 *   (the handler then closes the connection), the thread finishes the run it is in and exits,
 *   and every job still queued is marked cancelled and its connection resumed; the handler
 *   then closes those connections, or MHD_stop_daemon() does. No connection stays suspended.
 */

enum auth_job_state {
	JOB_QUEUED,
	JOB_ALLOWED,
	JOB_DENIED,
	JOB_CANCELLED, /* shutting down: the connection is closed unanswered */
};

struct auth_job {
	struct auth_job *next; /* in the verifier's queue */
	struct MHD_Connection *conn;
	char *authorization; /* a copy of the header value, cleared when freed */
	const struct web_snapshot *snap; /* the request's reference */
	atomic_int state; /* enum auth_job_state */
};

struct auth_verifier {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct auth_job *head, *tail; /* under lock */
	bool stopping; /* under lock: no more jobs taken */
};

static void auth_job_free(struct http_server *s, struct auth_job *job)
{
	if (!job)
		return;
	if (job->authorization) {
		explicit_bzero(job->authorization, strlen(job->authorization));
		free(job->authorization);
	}
	settings_put(s, job->snap);
	free(job);
}

static void *verifier_main(void *arg)
{
	struct auth_verifier *v = arg;
	struct auth_job *job;
	struct MHD_Connection *conn;
	bool ok;

	pthread_mutex_lock(&v->lock);
	for (;;) {
		while (!v->stopping && !v->head)
			pthread_cond_wait(&v->wake, &v->lock);
		if (v->stopping)
			break;
		job = v->head;
		v->head = job->next;
		if (!v->head)
			v->tail = NULL;
		pthread_mutex_unlock(&v->lock);

		ok = web_auth__verify(job->snap->auth, job->authorization);
		explicit_bzero(job->authorization, strlen(job->authorization));
		conn = job->conn;
		atomic_store(&job->state, ok ? JOB_ALLOWED : JOB_DENIED);
		/* from here on the job is the connection's worker's: not touched again */
		MHD_resume_connection(conn);

		pthread_mutex_lock(&v->lock);
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

static int verifier_start(struct http_server *s)
{
	struct auth_verifier *v = calloc(1, sizeof(*v));
	int e;

	if (!v)
		return -ENOMEM;
	e = pthread_mutex_init(&v->lock, NULL);
	if (e) {
		free(v);
		return -e;
	}
	e = pthread_cond_init(&v->wake, NULL);
	if (e) {
		pthread_mutex_destroy(&v->lock);
		free(v);
		return -e;
	}
	e = pthread_create(&v->thread, NULL, verifier_main, v);
	if (e) {
		pthread_cond_destroy(&v->wake);
		pthread_mutex_destroy(&v->lock);
		free(v);
		return -e;
	}
	s->verifier = v;
	return 0;
}

/*
 * Suspends conn and queues its credentials with the request's snapshot reference (taken over
 * on success). Returns 0, -ESHUTDOWN when the verifier takes no more jobs, or -ENOMEM.
 */
static int verifier_queue(struct http_server *s, struct MHD_Connection *conn, struct conn_ctx *ctx,
			  const char *authorization, const struct web_snapshot *snap)
{
	struct auth_verifier *v = s->verifier;
	struct auth_job *job;

	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	job->authorization = strdup(authorization ? authorization : "");
	if (!job->authorization) {
		free(job);
		return -ENOMEM;
	}
	job->conn = conn;
	atomic_init(&job->state, JOB_QUEUED);
	pthread_mutex_lock(&v->lock);
	if (v->stopping) {
		pthread_mutex_unlock(&v->lock);
		auth_job_free(s, job);
		return -ESHUTDOWN;
	}
	job->snap = snap;
	ctx->job = job;
	MHD_suspend_connection(conn);
	if (v->tail)
		v->tail->next = job;
	else
		v->head = job;
	v->tail = job;
	pthread_cond_signal(&v->wake);
	pthread_mutex_unlock(&v->lock);
	return 0;
}

/*
 * Stops the verifier thread and resumes, cancelled, the connections of the jobs it did not
 * get to. To be called before the daemons stop. NULL-tolerant.
 */
static void verifier_stop(struct http_server *s)
{
	struct auth_verifier *v = s->verifier;
	struct auth_job *job, *next;
	int e;

	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	v->stopping = true;
	pthread_cond_signal(&v->wake);
	pthread_mutex_unlock(&v->lock);
	e = pthread_join(v->thread, NULL);
	if (e)
		log_msg("http: cannot join the credentials thread: %s", strerror(e));
	/* the thread is gone and no job is queued any more: the list is this thread's */
	for (job = v->head; job; job = next) {
		struct MHD_Connection *conn = job->conn;

		next = job->next;
		atomic_store(&job->state, JOB_CANCELLED);
		MHD_resume_connection(conn);
	}
	v->head = v->tail = NULL;
	pthread_cond_destroy(&v->wake);
	pthread_mutex_destroy(&v->lock);
	free(v);
	s->verifier = NULL;
}

/* What the request's framing headers say. */
struct framing {
	unsigned int n_length; /* Content-Length headers */
	const char *length; /* the first one's value */
	bool lengths_differ; /* another one says something else */
	bool transfer_encoding; /* a Transfer-Encoding header */
};

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (!key)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (f->n_length++ == 0)
			f->length = value ? value : "";
		else if (strcmp(f->length, value ? value : "") != 0)
			f->lengths_differ = true;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding = true;
	}
	return MHD_YES;
}

/*
 * A request whose length two readers could see differently (a proxy in front and this
 * server): Content-Length headers that disagree, or Transfer-Encoding beside Content-Length.
 * Such requests are how requests get smuggled past a proxy; they get 400 and a closed
 * connection.
 */
static bool framing_ambiguous(struct MHD_Connection *conn)
{
	struct framing f = { 0 };

	MHD_get_connection_values(conn, MHD_HEADER_KIND, framing_header, &f);
	return f.lengths_differ || (f.transfer_encoding && f.n_length);
}

/* 400, and the connection closed after it: what follows the request cannot be trusted. */
static enum MHD_Result bad_framing(struct MHD_Connection *conn, const struct web_snapshot *snap)
{
	struct MHD_Response *resp;
	static const char text[] = "Bad Request: ambiguous message length\n";

	resp = MHD_create_response_from_buffer(sizeof(text) - 1, (void *)text,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	return queue(conn, MHD_HTTP_BAD_REQUEST, resp, snap);
}

static struct conn_ctx *conn_ctx(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* Makes MHD close the connection at its next read, before anything is answered. */
static void refuse(int fd)
{
	if (shutdown(fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
		log_debug("http: shutdown of a refused connection failed: %d", errno);
}

/*
 * A TLS connection, before its handshake: the current TLS state's credentials, priorities and
 * client certificate policy replace those the daemon started with. False when it cannot be
 * set up (the connection is then refused).
 */
static bool tls_setup(struct http_server *s, struct MHD_Connection *conn, struct conn_ctx *ctx)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const struct web_snapshot *snap;
	int e;

	if (!ci || !ci->tls_session)
		return false;
	snap = settings_get(s);
	if (snap->tls)
		ctx->tls = web_tls__ref(snap->tls);
	settings_put(s, snap);
	if (!ctx->tls)
		return false;
	e = web_tls__setup_session(ctx->tls, (gnutls_session_t)ci->tls_session);
	if (e) {
		log_msg("http: cannot set up a TLS session: %s", strerror(-e));
		return false;
	}
	return true;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn_ctx *ctx;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci)
			return;
		ctx = calloc(1, sizeof(*ctx));
		if (!ctx) {
			refuse(ci->connect_fd);
			return;
		}
		*socket_context = ctx;
		ctx->counted = true;
		/* one limit for the connections of every socket */
		if (atomic_fetch_add(&s->open, 1) >= s->max_connections) {
			ctx->refused = true;
			refuse(ci->connect_fd);
			return;
		}
		ctx->guard = http_guard__opened(s->guard, ci->connect_fd);
		if (s->tls && !tls_setup(s, conn, ctx)) {
			ctx->refused = true;
			refuse(ci->connect_fd);
		}
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		ctx = *socket_context;
		if (!ctx)
			return;
		/* MHD has freed the TLS session by now: its TLS state may go */
		http_guard__closed(s->guard, ctx->guard);
		web_tls__unref(ctx->tls);
		auth_job_free(s, ctx->job);
		if (ctx->counted)
			atomic_fetch_sub(&s->open, 1);
		free(ctx);
		*socket_context = NULL;
	}
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct conn_ctx *ctx = conn_ctx(conn);

	/* a request that ends before the handler took its verified outcome: the job goes */
	if (ctx && ctx->job) {
		auth_job_free(s, ctx->job);
		ctx->job = NULL;
	}
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		http_guard__response_done(s->guard, ctx ? ctx->guard : NULL);
}

/*
 * The first request of a TLS connection: the handshake is done, the peer is checked against
 * the policy once more. False closes the connection.
 */
static bool tls_peer_ok(struct MHD_Connection *conn, struct conn_ctx *ctx)
{
	const union MHD_ConnectionInfo *ci;
	char err[512];
	int e;

	if (ctx->checked)
		return true;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session || !ctx->tls)
		return false;
	err[0] = '\0';
	e = web_tls__check_session(ctx->tls, (gnutls_session_t)ci->tls_session, err, sizeof(err));
	if (e) {
		log_debug("http: TLS client refused: %s", err[0] ? err : strerror(-e));
		return false;
	}
	ctx->checked = true;
	return true;
}

/* /-/reload: see struct http_opts. */
static enum MHD_Result serve_reload(struct http_server *s, struct MHD_Connection *conn,
				    const struct web_snapshot *snap, const char *method)
{
	static const char not_enabled[] = "Lifecycle API is not enabled.";
	static const char only_post[] = "Only POST or PUT requests allowed";
	const char *text = "text/plain; charset=utf-8";
	char err[4096] = "";
	char *body;
	int n;

	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0 && strcmp(method, MHD_HTTP_METHOD_PUT) != 0)
		return respond(conn, snap, MHD_HTTP_METHOD_NOT_ALLOWED, text, NULL,
			       (void *)only_post, sizeof(only_post) - 1, MHD_RESPMEM_PERSISTENT);
	if (!s->opts.enable_lifecycle || !s->opts.reload)
		return respond(conn, snap, MHD_HTTP_FORBIDDEN, text, NULL, (void *)not_enabled,
			       sizeof(not_enabled) - 1, MHD_RESPMEM_PERSISTENT);
	if (s->opts.reload(s->opts.reload_arg, err, sizeof(err)) == 0)
		return respond(conn, snap, MHD_HTTP_OK, NULL, NULL, (void *)"", 0,
			       MHD_RESPMEM_PERSISTENT);
	n = asprintf(&body, "failed to reload config: %s\n", err);
	if (n < 0)
		return MHD_NO;
	return respond(conn, snap, MHD_HTTP_INTERNAL_SERVER_ERROR, text, NULL, body, (size_t)n,
		       MHD_RESPMEM_MUST_FREE);
}

/* A request that passed the rate limit and authentication: the routes. */
static enum MHD_Result route(struct http_server *s, struct MHD_Connection *conn, const char *url,
			     const char *method, const struct web_snapshot *snap)
{
	char clean[4096];

	if (strlen(url) >= sizeof(clean) - 2)
		return respond(conn, snap, MHD_HTTP_URI_TOO_LONG, "text/plain; charset=utf-8", NULL,
			       (void *)"URI too long\n", 13, MHD_RESPMEM_PERSISTENT);
	http_clean_path(url, clean, sizeof(clean));
	if (strcmp(clean, url) != 0) {
		const char *q = strchr(url, '?');
		char loc[8192];

		snprintf(loc, sizeof(loc), "%s%s", clean, q ? q : "");
		return redirect(conn, snap, loc);
	}
	if (strcmp(url, s->telemetry_path) == 0)
		return serve_metrics(s, conn, snap);
	if (strcmp(url, "/-/reload") == 0)
		return serve_reload(s, conn, snap, method);
	if (s->opts.debug && strcmp(url, "/maps") == 0)
		return serve_maps(s, conn, snap);
	return serve_status(s, conn, snap);
}

/*
 * A whole request: rate limit, authentication, then the routes. Credentials the cache does
 * not know suspend the connection for the verifier: *queued is then set and the snapshot
 * reference has gone with the job.
 */
static enum MHD_Result serve(struct http_server *s, struct MHD_Connection *conn,
			     struct conn_ctx *ctx, const char *url, const char *method,
			     const struct web_snapshot *snap, bool *queued)
{
	const char *authorization;
	int e;

	*queued = false;
	if (snap->rate && !web_rate_limit__allow(snap->rate, clock_mono_ns()))
		return http_error(conn, snap, MHD_HTTP_TOO_MANY_REQUESTS, "Too Many Requests\n",
				  false);
	if (snap->auth && web_auth__enabled(snap->auth)) {
		authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_AUTHORIZATION);
		switch (web_auth__lookup(snap->auth, authorization)) {
		case WEB_AUTH_ALLOW:
			break;
		case WEB_AUTH_UNKNOWN:
			if (!ctx)
				return MHD_NO;
			e = verifier_queue(s, conn, ctx, authorization, snap);
			if (e) {
				if (e != -ESHUTDOWN)
					log_msg("http: cannot queue credentials: %s", strerror(-e));
				return MHD_NO;
			}
			*queued = true;
			return MHD_YES;
		case WEB_AUTH_DENY:
		default:
			return http_error(conn, snap, MHD_HTTP_UNAUTHORIZED, "Unauthorized\n",
					  true);
		}
	}
	return route(s, conn, url, method, snap);
}

/* The handler again, after the verifier resumed the connection: the outcome decides. */
static enum MHD_Result serve_verified(struct http_server *s, struct MHD_Connection *conn,
				      struct conn_ctx *ctx, const char *url, const char *method)
{
	struct auth_job *job = ctx->job;
	enum MHD_Result ret;

	ctx->job = NULL;
	switch (atomic_load(&job->state)) {
	case JOB_ALLOWED:
		ret = route(s, conn, url, method, job->snap);
		break;
	case JOB_DENIED:
		ret = http_error(conn, job->snap, MHD_HTTP_UNAUTHORIZED, "Unauthorized\n", true);
		break;
	case JOB_QUEUED: /* cannot happen: resumed by the verifier only */
	case JOB_CANCELLED:
	default:
		ret = MHD_NO;
	}
	auth_job_free(s, job);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	const struct web_snapshot *snap;
	struct conn_ctx *ctx = conn_ctx(conn);
	enum MHD_Result ret;
	bool queued;

	if (*con_cls == NULL) {
		if (!ctx || ctx->refused)
			return MHD_NO;
		if (s->tls && !tls_peer_ok(conn, ctx))
			return MHD_NO;
		*con_cls = &request_marker;
		if (framing_ambiguous(conn)) {
			snap = settings_get(s);
			ret = bad_framing(conn, snap);
			settings_put(s, snap);
			return ret;
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* Request bodies mean nothing here: discard them. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ctx && ctx->job)
		return serve_verified(s, conn, ctx, url, method);
	http_guard__request_read(s->guard, ctx ? ctx->guard : NULL);
	snap = settings_get(s);
	ret = serve(s, conn, ctx, url, method, snap, &queued);
	if (!queued)
		settings_put(s, snap);
	return ret;
}

/* libmicrohttpd's messages: debug lines, and the last one kept while a daemon starts. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	log_debug("http: %s", msg);
	pthread_mutex_lock(&s->error_lock);
	snprintf(s->mhd_error, sizeof(s->mhd_error), "%s", msg);
	pthread_mutex_unlock(&s->error_lock);
}

/* Splits Go-style host:port; returns 0 and pointers into buf, or -EINVAL with a message. */
static int split_host_port(const char *addr, char *buf, size_t len, const char **host,
			   const char **port, char *err, size_t errlen)
{
	char *colon;

	snprintf(buf, len, "%s", addr);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "listen tcp %s: address %s: missing port in address",
				 addr, addr);
			return -EINVAL;
		}
		*close = '\0';
		*host = buf + 1;
		*port = close + 2;
		return 0;
	}
	colon = strrchr(buf, ':');
	if (!colon) {
		snprintf(err, errlen, "listen tcp %s: address %s: missing port in address", addr,
			 addr);
		return -EINVAL;
	}
	if (strchr(buf, ':') != colon) {
		snprintf(err, errlen, "listen tcp %s: address %s: too many colons in address", addr,
			 addr);
		return -EINVAL;
	}
	*colon = '\0';
	*host = buf;
	*port = colon + 1;
	return 0;
}

static int listen_systemd(const char *address, int *fd_out, char *err, size_t errlen)
{
	const char *num = address + strlen("fd://");
	char *end;
	long idx;
	int n;

	errno = 0;
	idx = strtol(num, &end, 10);
	if (!*num || *end || errno || idx < 0) {
		snprintf(err, errlen,
			 "error extracting fd number from \"%s\": strconv.Atoi: parsing \"%s\": "
			 "invalid syntax",
			 address, num);
		return -EINVAL;
	}
	n = systemd_listen_fds(err, errlen);
	if (n == -ENOPKG)
		return n;
	if (n <= 0) {
		snprintf(err, errlen, "no listeners passed via activation");
		return -ENOENT;
	}
	if (idx >= n) {
		snprintf(err, errlen, "listener index %ld out of range: %d passed via activation",
			 idx, n);
		return -ERANGE;
	}
	*fd_out = SYSTEMD_LISTEN_FDS_START + (int)idx;
	return 0;
}

int http_listen(const char *address, int *fd_out, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	const char *host, *port;
	char buf[512], et[128];
	int fd = -1, e, one = 1, zero = 0;

	if (strncmp(address, "fd://", 5) == 0)
		return listen_systemd(address, fd_out, err, errlen);
	e = split_host_port(address, buf, sizeof(buf), &host, &port, err, errlen);
	if (e)
		return e;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	hints.ai_family = AF_UNSPEC;
	if (!*host) {
		/* All addresses, dual stack, as Go does for ":port". */
		host = NULL;
		hints.ai_family = AF_INET6;
	}
	e = getaddrinfo(host, *port ? port : "0", &hints, &res);
	if (e && !host) {
		hints.ai_family = AF_INET;
		e = getaddrinfo(NULL, *port ? port : "0", &hints, &res);
	}
	if (e) {
		snprintf(err, errlen, "listen tcp %s: lookup %s: %s", address, host ? host : "",
			 gai_strerror(e));
		return -EINVAL;
	}
	e = -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			e = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6 && !host)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			e = -errno;
			snprintf(err, errlen, "listen tcp %s: bind: %s", address,
				 errno_text(e, et, sizeof(et)));
			close(fd);
			fd = -1;
			continue;
		}
		if (listen(fd, HTTP_LISTEN_BACKLOG) != 0) {
			e = -errno;
			snprintf(err, errlen, "listen tcp %s: listen: %s", address,
				 errno_text(e, et, sizeof(et)));
			close(fd);
			fd = -1;
			continue;
		}
		break;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return e;
	*fd_out = fd;
	return 0;
}

unsigned int http_connection_limit(long long wanted, char *note, size_t notelen)
{
	struct rlimit rl;
	long long most;
	long fds;

	note[0] = '\0';
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1 << 20;
	if (file_count_open_fds(&fds) != 0)
		fds = 64; /* a guess that errs on the safe side */
	most = (long long)rl.rlim_cur - fds - HTTP_FD_RESERVE;
	if (most < HTTP_MIN_CONNECTIONS)
		most = HTTP_MIN_CONNECTIONS;
	if (most > UINT32_MAX / 2)
		most = UINT32_MAX / 2;
	if (wanted <= 0)
		return (unsigned int)most;
	if (wanted > most) {
		snprintf(note, notelen,
			 "--web.max-connections=%lld is more than the open file limit allows "
			 "(%llu): using %lld",
			 wanted, (unsigned long long)rl.rlim_cur, most);
		return (unsigned int)most;
	}
	return (unsigned int)wanted;
}

unsigned int http_server__max_connections(const struct http_server *s)
{
	return s->max_connections;
}

int http_systemd_sockets(int *first, int *n, char *err, size_t errlen)
{
	int got = systemd_listen_fds(err, errlen);

	if (got < 0) {
		if (got != -ENOPKG)
			snprintf(err, errlen, "error getting activation listeners: %s",
				 strerror(-got));
		return got;
	}
	if (got == 0) {
		snprintf(err, errlen, "no socket activation file descriptors found");
		return -ENOENT;
	}
	*first = SYSTEMD_LISTEN_FDS_START;
	*n = got;
	return 0;
}

void http_socket_name(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(out, len, "fd %d", fd);
		return;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
		char ifname[IF_NAMESIZE];

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		if (in6->sin6_scope_id && if_indextoname(in6->sin6_scope_id, ifname)) {
			size_t hl = strlen(host);

			snprintf(host + hl, sizeof(host) - hl, "%%%s", ifname);
		}
		snprintf(out, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;
		size_t pl = sl > offsetof(struct sockaddr_un, sun_path) ?
				    sl - offsetof(struct sockaddr_un, sun_path) :
				    0;

		/* abstract sockets start with a NUL, which Go writes as '@' */
		if (pl && un->sun_path[0] == '\0')
			snprintf(out, len, "@%.*s", (int)(pl - 1), un->sun_path + 1);
		else
			snprintf(out, len, "%.*s", (int)strnlen(un->sun_path, pl), un->sun_path);
	} else {
		snprintf(out, len, "fd %d", fd);
	}
}

/* Starts the daemon of socket i. Returns 0, or -EIO with a message. */
static int start_daemon(struct http_server *s, size_t i, unsigned int idle_s,
			const struct web_snapshot *snap, char *err, size_t errlen)
{
	struct MHD_OptionItem ops[16];
	/* suspend and resume: credentials are verified by another thread (verifier_queue()) */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_SUSPEND_RESUME;
	char name[256];
	int n = 0;

#define OPT(o, v, p) (ops[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (void *)(p) })
	/* first, so that MHD's own messages about the other options come here too */
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s);
	OPT(MHD_OPTION_LISTEN_SOCKET, s->fds[i], NULL);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, HTTP_THREADS, NULL);
	/* each daemon may take them all; the shared count in on_connection() bounds the sum */
	OPT(MHD_OPTION_CONNECTION_LIMIT, s->max_connections, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, idle_s, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONNECTION_MEMORY, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, s);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, s);
	if (s->tls) {
		/*
		 * The daemon needs a certificate to start with; each connection then gets the
		 * current TLS state's own in on_connection().
		 */
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, web_tls__cert_pem(snap->tls));
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, web_tls__key_pem(snap->tls));
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, web_tls__priorities(snap->tls));
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	pthread_mutex_lock(&s->error_lock);
	s->mhd_error[0] = '\0';
	pthread_mutex_unlock(&s->error_lock);
	s->daemons[i] = MHD_start_daemon(flags, 0, NULL, NULL, handler, s, MHD_OPTION_ARRAY, ops,
					 MHD_OPTION_END);
	if (s->daemons[i])
		return 0;
	http_socket_name(s->fds[i], name, sizeof(name));
	pthread_mutex_lock(&s->error_lock);
	snprintf(err, errlen, "failed to start the HTTP server on %s%s%s", name,
		 s->mhd_error[0] ? ": " : "", s->mhd_error);
	pthread_mutex_unlock(&s->error_lock);
	return -EIO;
}

static void server_free(struct http_server *s)
{
	http_guard__free(s->guard);
	settings_put(s, s->start);
	pthread_mutex_destroy(&s->error_lock);
	free(s->daemons);
	free(s->fds);
	free(s->telemetry_path);
	free(s);
}

int http_server__start(const struct http_opts *opts, const int *fds, size_t n,
		       struct http_server **out, char *err, size_t errlen)
{
	char et[128];
	struct http_server *s;
	char note[256];
	unsigned int idle_s;
	size_t i = 0;
	int e;

	if (!n) {
		snprintf(err, errlen, "no socket to serve on");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		for (i = 0; i < n; i++)
			close(fds[i]);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&s->error_lock, NULL);
	atomic_init(&s->open, 0);
	s->opts = *opts;
	s->n = n;
	s->telemetry_path = strdup(opts->telemetry_path);
	s->fds = calloc(n, sizeof(*s->fds));
	s->daemons = calloc(n, sizeof(*s->daemons));
	if (!s->telemetry_path || !s->fds || !s->daemons) {
		for (i = 0; i < n; i++)
			close(fds[i]);
		snprintf(err, errlen, "out of memory");
		server_free(s);
		return -ENOMEM;
	}
	memcpy(s->fds, fds, n * sizeof(*fds));
	s->start = settings_get(s);
	s->tls = opts->settings && web_settings__tls_enabled(opts->settings);
	if (s->tls && !s->start->tls) {
		snprintf(err, errlen, "TLS is enabled but its settings are missing");
		e = -EINVAL;
		goto fail;
	}
	s->max_connections = http_connection_limit(opts->max_connections, note, sizeof(note));
	if (note[0])
		log_msg("%s", note);
	/* MHD counts whole seconds: round up, so that the idle time is at least what was set */
	idle_s = (unsigned int)((opts->idle_timeout_ns + 999999999LL) / 1000000000LL);
	if (!idle_s)
		idle_s = 1;
	e = http_guard__new(opts->request_timeout_ns, &s->guard);
	if (e) {
		snprintf(err, errlen, "failed to start the request deadline thread: %s",
			 errno_text(e, et, sizeof(et)));
		goto fail;
	}
	e = verifier_start(s);
	if (e) {
		snprintf(err, errlen, "failed to start the credentials thread: %s",
			 errno_text(e, et, sizeof(et)));
		goto fail;
	}
	for (i = 0; i < n; i++) {
		e = start_daemon(s, i, idle_s, s->start, err, errlen);
		if (e) {
			/* MHD may or may not have closed the socket it failed on: left alone */
			i++;
			goto fail;
		}
	}
	log_msg("Serving HTTP: at most %u connections, %.3gs for a request to arrive, %us idle",
		s->max_connections, (double)opts->request_timeout_ns / 1e9, idle_s);
	*out = s;
	return 0;
fail:
	verifier_stop(s);
	/* the daemons started close their sockets; those not tried are closed here */
	for (size_t j = 0; j < n; j++) {
		if (s->daemons[j])
			MHD_stop_daemon(s->daemons[j]);
		else if (j >= i)
			close(s->fds[j]);
	}
	server_free(s);
	return e;
}

void http_server__stop(struct http_server *s)
{
	if (!s)
		return;
	/* no connection may stay suspended when the daemons stop */
	verifier_stop(s);
	/* MHD_stop_daemon() closes the listening socket too */
	for (size_t i = 0; i < s->n; i++)
		MHD_stop_daemon(s->daemons[i]);
	server_free(s);
}
