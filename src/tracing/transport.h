// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_TRANSPORT_H
#define EBPF_EXPORTER_TRACING_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tracing/otel_env.h"

/*
 * One OTLP request over libcurl: http/protobuf and http/json POST the encoded
 * request to the traces URL; grpc sends it as a unary Export call over HTTP/2 (h2c with prior
 * knowledge for http://, TLS with ALPN for https://), reading grpc-status from the trailers.
 * Handles gzip, the configured headers, TLS files and the retryable answers. One transport is
 * used by one thread at a time; it keeps its connection between requests.
 */
struct otlp_transport;

enum export_outcome {
	EXPORT_OK, /* accepted (maybe partially: see rejected) */
	EXPORT_RETRY, /* 429, 502, 503, 504, their gRPC equivalents, or a network failure */
	EXPORT_FAIL, /* anything else: retrying would not help */
};

struct export_result {
	enum export_outcome outcome;
	long retry_after_ms; /* from Retry-After or gRPC RetryInfo; -1 when the server gave none */
	int64_t rejected; /* partial success: spans the receiver rejected */
	char msg[512]; /* why it failed, or the partial-success message */
};

/*
 * Creates a transport for c (borrowed: it must outlive the transport). Returns 0 and *out, or
 * a negative errno with a message (libcurl without HTTP/2 when grpc is asked for, ...).
 */
int otlp_transport__new(const struct otel_conf *c, struct otlp_transport **out, char *err,
			size_t errlen);

/*
 * Sends one encoded ExportTraceServiceRequest (protobuf, or JSON for http/json), compressing
 * and framing it as configured, and waits at most timeout_ms for the answer. When abort_at is
 * not NULL and *abort_at (CLOCK_MONOTONIC ns, read atomically) becomes non-zero and passes, the
 * request is abandoned (shutdown). Fills res.
 */
void otlp_transport__send(struct otlp_transport *t, const uint8_t *body, size_t len,
			  long timeout_ms, const uint64_t *abort_at, struct export_result *res);

/* NULL-tolerant. */
void otlp_transport__free(struct otlp_transport *t);

/* Helpers, exposed for the unit tests. */

/* Retry-After: delay-seconds or an HTTP date; returns milliseconds from now, or -1. */
long otlp_parse_retry_after(const char *v);

/*
 * The RetryInfo delay in a base64 `grpc-status-details-bin` value (a google.rpc.Status), in
 * milliseconds, or -1 when there is none. The google.rpc.Status message goes to msg.
 */
long otlp_parse_grpc_details(const char *b64, char *msg, size_t msglen);

/* Whether a gRPC status code is retryable (OTLP: RESOURCE_EXHAUSTED only with a delay). */
int otlp_grpc_retryable(int code, long retry_after_ms);

/* The gRPC code for an HTTP status of a response without grpc-status (gRPC's mapping). */
int otlp_grpc_from_http(long http_status);

/* partialSuccess of an OTLP/JSON response: rejectedSpans (0 when absent), errorMessage. */
int64_t otlp_json_partial(const char *body, size_t len, char *msg, size_t msglen);

#endif
