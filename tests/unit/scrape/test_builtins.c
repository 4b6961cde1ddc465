// SPDX-License-Identifier: MIT
/*
 * The built-in families of a scrape, from a collector with two configs and no modules: their
 * names, types and order, the values they take from the collector (enabled configs, decoder
 * errors, request counts, scrapes in flight), the build info labels, the process_* families
 * of this very process, the map fill families from the metric maps' last read, and what is
 * left once the collector detached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scrape/builtins.h"
#include "scrape/internal.h"
#include "scrape/metric.h"
#include "util/build_info.h"

static const struct family *find(const struct builtin *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->fams[i].name, name) == 0)
			return &b->fams[i];
	return NULL;
}

static void fake_collector(struct collector *c, struct config **cfgs, struct config *a,
			   struct config *z, struct module **mods, uint64_t *errors)
{
	memset(c, 0, sizeof(*c));
	memset(a, 0, sizeof(*a));
	memset(z, 0, sizeof(*z));
	a->name = (char *)"alpha";
	z->name = (char *)"zeta";
	cfgs[0] = a;
	cfgs[1] = z;
	mods[0] = mods[1] = NULL;
	errors[0] = 3;
	errors[1] = 0;
	c->cfgs = cfgs;
	c->mods = mods;
	c->n_cfgs = 2;
	c->decoder_errors = errors;
	c->requests[SCRAPE_200] = 41;
	c->requests[SCRAPE_500] = 2;
	c->in_flight = 1;
}

static void test_families(void **state)
{
	static const char *const exporter[] = {
		"ebpf_exporter_build_info",
		"ebpf_exporter_enabled_configs",
		"ebpf_exporter_decoder_errors_total",
		"ebpf_exporter_ebpf_program_info",
		"ebpf_exporter_ebpf_program_attached",
	};
	struct config a, z, *cfgs[2];
	struct module *mods[2];
	uint64_t errors[2];
	struct collector c;
	struct builtin b;
	const struct family *f;
	const struct build_info *bi = build_info_get();

	fake_collector(&c, cfgs, &a, &z, mods, errors);
	memset(&b, 0, sizeof(b));
	assert_int_equal(builtins_collect(&c, &b), 0);
	for (size_t i = 0; i < sizeof(exporter) / sizeof(exporter[0]); i++)
		assert_string_equal(b.fams[i].name, exporter[i]);

	f = find(&b, "ebpf_exporter_build_info");
	assert_int_equal(f->type, FAMILY_GAUGE);
	assert_int_equal(f->n_labels, 7);
	assert_string_equal(f->label_names[0], "branch");
	assert_int_equal(f->n_samples, 1);
	assert_string_equal(f->samples[0].values[6], bi->version);
	assert_true(f->samples[0].value == 1);

	f = find(&b, "ebpf_exporter_enabled_configs");
	assert_int_equal(f->n_samples, 2);
	assert_string_equal(f->samples[0].values[0], "alpha");
	assert_string_equal(f->samples[1].values[0], "zeta");

	f = find(&b, "ebpf_exporter_decoder_errors_total");
	assert_int_equal(f->type, FAMILY_COUNTER);
	assert_true(f->samples[0].value == 3);
	assert_true(f->samples[1].value == 0);

	/* no modules: the program families exist, without samples */
	assert_int_equal(find(&b, "ebpf_exporter_ebpf_program_info")->n_samples, 0);

	f = find(&b, "promhttp_metric_handler_requests_total");
	assert_int_equal(f->n_samples, 3);
	assert_string_equal(f->samples[0].values[0], "200");
	assert_true(f->samples[0].value == 41);
	assert_string_equal(f->samples[1].values[0], "500");
	assert_true(f->samples[1].value == 2);
	assert_true(f->samples[2].value == 0);
	assert_true(find(&b, "promhttp_metric_handler_requests_in_flight")->samples[0].value == 1);

	/* this process: its own open file descriptors and start time */
	f = find(&b, "process_open_fds");
	assert_non_null(f);
	assert_true(f->samples[0].value >= 3);
	assert_true(find(&b, "process_start_time_seconds")->samples[0].value > 1e9);
	assert_true(find(&b, "process_resident_memory_bytes")->samples[0].value > 0);
	assert_int_equal(find(&b, "process_cpu_seconds_total")->type, FAMILY_COUNTER);
	assert_true(b.n <= BUILTIN_FAMILIES);
	builtins_free(&b);
}

