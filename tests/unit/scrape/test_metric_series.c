// SPDX-License-Identifier: MIT
/*
 * One metric's series on real kernel maps (needs root and bpf(); skipped otherwise), through
 * metric_collect() and the metric.c steps it runs: counters sorted in label-name order with
 * rows of equal labels merged; the steady state (same keys: the same series with new values),
 * rebuilt when keys come and go; decode errors counted on every scrape and regexp skips
 * dropped silently, rows numbered in walk order all the same; a map read error; unlabelled
 * maps; per-CPU maps with and without a `cpu` label; histograms grouped by their non-bucket
 * labels with out-of-range and unparsable bucket indexes; and growth from one row to hundreds
 * of thousands and back.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
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

#include "scrape_harness.h"

#include "config/config.h"
#include "decoders/decoder_env.h"
#include "scrape/histogram.h"
#include "scrape/internal.h"
#include "scrape/metric.h"

/* One metric of a one-config collector without a module, reading the map fd. */
struct fixture {
	struct decoder_env *env;
	struct config *cfg;
	struct config *cfgs[1];
	struct module *mods[1];
	uint64_t errors[1];
	struct collector c;
	struct metric_state ms;
	int fd;
};

static int new_map(enum bpf_map_type type, uint32_t key_size, uint32_t max)
{
	int fd = bpf_map_create(type, NULL, key_size, sizeof(uint64_t), max, NULL);

	if (fd < 0)
		skip();
	return fd;
}

/* Parses yaml (one counter or one histogram) and creates a map of the given layout. */
static void fixture_parse(struct fixture *fx, const char *yaml, enum bpf_map_type type,
			  uint32_t key_size, uint32_t max)
{
	char err[1024] = "";

	memset(fx, 0, sizeof(*fx));
	fx->fd = new_map(type, key_size, max);
	fx->env = env_new();
	if (config_parse(yaml, strlen(yaml), "/dir/c.yaml", "c", &fx->cfg, err, sizeof(err)))
		fail_msg("config_parse: %s\n%s", err, yaml);
}

/* Sets the parsed metric up as collector__new() does and points it at the map. */
static void fixture_metric(struct fixture *fx, enum bpf_map_type type, uint32_t key_size,
			   uint32_t max)
{
	char err[1024] = "";
	const struct histogram_conf *h = NULL;
	const char *name, *help;
	const struct label_conf *labels;
	size_t n_labels;

	fx->cfgs[0] = fx->cfg;
	fx->c.cfgs = fx->cfgs;
	fx->c.mods = fx->mods;
	fx->c.n_cfgs = 1;
	fx->c.env = fx->env;
	fx->c.decoder_errors = fx->errors;
	if (fx->cfg->n_histograms) {
		h = &fx->cfg->histograms[0];
		name = h->name;
		help = h->help;
		labels = h->labels;
		n_labels = h->n_labels;
	} else {
		name = fx->cfg->counters[0].name;
		help = fx->cfg->counters[0].help;
		labels = fx->cfg->counters[0].labels;
		n_labels = fx->cfg->counters[0].n_labels;
	}
	if (metric_init(&fx->ms, &fx->c, 0, name, help, labels, n_labels, err, sizeof(err)))
		fail_msg("metric_init: %s", err);
	assert_int_equal(fx->ms.map_fd, -1);
	assert_int_equal(metric_set_map(&fx->ms, fx->fd, type, key_size, sizeof(uint64_t), max), 0);
	if (h)
		assert_int_equal(metric_hist_init(&fx->ms, h), 0);
}

static void fixture_init(struct fixture *fx, const char *yaml, enum bpf_map_type type,
			 uint32_t key_size, uint32_t max)
{
	fixture_parse(fx, yaml, type, key_size, max);
	fixture_metric(fx, type, key_size, max);
}

static void fixture_free(struct fixture *fx)
{
	metric_free(&fx->ms);
	config_free(fx->cfg);
	decoder_env__free(fx->env);
	close(fx->fd);
}

static void collect(struct fixture *fx, struct family *f)
{
	assert_int_equal(metric_collect(&fx->c, &fx->ms, f), 0);
}

/*
 * Sets key to v: CPU 0's slot of a per-CPU map, the others 0. Tests of the steady state use
 * per-CPU hash maps: they update an entry in place, where a plain hash map puts the new one
 * first in its bucket and so may change the order of the keys read (a rebuild, not the
 * steady state).
 */
static void put(int fd, const void *key, uint64_t v)
{
	uint64_t vals[1024] = { 0 };
	int n = ncpus();

	assert_true(n <= (int)(sizeof(vals) / sizeof(vals[0])));
	vals[0] = v;
	assert_int_equal(bpf_map_update_elem(fd, key, vals, BPF_ANY), 0);
}

/* Sets key's slot of CPU cpu to fn(cpu) on every CPU. */
static void put_percpu(int fd, const void *key, uint64_t base, uint64_t per_cpu)
{
	uint64_t vals[1024];
	int n = ncpus();

	assert_true(n <= (int)(sizeof(vals) / sizeof(vals[0])));
	for (int i = 0; i < n; i++)
		vals[i] = base + per_cpu * (uint64_t)i;
	assert_int_equal(bpf_map_update_elem(fd, key, vals, BPF_ANY), 0);
}

