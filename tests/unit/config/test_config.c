// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"

#define PREFIX "error parsing \"/dir/x.yaml\" for config \"x\": "
#define VPREFIX "error validating config: "
#define ONE_HOUR (3600LL * 1000000000LL)

static char fixtures[PATH_MAX];

/* tests/unit/fixtures/config, as an absolute path (config_load() cleans the paths it keeps) */
static const char *fixture_dir(void)
{
	const char *slash = strrchr(__FILE__, '/');
	char rel[PATH_MAX];

	if (!fixtures[0]) {
		snprintf(rel, sizeof(rel), "%.*s/../fixtures/config",
			 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
		if (!realpath(rel, fixtures))
			snprintf(fixtures, sizeof(fixtures), "%s", rel);
	}
	return fixtures;
}

static struct config *parse_ok(const char *yaml)
{
	struct config *cfg = NULL;
	char err[1024] = "";
	int ret;

	ret = config_parse(yaml, strlen(yaml), "/dir/x.yaml", "x", &cfg, err, sizeof(err));
	if (ret)
		fail_msg("unexpected error %d for:\n%s\n%s", ret, yaml, err);
	assert_non_null(cfg);
	return cfg;
}

static void parse_err(const char *yaml, const char *expected)
{
	struct config *cfg = (struct config *)1;
	char err[1024] = "";
	int ret;

	ret = config_parse(yaml, strlen(yaml), "/dir/x.yaml", "x", &cfg, err, sizeof(err));
	if (ret != -EINVAL || strcmp(err, expected))
		fail_msg("for:\n%s\nwant: %s\ngot (%d): %s", yaml, expected, ret, err);
	assert_null(cfg);
}

/* ---- the full fixture: every key and every line ---- */

static void check_full(const struct config *c)
{
	const struct counter_conf *m;
	const struct histogram_conf *h;
	const struct label_conf *l;
	const struct decoder_conf *d;

	assert_string_equal(c->name, "full");
	assert_int_equal(c->n_counters, 2);
	assert_true(c->counters_set);
	assert_true(c->histograms_set);
	assert_true(c->spans_set);

	m = &c->counters[0];
	assert_string_equal(m->name, "io_ops_total");
	assert_string_equal(m->help, "IO operations by device and op");
	assert_false(m->perf_event_array);
	assert_int_equal(m->flush_interval_ns, ONE_HOUR);
	assert_int_equal(m->line, 5);
	assert_int_equal(m->n_labels, 2);
	l = &m->labels[0];
	assert_string_equal(l->name, "device");
	assert_int_equal(l->size, 4);
	assert_int_equal(l->padding, 0);
	assert_int_equal(l->line, 8);
	assert_int_equal(l->n_decoders, 1);
	assert_string_equal(l->decoders[0].name, "majorminor");
	assert_int_equal(l->decoders[0].line, 8);
	assert_false(l->decoders[0].static_map_set);
	assert_false(l->decoders[0].regexps_set);
	assert_false(l->decoders[0].allow_unknown);
	l = &m->labels[1];
	assert_string_equal(l->name, "op");
	assert_int_equal(l->size, 1);
	assert_int_equal(l->padding, 3);
	assert_int_equal(l->line, 9);
	assert_int_equal(l->n_decoders, 2);
	assert_string_equal(l->decoders[0].name, "uint");
	assert_int_equal(l->decoders[0].line, 13);
	d = &l->decoders[1];
	assert_string_equal(d->name, "static_map");
	assert_int_equal(d->line, 14);
	assert_true(d->allow_unknown);
	assert_true(d->static_map_set);
	assert_int_equal(d->n_static_map, 3);
	assert_string_equal(d->static_map[0].key, "0");
	assert_string_equal(d->static_map[0].value, "read");
	assert_string_equal(d->static_map[1].key, "0x10");
	assert_string_equal(d->static_map[1].value, "write");
	assert_string_equal(d->static_map[2].key, "q");
	assert_string_equal(d->static_map[2].value, "");
	assert_int_equal(d->static_map[2].line, 14);

	m = &c->counters[1];
	assert_string_equal(m->name, "oom_kills_total");
	assert_string_equal(m->help, "OOM kills");
	assert_true(m->perf_event_array);
	assert_int_equal(m->flush_interval_ns, 90LL * 1000000000LL);
	assert_int_equal(m->line, 15);
	assert_int_equal(m->n_labels, 1);
	l = &m->labels[0];
	assert_string_equal(l->name, "comm");
	assert_int_equal(l->size, 16);
	assert_int_equal(l->line, 19);
	assert_int_equal(l->n_decoders, 2);
	assert_string_equal(l->decoders[0].name, "string");
	d = &l->decoders[1];
	assert_string_equal(d->name, "regexp");
	assert_true(d->regexps_set);
	assert_int_equal(d->n_regexps, 2);
	assert_string_equal(d->regexps[0], "^(sys)");
	assert_string_equal(d->regexps[1], "x");
	assert_int_equal(d->regexp_lines[1], 19);

	assert_int_equal(c->n_histograms, 2);
	h = &c->histograms[0];
	assert_string_equal(h->name, "io_latency_seconds");
	assert_string_equal(h->help, "IO latency");
	assert_string_equal(h->bucket_type_name, "exp2");
	assert_int_equal(h->bucket_type, BUCKET_EXP2);
	assert_int_equal(h->bucket_min, 0);
	assert_int_equal(h->bucket_max, 27);
	assert_true(h->bucket_multiplier == 0.000001);
	assert_int_equal(h->n_bucket_keys, 0);
	assert_int_equal(h->line, 21);
	assert_int_equal(h->bucket_type_line, 23);
	assert_int_equal(h->bucket_min_line, 24);
	assert_int_equal(h->bucket_max_line, 25);
	assert_int_equal(h->bucket_keys_line, 0);
	assert_int_equal(h->n_labels, 2);
	assert_string_equal(h->labels[0].name, "device");
	assert_int_equal(h->labels[0].line, 28);
	assert_string_equal(h->labels[1].name, "bucket");
	assert_int_equal(h->labels[1].size, 8);
	assert_int_equal(h->labels[1].line, 29);
	assert_string_equal(h->labels[1].decoders[0].name, "uint");

	h = &c->histograms[1];
	assert_string_equal(h->name, "fixed_seconds");
	assert_string_equal(h->help, "Fixed buckets");
	assert_int_equal(h->bucket_type, BUCKET_FIXED);
	assert_true(h->bucket_multiplier == 0.001);
	assert_int_equal(h->n_bucket_keys, 4);
	assert_true(h->bucket_keys[0] == 1 && h->bucket_keys[1] == 5);
	assert_true(h->bucket_keys[2] == 10 && h->bucket_keys[3] == 250);
	assert_int_equal(h->bucket_key_lines[3], 33);
	assert_int_equal(h->bucket_keys_line, 33);
	assert_int_equal(h->line, 30);
	assert_int_equal(h->n_labels, 1);
	assert_int_equal(h->labels[0].line, 36);
	assert_int_equal(h->labels[0].decoders[0].line, 39);

	assert_int_equal(c->n_kaddrs, 2);
	assert_string_equal(c->kaddrs[0], "bpf_jit_current");
	assert_string_equal(c->kaddrs[1], "jiffies");
	assert_int_equal(c->kaddr_lines[0], 40);

	assert_string_equal(c->cgroup_id_map.name, "cgroup_id_map");
	assert_string_equal(c->cgroup_id_map.type, "hash");
	assert_int_equal(c->cgroup_id_map.n_regexps, 1);
	assert_string_equal(c->cgroup_id_map.regexps[0], "^.*(system.slice/.*)$");
	assert_int_equal(c->cgroup_id_map.regexp_lines[0], 41);
	assert_int_equal(c->cgroup_id_map.line, 41);

	assert_int_equal(c->n_spans, 1);
	assert_string_equal(c->spans[0].name, "exec");
	assert_string_equal(c->spans[0].ringbuf, "exec_spans");
	assert_string_equal(c->spans[0].service, "exec-trace");
	assert_int_equal(c->spans[0].line, 44);
	assert_int_equal(c->spans[0].n_labels, 1);
	assert_string_equal(c->spans[0].labels[0].name, "trace_id");
	assert_int_equal(c->spans[0].labels[0].size, 16);
	assert_string_equal(c->spans[0].labels[0].decoders[0].name, "hex");
	assert_int_equal(c->spans[0].labels[0].line, 48);
}

static void test_load_full(void **state)
{
	char err[1024] = "", want[PATH_MAX + 64];
	struct config *cfg = NULL;

	assert_int_equal(config_load(fixture_dir(), "full", &cfg, err, sizeof(err)), 0);
	check_full(cfg);
	snprintf(want, sizeof(want), "%s/full.yaml", fixture_dir());
	assert_string_equal(cfg->yaml_path, want);
	snprintf(want, sizeof(want), "%s/full.bpf.o", fixture_dir());
	assert_string_equal(cfg->obj_path, want);
	config_free(cfg);
}

/* The same file through config_parse. */
static void test_parse_full(void **state)
{
	char path[PATH_MAX + 16], err[1024] = "", *text;
	struct config *cfg = NULL;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/full.yaml", fixture_dir());
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	text = malloc((size_t)len);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(
		config_parse(text, (size_t)len, "/d/full.yaml", "full", &cfg, err, sizeof(err)), 0);
	free(text);
	check_full(cfg);
	assert_string_equal(cfg->yaml_path, "/d/full.yaml");
	assert_string_equal(cfg->obj_path, "/d/full.bpf.o");
	config_free(cfg);
}

/* The README's example config, verbatim. */
static const char spec_example[] =
	"metrics:\n"
	"  counters:\n"
	"    - name: io_ops_total            # map name; metric ebpf_exporter_io_ops_total\n"
	"      help: IO operations by device and op\n"
	"      labels:                       # consume the key left to right\n"
	"        - {name: device, size: 4, decoders: [{name: majorminor}]}\n"
	"        - name: op\n"
	"          size: 1\n"
	"          padding: 3                # alignment bytes skipped\n"
	"          decoders:\n"
	"            - {name: uint}\n"
	"            - {name: static_map, static_map: {0: read, 1: write}}  # else \"unknown:<v>\"\n"
	"    - name: oom_kills_total\n"
	"      help: OOM kills\n"
	"      perf_event_array: true        # +1 per perf sample, reset every flush_interval\n"
	"      flush_interval: 1h\n"
	"      labels: [{name: cgroup, size: 8, decoders: [{name: uint}, {name: cgroup}]}]\n"
	"  histograms:\n"
	"    - name: io_latency_seconds\n"
	"      help: IO latency\n"
	"      bucket_type: exp2             # le = 2^i * multiplier, i = min..max\n"
	"      bucket_min: 0\n"
	"      bucket_max: 27                # index 28 holds the sum\n"
	"      bucket_multiplier: 0.000001   # us \xe2\x86\x92 s\n"
	"      labels:\n"
	"        - {name: device, size: 4, decoders: [{name: majorminor}]}\n"
	"        - {name: bucket, size: 8, decoders: [{name: uint}]}   # must give an integer\n"
	"kaddrs: [bpf_jit_current]\n"
	"cgroup_id_map: {name: cgroup_id_map, type: hash, regexps: ['^.*(system.slice/.*)$']}\n"
	"tracing:\n"
	"  spans: [{name: exec, ringbuf: exec_spans, service: exec-trace, labels: []}]\n";

static void test_spec_example(void **state)
{
	struct config *c = parse_ok(spec_example);
	const struct decoder_conf *d;

	assert_int_equal(c->n_counters, 2);
	d = &c->counters[0].labels[1].decoders[1];
	assert_int_equal(d->n_static_map, 2);
	assert_string_equal(d->static_map[1].key, "1");
	assert_string_equal(d->static_map[1].value, "write");
	assert_int_equal(d->line, 12);
	assert_int_equal(c->counters[1].flush_interval_ns, ONE_HOUR);
	assert_string_equal(c->counters[1].labels[0].decoders[1].name, "cgroup");
	assert_int_equal(c->histograms[0].bucket_max, 27);
	assert_int_equal(c->histograms[0].labels[1].line, 27);
	assert_int_equal(c->n_kaddrs, 1);
	assert_int_equal(c->n_spans, 1);
	assert_int_equal(c->spans[0].n_labels, 0);
	assert_int_equal(c->spans[0].line, 31);
	assert_string_equal(c->name, "x");
	assert_string_equal(c->yaml_path, "/dir/x.yaml");
	assert_string_equal(c->obj_path, "/dir/x.bpf.o");
	config_free(c);
}

/* ---- flow and block styles give the same structs ---- */

static void same_labels(const struct label_conf *a, const struct label_conf *b, size_t n)
{
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_int_equal(a[i].size, b[i].size);
		assert_int_equal(a[i].padding, b[i].padding);
		assert_int_equal(a[i].n_decoders, b[i].n_decoders);
		for (j = 0; j < a[i].n_decoders; j++) {
			const struct decoder_conf *x = &a[i].decoders[j], *y = &b[i].decoders[j];

			assert_string_equal(x->name, y->name);
			assert_int_equal(x->allow_unknown, y->allow_unknown);
			assert_int_equal(x->static_map_set, y->static_map_set);
			assert_int_equal(x->regexps_set, y->regexps_set);
			assert_int_equal(x->n_static_map, y->n_static_map);
			for (k = 0; k < x->n_static_map; k++) {
				assert_string_equal(x->static_map[k].key, y->static_map[k].key);
				assert_string_equal(x->static_map[k].value, y->static_map[k].value);
			}
			assert_int_equal(x->n_regexps, y->n_regexps);
			for (k = 0; k < x->n_regexps; k++)
				assert_string_equal(x->regexps[k], y->regexps[k]);
		}
	}
}

