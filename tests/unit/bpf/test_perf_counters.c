// SPDX-License-Identifier: MIT
/*
 * perfbuf.c without BPF: configs without perf_event_array counters, label problems reported at
 * startup, NULL tolerance. Reading real perf buffers (counts, flushes, lost samples, decode
 * errors) is tested end to end in tests/e2e/suite_attach.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "decoders/decoder_env.h"
#include "bpf/internal.h"
#include "bpf/module.h"
#include "bpf/perf_counters.h"

static char kallsyms[4096];

static struct decoder_env *env_new(void)
{
	struct decoder_env_opts opts = { .no_cgroups = true };
	struct decoder_env *env = NULL;
	const char *slash = strrchr(__FILE__, '/');
	char err[512] = "";

	snprintf(kallsyms, sizeof(kallsyms), "%.*s/../fixtures/decoders/kallsyms.txt",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	opts.kallsyms_path = kallsyms;
	if (decoder_env__new(&opts, &env, err, sizeof(err)))
		fail_msg("decoder_env__new: %s", err);
	return env;
}

static struct config *parse(const char *yaml)
{
	struct config *cfg = NULL;
	char err[1024] = "";

	if (config_parse(yaml, strlen(yaml), "/dir/c.yaml", "c", &cfg, err, sizeof(err)))
		fail_msg("config_parse: %s\n%s", err, yaml);
	return cfg;
}

static void test_without_perf_counters(void **state)
{
	struct decoder_env *env = env_new();
	struct config *cfg = parse("metrics:\n  counters:\n    - name: x_total\n      help: x\n");
	struct module mod = { .cfg = cfg };
	struct module *mods[] = { &mod };
	struct perf_counters *p = NULL;
	struct family *fams = (struct family *)1;
	char err[256] = "";
	size_t n = 1;

	assert_int_equal(perf_counters__new(&cfg, mods, 1, env, NULL, &p, err, sizeof(err)), 0);
	assert_non_null(p);
	assert_int_equal(perf_counters__count(p), 0);
	assert_int_equal(perf_counters__start(p, err, sizeof(err)), 0);
	assert_int_equal(perf_counters__collect(p, &fams, &n), 0);
	assert_int_equal(n, 0);
	assert_null(fams);
	assert_int_equal(perf_counters__decoder_errors(p, 0), 0);
	assert_int_equal(perf_counters__decoder_errors(p, 5), 0);
	perf_counters__stop(p);
	perf_counters__free(p);
	config_free(cfg);
	decoder_env__free(env);
}

static void test_null(void **state)
{
	struct family *fams = (struct family *)1;
	char err[16] = "";
	size_t n = 1;

	assert_int_equal(perf_counters__count(NULL), 0);
	assert_int_equal(perf_counters__start(NULL, err, sizeof(err)), 0);
	assert_int_equal(perf_counters__collect(NULL, &fams, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(perf_counters__decoder_errors(NULL, 0), 0);
	perf_counters__stop(NULL);
	perf_counters__free(NULL);
}

/* A perf counter of a config whose module is missing (not loaded) is skipped. */
static void test_config_without_module(void **state)
{
	struct decoder_env *env = env_new();
	struct config *cfg = parse("metrics:\n  counters:\n    - name: x_total\n      help: x\n"
				   "      perf_event_array: true\n");
	struct module *mods[] = { NULL };
	struct perf_counters *p = NULL;
	char err[256] = "";

	assert_int_equal(perf_counters__new(&cfg, mods, 1, env, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(perf_counters__count(p), 0);
	perf_counters__free(p);
	config_free(cfg);
	decoder_env__free(env);
}

/* Labels are compiled at startup (regexps too), before any map is looked at. */
static void test_label_errors(void **state)
{
	static const struct {
		const char *labels;
		const char *err;
	} cases[] = {
		{ "        - name: a\n          size: 8\n          decoders:\n"
		  "            - name: regexp\n              regexps: [\"(\"]\n",
		  "Error registering exporter: config \"c\": metric \"x_total\": label \"a\": " },
	};
	struct decoder_env *env = env_new();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[1024], err[512] = "";
		struct config *cfg;
		struct module mod = { 0 };
		struct module *mods[] = { &mod };
		struct perf_counters *p = (struct perf_counters *)1;
		int e;

		snprintf(yaml, sizeof(yaml),
			 "metrics:\n  counters:\n    - name: x_total\n      help: x\n"
			 "      perf_event_array: true\n      labels:\n%s",
			 cases[i].labels);
		cfg = parse(yaml);
		mod.cfg = cfg;
		e = perf_counters__new(&cfg, mods, 1, env, NULL, &p, err, sizeof(err));
		if (e >= 0 || strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("case %zu: want \"%s...\", got %d \"%s\"", i, cases[i].err, e,
				 err);
		config_free(cfg);
	}
	decoder_env__free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_perf_counters),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_config_without_module),
		cmocka_unit_test(test_label_errors),
	};

	return cmocka_run_group_tests_name("perfbuf", tests, NULL, NULL);
}