/* A counter sample's label values (label-name order, back to back) joined with '|'. */
static const char *labels_of(const struct family *f, const struct sample *s, char *out,
			     size_t outlen)
{
	const char *p = s->key;
	size_t off = 0;

	assert_true(f->contiguous_keys);
	out[0] = '\0';
	for (size_t k = 0; k < f->n_labels; k++) {
		int w = snprintf(out + off, outlen - off, "%s%s", k ? "|" : "", p);

		assert_true(w >= 0 && (size_t)w < outlen - off);
		off += (size_t)w;
		p += strlen(p) + 1;
	}
	return out;
}

struct want {
	const char *labels;
	double value;
};

static void expect_counter(const struct family *f, const struct want *want, size_t n)
{
	char got[256];

	assert_int_equal(f->type, FAMILY_COUNTER);
	assert_true(f->presorted);
	if (f->n_samples != n)
		fail_msg("%zu series, want %zu", f->n_samples, n);
	for (size_t i = 0; i < n; i++) {
		labels_of(f, &f->samples[i], got, sizeof(got));
		if (strcmp(got, want[i].labels) != 0 || f->samples[i].value != want[i].value)
			fail_msg("series %zu: %s = %g, want %s = %g", i, got, f->samples[i].value,
				 want[i].labels, want[i].value);
	}
}

static const char ops_yaml[] = "metrics:\n"
			       "  counters:\n"
			       "    - name: ops_total\n"
			       "      help: Ops\n"
			       "      labels:\n"
			       "        - name: zone\n"
			       "          size: 4\n"
			       "          decoders:\n"
			       "            - name: uint\n"
			       "        - name: op\n"
			       "          size: 4\n"
			       "          decoders:\n"
			       "            - name: uint\n"
			       "            - name: static_map\n"
			       "              static_map:\n"
			       "                0: read\n"
			       "                1: write\n"
			       "                2: read\n";

struct zone_op {
	uint32_t zone, op;
};

/*
 * Rows are sorted by label values in label-name order (op before zone, compared as strings)
 * and rows decoding to the same labels are summed into one series.
 */
static void test_counter_sorted_and_merged(void **state)
{
	static const struct want want[] = {
		{ "read|0", 2 },  { "read|1", 12 },  { "read|2", 1 },
		{ "write|0", 3 }, { "write|10", 4 },
	};
	struct fixture fx;
	struct family f;

	fixture_init(&fx, ops_yaml, BPF_MAP_TYPE_HASH, sizeof(struct zone_op), 64);
	put(fx.fd, &(struct zone_op){ 1, 0 }, 5);
	put(fx.fd, &(struct zone_op){ 1, 2 }, 7);
	put(fx.fd, &(struct zone_op){ 0, 1 }, 3);
	put(fx.fd, &(struct zone_op){ 2, 0 }, 1);
	put(fx.fd, &(struct zone_op){ 10, 1 }, 4);
	put(fx.fd, &(struct zone_op){ 0, 0 }, 2);
	collect(&fx, &f);
	assert_string_equal(f.name, "ebpf_exporter_ops_total");
	assert_string_equal(f.help, "Ops");
	assert_int_equal(f.n_labels, 2);
	assert_string_equal(f.label_names[0], "zone");
	assert_string_equal(f.label_names[1], "op");
	expect_counter(&f, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(fx.errors[0], 0);
	fixture_free(&fx);
}

/*
 * Same keys: the series stay and take the new values, merged ones summed again; a new key or
 * a deleted one builds them again.
 */
static void test_counter_steady_state(void **state)
{
	static const struct want first[] = {
		{ "read|1", 12 },
		{ "write|0", 3 },
	};
	static const struct want refreshed[] = {
		{ "read|1", 107 },
		{ "write|0", 4 },
	};
	static const struct want grown[] = {
		{ "read|1", 107 },
		{ "write|0", 4 },
		{ "write|10", 9 },
		{ "write|3", 8 },
	};
	static const struct want shrunk[] = {
		{ "read|1", 100 },
		{ "write|10", 9 },
		{ "write|3", 8 },
	};
	struct fixture fx;
	struct family f;

	fixture_init(&fx, ops_yaml, BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct zone_op), 64);
	put(fx.fd, &(struct zone_op){ 1, 0 }, 5);
	put(fx.fd, &(struct zone_op){ 1, 2 }, 7);
	put(fx.fd, &(struct zone_op){ 0, 1 }, 3);
	collect(&fx, &f);
	expect_counter(&f, first, 2);
	assert_false(fx.ms.grp_identity);
	collect(&fx, &f);
	expect_counter(&f, first, 2);

	put(fx.fd, &(struct zone_op){ 1, 0 }, 100);
	put(fx.fd, &(struct zone_op){ 0, 1 }, 4);
	/* the steady state walks no rows (a rebuild numbers them from 0) */
	fx.ms.row_no = 1000;
	collect(&fx, &f);
	expect_counter(&f, refreshed, 2);
	assert_int_equal(fx.ms.row_no, 1000);

	put(fx.fd, &(struct zone_op){ 3, 1 }, 8);
	put(fx.fd, &(struct zone_op){ 10, 1 }, 9);
	collect(&fx, &f);
	expect_counter(&f, grown, 4);
	assert_int_equal(fx.ms.row_no, 5);

	/* as many keys, one of them another: built again */
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct zone_op){ 3, 1 }), 0);
	put(fx.fd, &(struct zone_op){ 4, 1 }, 8);
	collect(&fx, &f);
	expect_counter(
		&f,
		(const struct want[]){
			{ "read|1", 107 }, { "write|0", 4 }, { "write|10", 9 }, { "write|4", 8 } },
		4);
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct zone_op){ 4, 1 }), 0);
	put(fx.fd, &(struct zone_op){ 3, 1 }, 8);

	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct zone_op){ 1, 2 }), 0);
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct zone_op){ 0, 1 }), 0);
	collect(&fx, &f);
	expect_counter(&f, shrunk, 3);
	/* one row per series again: refreshed row by row */
	assert_true(fx.ms.grp_identity);
	put(fx.fd, &(struct zone_op){ 1, 0 }, 1);
	put(fx.fd, &(struct zone_op){ 3, 1 }, 2);
	put(fx.fd, &(struct zone_op){ 10, 1 }, 3);
	collect(&fx, &f);
	expect_counter(
		&f, (const struct want[]){ { "read|1", 1 }, { "write|10", 3 }, { "write|3", 2 } },
		3);

	/* every key gone: no family */
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct zone_op){ 1, 0 }), 0);
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct zone_op){ 3, 1 }), 0);
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct zone_op){ 10, 1 }), 0);
	collect(&fx, &f);
	assert_int_equal(f.n_samples, 0);
	assert_null(f.name);
	fixture_free(&fx);
}