static void same_config(const struct config *a, const struct config *b)
{
	size_t i, j;

	assert_int_equal(a->n_counters, b->n_counters);
	for (i = 0; i < a->n_counters; i++) {
		const struct counter_conf *x = &a->counters[i], *y = &b->counters[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->help, y->help);
		assert_int_equal(x->perf_event_array, y->perf_event_array);
		assert_int_equal(x->flush_interval_ns, y->flush_interval_ns);
		assert_int_equal(x->n_labels, y->n_labels);
		same_labels(x->labels, y->labels, x->n_labels);
	}
	assert_int_equal(a->n_histograms, b->n_histograms);
	for (i = 0; i < a->n_histograms; i++) {
		const struct histogram_conf *x = &a->histograms[i], *y = &b->histograms[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->help, y->help);
		assert_string_equal(x->bucket_type_name, y->bucket_type_name);
		assert_true(x->bucket_multiplier == y->bucket_multiplier);
		assert_int_equal(x->bucket_min, y->bucket_min);
		assert_int_equal(x->bucket_max, y->bucket_max);
		assert_int_equal(x->n_bucket_keys, y->n_bucket_keys);
		for (j = 0; j < x->n_bucket_keys; j++)
			assert_true(x->bucket_keys[j] == y->bucket_keys[j]);
		assert_int_equal(x->n_labels, y->n_labels);
		same_labels(x->labels, y->labels, x->n_labels);
	}
	assert_int_equal(a->n_spans, b->n_spans);
	for (i = 0; i < a->n_spans; i++) {
		assert_string_equal(a->spans[i].name, b->spans[i].name);
		assert_string_equal(a->spans[i].ringbuf, b->spans[i].ringbuf);
		assert_string_equal(a->spans[i].service, b->spans[i].service);
		assert_int_equal(a->spans[i].n_labels, b->spans[i].n_labels);
		same_labels(a->spans[i].labels, b->spans[i].labels, a->spans[i].n_labels);
	}
	assert_int_equal(a->n_kaddrs, b->n_kaddrs);
	for (i = 0; i < a->n_kaddrs; i++)
		assert_string_equal(a->kaddrs[i], b->kaddrs[i]);
	assert_string_equal(a->cgroup_id_map.name, b->cgroup_id_map.name);
	assert_string_equal(a->cgroup_id_map.type, b->cgroup_id_map.type);
	assert_int_equal(a->cgroup_id_map.n_regexps, b->cgroup_id_map.n_regexps);
	for (i = 0; i < a->cgroup_id_map.n_regexps; i++)
		assert_string_equal(a->cgroup_id_map.regexps[i], b->cgroup_id_map.regexps[i]);
}

