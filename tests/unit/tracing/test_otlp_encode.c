// SPDX-License-Identifier: MIT
/* OTLP encoding of span batches: protobuf (read back with the generated decoder) and JSON. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tracing/otlp_encode.h"
#include "tracing/span.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest pb_request;

static const char *const services[] = { "ebpf_exporter", "exec-trace", "bio-trace" };
static const struct otel_kv resource[] = { { "deployment.environment", "test" } };
static const struct otlp_resources res = {
	.attrs = resource,
	.n_attrs = 1,
	.services = services,
	.n_services = 3,
};

static struct span *make_span(uint32_t service, uint8_t id, bool parent, size_t n_attrs, bool event,
			      bool error)
{
	struct span *sp = span_alloc(n_attrs, event ? 1 : 0, 512);
	size_t i;

	assert_non_null(sp);
	memset(sp->trace_id, id, sizeof(sp->trace_id));
	memset(sp->span_id, id + 1, sizeof(sp->span_id));
	if (parent) {
		memset(sp->parent_span_id, id + 2, sizeof(sp->parent_span_id));
		sp->parent_remote = true;
	}
	sp->start_ns = 1700000000000000000ULL + id;
	sp->end_ns = sp->start_ns + 1000;
	sp->service = service;
	sp->name = span_str(sp, "span \"q\"\n", 9);
	for (i = 0; i < n_attrs; i++) {
		char k[32];

		snprintf(k, sizeof(k), "k%zu", i);
		sp->attrs[i].key = span_str(sp, k, strlen(k));
		sp->attrs[i].value = span_str(sp, "v\\", 2);
	}
	sp->n_attrs = (uint32_t)n_attrs;
	if (event) {
		sp->events[0].name = span_str(sp, "prog_attach", 11);
		sp->events[0].time_ns = 42;
		sp->events[0].attr_key = span_str(sp, "SEC", 3);
		sp->events[0].attr_value = span_str(sp, "tp_btf/x", 8);
		sp->n_events = 1;
	}
	if (error) {
		sp->status = SPAN_STATUS_ERROR;
		sp->status_msg = span_str(sp, "boom", 4);
	}
	return sp;
}

static const char *attr(Opentelemetry__Proto__Common__V1__KeyValue **kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i]->key, key) == 0)
			return kv[i]->value->string_value;
	return NULL;
}

static void test_protobuf(void **state)
{
	struct span *spans[4];
	struct buf out = { 0 };
	pb_request *req;
	Opentelemetry__Proto__Trace__V1__Span *s;
	int i;

	(void)state;
	/* services interleaved: grouped by first appearance, order kept inside a group */
	spans[0] = make_span(1, 0x10, true, 2, false, false);
	spans[1] = make_span(0, 0x20, false, 0, true, true);
	spans[2] = make_span(1, 0x30, false, 1, false, false);
	spans[3] = make_span(2, 0x40, true, 0, false, false);
	assert_int_equal(otlp_encode_protobuf(&res, spans, 4, &out), 0);
	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, out.len, (const uint8_t *)out.data);
	assert_non_null(req);
	assert_int_equal(req->n_resource_spans, 3);
	assert_string_equal(attr(req->resource_spans[0]->resource->attributes,
				 req->resource_spans[0]->resource->n_attributes, "service.name"),
			    "exec-trace");
	assert_string_equal(attr(req->resource_spans[0]->resource->attributes,
				 req->resource_spans[0]->resource->n_attributes,
				 "deployment.environment"),
			    "test");
	assert_string_equal(attr(req->resource_spans[1]->resource->attributes,
				 req->resource_spans[1]->resource->n_attributes, "service.name"),
			    "ebpf_exporter");
	assert_int_equal(req->resource_spans[0]->n_scope_spans, 1);
	assert_string_equal(req->resource_spans[0]->scope_spans[0]->scope->name,
			    "github.com/cloudflare/ebpf_exporter/v2/tracing");
	assert_int_equal(req->resource_spans[0]->scope_spans[0]->n_spans, 2);

	s = req->resource_spans[0]->scope_spans[0]->spans[0];
	assert_int_equal(s->trace_id.len, 16);
	assert_memory_equal(s->trace_id.data, spans[0]->trace_id, 16);
	assert_memory_equal(s->span_id.data, spans[0]->span_id, 8);
	assert_int_equal(s->parent_span_id.len, 8);
	assert_memory_equal(s->parent_span_id.data, spans[0]->parent_span_id, 8);
	assert_int_equal(s->flags, 0x301);
	assert_string_equal(s->name, "span \"q\"\n");
	assert_int_equal(s->kind,
			 OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL);
	assert_int_equal(s->start_time_unix_nano, 1700000000000000016ULL);
	assert_int_equal(s->end_time_unix_nano, 1700000000000001016ULL);
	assert_int_equal(s->n_attributes, 2);
	assert_string_equal(attr(s->attributes, s->n_attributes, "k1"), "v\\");
	assert_null(s->status);
	assert_memory_equal(req->resource_spans[0]->scope_spans[0]->spans[1]->span_id.data,
			    spans[2]->span_id, 8);

	s = req->resource_spans[1]->scope_spans[0]->spans[0];
	assert_int_equal(s->parent_span_id.len, 0); /* a root */
	assert_int_equal(s->flags, 0x101);
	assert_int_equal(s->n_events, 1);
	assert_string_equal(s->events[0]->name, "prog_attach");
	assert_int_equal(s->events[0]->time_unix_nano, 42);
	assert_string_equal(attr(s->events[0]->attributes, s->events[0]->n_attributes, "SEC"),
			    "tp_btf/x");
	assert_non_null(s->status);
	assert_int_equal(s->status->code,
			 OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR);
	assert_string_equal(s->status->message, "boom");

	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
		req, NULL);
	for (i = 0; i < 4; i++)
		span_free(spans[i]);
	buf_free(&out);
}