struct code_name {
	uint32_t code;
	char name[8];
};

/*
 * A key whose label fails to decode drops that row and counts one decoder error, on every
 * scrape, the steady ones included; a regexp skip drops its row without an error.
 */
static void test_counter_decode_errors_and_skips(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: calls_total\n"
				   "      help: Calls\n"
				   "      labels:\n"
				   "        - name: err\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n"
				   "            - name: static_map\n"
				   "              allow_unknown: true\n"
				   "              static_map:\n"
				   "                5: bad\n"
				   "            - name: errno\n"
				   "        - name: name\n"
				   "          size: 8\n"
				   "          decoders:\n"
				   "            - name: string\n"
				   "            - name: regexp\n"
				   "              regexps: [\"^keep.*\"]\n";
	struct fixture fx;
	struct family f;

	fixture_init(&fx, yaml, BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct code_name), 64);
	put(fx.fd, &(struct code_name){ 2, "keep1" }, 1);
	put(fx.fd, &(struct code_name){ 5, "keep2" }, 2);
	put(fx.fd, &(struct code_name){ 2, "drop" }, 3);
	put(fx.fd, &(struct code_name){ 1, "keep3" }, 4);
	collect(&fx, &f);
	expect_counter(&f, (const struct want[]){ { "ENOENT|keep1", 1 }, { "EPERM|keep3", 4 } }, 2);
	assert_int_equal(fx.errors[0], 1);
	assert_int_equal(fx.ms.scrape_errors, 1);

	put(fx.fd, &(struct code_name){ 2, "keep1" }, 10);
	collect(&fx, &f);
	expect_counter(&f, (const struct want[]){ { "ENOENT|keep1", 10 }, { "EPERM|keep3", 4 } },
		       2);
	assert_int_equal(fx.errors[0], 2);

	/* the bad key gone: no more errors */
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct code_name){ 5, "keep2" }), 0);
	collect(&fx, &f);
	expect_counter(&f, (const struct want[]){ { "ENOENT|keep1", 10 }, { "EPERM|keep3", 4 } },
		       2);
	collect(&fx, &f);
	assert_int_equal(fx.errors[0], 2);
	fixture_free(&fx);
}

/*
 * Rows are numbered in walk order, the dropped ones included: the steady state reads each
 * series' value from its own row of an array map whose first rows are dropped.
 */
static void test_counter_rows_numbered(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: idx_total\n"
				   "      help: Idx\n"
				   "      labels:\n"
				   "        - name: idx\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n"
				   "            - name: static_map\n"
				   "              allow_unknown: true\n"
				   "              static_map:\n"
				   "                0: drop\n"
				   "                1: bad\n"
				   "            - name: regexp\n"
				   "              regexps: [\"^[^d].*\"]\n"
				   "            - name: errno\n";
	struct fixture fx;
	struct family f;

	fixture_init(&fx, yaml, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), 5);
	for (uint32_t k = 0; k < 5; k++)
		put(fx.fd, &k, k * 10);
	collect(&fx, &f);
	expect_counter(
		&f, (const struct want[]){ { "EINTR", 40 }, { "ENOENT", 20 }, { "ESRCH", 30 } }, 3);
	assert_int_equal(fx.errors[0], 1);
	for (uint32_t k = 0; k < 5; k++)
		put(fx.fd, &k, k * 10 + 1);
	collect(&fx, &f);
	expect_counter(
		&f, (const struct want[]){ { "EINTR", 41 }, { "ENOENT", 21 }, { "ESRCH", 31 } }, 3);
	assert_int_equal(fx.errors[0], 2);
	fixture_free(&fx);
}