static const char block_style[] = "metrics:\n"
				  "  counters:\n"
				  "    - name: c\n"
				  "      help: C\n"
				  "      perf_event_array: yes\n"
				  "      flush_interval: 30s\n"
				  "      labels:\n"
				  "        - name: op\n"
				  "          size: 1\n"
				  "          padding: 3\n"
				  "          decoders:\n"
				  "            - name: uint\n"
				  "            - name: static_map\n"
				  "              allow_unknown: true\n"
				  "              static_map:\n"
				  "                1: read\n"
				  "                2: write\n"
				  "  histograms:\n"
				  "    - name: h\n"
				  "      help: H\n"
				  "      bucket_type: fixed\n"
				  "      bucket_multiplier: 2.5\n"
				  "      bucket_keys:\n"
				  "        - 1\n"
				  "        - 2\n"
				  "      labels:\n"
				  "        - name: comm\n"
				  "          size: 8\n"
				  "          decoders:\n"
				  "            - name: string\n"
				  "            - name: regexp\n"
				  "              regexps:\n"
				  "                - ^a\n"
				  "        - name: bucket\n"
				  "          size: 8\n"
				  "          decoders:\n"
				  "            - name: uint\n"
				  "tracing:\n"
				  "  spans:\n"
				  "    - name: s\n"
				  "      ringbuf: rb\n"
				  "      service: svc\n"
				  "      labels: []\n"
				  "kaddrs:\n"
				  "  - a\n"
				  "  - b\n"
				  "cgroup_id_map:\n"
				  "  name: m\n"
				  "  type: cgrp_storage\n"
				  "  regexps:\n"
				  "    - x\n";

static const char flow_style[] =
	"{metrics: {counters: [{name: c, help: C, perf_event_array: yes, flush_interval: 30s, "
	"labels: [{name: op, size: 1, padding: 3, decoders: [{name: uint}, {name: static_map, "
	"allow_unknown: true, static_map: {1: read, 2: write}}]}]}], histograms: [{name: h, "
	"help: H, bucket_type: fixed, bucket_multiplier: 2.5, bucket_keys: [1, 2], labels: "
	"[{name: comm, size: 8, decoders: [{name: string}, {name: regexp, regexps: [^a]}]}, "
	"{name: bucket, size: 8, decoders: [{name: uint}]}]}]}, tracing: {spans: [{name: s, "
	"ringbuf: rb, service: svc, labels: []}]}, kaddrs: [a, b], cgroup_id_map: {name: m, "
	"type: cgrp_storage, regexps: [x]}}";

static void test_flow_vs_block(void **state)
{
	struct config *a = parse_ok(block_style), *b = parse_ok(flow_style);

	same_config(a, b);
	assert_int_equal(a->counters[0].flush_interval_ns, 30LL * 1000000000LL);
	assert_true(a->counters[0].perf_event_array);
	assert_int_equal(a->counters[0].labels[0].decoders[1].line, 13);
	assert_int_equal(a->counters[0].labels[0].decoders[1].static_map[1].line, 17);
	assert_int_equal(a->histograms[0].bucket_key_lines[1], 25);
	assert_int_equal(a->kaddr_lines[1], 46);
	assert_int_equal(b->counters[0].labels[0].line, 1);
	assert_string_equal(a->cgroup_id_map.type, "cgrp_storage");
	config_free(a);
	config_free(b);
}

/* ---- parse errors ---- */

struct err_case {
	const char *yaml;
	const char *want;
};

#define C1 "metrics:\n  counters:\n    - name: c\n      help: h\n"
#define L1 C1 "      labels:\n        - name: l\n          size: 4\n"
#define H1 "metrics:\n  histograms:\n    - name: h\n      help: h\n"

static const struct err_case unknown_keys[] = {
	{ "foo: 1\n", PREFIX "line 1: unknown key \"foo\" in config \"x\"" },
	{ "metrics:\n  countrs: []\n", PREFIX "line 2: unknown key \"countrs\" in metrics" },
	{ "tracing:\n  span: []\n", PREFIX "line 2: unknown key \"span\" in tracing" },
	{ C1 "      hlep: x\n", PREFIX "line 5: unknown key \"hlep\" in counter \"c\"" },
	{ "metrics:\n  histograms:\n    - help: h\n      bucket_multipler: 2\n      name: lat\n",
	  PREFIX "line 4: unknown key \"bucket_multipler\" in histogram \"lat\"" },
	{ L1 "          sise: 4\n",
	  PREFIX "line 8: unknown key \"sise\" in label \"l\" of counter \"c\"" },
	{ L1 "          decoders: [{name: regexp, regexp: [a]}]\n",
	  PREFIX "line 8: unknown key \"regexp\" in decoder \"regexp\" of label \"l\" of counter "
		 "\"c\"" },
	{ "tracing:\n  spans:\n    - {name: s, ring_buf: r}\n",
	  PREFIX "line 3: unknown key \"ring_buf\" in span \"s\"" },
	{ "cgroup_id_map:\n  name: m\n  regexp: []\n",
	  PREFIX "line 3: unknown key \"regexp\" in cgroup_id_map" },
	{ "metrics:\n  counters:\n    - {help: h, labels: [{size: 4, nmae: l}]}\n",
	  PREFIX "line 3: unknown key \"nmae\" in label \"\" of counter \"\"" },
	/* keys are case-sensitive, as in Go */
	{ "Metrics: {}\n", PREFIX "line 1: unknown key \"Metrics\" in config \"x\"" },
};

static const struct err_case duplicates[] = {
	{ "kaddrs: []\nkaddrs: [a]\n",
	  PREFIX "line 2: mapping key \"kaddrs\" already defined at line 1 in config \"x\"" },
	{ C1 "      help: again\n",
	  PREFIX "line 5: mapping key \"help\" already defined at line 4 in counter \"c\"" },
	{ L1 "          decoders: [{name: static_map, static_map: {0: a, 1: b, 0: c}}]\n",
	  PREFIX "line 8: mapping key \"0\" already defined at line 8 in static_map of decoder "
		 "\"static_map\" of label \"l\" of counter \"c\"" },
	{ "metrics:\n  counters:\n    - name: a\n      name: b\n",
	  PREFIX "line 4: mapping key \"name\" already defined at line 3 in counter \"a\"" },
};