/* Sets metric ms of config cfg_idx: read ok with n keys or not read, capacity max. */
static void fake_metric(struct metric_state *ms, struct config **cfgs, size_t cfg_idx,
			const char *name, bool ok, size_t n, uint32_t max)
{
	memset(ms, 0, sizeof(*ms));
	ms->cfg_idx = cfg_idx;
	ms->cfg = cfgs[cfg_idx];
	ms->name = name;
	ms->snap_ok = ok;
	ms->snap.n = n;
	ms->max_entries = max;
}

static void check_sample(const struct sample *s, const char *cfg, const char *map, double v)
{
	assert_string_equal(s->values[0], cfg);
	assert_string_equal(s->values[1], map);
	assert_true(s->value == v);
}

static void test_map_families(void **state)
{
	struct config a, z, *cfgs[2];
	struct module *mods[2];
	uint64_t errors[2];
	struct metric_state ms[5];
	struct collector c;
	struct builtin b;
	const struct family *f, *fm;

	fake_collector(&c, cfgs, &a, &z, mods, errors);
	fake_metric(&ms[0], cfgs, 0, "hits_total", true, 17, 1024);
	/* a read error: no sample this scrape */
	fake_metric(&ms[1], cfgs, 0, "broken_total", false, 3, 64);
	/* a counter and a histogram of one map: one sample */
	fake_metric(&ms[2], cfgs, 0, "lat_seconds", true, 40, 100);
	fake_metric(&ms[3], cfgs, 0, "lat_seconds", true, 40, 100);
	/* the same map name in another config is another map */
	fake_metric(&ms[4], cfgs, 1, "hits_total", true, 0, 8);
	c.metrics = ms;
	c.n_metrics = 5;
	memset(&b, 0, sizeof(b));
	assert_int_equal(builtins_collect(&c, &b), 0);
	f = find(&b, "ebpf_exporter_map_entries");
	fm = find(&b, "ebpf_exporter_map_max_entries");
	assert_non_null(f);
	assert_non_null(fm);
	assert_int_equal(f->type, FAMILY_GAUGE);
	assert_int_equal(fm->type, FAMILY_GAUGE);
	assert_int_equal(f->n_labels, 2);
	assert_string_equal(f->label_names[0], "config");
	assert_string_equal(f->label_names[1], "map");
	assert_int_equal(f->n_samples, 3);
	assert_int_equal(fm->n_samples, 3);
	check_sample(&f->samples[0], "alpha", "hits_total", 17);
	check_sample(&f->samples[1], "alpha", "lat_seconds", 40);
	check_sample(&f->samples[2], "zeta", "hits_total", 0);
	check_sample(&fm->samples[0], "alpha", "hits_total", 1024);
	check_sample(&fm->samples[1], "alpha", "lat_seconds", 100);
	check_sample(&fm->samples[2], "zeta", "hits_total", 8);
	builtins_free(&b);

	/* detached: gone */
	c.detached = true;
	memset(&b, 0, sizeof(b));
	assert_int_equal(builtins_collect(&c, &b), 0);
	assert_null(find(&b, "ebpf_exporter_map_entries"));
	assert_null(find(&b, "ebpf_exporter_map_max_entries"));
	builtins_free(&b);
}

static void test_detached(void **state)
{
	struct config a, z, *cfgs[2];
	struct module *mods[2];
	uint64_t errors[2];
	struct collector c;
	struct builtin b;

	fake_collector(&c, cfgs, &a, &z, mods, errors);
	c.detached = true;
	memset(&b, 0, sizeof(b));
	assert_int_equal(builtins_collect(&c, &b), 0);
	/* after shutdown only the process-level families stay */
	assert_non_null(find(&b, "ebpf_exporter_build_info"));
	assert_null(find(&b, "ebpf_exporter_enabled_configs"));
	assert_null(find(&b, "ebpf_exporter_ebpf_program_info"));
	assert_non_null(find(&b, "promhttp_metric_handler_requests_total"));
	builtins_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_map_families),
		cmocka_unit_test(test_detached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
