// SPDX-License-Identifier: MIT
/* OTEL_* environment and the samplers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tracing/otel_env.h"
#include "tracing/sampler.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A fake environment: NULL-terminated name, value pairs. */
static const char *fake_get(const char *name, void *ctx)
{
	const char *const *kv = ctx;

	for (; kv[0]; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

#define ENV(...) ((const char *[]){ __VA_ARGS__, NULL, NULL })

static void load_ok(struct otel_conf *c, const char **env)
{
	char err[1024] = "";

	if (otel_conf_load(c, fake_get, env, err, sizeof(err)))
		fail_msg("otel_conf_load: %s", err);
}

static void test_defaults(void **state)
{
	struct otel_conf c;

	(void)state;
	load_ok(&c, ENV(NULL));
	assert_int_equal(c.exporter, OTEL_EXPORTER_OTLP);
	assert_int_equal(c.protocol, OTEL_PROTO_HTTP_PROTOBUF);
	assert_string_equal(c.url, "https://localhost:4318/v1/traces");
	assert_true(c.tls);
	assert_int_equal(c.timeout_ms, 10000);
	assert_false(c.gzip);
	assert_string_equal(c.service_name, "ebpf_exporter");
	assert_int_equal(c.n_resource, 0);
	assert_int_equal(c.bsp_schedule_delay_ms, 5000);
	assert_int_equal(c.bsp_export_timeout_ms, 30000);
	assert_int_equal(c.bsp_max_queue, 2048);
	assert_int_equal(c.bsp_max_batch, 512);
	assert_int_equal(c.sampler.kind, SAMPLER_PARENTBASED_ALWAYS_ON);
	assert_int_equal(c.attr_count_limit, 128);
	assert_int_equal(c.attr_value_limit, SIZE_MAX);
	otel_conf_free(&c);
}

struct url_case {
	const char **env;
	const char *url;
	bool tls;
};

static void test_endpoints(void **state)
{
	static const char *g = "OTEL_EXPORTER_OTLP_ENDPOINT",
			  *t = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
	static const char *p = "OTEL_EXPORTER_OTLP_PROTOCOL";
	const struct url_case cases[] = {
		{ ENV(g, "http://localhost:4318"), "http://localhost:4318/v1/traces", false },
		{ ENV(g, "http://collector:4318/"), "http://collector:4318/v1/traces", false },
		{ ENV(g, "https://c.example/otlp"), "https://c.example/otlp/v1/traces", true },
		/* the traces endpoint is used as it is and wins */
		{ ENV(g, "http://a:1", t, "http://b:2/custom"), "http://b:2/custom", false },
		{ ENV(t, "http://b:2"), "http://b:2", false },
		/* host:port: TLS unless insecure */
		{ ENV(g, "collector:4318"), "https://collector:4318/v1/traces", true },
		{ ENV(g, "collector:4318", "OTEL_EXPORTER_OTLP_INSECURE", "true"),
		  "http://collector:4318/v1/traces", false },
		/* gRPC: the authority and the method path */
		{ ENV(p, "grpc"),
		  "https://localhost:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export",
		  true },
		{ ENV(p, "grpc", g, "http://127.0.0.1:4317"),
		  "http://127.0.0.1:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export",
		  false },
		{ ENV(p, "grpc", g, "collector:4317", "OTEL_EXPORTER_OTLP_TRACES_INSECURE", "1"),
		  "http://collector:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export",
		  false },
		{ ENV("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc", p, "http/json", t,
		      "https://x:9/ignored/path"),
		  "https://x:9/opentelemetry.proto.collector.trace.v1.TraceService/Export", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct otel_conf c;

		load_ok(&c, cases[i].env);
		assert_string_equal(c.url, cases[i].url);
		assert_int_equal(c.tls, cases[i].tls);
		otel_conf_free(&c);
	}
}

static void test_settings(void **state)
{
	struct otel_conf c;

	(void)state;
	load_ok(&c, ENV("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x-team = ebpf ,",
			"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "only=traces",
			"OTEL_EXPORTER_OTLP_TIMEOUT", "2500", "OTEL_EXPORTER_OTLP_COMPRESSION",
			"gzip", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "OTEL_SERVICE_NAME",
			"svc", "OTEL_RESOURCE_ATTRIBUTES",
			"service.name=ignored,deployment.environment=prod,note=a%2Cb",
			"OTEL_BSP_SCHEDULE_DELAY", "0", "OTEL_BSP_MAX_QUEUE_SIZE", "10",
			"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100", "OTEL_BSP_EXPORT_TIMEOUT", "700",
			"OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "0.25",
			"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "5", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
			"64"));
	assert_int_equal(c.protocol, OTEL_PROTO_HTTP_JSON);
	/* traces-specific headers replace the generic ones */
	assert_int_equal(c.n_headers, 1);
	assert_string_equal(c.headers[0].key, "only");
	assert_int_equal(c.timeout_ms, 2500);
	assert_true(c.gzip);
	assert_string_equal(c.service_name, "svc");
	assert_int_equal(c.n_resource, 2);
	assert_string_equal(c.resource[0].key, "deployment.environment");
	assert_string_equal(c.resource[0].value, "prod");
	assert_string_equal(c.resource[1].value, "a,b");
	assert_int_equal(c.bsp_schedule_delay_ms, 0);
	assert_int_equal(c.bsp_max_queue, 10);
	assert_int_equal(c.bsp_max_batch, 10); /* never above the queue */
	assert_int_equal(c.bsp_export_timeout_ms, 700);
	assert_int_equal(c.sampler.kind, SAMPLER_TRACEIDRATIO);
	assert_true(c.sampler.ratio == 0.25);
	assert_int_equal(c.attr_count_limit, 5);
	assert_int_equal(c.attr_value_limit, 64);
	otel_conf_free(&c);

	load_ok(&c, ENV("OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x-team = ebpf ,"));
	assert_int_equal(c.n_headers, 2);
	assert_string_equal(c.headers[0].key, "api-key");
	assert_string_equal(c.headers[0].value, "a b");
	assert_string_equal(c.headers[1].key, "x-team");
	assert_string_equal(c.headers[1].value, "ebpf");
	otel_conf_free(&c);

	/* service.name from the resource when OTEL_SERVICE_NAME is unset */
	load_ok(&c, ENV("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource"));
	assert_string_equal(c.service_name, "from-resource");
	assert_int_equal(c.n_resource, 0);
	otel_conf_free(&c);

	load_ok(&c, ENV("OTEL_TRACES_EXPORTER", "console"));
	assert_int_equal(c.exporter, OTEL_EXPORTER_CONSOLE);
	assert_null(c.url);
	otel_conf_free(&c);
	load_ok(&c, ENV("OTEL_TRACES_EXPORTER", "none"));
	assert_int_equal(c.exporter, OTEL_EXPORTER_NONE);
	otel_conf_free(&c);
	load_ok(&c, ENV("OTEL_SDK_DISABLED", "true", "OTEL_TRACES_EXPORTER", "bogus"));
	assert_int_equal(c.exporter, OTEL_EXPORTER_NONE);
	otel_conf_free(&c);
}

struct bad_case {
	const char **env;
	const char *err;
};

static void test_bad_values(void **state)
{
	const struct bad_case cases[] = {
		{ ENV("OTEL_TRACES_EXPORTER", "zipkin"),
		  "OTEL_TRACES_EXPORTER \"zipkin\" is not supported (otlp, console or none)" },
		{ ENV("OTEL_EXPORTER_OTLP_PROTOCOL", "http/xml"),
		  "OTEL_EXPORTER_OTLP_PROTOCOL \"http/xml\" is not supported (grpc, http/protobuf or "
		  "http/json)" },
		{ ENV("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc/json"),
		  "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL \"grpc/json\" is not supported (grpc, "
		  "http/protobuf or http/json)" },
		{ ENV("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x:1"),
		  "OTEL_EXPORTER_OTLP_ENDPOINT \"ftp://x:1\": scheme must be http or https" },
		{ ENV("OTEL_EXPORTER_OTLP_ENDPOINT", "http:///v1"),
		  "OTEL_EXPORTER_OTLP_ENDPOINT \"http:///v1\" has no host" },
		{ ENV("OTEL_EXPORTER_OTLP_INSECURE", "maybe"),
		  "OTEL_EXPORTER_OTLP_INSECURE \"maybe\" is not a boolean (true or false)" },
		{ ENV("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
		  "OTEL_EXPORTER_OTLP_TIMEOUT \"10s\" is not an integer >= 1" },
		{ ENV("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0"),
		  "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT \"0\" is not an integer >= 1" },
		{ ENV("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
		  "OTEL_EXPORTER_OTLP_COMPRESSION \"zstd\" is not supported (gzip or none)" },
		{ ENV("OTEL_EXPORTER_OTLP_HEADERS", "novalue"),
		  "OTEL_EXPORTER_OTLP_HEADERS: item \"novalue\" is not key=value" },
		{ ENV("OTEL_EXPORTER_OTLP_HEADERS", "k=%zz"),
		  "OTEL_EXPORTER_OTLP_HEADERS: invalid item \"k=%zz\"" },
		{ ENV("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"),
		  "OTEL_EXPORTER_OTLP_CERTIFICATE \"/nonexistent/ca.pem\": No such file or directory" },
		{ ENV("OTEL_RESOURCE_ATTRIBUTES", "a=b,c"),
		  "OTEL_RESOURCE_ATTRIBUTES: item \"c\" is not key=value" },
		{ ENV("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
		  "OTEL_BSP_MAX_QUEUE_SIZE \"0\" is not an integer >= 1" },
		{ ENV("OTEL_BSP_SCHEDULE_DELAY", "-1"),
		  "OTEL_BSP_SCHEDULE_DELAY \"-1\" is not an integer >= 0" },
		{ ENV("OTEL_TRACES_SAMPLER", "jaeger_remote"),
		  "OTEL_TRACES_SAMPLER \"jaeger_remote\" with OTEL_TRACES_SAMPLER_ARG \"\" is not "
		  "supported (always_on, always_off, traceidratio, parentbased_always_on, "
		  "parentbased_always_off or parentbased_traceidratio; the ratio in [0, 1])" },
		{ ENV("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "1.5"),
		  "OTEL_TRACES_SAMPLER \"traceidratio\" with OTEL_TRACES_SAMPLER_ARG \"1.5\" is not "
		  "supported (always_on, always_off, traceidratio, parentbased_always_on, "
		  "parentbased_always_off or parentbased_traceidratio; the ratio in [0, 1])" },
		/* a decoded CR LF would end the header early; OTLP strings are UTF-8 */
		{ ENV("OTEL_EXPORTER_OTLP_HEADERS", "k=a%0d%0aHost: evil"),
		  "OTEL_EXPORTER_OTLP_HEADERS: invalid item \"k=a\r\nHost: evil\"" },
		{ ENV("OTEL_RESOURCE_ATTRIBUTES", "k=%ff"),
		  "OTEL_RESOURCE_ATTRIBUTES: invalid item \"k=\xff\"" },
		{ ENV("OTEL_SERVICE_NAME", "bad\xff"), "OTEL_SERVICE_NAME is not printable UTF-8" },
		{ ENV("OTEL_SDK_DISABLED", "yes"),
		  "OTEL_SDK_DISABLED \"yes\" is not a boolean (true or false)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct otel_conf c;
		char err[1024] = "";

		assert_int_equal(otel_conf_load(&c, fake_get, cases[i].env, err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, cases[i].err);
	}
}

static void trace_with_low(uint8_t id[16], uint64_t low_be)
{
	int i;

	memset(id, 0xaa, 16);
	for (i = 0; i < 8; i++)
		id[8 + i] = (uint8_t)(low_be >> (56 - 8 * i));
}

static void test_samplers(void **state)
{
	struct sampler s;
	uint8_t lo[16], hi[16];

	(void)state;
	/* ratio 0.5: bound 2^62 on (last 8 bytes, big-endian) >> 1 */
	trace_with_low(lo, 0x7ffffffffffffffeULL); /* >> 1 = 2^62 - 1: in */
	trace_with_low(hi, 0x8000000000000000ULL); /* >> 1 = 2^62: out */
	assert_int_equal(sampler_parse(&s, "traceidratio", "0.5"), 0);
	assert_true(sampler_sample(&s, lo, false, false));
	assert_false(sampler_sample(&s, hi, false, false));
	/* not parent-based: the parent does not matter */
	assert_false(sampler_sample(&s, hi, true, true));

	assert_int_equal(sampler_parse(&s, "parentbased_traceidratio", "0.5"), 0);
	assert_false(sampler_sample(&s, hi, false, false));
	assert_true(sampler_sample(&s, hi, true, true));
	assert_false(sampler_sample(&s, lo, true, false));

	assert_int_equal(sampler_parse(&s, "always_off", NULL), 0);
	assert_false(sampler_sample(&s, lo, true, true));
	assert_int_equal(sampler_parse(&s, "always_on", "ignored"), 0);
	assert_true(sampler_sample(&s, hi, true, false));
	assert_int_equal(sampler_parse(&s, "parentbased_always_off", NULL), 0);
	assert_false(sampler_sample(&s, lo, false, false));
	assert_true(sampler_sample(&s, lo, true, true));
	assert_int_equal(sampler_parse(&s, NULL, NULL), 0);
	assert_string_equal(sampler_name(&s), "parentbased_always_on");
	assert_true(sampler_sample(&s, lo, false, false));
	assert_false(sampler_sample(&s, lo, true, false));

	/* ratio 0 keeps nothing, 1 everything */
	assert_int_equal(sampler_parse(&s, "traceidratio", "0"), 0);
	trace_with_low(lo, 0);
	assert_false(sampler_sample(&s, lo, false, false));
	assert_int_equal(sampler_parse(&s, "traceidratio", "1"), 0);
	trace_with_low(hi, UINT64_MAX);
	assert_true(sampler_sample(&s, hi, false, false));
	assert_int_equal(sampler_parse(&s, "traceidratio", "-0.1"), -EINVAL);
	assert_int_equal(sampler_parse(&s, "traceidratio", "half"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults), cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_settings), cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_samplers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