static const struct err_case type_errors[] = {
	{ H1 "      bucket_min: 1.5\n",
	  PREFIX "line 5: cannot unmarshal \"1.5\" into bucket_min (expected an integer)" },
	{ H1 "      bucket_max: 9223372036854775808\n",
	  PREFIX "line 5: cannot unmarshal \"9223372036854775808\" into bucket_max (expected an "
		 "integer)" },
	{ H1 "      bucket_max: abc\n",
	  PREFIX "line 5: cannot unmarshal \"abc\" into bucket_max (expected an integer)" },
	{ H1 "      bucket_max: true\n",
	  PREFIX "line 5: cannot unmarshal \"true\" into bucket_max (expected an integer)" },
	{ H1 "      bucket_multiplier: fast\n",
	  PREFIX "line 5: cannot unmarshal \"fast\" into bucket_multiplier (expected a number)" },
	{ H1 "      bucket_multiplier: '2'\n",
	  PREFIX "line 5: cannot unmarshal \"2\" into bucket_multiplier (expected a number)" },
	{ H1 "      bucket_keys: [1, x]\n",
	  PREFIX "line 5: cannot unmarshal \"x\" into bucket_keys (expected a number)" },
	{ H1 "      bucket_keys: 5\n",
	  PREFIX "line 5: cannot unmarshal \"5\" into bucket_keys (expected a list)" },
	{ H1 "      bucket_type: [exp2]\n",
	  PREFIX "line 5: cannot unmarshal a list into bucket_type (expected a string)" },
	{ L1 "          padding: -1\n",
	  PREFIX "line 8: cannot unmarshal \"-1\" into padding (expected an unsigned integer)" },
	{ C1 "      labels: [{name: l, size: -1}]\n",
	  PREFIX "line 5: cannot unmarshal \"-1\" into size (expected an unsigned integer)" },
	{ C1 "      labels: [{name: l, size: \"4\"}]\n",
	  PREFIX "line 5: cannot unmarshal \"4\" into size (expected an unsigned integer)" },
	{ C1 "      labels: [{name: l, size: 4.5}]\n",
	  PREFIX "line 5: cannot unmarshal \"4.5\" into size (expected an unsigned integer)" },
	{ C1 "      labels: [{name: l, size: 18446744073709551616}]\n", PREFIX
	  "line 5: cannot unmarshal \"18446744073709551616\" into size (expected an unsigned "
	  "integer)" },
	{ C1 "      labels: [{name: l, size: [4]}]\n",
	  PREFIX "line 5: cannot unmarshal a list into size (expected an unsigned integer)" },
	{ C1 "      perf_event_array: maybe\n",
	  PREFIX "line 5: cannot unmarshal \"maybe\" into perf_event_array (expected a boolean)" },
	{ C1 "      perf_event_array: \"true\"\n",
	  PREFIX "line 5: cannot unmarshal \"true\" into perf_event_array (expected a boolean)" },
	{ C1 "      perf_event_array: 1\n",
	  PREFIX "line 5: cannot unmarshal \"1\" into perf_event_array (expected a boolean)" },
	{ L1 "          decoders: [{name: static_map, allow_unknown: {}}]\n",
	  PREFIX "line 8: cannot unmarshal a mapping into allow_unknown (expected a boolean)" },
	{ C1 "      flush_interval: 10 parsecs\n",
	  PREFIX "line 5: cannot unmarshal \"10 parsecs\" into flush_interval (expected a duration "
		 "such as 30s, 1m or 1h30m)" },
	{ "metrics:\n  counters:\n    - name: {a: b}\n",
	  PREFIX "line 3: cannot unmarshal a mapping into name (expected a string)" },
	{ "metrics:\n  counters:\n    - name: c\n      help:\n        - a\n",
	  PREFIX "line 5: cannot unmarshal a list into help (expected a string)" },
	{ "metrics:\n  counters: {}\n",
	  PREFIX "line 2: cannot unmarshal a mapping into counters (expected a list)" },
	{ "metrics:\n  counters: [x]\n",
	  PREFIX "line 2: cannot unmarshal \"x\" into counters (expected a mapping)" },
	{ "metrics:\n  histograms: x\n",
	  PREFIX "line 2: cannot unmarshal \"x\" into histograms (expected a list)" },
	{ "tracing:\n  spans: [[]]\n",
	  PREFIX "line 2: cannot unmarshal a list into spans (expected a mapping)" },
	{ C1 "      labels: device\n",
	  PREFIX "line 5: cannot unmarshal \"device\" into labels (expected a list)" },
	{ L1 "          decoders: [uint]\n",
	  PREFIX "line 8: cannot unmarshal \"uint\" into decoders (expected a mapping)" },
	{ L1 "          decoders: [{name: static_map, static_map: [a, b]}]\n",
	  PREFIX "line 8: cannot unmarshal a list into static_map (expected a mapping)" },
	{ L1 "          decoders: [{name: static_map, static_map: {a: {b: c}}}]\n",
	  PREFIX "line 8: cannot unmarshal a mapping into static_map (expected a string)" },
	{ L1 "          decoders: [{name: regexp, regexps: ^a}]\n",
	  PREFIX "line 8: cannot unmarshal \"^a\" into regexps (expected a list)" },
	{ "kaddrs: [[a]]\n",
	  PREFIX "line 1: cannot unmarshal a list into kaddrs (expected a string)" },
	{ "kaddrs: a\n", PREFIX "line 1: cannot unmarshal \"a\" into kaddrs (expected a list)" },
	{ "cgroup_id_map: [a]\n",
	  PREFIX "line 1: cannot unmarshal a list into cgroup_id_map (expected a mapping)" },
	{ "cgroup_id_map: {regexps: [a, [b]]}\n",
	  PREFIX "line 1: cannot unmarshal a list into regexps (expected a string)" },
	{ "metrics: []\n",
	  PREFIX "line 1: cannot unmarshal a list into metrics (expected a mapping)" },
	{ "tracing: yes\n",
	  PREFIX "line 1: cannot unmarshal \"yes\" into tracing (expected a mapping)" },
	{ "name: [a]\n", PREFIX "line 1: cannot unmarshal a list into name (expected a string)" },
	{ "hello\n", PREFIX "line 1: cannot unmarshal \"hello\" into config (expected a mapping)" },
	{ "- a\n", PREFIX "line 1: cannot unmarshal a list into config (expected a mapping)" },
	{ H1
	  "      bucket_min: 0123456789012345678901234567890123456789012345678901234567890123456789\n",
	  PREFIX "line 5: cannot unmarshal "
		 "\"0123456789012345678901234567890123456789012345678901234567890123...\" into "
		 "bucket_min (expected an integer)" },
	{ "metrics:\n  counters:\n    - name: \"a\\0b\"\n",
	  PREFIX "line 3: NUL character in name" },
	{ "? [a]\n: b\n", PREFIX "line 1: mapping key is not a scalar in config \"x\"" },
	{ "cgroup_id_map: {<<: x}\n",
	  PREFIX "line 1: map merge requires a map or a list of maps in cgroup_id_map" },
	{ "cgroup_id_map: &m {<<: *m}\n",
	  PREFIX "line 1: merge keys nested too deeply in cgroup_id_map" },
	{ "kaddrs: &k [*k]\n",
	  PREFIX "line 1: cannot unmarshal a list into kaddrs (expected a string)" },
};

static const struct err_case syntax_errors[] = {
	{ "", PREFIX "EOF" },
	{ "# only a comment\n\n", PREFIX "EOF" },
	{ "a: b: c\n", PREFIX "line 1 column 5: mapping values are not allowed in this context" },
	{ "metrics:\n  counters: [\n", PREFIX
	  "line 3 column 1: did not find expected node content (while parsing a flow node at "
	  "line 3 column 1)" },
	{ "metrics:\n\tcounters: []\n",
	  PREFIX "line 2 column 1: found character that cannot start any token (while scanning for "
		 "the next token at line 2 column 1)" },
	{ "metrics:\n  counters:\n  - name: a\n   help: b\n", PREFIX
	  "line 4 column 4: did not find expected key (while parsing a block mapping at line "
	  "2 column 3)" },
	{ "kaddrs: [a]\nname: \xff\n", PREFIX "line 2: invalid leading UTF-8 octet" },
	{ "kaddrs: *x\n", PREFIX "line 1 column 9: found undefined alias" },
};

static void run_err_cases(const struct err_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		parse_err(cases[i].yaml, cases[i].want);
}

#define RUN(cases) run_err_cases(cases, sizeof(cases) / sizeof(cases[0]))

static void test_unknown_keys(void **state)
{
	RUN(unknown_keys);
}

static void test_duplicate_keys(void **state)
{
	RUN(duplicates);
}

static void test_type_errors(void **state)
{
	RUN(type_errors);
}