/* A map that cannot be read: one error, no family; read again, the series are built again. */
static void test_read_error(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: vec_total\n"
				   "      help: Vec\n"
				   "      labels:\n"
				   "        - name: vec\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n";
	struct fixture fx;
	struct family f;
	int null_fd;

	fixture_init(&fx, yaml, BPF_MAP_TYPE_HASH, sizeof(uint32_t), 4);
	put(fx.fd, &(uint32_t){ 3 }, 5);
	collect(&fx, &f);
	expect_counter(&f, (const struct want[]){ { "3", 5 } }, 1);
	null_fd = open("/dev/null", O_RDONLY);
	assert_true(null_fd >= 0);
	fx.ms.map_fd = null_fd;
	collect(&fx, &f);
	assert_int_equal(f.n_samples, 0);
	assert_int_equal(fx.errors[0], 1);
	fx.ms.map_fd = fx.fd;
	fx.ms.row_no = 1000;
	collect(&fx, &f);
	expect_counter(&f, (const struct want[]){ { "3", 5 } }, 1);
	assert_int_equal(fx.ms.row_no, 1);
	assert_int_equal(fx.errors[0], 1);
	close(null_fd);
	fixture_free(&fx);
}

/* A map without labels: its zero key is one series without labels. No map: no family. */
static void test_counter_without_labels(void **state)
{
	static const char yaml[] =
		"metrics:\n  counters:\n    - name: all_total\n      help: All\n";
	struct fixture fx;
	struct family f;
	uint32_t zero = 0;

	fixture_init(&fx, yaml, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), 1);
	put(fx.fd, &zero, 42);
	collect(&fx, &f);
	assert_int_equal(f.n_labels, 0);
	assert_int_equal(f.n_samples, 1);
	assert_true(f.samples[0].value == 42);
	put(fx.fd, &zero, 43);
	collect(&fx, &f);
	assert_int_equal(f.n_samples, 1);
	assert_true(f.samples[0].value == 43);

	fx.ms.map_fd = -1;
	collect(&fx, &f);
	assert_int_equal(f.n_samples, 0);
	assert_null(f.samples);
	fx.ms.map_fd = fx.fd;
	fixture_free(&fx);
}

static const char softirq_yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: softirqs_total\n"
				   "      help: Softirqs\n"
				   "      labels:\n"
				   "        - name: vec\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n"
				   "            - name: static_map\n"
				   "              static_map:\n"
				   "                0: hi\n"
				   "                1: timer\n"
				   "        - name: cpu\n"
				   "          size: 2\n"
				   "          decoders:\n"
				   "            - name: uint\n";

/* Checks a (cpu, vec) series list: every pair once, sorted, value vec * 10 + cpu + add. */
static void expect_per_cpu(const struct family *f, int n, uint64_t add)
{
	static const char *const vecs[] = { "hi", "timer" };
	char got[256], prev[256] = "";
	unsigned seen[2][1024];

	memset(seen, 0, sizeof(seen));
	assert_int_equal(f->n_samples, 2 * (size_t)n);
	for (size_t i = 0; i < f->n_samples; i++) {
		char *bar;
		unsigned long cpu;
		int vec;

		labels_of(f, &f->samples[i], got, sizeof(got));
		bar = strchr(got, '|');
		assert_non_null(bar);
		/* label-name order: cpu, then vec; each compared as a string */
		if (i && !(strncmp(prev, got, sizeof(prev)) < 0))
			fail_msg("%s after %s", got, prev);
		strcpy(prev, got);
		*bar = '\0';
		cpu = strtoul(got, NULL, 10);
		vec = strcmp(bar + 1, vecs[0]) == 0 ? 0 : strcmp(bar + 1, vecs[1]) == 0 ? 1 : -1;
		assert_true(vec >= 0 && cpu < (unsigned long)n);
		assert_int_equal(seen[vec][cpu]++, 0);
		assert_true(f->samples[i].value == (double)(vec * 10 + cpu + add));
	}
}

/* A per-CPU map with a trailing `cpu` label: one series per key and CPU. */
static void test_per_cpu_label(void **state)
{
	struct fixture fx;
	struct family f;
	int n = ncpus();

	fixture_init(&fx, softirq_yaml, BPF_MAP_TYPE_PERCPU_HASH, sizeof(uint32_t), 16);
	assert_true(fx.ms.cpu_label);
	put_percpu(fx.fd, &(uint32_t){ 0 }, 0, 1);
	put_percpu(fx.fd, &(uint32_t){ 1 }, 10, 1);
	collect(&fx, &f);
	expect_per_cpu(&f, n, 0);
	put_percpu(fx.fd, &(uint32_t){ 0 }, 1000, 1);
	put_percpu(fx.fd, &(uint32_t){ 1 }, 1010, 1);
	collect(&fx, &f);
	expect_per_cpu(&f, n, 1000);
	fixture_free(&fx);
}

