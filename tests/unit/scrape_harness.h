// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the scrape tests (include after <cmocka.h>): a decoder set over the
 * kallsyms fixture, and the number of possible CPUs.
 */
#ifndef EBPF_EXPORTER_TESTS_SCRAPE_HARNESS_H
#define EBPF_EXPORTER_TESTS_SCRAPE_HARNESS_H

#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

#include "decoders/decoder_env.h"

static char scrape_test_kallsyms[4096];

/* A decoder set without cgroups, reading tests/unit/fixtures/decoders/kallsyms.txt. */
static inline struct decoder_env *env_new(void)
{
	struct decoder_env_opts opts = { .no_cgroups = true };
	struct decoder_env *env = NULL;
	const char *slash = strrchr(__FILE__, '/');
	char err[512] = "";

	snprintf(scrape_test_kallsyms, sizeof(scrape_test_kallsyms),
		 "%.*s/fixtures/decoders/kallsyms.txt", slash ? (int)(slash - __FILE__) : 1,
		 slash ? __FILE__ : ".");
	opts.kallsyms_path = scrape_test_kallsyms;
	if (decoder_env__new(&opts, &env, err, sizeof(err)))
		fail_msg("decoder_env__new: %s", err);
	return env;
}

static inline int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	assert_true(n > 0);
	return n;
}

#endif