static void test_syntax_errors(void **state)
{
	RUN(syntax_errors);
}

/* ---- validation ---- */

#define LBL(dec) "[{name: l, size: 4, decoders: [" dec "]}]"
#define HIST(body) "metrics:\n  histograms:\n    - name: h\n      help: H\n" body
#define BUCKET "      labels: [{name: bucket, size: 8, decoders: [{name: uint}]}]\n"
#define VLOC(n) " (/dir/x.yaml line " #n ")"

static const struct err_case validation_errors[] = {
	{ "kaddrs: [a]\n",
	  VPREFIX "neither metrics nor tracing are defined for config \"x\" (/dir/x.yaml)" },
	{ "", NULL }, /* EOF, not a validation error: covered with the syntax errors */
	{ "metrics:\n  counters: ~\n  histograms:\ntracing: {spans: null}\n",
	  VPREFIX "neither metrics nor tracing are defined for config \"x\" (/dir/x.yaml)" },
	{ "---\n",
	  VPREFIX "neither metrics nor tracing are defined for config \"x\" (/dir/x.yaml)" },
	{ "metrics: {}\n",
	  VPREFIX "neither metrics nor tracing are defined for config \"x\" (/dir/x.yaml)" },
	{ "metrics:\n  counters:\n    - help: h\n",
	  VPREFIX "counter \"\" in config \"x\" lacks name" VLOC(3) },
	{ "metrics:\n  counters:\n    - name: ~\n      help: h\n",
	  VPREFIX "counter \"\" in config \"x\" lacks name" VLOC(3) },
	{ "metrics:\n  counters:\n    - name: c\n    - name: d\n      help: ''\n",
	  VPREFIX "counter \"c\" in config \"x\" lacks help" VLOC(3) },
	{ "metrics:\n  counters: [~]\n",
	  VPREFIX "counter \"\" in config \"x\" lacks name" VLOC(2) },
	{ "metrics:\n  histograms:\n    - {help: h}\n",
	  VPREFIX "histogram \"\" in config \"x\" lacks name" VLOC(3) },
	{ "metrics:\n  histograms:\n    - {name: h}\n",
	  VPREFIX "histogram \"h\" in config \"x\" lacks help" VLOC(3) },
	/* upstream's checks come first */
	{ "metrics:\n  counters:\n    - {name: c, help: h, labels: [{name: l}]}\n"
	  "  histograms:\n    - {name: h}\n",
	  VPREFIX "histogram \"h\" in config \"x\" lacks help" VLOC(5) },
	{ "metrics:\n  counters:\n    - {name: c, help: h, labels: [{name: l}]}\n",
	  VPREFIX "label \"l\" of counter \"c\" in config \"x\": size is zero or not set" VLOC(3) },
	{ "metrics:\n  counters:\n    - name: c\n      help: h\n      labels:\n"
	  "        - {name: a, size: 4, decoders: [{name: uint}]}\n"
	  "        - name: b\n          size: 0\n",
	  VPREFIX "label \"b\" of counter \"c\" in config \"x\": size is zero or not set" VLOC(7) },
	{ "metrics:\n  counters:\n    - {name: c, help: h, labels: [{name: l, size: 2}]}\n",
	  VPREFIX "label \"l\" of counter \"c\" in config \"x\": no decoders set" VLOC(3) },
	{ "metrics:\n  counters:\n    - {name: c, help: h, labels: " LBL("") "}\n",
	  VPREFIX "label \"l\" of counter \"c\" in config \"x\": no decoders set" VLOC(3) },
	{ "metrics:\n  counters:\n    - name: c\n      help: h\n      labels: " LBL(
		  "\n          {name: uint},\n          {name: uint64}") "\n",
	  VPREFIX
	  "label \"l\" of counter \"c\" in config \"x\": unknown decoder \"uint64\"" VLOC(7) },
	{ "metrics:\n  counters:\n    - {name: c, help: h, labels: " LBL("{}") "}\n",
	  VPREFIX "label \"l\" of counter \"c\" in config \"x\": unknown decoder \"\"" VLOC(3) },
	{ "metrics:\n  counters:\n    - {name: c, help: h, labels: " LBL(
		  "{name: string}, {name: regexp}") "}\n",
	  VPREFIX "decoder \"regexp\" of label \"l\" of counter \"c\" in config \"x\": no regexps "
		  "defined in config" VLOC(3) },
	{ "metrics:\n  counters:\n    - {name: c, help: h, labels: " LBL(
		  "{name: regexp, regexps: ~}") "}\n",
	  VPREFIX "decoder \"regexp\" of label \"l\" of counter \"c\" in config \"x\": no regexps "
		  "defined in config" VLOC(3) },
	{ "tracing:\n  spans:\n    - name: s\n      labels: [{name: l, decoders: [{name: uint}]}]\n",
	  VPREFIX "label \"l\" of span \"s\" in config \"x\": size is zero or not set" VLOC(4) },
	{ "tracing:\n  spans: [{labels: " LBL("{name: Uint}") "}]\n",
	  VPREFIX "label \"l\" of span \"\" in config \"x\": unknown decoder \"Uint\"" VLOC(2) },
	{ HIST(BUCKET), VPREFIX
	  "histogram \"h\" in config \"x\": bucket_type is not set (expected exp2, exp2zero, "
	  "linear or fixed)" VLOC(3) },
	{ HIST("      bucket_type: exp3\n" BUCKET),
	  VPREFIX "histogram \"h\" in config \"x\": unknown bucket_type \"exp3\" (expected exp2, "
		  "exp2zero, linear or fixed)" VLOC(5) },
	{ HIST("      bucket_type: ''\n" BUCKET),
	  VPREFIX "histogram \"h\" in config \"x\": unknown bucket_type \"\" (expected exp2, "
		  "exp2zero, linear or fixed)" VLOC(5) },
	{ HIST("      bucket_type: exp2\n      bucket_min: 5\n      bucket_max: 3\n" BUCKET),
	  VPREFIX
	  "histogram \"h\" in config \"x\": bucket_min (5) must not exceed bucket_max (3)" VLOC(7) },
	{ HIST("      bucket_type: exp2zero\n      bucket_min: 1\n" BUCKET), VPREFIX
	  "histogram \"h\" in config \"x\": bucket_min (1) must not exceed bucket_max (0)" VLOC(6) },
	{ HIST("      bucket_type: linear\n      bucket_max: -1\n" BUCKET), VPREFIX
	  "histogram \"h\" in config \"x\": bucket_min (0) must not exceed bucket_max (-1)" VLOC(
		  6) },
	{ HIST("      bucket_type: fixed\n" BUCKET), VPREFIX
	  "histogram \"h\" in config \"x\": bucket_type fixed needs at least one bucket key "
	  "in bucket_keys" VLOC(3) },
	{ HIST("      bucket_type: fixed\n      bucket_keys: []\n" BUCKET), VPREFIX
	  "histogram \"h\" in config \"x\": bucket_type fixed needs at least one bucket key "
	  "in bucket_keys" VLOC(6) },
	{ HIST("      bucket_type: fixed\n      bucket_keys:\n        - 1\n        - 2.5\n" BUCKET),
	  VPREFIX "histogram \"h\" in config \"x\": bucket key 2.5 is not an integer" VLOC(8) },
	{ HIST("      bucket_type: fixed\n      bucket_keys: [1, .inf]\n" BUCKET),
	  VPREFIX "histogram \"h\" in config \"x\": bucket key inf is not an integer" VLOC(6) },
	{ HIST("      bucket_type: fixed\n      bucket_keys: [1, 5, 5]\n" BUCKET),
	  VPREFIX "histogram \"h\" in config \"x\": bucket_keys must be strictly increasing (5 "
		  "follows 5)" VLOC(6) },
	{ HIST("      bucket_type: fixed\n      bucket_keys: [10, 5]\n" BUCKET),
	  VPREFIX "histogram \"h\" in config \"x\": bucket_keys must be strictly increasing (5 "
		  "follows 10)" VLOC(6) },
	{ HIST("      bucket_type: exp2\n"), VPREFIX
	  "histogram \"h\" in config \"x\": no labels: at least one is needed, the last one "
	  "being the bucket" VLOC(3) },
	{ HIST("      bucket_type: exp2\n      labels: []\n"), VPREFIX
	  "histogram \"h\" in config \"x\": no labels: at least one is needed, the last one "
	  "being the bucket" VLOC(3) },
	{ HIST("      bucket_type: exp2\n      labels: [{name: b, size: 8}]\n"),
	  VPREFIX "label \"b\" of histogram \"h\" in config \"x\": no decoders set" VLOC(6) },
	{ HIST("      bucket_type: exp2\n      labels:\n        - name: b\n          size: 8\n"
	       "          decoders:\n            - {name: uint}\n            - {name: "
	       "static_map}\n"),
	  VPREFIX
	  "histogram \"h\" in config \"x\": the last label \"b\" is the bucket and must end "
	  "with the uint decoder, not \"static_map\"" VLOC(11) },
	{ HIST("      bucket_type: exp2\n      labels:\n        - {name: b, size: 8, decoders: "
	       "[{name: uint}]}\n        - {name: c, size: 8, decoders: [{name: hex}]}\n"),
	  VPREFIX
	  "histogram \"h\" in config \"x\": the last label \"c\" is the bucket and must end "
	  "with the uint decoder, not \"hex\"" VLOC(8) },
	{ "tracing: {spans: []}\ncgroup_id_map:\n  name: m\n  type: array\n",
	  VPREFIX "cgroup_id_map in config \"x\": unknown type \"array\" (expected hash or "
		  "cgrp_storage)" VLOC(2) },
};