/* Only a `cpu` label: the zero u32 key is dropped and each CPU is a series. */
static void test_per_cpu_only_cpu_label(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: ticks_total\n"
				   "      help: Ticks\n"
				   "      labels:\n"
				   "        - name: cpu\n"
				   "          size: 2\n"
				   "          decoders:\n"
				   "            - name: uint\n";
	struct fixture fx;
	struct family f;
	int n = ncpus();
	unsigned seen[1024] = { 0 };

	fixture_init(&fx, yaml, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t), 1);
	put_percpu(fx.fd, &(uint32_t){ 0 }, 7, 3);
	collect(&fx, &f);
	assert_int_equal(f.n_samples, (size_t)n);
	for (size_t i = 0; i < f.n_samples; i++) {
		unsigned long cpu = strtoul(f.samples[i].key, NULL, 10);

		assert_true(cpu < (unsigned long)n);
		assert_int_equal(seen[cpu]++, 0);
		assert_true(f.samples[i].value == (double)(7 + 3 * cpu));
	}
	fixture_free(&fx);
}

/* A per-CPU map without a `cpu` label: each key's CPUs are summed into one series. */
static void test_per_cpu_summed(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: vec_total\n"
				   "      help: Vec\n"
				   "      labels:\n"
				   "        - name: vec\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n";
	struct fixture fx;
	struct family f;
	double n = ncpus();
	/* sum over cpu of base + 2 * cpu */
	double spread = n * (n - 1);

	fixture_init(&fx, yaml, BPF_MAP_TYPE_PERCPU_HASH, sizeof(uint32_t), 16);
	assert_false(fx.ms.cpu_label);
	put_percpu(fx.fd, &(uint32_t){ 3 }, 5, 2);
	put_percpu(fx.fd, &(uint32_t){ 12 }, 1, 2);
	collect(&fx, &f);
	expect_counter(&f, (const struct want[]){ { "12", n + spread }, { "3", 5 * n + spread } },
		       2);
	put_percpu(fx.fd, &(uint32_t){ 3 }, 6, 2);
	collect(&fx, &f);
	expect_counter(&f, (const struct want[]){ { "12", n + spread }, { "3", 6 * n + spread } },
		       2);
	fixture_free(&fx);
}

/* Rows of the walk, as metric_walk_rows() hands them over. */
struct walked {
	size_t n;
	double sum;
	size_t len;
};

static int walk_cb(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		   double v, void *arg)
{
	struct walked *w = arg;

	w->n++;
	w->sum += v;
	w->len = len;
	return 0;
}

static int stop_cb(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		   double v, void *arg)
{
	return ++((struct walked *)arg)->n == 2 ? -EINTR : 0;
}

/* split_cpus gives a row per key and CPU (the /maps view); a callback's error stops the walk. */
static void test_walk_rows(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: vec_total\n"
				   "      help: Vec\n"
				   "      labels:\n"
				   "        - name: vec\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n";
	struct fixture fx;
	struct walked w = { 0 };
	int n = ncpus();

	fixture_init(&fx, yaml, BPF_MAP_TYPE_PERCPU_HASH, sizeof(uint32_t), 16);
	put_percpu(fx.fd, &(uint32_t){ 3 }, 5, 2);
	put_percpu(fx.fd, &(uint32_t){ 4 }, 1, 0);
	assert_int_equal(metric_walk_rows(&fx.c, &fx.ms, true, walk_cb, &w), 0);
	assert_int_equal(w.n, 2 * (size_t)n);
	assert_true(w.sum == 6.0 * n + (double)n * (n - 1));
	assert_int_equal(w.len, 4);
	memset(&w, 0, sizeof(w));
	assert_int_equal(metric_walk_rows(&fx.c, &fx.ms, false, walk_cb, &w), 0);
	assert_int_equal(w.n, 2);
	memset(&w, 0, sizeof(w));
	assert_int_equal(metric_walk_rows(&fx.c, &fx.ms, true, stop_cb, &w), -EINTR);
	assert_int_equal(w.n, 2);
	fixture_free(&fx);
}

#define LAT_YAML                           \
	"metrics:\n"                       \
	"  histograms:\n"                  \
	"    - name: lat_seconds\n"        \
	"      help: Latency\n"            \
	"      bucket_type: exp2\n"        \
	"      bucket_min: 0\n"            \
	"      bucket_max: 3\n"            \
	"      bucket_multiplier: 0.5\n"   \
	"      labels:\n"                  \
	"        - name: op\n"             \
	"          size: 4\n"              \
	"          padding: 4\n"           \
	"          decoders:\n"            \
	"            - name: uint\n"       \
	"            - name: static_map\n" \
	"              static_map:\n"      \
	"                0: write\n"       \
	"                1: read\n"        \
	"        - name: bucket\n"         \
	"          size: 8\n"              \
	"          decoders:\n"            \
	"            - name: uint\n"

