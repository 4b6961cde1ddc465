// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_OTEL_ENV_H
#define EBPF_EXPORTER_TRACING_OTEL_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "tracing/sampler.h"

/*
 * The OpenTelemetry SDK environment variables the exporter honours, read once
 * at start-up. Every bad value is an error, so a typo cannot silently send spans elsewhere.
 */

enum otel_exporter {
	OTEL_EXPORTER_OTLP,
	OTEL_EXPORTER_CONSOLE, /* OTLP/JSON batches on stdout, one per line */
	OTEL_EXPORTER_NONE,
};

enum otel_protocol {
	OTEL_PROTO_HTTP_PROTOBUF,
	OTEL_PROTO_HTTP_JSON,
	OTEL_PROTO_GRPC,
};

struct otel_kv {
	char *key;
	char *value;
};

struct otel_conf {
	enum otel_exporter exporter;
	enum otel_protocol protocol;
	/*
	 * The URL requests go to: for HTTP the traces URL (`.../v1/traces`), for gRPC
	 * `<scheme>://<host:port>/opentelemetry.proto.collector.trace.v1.TraceService/Export`.
	 */
	char *url;
	bool tls; /* https */
	struct otel_kv *headers; /* OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, percent-decoded */
	size_t n_headers;
	long timeout_ms; /* OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT, default 10000 */
	bool gzip; /* OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION=gzip */
	char *certificate; /* CA bundle path, NULL: the system's */
	char *client_certificate;
	char *client_key;
	char *service_name; /* OTEL_SERVICE_NAME, default "ebpf_exporter" */
	struct otel_kv *resource; /* OTEL_RESOURCE_ATTRIBUTES without service.name */
	size_t n_resource;
	long bsp_schedule_delay_ms; /* 5000 */
	long bsp_export_timeout_ms; /* 30000 */
	size_t bsp_max_queue; /* 2048 */
	size_t bsp_max_batch; /* 512, at most bsp_max_queue */
	struct sampler sampler; /* OTEL_TRACES_SAMPLER[_ARG], default parentbased_always_on */
	size_t attr_count_limit; /* OTEL_[SPAN_]ATTRIBUTE_COUNT_LIMIT, 128 */
	size_t attr_value_limit; /* OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT, SIZE_MAX: none */
};

/* Looks a variable up; NULL when unset. */
typedef const char *(*otel_getenv_fn)(const char *name, void *ctx);

/*
 * Fills c from the environment (get == NULL: getenv). Returns 0, -ENOMEM, or -EINVAL with a
 * message naming the variable and its value, e.g. `OTEL_EXPORTER_OTLP_PROTOCOL "http/xml" is
 * not supported (grpc, http/protobuf or http/json)`. On error c holds nothing to free.
 */
int otel_conf_load(struct otel_conf *c, otel_getenv_fn get, void *ctx, char *err, size_t errlen);

/* Releases what otel_conf_load() allocated. NULL-tolerant. */
void otel_conf_free(struct otel_conf *c);

/* "http/protobuf", "http/json" or "grpc". */
const char *otel_protocol_name(enum otel_protocol p);

#endif