static void test_validation_errors(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(validation_errors) / sizeof(validation_errors[0]); i++)
		if (validation_errors[i].want)
			parse_err(validation_errors[i].yaml, validation_errors[i].want);
}

static const char *const valid_configs[] = {
	"metrics: {counters: []}\n",
	"metrics: {histograms: []}\n",
	"tracing: {spans: []}\n",
	"name: other\ntracing:\n  spans: []\n",
	"metrics:\n  counters: []\nname: ~\n",
	/* counters without labels and the regexp decoder with an empty list are fine */
	"metrics:\n  counters:\n    - {name: c, help: h}\n    - {name: d, help: h, labels: " LBL(
		"{name: string}, {name: regexp, regexps: []}") "}\n",
	/* a one-bucket histogram */
	HIST("      bucket_type: exp2\n      bucket_min: 3\n      bucket_max: 3\n" BUCKET),
	HIST("      bucket_type: linear\n      bucket_min: -3\n      bucket_max: -1\n" BUCKET),
	HIST("      bucket_type: exp2zero\n" BUCKET),
	HIST("      bucket_type: fixed\n      bucket_keys: [1]\n" BUCKET),
	HIST("      bucket_type: fixed\n      bucket_keys: [-5, 0, 1e3]\n" BUCKET),
	"tracing: {spans: []}\ncgroup_id_map: {name: m, type: cgrp_storage}\n",
	"tracing: {spans: []}\ncgroup_id_map: {name: m, type: hash}\n",
	"tracing: {spans: []}\ncgroup_id_map: {type: ~}\n",
	/* every decoder name */
	"metrics: {counters: [{name: c, help: h, labels: [{name: l, size: 8, decoders: [{name: "
	"cgroup}, {name: dname}, {name: errno}, {name: hex}, {name: ifname}, {name: inet_ip}, "
	"{name: kstack}, {name: ksym}, {name: majorminor}, {name: pci_class}, {name: pci_device}, "
	"{name: pci_subclass}, {name: pci_vendor}, {name: regexp, regexps: [a]}, {name: "
	"static_map}, {name: string}, {name: syscall}, {name: uint}]}]}]}\n",
	/* only the first document counts */
	"metrics: {counters: []}\n---\nfoo: bar\n",
	"metrics: {counters: []}\n---\n[\n",
	"metrics: {counters: []}\n...\n",
};

static void test_valid_configs(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(valid_configs) / sizeof(valid_configs[0]); i++)
		config_free(parse_ok(valid_configs[i]));
}

static void test_empty_lists_are_present(void **state)
{
	struct config *c = parse_ok("metrics: {counters: [], histograms: ~}\n");

	assert_true(c->counters_set);
	assert_false(c->histograms_set);
	assert_false(c->spans_set);
	assert_int_equal(c->n_counters, 0);
	assert_string_equal(c->cgroup_id_map.name, "");
	assert_string_equal(c->cgroup_id_map.type, "");
	assert_int_equal(c->cgroup_id_map.line, 0);
	assert_int_equal(c->n_kaddrs, 0);
	config_free(c);
}

/* ---- scalar types ---- */

struct dur_case {
	const char *text;
	int64_t ns; /* -1: error */
};

static const struct dur_case durations[] = {
	{ "30s", 30000000000LL },
	{ "1m", 60000000000LL },
	{ "1h", ONE_HOUR },
	{ "1h30m", 5400000000000LL },
	{ "500ms", 500000000LL },
	{ "1.5h", 5400000000000LL },
	{ "2us", 2000 },
	{ "3\xc2\xb5s", 3000 }, /* micro sign */
	{ "4\xce\xbcs", 4000 }, /* greek mu */
	{ "7ns", 7 },
	{ ".5s", 500000000LL },
	{ "1.s", 1000000000LL },
	{ "+2m", 120000000000LL },
	{ "1h1m1s1ms1us1ns", 3661001001001LL },
	{ "100", 100 }, /* bare integer: nanoseconds */
	{ "0x10", 16 },
	{ "1e3", 1000 },
	{ "'45s'", 45000000000LL },
	{ "\"'0'\"", -1 }, /* the text '0' with quotes: no number */
	{ "'0'", ONE_HOUR }, /* "0" parses; zero means the default */
	{ "0", ONE_HOUR },
	{ "-5s", ONE_HOUR }, /* negative means the default too */
	{ "~", ONE_HOUR },
	{ "", ONE_HOUR },
	{ "2562047h47m16.854775807s", INT64_MAX },
	{ "9223372036854775807", INT64_MAX },
	{ "2562047h47m16.854775808s", -1 },
	{ "2562048h", -1 },
	{ "10 parsecs", -1 },
	{ "1.5", -1 },
	{ "s", -1 },
	{ "1x", -1 },
	{ "1", 1 },
	{ "'10'", -1 },
	{ "true", -1 },
	{ "'-'", -1 },
	{ ".", -1 },
	{ "1h-1m", -1 },
	{ "1_0s", -1 },
	{ "{a: 1}", -1 },
};

static void test_durations(void **state)
{
	char yaml[256], want[512];
	size_t i;

	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		const struct dur_case *t = &durations[i];

		snprintf(
			yaml, sizeof(yaml),
			"metrics:\n  counters:\n    - name: c\n      help: h\n      flush_interval: "
			"%s\n",
			t->text);
		if (t->ns >= 0) {
			struct config *c = parse_ok(yaml);

			if (c->counters[0].flush_interval_ns != t->ns)
				fail_msg("%s: want %lld got %lld", t->text, (long long)t->ns,
					 (long long)c->counters[0].flush_interval_ns);
			config_free(c);
			continue;
		}
		if (t->text[0] == '{') {
			snprintf(want, sizeof(want),
				 PREFIX "line 5: cannot unmarshal a mapping into flush_interval "
					"(expected a duration such as 30s, 1m or 1h30m)");
		} else {
			char shown[64];
			size_t len = strlen(t->text);
			const char *s = t->text;

			/* the quoted forms show their content */
			if (len >= 2 && (s[0] == '\'' || s[0] == '"'))
				s++, len -= 2;
			snprintf(shown, sizeof(shown), "%.*s", (int)len, s);
			snprintf(want, sizeof(want),
				 PREFIX
				 "line 5: cannot unmarshal \"%s\" into flush_interval (expected "
				 "a duration such as 30s, 1m or 1h30m)",
				 shown);
		}
		parse_err(yaml, want);
	}
}