static const char lat_yaml[] = LAT_YAML;

/* The bucket index 7 becomes "x" once the last decoder is left out. */
static const char lat_x_yaml[] = LAT_YAML "            - name: static_map\n"
					  "              allow_unknown: true\n"
					  "              static_map:\n"
					  "                7: x\n"
					  "            - name: uint\n";

struct op_bucket {
	uint32_t op, pad;
	uint64_t bucket;
};

struct want_hist {
	const char *labels; /* series label values, joined with '|' */
	uint64_t cum[4];
	uint64_t count;
	double sum;
};

static void expect_hist(const struct family *f, const struct want_hist *want, size_t n,
			size_t n_buckets)
{
	assert_int_equal(f->type, FAMILY_HISTOGRAM);
	if (f->n_samples != n)
		fail_msg("%zu series, want %zu", f->n_samples, n);
	for (size_t i = 0; i < n; i++) {
		const struct histogram_value *hv = f->samples[i].hist;
		char got[256] = "";
		size_t off = 0;

		for (size_t k = 0; k < f->n_labels; k++)
			off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%s", k ? "|" : "",
						f->samples[i].values[k]);
		assert_string_equal(got, want[i].labels);
		assert_non_null(hv);
		assert_int_equal(hv->n_buckets, n_buckets);
		for (size_t b = 0; b < n_buckets; b++)
			if (hv->cumulative[b] != want[i].cum[b])
				fail_msg("%s: bucket %zu: %llu, want %llu", got, b,
					 (unsigned long long)hv->cumulative[b],
					 (unsigned long long)want[i].cum[b]);
		assert_int_equal(hv->count, want[i].count);
		assert_true(hv->sum == want[i].sum);
	}
}

/*
 * Rows are grouped by the labels but the bucket; each bucket index counts in its bucket, the
 * one past bucket_max is the sum, others are ignored, and an index that is no integer drops
 * its row with a decoder error.
 */
static void test_histogram(void **state)
{
	static const struct want_hist first[] = {
		{ "read", { 0, 3, 3, 7 }, 7, 0 },
		{ "write", { 1, 1, 3, 3 }, 3, 5 },
	};
	static const struct want_hist refreshed[] = {
		{ "read", { 0, 3, 3, 7 }, 7, 0 },
		{ "write", { 5, 5, 7, 7 }, 7, 6 },
	};
	struct fixture fx;
	struct family f;
	struct label_conf *bucket;

	fixture_parse(&fx, lat_x_yaml, BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct op_bucket), 64);
	/*
	 * Validation wants the bucket label to end with uint; without its last decoder (as if
	 * unvalidated) index 7 decodes to "x".
	 */
	bucket = &fx.cfg->histograms[0].labels[1];
	assert_int_equal(bucket->n_decoders, 3);
	bucket->n_decoders = 2;
	fixture_metric(&fx, BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct op_bucket), 64);
	assert_int_equal(fx.ms.bucket_label, 1);
	assert_int_equal(fx.ms.n_series_labels, 1);
	assert_int_equal(fx.ms.n_buckets, 4);
	put(fx.fd, &(struct op_bucket){ .op = 0, .bucket = 0 }, 1);
	put(fx.fd, &(struct op_bucket){ .op = 0, .bucket = 2 }, 2);
	put(fx.fd, &(struct op_bucket){ .op = 0, .bucket = 4 }, 10);
	put(fx.fd, &(struct op_bucket){ .op = 1, .bucket = 1 }, 3);
	put(fx.fd, &(struct op_bucket){ .op = 1, .bucket = 3 }, 4);
	put(fx.fd, &(struct op_bucket){ .op = 1, .bucket = 9 }, 100);
	put(fx.fd, &(struct op_bucket){ .op = 1, .bucket = 7 }, 1000);
	collect(&fx, &f);
	expect_hist(&f, first, 2, 4);
	assert_string_equal(f.name, "ebpf_exporter_lat_seconds");
	assert_int_equal(f.n_labels, 1);
	assert_string_equal(f.label_names[0], "op");
	assert_true(f.samples[0].hist->le[0] == 0.5 && f.samples[0].hist->le[3] == 4);
	assert_int_equal(fx.errors[0], 1);

	/* same keys: the same buckets read again, the bad index counted again */
	put(fx.fd, &(struct op_bucket){ .op = 0, .bucket = 0 }, 5);
	put(fx.fd, &(struct op_bucket){ .op = 0, .bucket = 4 }, 12);
	fx.ms.row_no = 1000;
	collect(&fx, &f);
	expect_hist(&f, refreshed, 2, 4);
	assert_int_equal(fx.ms.row_no, 1000);
	assert_int_equal(fx.errors[0], 2);

	/* keys gone: built again */
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct op_bucket){ .op = 1, .bucket = 1 }),
			 0);
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct op_bucket){ .op = 1, .bucket = 7 }),
			 0);
	collect(&fx, &f);
	expect_hist(&f,
		    (const struct want_hist[]){ { "read", { 0, 0, 0, 4 }, 4, 0 },
						{ "write", { 5, 5, 7, 7 }, 7, 6 } },
		    2, 4);
	assert_int_equal(fx.errors[0], 2);

	/* a row whose index is no integer counts nowhere, whatever row came before it */
	for (uint64_t b = 0; b < 10; b++) {
		for (uint32_t op = 0; op < 2; op++) {
			struct op_bucket k = { .op = op, .bucket = b };
			int r = bpf_map_delete_elem(fx.fd, &k);

			assert_true(r == 0 || r == -ENOENT);
		}
	}
	put(fx.fd, &(struct op_bucket){ .op = 0, .bucket = 1 }, 1);
	collect(&fx, &f);
	expect_hist(&f, (const struct want_hist[]){ { "write", { 0, 1, 1, 1 }, 1, 0 } }, 1, 4);
	assert_int_equal(bpf_map_delete_elem(fx.fd, &(struct op_bucket){ .op = 0, .bucket = 1 }),
			 0);
	put(fx.fd, &(struct op_bucket){ .op = 1, .bucket = 7 }, 1000);
	collect(&fx, &f);
	assert_int_equal(f.n_samples, 0);
	assert_int_equal(fx.errors[0], 3);
	bucket->n_decoders = 3;
	fixture_free(&fx);
}