/* A batch of many spans: sizes computed in advance must hold. */
static void test_protobuf_large(void **state)
{
	struct span *spans[600];
	struct buf out = { 0 };
	pb_request *req;
	size_t i, total = 0;

	(void)state;
	for (i = 0; i < 600; i++)
		spans[i] = make_span((uint32_t)(i % 3), (uint8_t)i, i % 2, i % 7, i % 5 == 0,
				     i % 11 == 0);
	assert_int_equal(otlp_encode_protobuf(&res, spans, 600, &out), 0);
	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, out.len, (const uint8_t *)out.data);
	assert_non_null(req);
	for (i = 0; i < req->n_resource_spans; i++)
		total += req->resource_spans[i]->scope_spans[0]->n_spans;
	assert_int_equal(total, 600);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
		req, NULL);
	for (i = 0; i < 600; i++)
		span_free(spans[i]);
	buf_free(&out);
}

static void test_json(void **state)
{
	struct span *spans[2];
	struct buf out = { 0 };

	(void)state;
	spans[0] = make_span(1, 0x01, true, 1, false, false);
	spans[1] = make_span(0, 0xab, false, 0, true, true);
	assert_int_equal(otlp_encode_json(&res, spans, 2, &out), 0);
	assert_string_equal(
		out.data,
		"{\"resourceSpans\":["
		"{\"resource\":{\"attributes\":["
		"{\"key\":\"deployment.environment\",\"value\":{\"stringValue\":\"test\"}},"
		"{\"key\":\"service.name\",\"value\":{\"stringValue\":\"exec-trace\"}}]},"
		"\"scopeSpans\":[{\"scope\":{\"name\":\"github.com/cloudflare/ebpf_exporter/v2/"
		"tracing\"},\"spans\":["
		"{\"traceId\":\"01010101010101010101010101010101\",\"spanId\":\"0202020202020202\","
		"\"parentSpanId\":\"0303030303030303\",\"flags\":769,\"name\":\"span \\\"q\\\"\\n\","
		"\"kind\":1,\"startTimeUnixNano\":\"1700000000000000001\","
		"\"endTimeUnixNano\":\"1700000000000001001\",\"attributes\":["
		"{\"key\":\"k0\",\"value\":{\"stringValue\":\"v\\\\\"}}]}]}]},"
		"{\"resource\":{\"attributes\":["
		"{\"key\":\"deployment.environment\",\"value\":{\"stringValue\":\"test\"}},"
		"{\"key\":\"service.name\",\"value\":{\"stringValue\":\"ebpf_exporter\"}}]},"
		"\"scopeSpans\":[{\"scope\":{\"name\":\"github.com/cloudflare/ebpf_exporter/v2/"
		"tracing\"},\"spans\":["
		"{\"traceId\":\"abababababababababababababababab\",\"spanId\":\"acacacacacacacac\","
		"\"flags\":257,\"name\":\"span \\\"q\\\"\\n\",\"kind\":1,"
		"\"startTimeUnixNano\":\"1700000000000000171\","
		"\"endTimeUnixNano\":\"1700000000000001171\",\"attributes\":[],"
		"\"events\":[{\"timeUnixNano\":\"42\",\"name\":\"prog_attach\",\"attributes\":["
		"{\"key\":\"SEC\",\"value\":{\"stringValue\":\"tp_btf/x\"}}]}],"
		"\"status\":{\"code\":2,\"message\":\"boom\"}}]}]}]}");
	span_free(spans[0]);
	span_free(spans[1]);
	buf_free(&out);
}

static void test_bad_service(void **state)
{
	struct span *sp = make_span(7, 1, false, 0, false, false);
	struct buf out = { 0 };

	(void)state;
	assert_int_equal(otlp_encode_protobuf(&res, &sp, 1, &out), -EINVAL);
	assert_int_equal(otlp_encode_json(&res, &sp, 1, &out), -EINVAL);
	span_free(sp);
	buf_free(&out);
}

/* span_str: NUL cuts, invalid UTF-8 runs become one U+FFFD, the area is bounded. */
static void test_span_str(void **state)
{
	struct span *sp = span_alloc(0, 0, 16);

	(void)state;
	assert_string_equal(span_str(sp, "ab\0cd", 5), "ab");
	assert_string_equal(span_str(sp, "\xff\xfex", 3), "\xef\xbf\xbdx");
	assert_null(span_str(sp, "0123456789", 10)); /* 3 + 5 used, 11 more do not fit */
	assert_string_equal(span_str(sp, "0123456", 7), "0123456");
	span_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protobuf), cmocka_unit_test(test_protobuf_large),
		cmocka_unit_test(test_json),	 cmocka_unit_test(test_bad_service),
		cmocka_unit_test(test_span_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