struct num_case {
	const char *text;
	uint64_t padding;
};

static void test_unsigned_forms(void **state)
{
	static const struct num_case cases[] = {
		{ "0x10", 16 }, { "0X1f", 31 },
		{ "0o17", 15 }, { "010", 8 },
		{ "0b101", 5 }, { "1_000", 1000 },
		{ "4.0", 4 },	{ "1e3", 1000 },
		{ "+4", 4 },	{ "~", 0 },
		{ "", 0 },	{ "08", 8 },
		{ "-0", 0 },	{ "0", 0 },
		{ "null", 0 },	{ "18446744073709551615", UINT64_MAX },
	};
	char yaml[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *c;

		snprintf(yaml, sizeof(yaml),
			 "metrics:\n  counters:\n    - name: c\n      help: h\n      labels:\n"
			 "        - name: l\n          size: 1\n          padding: %s\n"
			 "          decoders: [{name: uint}]\n",
			 cases[i].text);
		c = parse_ok(yaml);
		if (c->counters[0].labels[0].padding != cases[i].padding)
			fail_msg("%s: got %llu", cases[i].text,
				 (unsigned long long)c->counters[0].labels[0].padding);
		config_free(c);
	}
}

static void test_signed_and_float_forms(void **state)
{
	static const struct {
		const char *min, *max, *mult;
		int64_t want_min, want_max;
		double want_mult;
	} cases[] = {
		{ "-3", "-0x10", "1e-6", -3, -16, 1e-6 },
		{ "-9223372036854775808", "9223372036854775807", "5", INT64_MIN, INT64_MAX, 5 },
		{ "2.0", "1e2", ".5", 2, 100, 0.5 },
		{ "~", "", "-1.5", 0, 0, -1.5 },
		{ "0", "1", "+.inf", 0, 1, INFINITY },
		{ "0", "1", "1_000.5", 0, 1, 1000.5 },
		{ "0", "1", "0x10", 0, 1, 16 },
	};
	char yaml[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *c;
		struct histogram_conf *h;

		snprintf(
			yaml, sizeof(yaml),
			"metrics:\n  histograms:\n    - name: h\n      help: h\n      bucket_type: "
			"fixed\n      bucket_keys: [1]\n      bucket_min: %s\n      bucket_max: %s\n"
			"      bucket_multiplier: %s\n" BUCKET,
			cases[i].min, cases[i].max, cases[i].mult);
		c = parse_ok(yaml);
		h = &c->histograms[0];
		assert_int_equal(h->bucket_min, cases[i].want_min);
		assert_int_equal(h->bucket_max, cases[i].want_max);
		assert_true(h->bucket_multiplier == cases[i].want_mult);
		config_free(c);
	}
}

static void test_nan_multiplier(void **state)
{
	struct config *c =
		parse_ok(HIST("      bucket_type: exp2\n      bucket_multiplier: .NaN\n" BUCKET));

	assert_true(isnan(c->histograms[0].bucket_multiplier));
	config_free(c);
}

static void test_bool_forms(void **state)
{
	static const struct {
		const char *text;
		bool want;
	} cases[] = {
		{ "true", true },   { "True", true },	{ "TRUE", true }, { "yes", true },
		{ "Yes", true },    { "YES", true },	{ "y", true },	  { "Y", true },
		{ "on", true },	    { "On", true },	{ "ON", true },	  { "false", false },
		{ "False", false }, { "FALSE", false }, { "no", false },  { "No", false },
		{ "NO", false },    { "n", false },	{ "N", false },	  { "off", false },
		{ "Off", false },   { "OFF", false },	{ "~", false },	  { "", false },
	};
	char yaml[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *c;

		snprintf(yaml, sizeof(yaml),
			 "metrics:\n  counters:\n    - name: c\n      help: h\n"
			 "      perf_event_array: %s\n      labels: " LBL(
				 "{name: static_map, allow_unknown: %s}") "\n",
			 cases[i].text, cases[i].text);
		c = parse_ok(yaml);
		assert_int_equal(c->counters[0].perf_event_array, cases[i].want);
		assert_int_equal(c->counters[0].labels[0].decoders[0].allow_unknown, cases[i].want);
		config_free(c);
	}
}

/* Strings keep the literal text of any scalar. */
static void test_string_literals(void **state)
{
	struct config *c = parse_ok(
		"metrics:\n  counters:\n    - name: 123\n      help: true\n      labels:\n"
		"        - name: 0x10\n          size: 4\n          decoders:\n"
		"            - name: static_map\n              static_map:\n"
		"                0x10: a\n                010: b\n                1.0: c\n"
		"                true: d\n                ~: e\n                \"quoted\": f\n"
		"                'single': g\n                1_000: h\n                -0: i\n"
		"                k: ~\n                l: 'x: y'\n                m: |\n"
		"                  multi\n                  line\n"
		"kaddrs: [~, '', yes, 0x1]\n");
	const struct decoder_conf *d = &c->counters[0].labels[0].decoders[0];
	static const char *const keys[] = { "0x10",   "010",   "1.0", "true", "",  "quoted",
					    "single", "1_000", "-0",  "k",    "l", "m" };
	static const char *const vals[] = { "a", "b", "c", "d", "e",	"f",
					    "g", "h", "i", "",	"x: y", "multi\nline\n" };
	size_t i;

	assert_string_equal(c->counters[0].name, "123");
	assert_string_equal(c->counters[0].help, "true");
	assert_string_equal(c->counters[0].labels[0].name, "0x10");
	assert_int_equal(d->n_static_map, 12);
	for (i = 0; i < 12; i++) {
		assert_string_equal(d->static_map[i].key, keys[i]);
		assert_string_equal(d->static_map[i].value, vals[i]);
		assert_int_equal(d->static_map[i].line, 11 + (int)i);
	}
	assert_int_equal(c->n_kaddrs, 4);
	assert_string_equal(c->kaddrs[0], "");
	assert_string_equal(c->kaddrs[1], "");
	assert_string_equal(c->kaddrs[2], "yes");
	assert_string_equal(c->kaddrs[3], "0x1");
	config_free(c);
}

static void test_set_flags(void **state)
{
	struct config *c =
		parse_ok("metrics:\n  counters:\n    - name: c\n      help: h\n      labels:\n"
			 "        - name: l\n          size: 4\n          decoders:\n"
			 "            - {name: string}\n"
			 "            - {name: string, regexps: ~, static_map: ~}\n"
			 "            - {name: string, regexps: [], static_map: {}}\n"
			 "            - {name: string, regexps: [a, ''], static_map: {a: b}}\n"
			 "            - name: string\n"
			 "              regexps:\n"
			 "              static_map:\n");
	const struct decoder_conf *d = c->counters[0].labels[0].decoders;

	assert_false(d[0].regexps_set);
	assert_false(d[0].static_map_set);
	assert_false(d[1].regexps_set);
	assert_false(d[1].static_map_set);
	assert_true(d[2].regexps_set);
	assert_int_equal(d[2].n_regexps, 0);
	assert_true(d[2].static_map_set);
	assert_int_equal(d[2].n_static_map, 0);
	assert_true(d[3].regexps_set);
	assert_int_equal(d[3].n_regexps, 2);
	assert_string_equal(d[3].regexps[1], "");
	assert_int_equal(d[3].n_static_map, 1);
	assert_false(d[4].regexps_set);
	assert_false(d[4].static_map_set);
	config_free(c);
}

