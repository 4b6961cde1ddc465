// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_HTTP_H
#define EBPF_EXPORTER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/expo.h"

struct collector;
struct http_server;

struct http_opts {
	const char *listen_address; /* host:port, :port, [v6]:port or fd://N */
	const char *telemetry_path;
	bool debug; /* serve /maps */
	struct collector *collector;
	long long max_connections; /* <= 0: from the open file limit (http_connection_limit()) */
	int64_t request_timeout_ns; /* > 0: for a whole request to arrive */
	int64_t idle_timeout_ns; /* > 0: an idle keep-alive connection stays this long */
};

/*
 * Opens the listening socket: errors are returned with a message in Go's words,
 * e.g. `listen tcp :80: bind: permission denied`, for the caller's `Error listening on`.
 */
int http_listen(const char *address, int *fd_out, char *err, size_t errlen);

/*
 * Starts serving on fd (taken over) with libmicrohttpd's threads: the telemetry path, the
 * landing page on every other path, 301 for unclean paths, gzip on request.
 * Returns 0 and the server in *out, or a negative errno with a message.
 */
int http_server__start(const struct http_opts *opts, int fd, struct http_server **out, char *err,
		       size_t errlen);

/*
 * The connection limit: wanted when it is positive and the open file limit allows it, else
 * RLIMIT_NOFILE less the descriptors open now and HTTP_FD_RESERVE (at least 16). When wanted
 * had to be lowered, note says so (else it is empty).
 */
unsigned int http_connection_limit(long long wanted, char *note, size_t notelen);

/* The connection limit in force. */
unsigned int http_server__max_connections(const struct http_server *s);

/* Stops the threads and closes the socket. NULL-tolerant. */
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

#endif
