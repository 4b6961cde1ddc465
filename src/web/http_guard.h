// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_HTTP_GUARD_H
#define EBPF_EXPORTER_HTTP_GUARD_H

#include <stdint.h>

/*
 * The request deadline of the HTTP server: a client has request_timeout to send a whole
 * request, counted from the connection's accept for its first request and from the first
 * byte after a response for the next ones; a keep-alive connection that sends nothing stays
 * (the server's idle timeout closes it). A connection past its deadline is shut down
 * (shutdown(2)), which makes the server close it on its next read.
 *
 * The server reports each connection's life: opened() when it is accepted, request_read()
 * when a whole request is in, response_done() when its answer has gone out, closed() before
 * the socket is closed. A thread checks the connections every HTTP_GUARD_TICK_MS; after a
 * response it notices a new request by the socket's received byte count (TCP_INFO), so other
 * sockets get the deadline for their first request only. Thread-safe.
 */
struct http_guard;
struct http_guard_conn;

/* How often the deadlines are checked, at most. */
#define HTTP_GUARD_TICK_MS 250

/* Starts the checking thread. Returns 0 and *out, or a negative errno. */
int http_guard__new(int64_t request_timeout_ns, struct http_guard **out);

/* Stops the thread and frees what is left. NULL-tolerant. */
void http_guard__free(struct http_guard *g);

/* A new connection on fd (still owned by the server). NULL when out of memory: not guarded. */
struct http_guard_conn *http_guard__opened(struct http_guard *g, int fd);

/* The request is complete: no deadline while it is served. NULL-tolerant. */
void http_guard__request_read(struct http_guard *g, struct http_guard_conn *c);

/* The response has been sent: the connection waits for its next request. NULL-tolerant. */
void http_guard__response_done(struct http_guard *g, struct http_guard_conn *c);

/* The server is about to close the socket: forgets and frees c. NULL-tolerant. */
void http_guard__closed(struct http_guard *g, struct http_guard_conn *c);

/* Connections shut down for missing their deadline so far. */
uint64_t http_guard__timeouts(struct http_guard *g);

/* Connections open now. */
uint64_t http_guard__open(struct http_guard *g);

#endif