/* Anchors, aliases and merge keys behave as in Go's YAML. */
static void test_anchors_and_merges(void **state)
{
	struct config *c = parse_ok("metrics:\n"
				    "  counters:\n"
				    "    - &base\n"
				    "      name: a\n"
				    "      help: shared\n"
				    "      labels: &labels\n"
				    "        - {name: l, size: 4, decoders: [{name: uint}]}\n"
				    "    - <<: *base\n"
				    "      name: b\n"
				    "    - name: c\n"
				    "      help: own\n"
				    "      labels: *labels\n"
				    "    - <<: [{help: first}, {help: second, name: d}]\n");

	assert_int_equal(c->n_counters, 4);
	assert_string_equal(c->counters[1].name, "b");
	assert_string_equal(c->counters[1].help, "shared");
	assert_int_equal(c->counters[1].n_labels, 1);
	assert_string_equal(c->counters[1].labels[0].name, "l");
	assert_string_equal(c->counters[2].help, "own");
	assert_int_equal(c->counters[2].labels[0].size, 4);
	assert_string_equal(c->counters[3].name, "d");
	assert_string_equal(c->counters[3].help, "first");
	config_free(c);
}

/* ---- files and paths ---- */

static void load_err(const char *dir, const char *name, int want_ret, const char *want)
{
	struct config *cfg = (struct config *)1;
	char err[1024] = "";
	int ret;

	ret = config_load(dir, name, &cfg, err, sizeof(err));
	if (ret != want_ret || strcmp(err, want))
		fail_msg("%s/%s: want (%d) %s\ngot (%d) %s", dir, name, want_ret, want, ret, err);
	assert_null(cfg);
}

static void test_load_errors(void **state)
{
	const char *d = fixture_dir();
	char want[PATH_MAX * 2];

	snprintf(
		want, sizeof(want),
		"error opening \"%s/missing.yaml\" for config \"missing\": No such file or directory",
		d);
	load_err(d, "missing", -ENOENT, want);
	snprintf(want, sizeof(want), "error parsing \"%s/empty.yaml\" for config \"empty\": EOF",
		 d);
	load_err(d, "empty", -EINVAL, want);
	snprintf(want, sizeof(want),
		 "error parsing \"%s/comments.yaml\" for config \"comments\": EOF", d);
	load_err(d, "comments", -EINVAL, want);
	snprintf(want, sizeof(want),
		 "error parsing \"%s/typo.yaml\" for config \"typo\": line 8: unknown key "
		 "\"bucket_multipler\" in histogram \"latency\"",
		 d);
	load_err(d, "typo", -EINVAL, want);
	snprintf(want, sizeof(want),
		 "error validating config: histogram \"latency\" in config \"invalid\": bucket_min "
		 "(5) must not exceed bucket_max (3) (%s/invalid.yaml line 7)",
		 d);
	load_err(d, "invalid", -EINVAL, want);
}

static void test_load_paths(void **state)
{
	char dir[PATH_MAX + 2], err[1024] = "", want[PATH_MAX * 2];
	struct config *cfg = NULL;

	/* names may contain '/'; a trailing slash in the dir is cleaned */
	snprintf(dir, sizeof(dir), "%s/", fixture_dir());
	assert_int_equal(config_load(dir, "sub/inner", &cfg, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/sub/inner.yaml", fixture_dir());
	assert_string_equal(cfg->yaml_path, want);
	snprintf(want, sizeof(want), "%s/sub/inner.bpf.o", fixture_dir());
	assert_string_equal(cfg->obj_path, want);
	assert_string_equal(cfg->name, "sub/inner");
	assert_true(cfg->spans_set);
	config_free(cfg);

	/* paths are joined and cleaned like Go's filepath.Join */
	load_err("/nonexistent//a/./b/../c/", "x", -ENOENT,
		 "error opening \"/nonexistent/a/c/x.yaml\" for config \"x\": No such file or "
		 "directory");
	load_err("", "nonexistent-config", -ENOENT,
		 "error opening \"nonexistent-config.yaml\" for config \"nonexistent-config\": No "
		 "such file or directory");
	load_err(
		"../nonexistent/..", "../nonexistent-c", -ENOENT,
		"error opening \"../../nonexistent-c.yaml\" for config \"../nonexistent-c\": No such "
		"file or directory");
	load_err(
		"./nonexistent", "x", -ENOENT,
		"error opening \"nonexistent/x.yaml\" for config \"x\": No such file or directory");
	load_err(
		"/", "nonexistent-c", -ENOENT,
		"error opening \"/nonexistent-c.yaml\" for config \"nonexistent-c\": No such file or "
		"directory");
	load_err(
		"/..", "nonexistent-c", -ENOENT,
		"error opening \"/nonexistent-c.yaml\" for config \"nonexistent-c\": No such file or "
		"directory");
}

static void test_load_directory(void **state)
{
	char tmp[] = "/tmp/test_config_XXXXXX", sub[64], want[256];

	assert_non_null(mkdtemp(tmp));
	snprintf(sub, sizeof(sub), "%s/d.yaml", tmp);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(want, sizeof(want),
		 "error parsing \"%s/d.yaml\" for config \"d\": read %s/d.yaml: Is a directory",
		 tmp, tmp);
	load_err(tmp, "d", -EISDIR, want);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(tmp), 0);
}

static void test_parse_paths(void **state)
{
	struct config *c = NULL;
	char err[256];

	assert_int_equal(config_parse("tracing: {spans: []}", 20, "cfg", "n", &c, err, sizeof(err)),
			 0);
	assert_string_equal(c->yaml_path, "cfg");
	assert_string_equal(c->obj_path, "cfg.bpf.o");
	assert_string_equal(c->name, "n");
	config_free(c);
	/* a NUL-free prefix of a longer buffer: only len bytes are read */
	assert_int_equal(config_parse("tracing: {spans: []}\nfoo: 1", 20, "p.yaml", "p", &c, err,
				      sizeof(err)),
			 0);
	assert_string_equal(c->obj_path, "p.bpf.o");
	config_free(c);
}

static void test_small_error_buffers(void **state)
{
	struct config *c = (struct config *)1;
	char err[8] = "";

	assert_int_equal(config_parse("foo: 1", 6, "/dir/x.yaml", "x", &c, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "error p");
	assert_null(c);
	c = (struct config *)1;
	assert_int_equal(config_parse("foo: 1", 6, "/dir/x.yaml", "x", &c, NULL, 0), -EINVAL);
	assert_null(c);
	c = (struct config *)1;
	assert_int_equal(config_load("/nonexistent", "x", &c, NULL, 0), -ENOENT);
	assert_null(c);
}

static void test_bucket_type(void **state)
{
	assert_int_equal(config_bucket_type("exp2"), BUCKET_EXP2);
	assert_int_equal(config_bucket_type("exp2zero"), BUCKET_EXP2ZERO);
	assert_int_equal(config_bucket_type("linear"), BUCKET_LINEAR);
	assert_int_equal(config_bucket_type("fixed"), BUCKET_FIXED);
	assert_int_equal(config_bucket_type("Exp2"), BUCKET_UNKNOWN);
	assert_int_equal(config_bucket_type(""), BUCKET_UNKNOWN);
	assert_int_equal(config_bucket_type(NULL), BUCKET_UNKNOWN);
}

static void test_free_null(void **state)
{
	config_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_full),
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_flow_vs_block),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_validation_errors),
		cmocka_unit_test(test_valid_configs),
		cmocka_unit_test(test_empty_lists_are_present),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_unsigned_forms),
		cmocka_unit_test(test_signed_and_float_forms),
		cmocka_unit_test(test_nan_multiplier),
		cmocka_unit_test(test_bool_forms),
		cmocka_unit_test(test_string_literals),
		cmocka_unit_test(test_set_flags),
		cmocka_unit_test(test_anchors_and_merges),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_paths),
		cmocka_unit_test(test_load_directory),
		cmocka_unit_test(test_parse_paths),
		cmocka_unit_test(test_small_error_buffers),
		cmocka_unit_test(test_bucket_type),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
