// SPDX-License-Identifier: MIT
/*
 * The lifecycle trace through a whole tracing without ring buffers, exported by
 * the console exporter into a temporary file; and the tracing's built-in metric families.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracing/span.h"
#include "tracing/tracing.h"

/* Runs fn with stdout going to a temporary file; returns what was written (free it). */
static char *capture_stdout(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/test_tracing_lifecycle.XXXXXX";
	int fd = mkstemp(path), saved;
	char *text;
	long len;
	FILE *f;

	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	fn(arg);
	fflush(stdout);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	return text;
}

struct run {
	char attach_span[17], config_span[17], trace[33];
};

static void record_lifecycle(void *arg)
{
	struct run *r = arg;
	struct lifecycle *lc = lifecycle__new();
	struct lc_span *attach, *configs, *cfg, *late;
	struct tracing *t = NULL;
	uint8_t trace[16], id[8];
	char err[1024];

	/* start-up is traced before the tracing exists */
	attach = lifecycle__begin(lc, NULL, "attach");
	configs = lifecycle__begin(lc, attach, "attach_configs");
	cfg = lifecycle__begin(lc, configs, "attach_config");
	lifecycle__attr(cfg, "config", "timers");
	lifecycle__event(cfg, "prog_attach", "SEC", "tp_btf/timer_start");
	lifecycle__error(cfg, "failed to attach program: no such file or directory");
	lifecycle__end(lc, cfg);
	lifecycle__end(lc, cfg); /* twice: nothing more */
	lifecycle__end(lc, configs);

	if (tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)))
		fail_msg("%s", err);
	assert_non_null(t);
	assert_int_equal(tracing__start(t, err, sizeof(err)), 0);
	tracing__adopt_lifecycle(t, lc);
	late = lifecycle__begin(lc, attach, "register_handlers");
	lifecycle__end(lc, late);
	lifecycle__end(lc, attach);

	lifecycle__ids(attach, trace, id);
	span_id_hex(trace, 16, r->trace);
	span_id_hex(id, 8, r->attach_span);
	lifecycle__ids(cfg, trace, id);
	span_id_hex(id, 8, r->config_span);

	tracing__shutdown(t, -1);
	tracing__free(t);
	/* after the tracing is gone, spans are recorded and dropped */
	lifecycle__end(lc, lifecycle__begin(lc, NULL, "detach"));
	lifecycle__free(lc);
}

static void test_console_lifecycle(void **state)
{
	struct run r;
	char *out, want[256];

	(void)state;
	setenv("OTEL_TRACES_EXPORTER", "console", 1);
	setenv("OTEL_BSP_SCHEDULE_DELAY", "0", 1);
	setenv("OTEL_SERVICE_NAME", "lifecycle-test", 1);
	out = capture_stdout(record_lifecycle, &r);
	unsetenv("OTEL_BSP_SCHEDULE_DELAY");

	assert_non_null(strstr(out, "{\"key\":\"service.name\",\"value\":{\"stringValue\":"
				    "\"lifecycle-test\"}}"));
	/* four spans of one trace, the root without a parent */
	snprintf(want, sizeof(want),
		 "{\"traceId\":\"%s\",\"spanId\":\"%s\",\"flags\":257,"
		 "\"name\":\"attach\"",
		 r.trace, r.attach_span);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "\"name\":\"attach_configs\""));
	assert_non_null(strstr(out, "\"name\":\"register_handlers\""));
	assert_null(strstr(out, "\"name\":\"detach\""));
	snprintf(want, sizeof(want), "\"spanId\":\"%s\",\"parentSpanId\":\"", r.config_span);
	assert_non_null(strstr(out, want));
	/* attribute, event with its attribute, error status */
	assert_non_null(strstr(out, "{\"key\":\"config\",\"value\":{\"stringValue\":\"timers\"}}"));
	assert_non_null(strstr(out, "\"name\":\"prog_attach\",\"attributes\":[{\"key\":\"SEC\","
				    "\"value\":{\"stringValue\":\"tp_btf/timer_start\"}}]"));
	assert_non_null(strstr(out, "\"name\":\"exception\",\"attributes\":[{\"key\":"
				    "\"exception.message\""));
	assert_non_null(strstr(out, "\"status\":{\"code\":2,\"message\":\"failed to attach "
				    "program: no such file or directory\"}"));
	/* exactly one attach_config */
	assert_null(strstr(strstr(out, "\"name\":\"attach_config\"") + 1,
			   "\"name\":\"attach_config\""));
	free(out);
}

