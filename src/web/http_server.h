// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_HTTP_H
#define EBPF_EXPORTER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/expo.h"
#include "util/buf.h"

struct collector;
struct http_server;
struct web_settings;

struct http_opts {
	const char *telemetry_path;
	bool debug; /* serve /maps */
	struct collector *collector;
	/* --web.config.file: TLS, users, headers, rate limit; NULL: none of them */
	struct web_settings *settings;
	/* all sockets together; <= 0: from the open file limit (http_connection_limit()) */
	long long max_connections;
	int64_t request_timeout_ns; /* > 0: for a whole request to arrive */
	int64_t idle_timeout_ns; /* > 0: an idle keep-alive connection stays this long */
	/*
	 * /-/reload, as Prometheus answers it: POST and PUT call reload (200, or 500 with
	 * `failed to reload config: <err>`) with enable_lifecycle, else 403 `Lifecycle API is not
	 * enabled.`; other methods 405 `Only POST or PUT requests allowed`. reload runs on the
	 * request's thread and may block until the reload is done.
	 */
	bool enable_lifecycle;
	/*
	 * --web.enable-openmetrics: scrapes are negotiated as http_negotiate does with
	 * openmetrics set, so OpenMetrics 1.0.0 text may be served
	 */
	bool enable_openmetrics;
	int (*reload)(void *arg, char *err, size_t errlen);
	void *reload_arg;
};

/*
 * Opens the listening socket: errors are returned with a message in Go's words,
 * e.g. `listen tcp :80: bind: permission denied`, for the caller's `Error listening on`.
 */
int http_listen(const char *address, int *fd_out, char *err, size_t errlen);

/*
 * Every socket systemd passed (LISTEN_FDS), for --web.systemd-socket: *first and *n.
 * Returns 0, or a negative errno with a message (`no socket activation file descriptors
 * found` when there is none).
 */
int http_systemd_sockets(int *first, int *n, char *err, size_t errlen);

/*
 * The local address of a listening socket as Go's net.Addr.String() writes it:
 * `127.0.0.1:9435`, `[::]:9435`, a unix socket's path; `fd N` when it has none.
 */
void http_socket_name(int fd, char *out, size_t len);

/*
 * Starts serving on the n sockets in fds (taken over: closed when the server stops) with
 * libmicrohttpd's threads, one daemon per socket sharing the handler, the request deadline
 * and the connection limit: TLS when opts->settings say so, then for each request the rate
 * limit (429), the configured headers on every answer, basic authentication (401), then the
 * telemetry path, the status page (web/status_page.h) on every other path, 301 for unclean
 * paths, gzip on request. Returns 0 and the server in *out, or a negative errno with a message.
 */
int http_server__start(const struct http_opts *opts, const int *fds, size_t n,
		       struct http_server **out, char *err, size_t errlen);

/*
 * The connection limit: wanted when it is positive and the open file limit allows it, else
 * RLIMIT_NOFILE less the descriptors open now and HTTP_FD_RESERVE (at least 16). When wanted
 * had to be lowered, note says so (else it is empty).
 */
unsigned int http_connection_limit(long long wanted, char *note, size_t notelen);

/* The connection limit in force. */
unsigned int http_server__max_connections(const struct http_server *s);

/* Stops the threads and closes the sockets. NULL-tolerant. */
void http_server__stop(struct http_server *s);

/* Go's path.Clean plus ServeMux's trailing-slash rule; writes into out (len >= strlen+2). */
void http_clean_path(const char *p, char *out, size_t len);

/* True when an Accept-Encoding header value allows gzip (q > 0). */
bool http_accepts_gzip(const char *accept_encoding);

/*
 * The exposition format for an Accept header value (NULL: none), as promhttp negotiates it
 * (expfmt.Negotiate): clauses parsed and ordered as goautoneg does (by q, then
 * concrete types before wildcards), and the first one that is
 * `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily` with
 * `encoding=delimited|text|compact-text`, or `text/plain` with `version=0.0.4` or no version,
 * decides. Anything else (OpenMetrics too) is text.
 */
enum expo_format http_negotiate_format(const char *accept);

/*
 * The name escaping scheme the same negotiation picks: the `escaping=` parameter
 * (allow-utf-8, underscores, dots or values; others ignored) of the last clause that has one,
 * up to the deciding clause in that order; "underscores" by default. A static string.
 */
const char *http_negotiate_escaping(const char *accept);

/*
 * Writes the Content-Type of format fmt with the escaping scheme into out (len bytes), e.g.
 * `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
 * encoding=delimited; escaping=underscores`. Returns 0, or -ENOSPC if it does not fit.
 */
int http_content_type(enum expo_format fmt, const char *escaping, char *out, size_t len);

/*
 * Negotiates a scrape: *fmt and its Content-Type in ctype (len bytes). Without openmetrics
 * exactly http_negotiate_format and http_content_type. With it, client_golang's
 * expfmt.NegotiateIncludingOpenMetrics: the same clause order, and the first
 * `application/openmetrics-text` clause with version 1.0.0, 0.0.1 or none that comes before
 * any other deciding clause gives EXPO_OPENMETRICS, served as
 * `application/openmetrics-text; version=<1.0.0, or 0.0.1 for 0.0.1 or none>;
 * charset=utf-8; escaping=<scheme>` (the body is the same for both versions). Returns 0, or
 * -ENOSPC if the Content-Type does not fit.
 */
int http_negotiate(const char *accept, bool openmetrics, enum expo_format *fmt, char *ctype,
		   size_t len);

#endif