/* A per-CPU histogram with a trailing `cpu` label: the bucket is the label before it. */
static void test_histogram_per_cpu(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  histograms:\n"
				   "    - name: lat_seconds\n"
				   "      help: Latency\n"
				   "      bucket_type: linear\n"
				   "      bucket_min: 0\n"
				   "      bucket_max: 1\n"
				   "      labels:\n"
				   "        - name: op\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n"
				   "        - name: bucket\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n"
				   "        - name: cpu\n"
				   "          size: 2\n"
				   "          decoders:\n"
				   "            - name: uint\n";
	struct fixture fx;
	struct family f;
	int n = ncpus();
	unsigned seen[1024] = { 0 };

	fixture_init(&fx, yaml, BPF_MAP_TYPE_PERCPU_HASH, 8, 16);
	assert_true(fx.ms.cpu_label);
	assert_int_equal(fx.ms.bucket_label, 1);
	assert_int_equal(fx.ms.n_series_labels, 2);
	put_percpu(fx.fd, &(uint32_t[2]){ 6, 0 }, 1, 1);
	put_percpu(fx.fd, &(uint32_t[2]){ 6, 1 }, 10, 10);
	put_percpu(fx.fd, &(uint32_t[2]){ 6, 2 }, 3, 0);
	collect(&fx, &f);
	assert_int_equal(f.n_labels, 2);
	assert_string_equal(f.label_names[0], "op");
	assert_string_equal(f.label_names[1], "cpu");
	assert_int_equal(f.n_samples, (size_t)n);
	for (size_t i = 0; i < f.n_samples; i++) {
		const struct histogram_value *hv = f.samples[i].hist;
		unsigned long cpu = strtoul(f.samples[i].values[1], NULL, 10);

		assert_string_equal(f.samples[i].values[0], "6");
		assert_true(cpu < (unsigned long)n);
		assert_int_equal(seen[cpu]++, 0);
		assert_int_equal(hv->cumulative[0], cpu + 1);
		assert_int_equal(hv->cumulative[1], 11 * (cpu + 1));
		assert_int_equal(hv->count, 11 * (cpu + 1));
		assert_true(hv->sum == 3);
	}
	fixture_free(&fx);
}

/* Fills keys [from, to) of a u32-keyed map with value key * 3 in one batch. */
static void fill(int fd, uint32_t from, uint32_t to)
{
	uint32_t n = to - from, *keys = calloc(n ? n : 1, sizeof(*keys));
	uint64_t *vals = calloc(n ? n : 1, sizeof(*vals));

	assert_non_null(keys);
	assert_non_null(vals);
	for (uint32_t i = 0; i < n; i++) {
		keys[i] = from + i;
		vals[i] = (uint64_t)keys[i] * 3;
	}
	assert_int_equal(bpf_map_update_batch(fd, keys, vals, &n, NULL), 0);
	assert_int_equal(n, to - from);
	free(keys);
	free(vals);
}

/* Checks series "<id>" = id * 3 + add for ids [from, to), "zero" = zero, sorted as strings. */
static void expect_ids(const struct family *f, uint32_t from, uint32_t to, double zero, double add)
{
	size_t n = to - from + (zero >= 0), i;
	uint8_t *seen = calloc(to ? to : 1, 1);

	assert_non_null(seen);
	assert_int_equal(f->n_samples, n);
	for (i = 0; i < n; i++) {
		const char *k = f->samples[i].key;
		unsigned long id;

		if (i)
			assert_true(strcmp(f->samples[i - 1].key, k) < 0);
		if (strcmp(k, "zero") == 0) {
			assert_true(f->samples[i].value == zero);
			continue;
		}
		id = strtoul(k, NULL, 10);
		assert_true(id >= from && id < to);
		assert_int_equal(seen[id]++, 0);
		if (f->samples[i].value != (double)id * 3 + add)
			fail_msg("%s = %g", k, f->samples[i].value);
	}
	free(seen);
}