static void sampled_out(void *arg)
{
	struct lifecycle *lc = lifecycle__new();
	struct tracing *t = NULL;
	char err[1024];

	(void)arg;
	if (tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(tracing__start(t, err, sizeof(err)), 0);
	tracing__adopt_lifecycle(t, lc);
	lifecycle__end(lc, lifecycle__begin(lc, NULL, "attach"));
	tracing__free(t);
	lifecycle__free(lc);
}

static void test_sampler_always_off(void **state)
{
	char *out;

	(void)state;
	setenv("OTEL_TRACES_EXPORTER", "console", 1);
	setenv("OTEL_TRACES_SAMPLER", "always_off", 1);
	out = capture_stdout(sampled_out, NULL);
	unsetenv("OTEL_TRACES_SAMPLER");
	assert_string_equal(out, "");
	free(out);
}

static void test_none_and_errors(void **state)
{
	struct tracing *t = (struct tracing *)1;
	char err[1024];

	(void)state;
	/* nothing to do: no tracing at all, and every call accepts NULL */
	setenv("OTEL_TRACES_EXPORTER", "none", 1);
	assert_int_equal(tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)), 0);
	assert_null(t);
	assert_int_equal(tracing__start(NULL, err, sizeof(err)), 0);
	assert_int_equal(tracing__collect(NULL, NULL, 0), 0);
	assert_int_equal(tracing__decoder_errors(NULL, 0), 0);
	tracing__shutdown(NULL, 0);
	tracing__free(NULL);
	lifecycle__end(NULL, lifecycle__begin(NULL, NULL, "x"));
	lifecycle__attr(NULL, "k", "v");
	lifecycle__free(NULL);

	/* no spans and no OTEL_* variable asking for export: no exporter at all */
	unsetenv("OTEL_TRACES_EXPORTER");
	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	t = (struct tracing *)1;
	assert_false(tracing_requested());
	assert_int_equal(tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)), 0);
	assert_null(t);
	/* an empty variable asks for nothing either */
	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "", 1);
	assert_false(tracing_requested());
	assert_int_equal(tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)), 0);
	assert_null(t);
	/* bad values are errors even then */
	setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/xml", 1);
	assert_int_equal(tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)), -EINVAL);
	unsetenv("OTEL_EXPORTER_OTLP_PROTOCOL");
	/* each of the three variables asks for the exporter's own trace */
	{
		static const char *const vars[][2] = {
			{ "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1" },
			{ "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:1/v1/traces" },
			{ "OTEL_TRACES_EXPORTER", "console" },
		};

		for (size_t i = 0; i < 3; i++) {
			setenv(vars[i][0], vars[i][1], 1);
			assert_true(tracing_requested());
			assert_int_equal(
				tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)), 0);
			assert_non_null(t);
			tracing__free(t);
			unsetenv(vars[i][0]);
		}
	}

	setenv("OTEL_TRACES_EXPORTER", "jaeger", 1);
	assert_int_equal(tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "Error creating tracing processor: OTEL_TRACES_EXPORTER "
				 "\"jaeger\" is not supported (otlp, console or none)");
	unsetenv("OTEL_TRACES_EXPORTER");
}

static void test_collect(void **state)
{
	struct family fams[TRACING_FAMILIES];
	struct tracing *t = NULL;
	char err[1024];
	int n;

	(void)state;
	setenv("OTEL_TRACES_EXPORTER", "console", 1);
	setenv("OTEL_SERVICE_NAME", "svc", 1);
	assert_int_equal(tracing__new(NULL, NULL, 0, NULL, NULL, &t, err, sizeof(err)), 0);
	assert_int_equal(tracing__collect(t, fams, 2), -ENOSPC);
	n = tracing__collect(t, fams, TRACING_FAMILIES);
	assert_int_equal(n, TRACING_FAMILIES);
	assert_string_equal(fams[0].name, "ebpf_exporter_spans_received_total");
	assert_int_equal(fams[0].n_samples, 0); /* no config has spans */
	assert_string_equal(fams[1].name, "ebpf_exporter_spans_exported_total");
	assert_int_equal(fams[1].n_samples, 1);
	assert_string_equal(fams[1].samples[0].values[0], "svc");
	assert_string_equal(fams[2].name, "ebpf_exporter_spans_dropped_total");
	assert_int_equal(fams[2].n_labels, 2);
	assert_int_equal(fams[2].n_samples, 4);
	assert_string_equal(fams[2].samples[0].values[0], "queue_full");
	assert_string_equal(fams[2].samples[3].values[0], "shutdown");
	assert_string_equal(fams[2].samples[3].values[1], "svc");
	assert_string_equal(fams[3].name, "ebpf_exporter_span_export_errors_total");
	assert_int_equal(fams[3].n_samples, 1);
	assert_string_equal(fams[4].name, "ebpf_exporter_spans_queued");
	assert_int_equal(fams[4].type, FAMILY_GAUGE);
	tracing__free(t);
	unsetenv("OTEL_TRACES_EXPORTER");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_lifecycle),
		cmocka_unit_test(test_sampler_always_off),
		cmocka_unit_test(test_none_and_errors),
		cmocka_unit_test(test_collect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