/*
 * From one row to 300000 and back: the per-row arrays grow, the big ones are given back after
 * the series are built, and the steady state and the next rebuild still see every row.
 */
static void test_growth(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: ids_total\n"
				   "      help: Ids\n"
				   "      labels:\n"
				   "        - name: id\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n"
				   "            - name: static_map\n"
				   "              allow_unknown: true\n"
				   "              static_map:\n"
				   "                0: zero\n"
				   "                1: zero\n";
	const uint32_t big = 300000;
	struct fixture fx;
	struct family f;

	fixture_init(&fx, yaml, BPF_MAP_TYPE_HASH, sizeof(uint32_t), big + 2);
	fill(fx.fd, 2, 3);
	collect(&fx, &f);
	expect_ids(&f, 2, 3, -1, 0);
	fill(fx.fd, 3, 1000);
	collect(&fx, &f);
	expect_ids(&f, 2, 1000, -1, 0);
	assert_non_null(fx.ms.samples);

	fill(fx.fd, 1000, big);
	collect(&fx, &f);
	expect_ids(&f, 2, big, -1, 0);
	assert_true(fx.ms.grp_identity);
	/* built: the row arrays are given back */
	assert_null(fx.ms.samples);
	assert_null(fx.ms.grp_end);
	/* the map unchanged: the steady state, on what is left (no row walked) */
	fx.ms.row_no = 1;
	collect(&fx, &f);
	expect_ids(&f, 2, big, -1, 0);
	assert_int_equal(fx.ms.row_no, 1);

	/* two rows merge into "zero": series ends are needed again */
	put(fx.fd, &(uint32_t){ 0 }, 5);
	put(fx.fd, &(uint32_t){ 1 }, 6);
	collect(&fx, &f);
	assert_false(fx.ms.grp_identity);
	expect_ids(&f, 2, big, 11, 0);
	fx.ms.row_no = 1;
	collect(&fx, &f);
	expect_ids(&f, 2, big, 11, 0);
	assert_int_equal(fx.ms.row_no, 1);

	/* and back to a few rows */
	for (uint32_t k = 10; k < big; k++)
		assert_int_equal(bpf_map_delete_elem(fx.fd, &k), 0);
	put(fx.fd, &(uint32_t){ 1 }, 7);
	collect(&fx, &f);
	expect_ids(&f, 2, 10, 12, 0);
	assert_non_null(fx.ms.samples);
	fixture_free(&fx);
}

/* Many histogram series at once: every one keeps its own buckets and labels. */
static void test_histogram_many_series(void **state)
{
	const uint32_t n = 3000;
	struct fixture fx;
	struct family f;
	uint8_t *seen;

	fixture_init(&fx, lat_yaml, BPF_MAP_TYPE_HASH, sizeof(struct op_bucket), 2 * n);
	seen = calloc(n, 1);
	assert_non_null(seen);
	for (uint32_t op = 0; op < n; op++) {
		put(fx.fd, &(struct op_bucket){ .op = op, .bucket = 1 }, op);
		put(fx.fd, &(struct op_bucket){ .op = op, .bucket = 4 }, 2 * op);
	}
	collect(&fx, &f);
	assert_int_equal(f.n_samples, n);
	for (size_t i = 0; i < f.n_samples; i++) {
		const char *v = f.samples[i].values[0];
		const struct histogram_value *hv = f.samples[i].hist;
		unsigned long op = n;

		/* ops other than 0 and 1 are not in the static map */
		if (strcmp(v, "write") == 0)
			op = 0;
		else if (strcmp(v, "read") == 0)
			op = 1;
		else if (strncmp(v, "unknown:", 8) == 0)
			op = strtoul(v + 8, NULL, 10);
		else
			fail_msg("op %s", v);

		if (i)
			assert_true(strcmp(f.samples[i - 1].values[0], v) < 0);
		assert_true(op < n);
		assert_int_equal(seen[op]++, 0);
		assert_int_equal(hv->cumulative[0], 0);
		assert_int_equal(hv->cumulative[1], op);
		assert_int_equal(hv->cumulative[3], op);
		assert_int_equal(hv->count, op);
		assert_true(hv->sum == (double)op);
	}
	free(seen);
	fixture_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_sorted_and_merged),
		cmocka_unit_test(test_counter_steady_state),
		cmocka_unit_test(test_counter_decode_errors_and_skips),
		cmocka_unit_test(test_counter_rows_numbered),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_counter_without_labels),
		cmocka_unit_test(test_per_cpu_label),
		cmocka_unit_test(test_per_cpu_only_cpu_label),
		cmocka_unit_test(test_per_cpu_summed),
		cmocka_unit_test(test_walk_rows),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_histogram_per_cpu),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_histogram_many_series),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
