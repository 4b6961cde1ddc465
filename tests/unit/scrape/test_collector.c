// SPDX-License-Identifier: MIT
/*
 * The collector on real kernel maps (needs root and bpf(); skipped otherwise): what
 * collector__new() builds and the errors it reports, the text exposition of a scrape over two
 * configs (counters, a histogram, a per-CPU map, maps empty or missing, the built-in families
 * that count decoder errors and requests), a scrape's error when two configs collide, the
 * /maps dump, single-flight scrapes sharing one result and reusing its buffer, request codes
 * and formats out of range, and what is left after detaching.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
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
#include "scrape/collector.h"
#include "scrape/internal.h"
#include "scrape/metric.h"

#define MAX_CFGS 2

struct fixture {
	struct decoder_env *env;
	struct config *cfgs[MAX_CFGS];
	struct module *mods[MAX_CFGS];
	size_t n;
	struct collector *c;
	int fds[8];
	size_t n_fds;
};

static struct config *parse(const char *name, const char *yaml)
{
	struct config *cfg = NULL;
	char err[1024] = "", path[256];

	snprintf(path, sizeof(path), "/dir/%s.yaml", name);
	if (config_parse(yaml, strlen(yaml), path, name, &cfg, err, sizeof(err)))
		fail_msg("config_parse: %s\n%s", err, yaml);
	return cfg;
}

/* Parses the configs (name, yaml, name, yaml...) without building the collector. */
static void fixture_parse(struct fixture *fx, size_t n, const char *const *cfgs)
{
	memset(fx, 0, sizeof(*fx));
	assert_true(n <= MAX_CFGS);
	fx->env = env_new();
	fx->n = n;
	for (size_t i = 0; i < n; i++)
		fx->cfgs[i] = parse(cfgs[2 * i], cfgs[2 * i + 1]);
}

static void fixture_new(struct fixture *fx, size_t n, const char *const *cfgs)
{
	struct collector_opts o;
	char err[1024] = "";

	fixture_parse(fx, n, cfgs);
	o = (struct collector_opts){ .cfgs = fx->cfgs, .mods = fx->mods, .n = n, .env = fx->env };
	if (collector__new(&o, &fx->c, err, sizeof(err)))
		fail_msg("collector__new: %s", err);
}

static void fixture_free(struct fixture *fx)
{
	collector__free(fx->c);
	for (size_t i = 0; i < fx->n; i++)
		config_free(fx->cfgs[i]);
	decoder_env__free(fx->env);
	for (size_t i = 0; i < fx->n_fds; i++)
		close(fx->fds[i]);
}

/* Metric i of the collector, which must be the one called name. */
static struct metric_state *metric(struct fixture *fx, size_t i, const char *name)
{
	assert_true(i < fx->c->n_metrics);
	assert_string_equal(fx->c->metrics[i].name, name);
	return &fx->c->metrics[i];
}

/* Gives metric i (called name) a new map of the given layout; returns its fd. */
static int attach(struct fixture *fx, size_t i, const char *name, enum bpf_map_type type,
		  uint32_t key_size)
{
	int fd = bpf_map_create(type, NULL, key_size, sizeof(uint64_t), 64, NULL);

	if (fd < 0)
		skip();
	assert_true(fx->n_fds < sizeof(fx->fds) / sizeof(fx->fds[0]));
	fx->fds[fx->n_fds++] = fd;
	assert_int_equal(
		metric_set_map(metric(fx, i, name), fd, type, key_size, sizeof(uint64_t), 64), 0);
	return fd;
}

/* Sets key to v (on every CPU of a per-CPU map: v + cpu). */
static void put(int fd, const void *key, uint64_t v)
{
	uint64_t vals[1024];
	int n = ncpus();

	assert_true(n <= (int)(sizeof(vals) / sizeof(vals[0])));
	for (int i = 0; i < n; i++)
		vals[i] = v + (uint64_t)i;
	assert_int_equal(bpf_map_update_elem(fd, key, vals, BPF_ANY), 0);
}

/* The block of family name in a text exposition ("" when absent): HELP up to the next HELP. */
static const char *block(const struct buf *body, const char *name, char *out, size_t outlen)
{
	char head[256];
	const char *p, *end;

	assert_non_null(body->data);
	snprintf(head, sizeof(head), "# HELP %s ", name);
	p = strstr(body->data, head);
	if (p && p != body->data && p[-1] != '\n')
		p = NULL;
	if (!p) {
		out[0] = '\0';
		return out;
	}
	end = strstr(p + 1, "\n# HELP ");
	end = end ? end + 1 : body->data + body->len;
	assert_true((size_t)(end - p) < outlen);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return out;
}

static void expect_block(const struct buf *body, const char *name, const char *want)
{
	char got[8192];

	block(body, name, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("%s:\n--- got\n%s--- want\n%s", name, got, want);
}

static void scrape(struct fixture *fx, struct buf *out)
{
	char err[1024] = "";

	if (collector__scrape(fx->c, EXPO_TEXT, out, err, sizeof(err)))
		fail_msg("scrape: %s", err);
	assert_string_equal(err, "");
}

static const char alpha_yaml[] = "metrics:\n"
				 "  counters:\n"
				 "    - name: ops_total\n"
				 "      help: Ops by op and zone\n"
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
				 "              allow_unknown: true\n"
				 "              static_map:\n"
				 "                3: bad\n"
				 "                4: \"2\"\n"
				 "            - name: errno\n"
				 "    - name: events_total\n"
				 "      help: Perf events\n"
				 "      perf_event_array: true\n"
				 "  histograms:\n"
				 "    - name: lat_seconds\n"
				 "      help: Latency\n"
				 "      bucket_type: exp2\n"
				 "      bucket_min: 0\n"
				 "      bucket_max: 2\n"
				 "      labels:\n"
				 "        - name: dev\n"
				 "          size: 4\n"
				 "          decoders:\n"
				 "            - name: uint\n"
				 "        - name: bucket\n"
				 "          size: 4\n"
				 "          decoders:\n"
				 "            - name: uint\n";

static const char beta_yaml[] = "metrics:\n"
				"  counters:\n"
				"    - name: vec_total\n"
				"      help: Vec, summed over CPUs\n"
				"      labels:\n"
				"        - name: vec\n"
				"          size: 4\n"
				"          decoders:\n"
				"            - name: uint\n"
				"    - name: idle_total\n"
				"      help: Never attached\n"
				"    - name: empty_total\n"
				"      help: Attached, empty\n";

static const char *const two_cfgs[] = { "alpha", alpha_yaml, "beta", beta_yaml };

/* Counters and histograms get a metric each, in config order; perf event arrays do not. */
static void test_new(void **state)
{
	static const char *const names[] = { "ops_total", "lat_seconds", "vec_total", "idle_total",
					     "empty_total" };
	static const size_t cfg_of[] = { 0, 0, 1, 1, 1 };
	struct fixture fx;

	fixture_new(&fx, 2, two_cfgs);
	assert_int_equal(fx.c->n_metrics, 5);
	for (size_t i = 0; i < 5; i++) {
		struct metric_state *ms = metric(&fx, i, names[i]);

		assert_int_equal(ms->cfg_idx, cfg_of[i]);
		assert_int_equal(ms->map_fd, -1);
	}
	assert_string_equal(fx.c->metrics[0].full_name, "ebpf_exporter_ops_total");
	assert_non_null(fx.c->metrics[1].hist);
	assert_null(fx.c->metrics[0].hist);
	fixture_free(&fx);
}

/* Errors name the config and the metric. */
static void test_new_errors(void **state)
{
	static const char bad_regexp[] = "metrics:\n"
					 "  counters:\n"
					 "    - name: x_total\n"
					 "      help: x\n"
					 "      labels:\n"
					 "        - name: a\n"
					 "          size: 8\n"
					 "          decoders:\n"
					 "            - name: regexp\n"
					 "              regexps: [\"(\"]\n";
	static const char *const cfgs[] = { "alpha", alpha_yaml, "bad", bad_regexp };
	struct collector_opts o;
	struct fixture fx;
	struct collector *c = (struct collector *)1;
	struct label_conf *labels;
	char err[1024] = "";
	const char *want = "config \"bad\": metric \"x_total\": label \"a\": ";

	fixture_parse(&fx, 2, cfgs);
	o = (struct collector_opts){ .cfgs = fx.cfgs, .mods = fx.mods, .n = 2, .env = fx.env };
	assert_int_equal(collector__new(&o, &c, err, sizeof(err)), -EINVAL);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want \"%s...\"", err, want);
	assert_ptr_equal(c, (struct collector *)1);

	/* a histogram without labels (validation rejects it): no bucket */
	labels = fx.cfgs[0]->histograms[0].labels;
	fx.cfgs[0]->histograms[0].labels = NULL;
	fx.cfgs[0]->histograms[0].n_labels = 0;
	o.n = 1;
	err[0] = '\0';
	assert_int_equal(collector__new(&o, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "config \"alpha\": histogram \"lat_seconds\" needs at least one "
				 "label (the bucket)");
	fx.cfgs[0]->histograms[0].labels = labels;
	fx.cfgs[0]->histograms[0].n_labels = 2;
	fixture_free(&fx);
}

struct zone_op {
	uint32_t zone, op;
};

/* Attaches and fills the maps of two_cfgs; returns nothing, the fds are in fx. */
static void fill_two(struct fixture *fx, int *ops, int *lat, int *vec)
{
	*ops = attach(fx, 0, "ops_total", BPF_MAP_TYPE_HASH, sizeof(struct zone_op));
	*lat = attach(fx, 1, "lat_seconds", BPF_MAP_TYPE_HASH, 8);
	*vec = attach(fx, 2, "vec_total", BPF_MAP_TYPE_PERCPU_HASH, 4);
	attach(fx, 4, "empty_total", BPF_MAP_TYPE_HASH, 4);
	put(*ops, &(struct zone_op){ 1, 0 }, 5);
	put(*ops, &(struct zone_op){ 1, 2 }, 7);
	put(*ops, &(struct zone_op){ 0, 1 }, 3);
	put(*ops, &(struct zone_op){ 10, 1 }, 4);
	put(*ops, &(struct zone_op){ 2, 3 }, 100); /* errno cannot parse "bad" */
	put(*ops, &(struct zone_op){ 1, 4 }, 1); /* errno 2 again: merged */
	put(*lat, &(uint32_t[2]){ 8, 0 }, 1);
	put(*lat, &(uint32_t[2]){ 8, 2 }, 2);
	put(*lat, &(uint32_t[2]){ 8, 3 }, 30);
	put(*lat, &(uint32_t[2]){ 7, 1 }, 4);
	put(*lat, &(uint32_t[2]){ 7, 9 }, 1000);
	put(*vec, &(uint32_t){ 3 }, 10);
	put(*vec, &(uint32_t){ 12 }, 20);
}

/*
 * The exposition of every metric with rows, in name order, merged and sorted; the built-in
 * families count the decoder errors and requests of this collector.
 */
static void test_scrape_text(void **state)
{
	struct fixture fx;
	struct buf out = { 0 };
	int ops, lat, vec, n = ncpus();
	char want[1024];

	fixture_new(&fx, 2, two_cfgs);
	fill_two(&fx, &ops, &lat, &vec);
	collector__count_request(fx.c, SCRAPE_200);
	collector__count_request(fx.c, SCRAPE_200);
	collector__count_request(fx.c, SCRAPE_503);
	collector__in_flight(fx.c, 2);
	collector__in_flight(fx.c, -1);
	scrape(&fx, &out);
	expect_block(&out, "ebpf_exporter_ops_total",
		     "# HELP ebpf_exporter_ops_total Ops by op and zone\n"
		     "# TYPE ebpf_exporter_ops_total counter\n"
		     "ebpf_exporter_ops_total{op=\"ENOENT\",zone=\"1\"} 8\n"
		     "ebpf_exporter_ops_total{op=\"EPERM\",zone=\"0\"} 3\n"
		     "ebpf_exporter_ops_total{op=\"EPERM\",zone=\"10\"} 4\n"
		     "ebpf_exporter_ops_total{op=\"unknown:0\",zone=\"1\"} 5\n");
	expect_block(&out, "ebpf_exporter_lat_seconds",
		     "# HELP ebpf_exporter_lat_seconds Latency\n"
		     "# TYPE ebpf_exporter_lat_seconds histogram\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"7\",le=\"1\"} 0\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"7\",le=\"2\"} 4\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"7\",le=\"4\"} 4\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"7\",le=\"+Inf\"} 4\n"
		     "ebpf_exporter_lat_seconds_sum{dev=\"7\"} 0\n"
		     "ebpf_exporter_lat_seconds_count{dev=\"7\"} 4\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"8\",le=\"1\"} 1\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"8\",le=\"2\"} 1\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"8\",le=\"4\"} 3\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"8\",le=\"+Inf\"} 3\n"
		     "ebpf_exporter_lat_seconds_sum{dev=\"8\"} 30\n"
		     "ebpf_exporter_lat_seconds_count{dev=\"8\"} 3\n");
	/* per CPU v + cpu, summed */
	snprintf(want, sizeof(want),
		 "# HELP ebpf_exporter_vec_total Vec, summed over CPUs\n"
		 "# TYPE ebpf_exporter_vec_total counter\n"
		 "ebpf_exporter_vec_total{vec=\"12\"} %d\n"
		 "ebpf_exporter_vec_total{vec=\"3\"} %d\n",
		 20 * n + n * (n - 1) / 2, 10 * n + n * (n - 1) / 2);
	expect_block(&out, "ebpf_exporter_vec_total", want);
	expect_block(&out, "ebpf_exporter_idle_total", "");
	expect_block(&out, "ebpf_exporter_empty_total", "");
	expect_block(&out, "ebpf_exporter_events_total", "");
	expect_block(&out, "ebpf_exporter_decoder_errors_total",
		     "# HELP ebpf_exporter_decoder_errors_total How many times has decoders "
		     "encountered errors\n"
		     "# TYPE ebpf_exporter_decoder_errors_total counter\n"
		     "ebpf_exporter_decoder_errors_total{config=\"alpha\"} 1\n"
		     "ebpf_exporter_decoder_errors_total{config=\"beta\"} 0\n");
	expect_block(&out, "ebpf_exporter_enabled_configs",
		     "# HELP ebpf_exporter_enabled_configs The set of enabled configs\n"
		     "# TYPE ebpf_exporter_enabled_configs gauge\n"
		     "ebpf_exporter_enabled_configs{name=\"alpha\"} 1\n"
		     "ebpf_exporter_enabled_configs{name=\"beta\"} 1\n");
	expect_block(&out, "promhttp_metric_handler_requests_total",
		     "# HELP promhttp_metric_handler_requests_total Total number of scrapes by "
		     "HTTP status code.\n"
		     "# TYPE promhttp_metric_handler_requests_total counter\n"
		     "promhttp_metric_handler_requests_total{code=\"200\"} 2\n"
		     "promhttp_metric_handler_requests_total{code=\"500\"} 0\n"
		     "promhttp_metric_handler_requests_total{code=\"503\"} 1\n");
	expect_block(&out, "promhttp_metric_handler_requests_in_flight",
		     "# HELP promhttp_metric_handler_requests_in_flight Current number of scrapes "
		     "being served.\n"
		     "# TYPE promhttp_metric_handler_requests_in_flight gauge\n"
		     "promhttp_metric_handler_requests_in_flight 1\n");
	/* families in name order */
	assert_true(strstr(out.data, "# HELP ebpf_exporter_lat_seconds ") <
		    strstr(out.data, "# HELP ebpf_exporter_ops_total "));
	assert_true(strstr(out.data, "# HELP ebpf_exporter_ops_total ") <
		    strstr(out.data, "# HELP ebpf_exporter_vec_total "));

	/* the next scrape: new values, one key gone; the bad key counted again */
	put(ops, &(struct zone_op){ 1, 2 }, 70);
	assert_int_equal(bpf_map_delete_elem(ops, &(struct zone_op){ 10, 1 }), 0);
	put(lat, &(uint32_t[2]){ 7, 0 }, 2);
	scrape(&fx, &out);
	expect_block(&out, "ebpf_exporter_ops_total",
		     "# HELP ebpf_exporter_ops_total Ops by op and zone\n"
		     "# TYPE ebpf_exporter_ops_total counter\n"
		     "ebpf_exporter_ops_total{op=\"ENOENT\",zone=\"1\"} 71\n"
		     "ebpf_exporter_ops_total{op=\"EPERM\",zone=\"0\"} 3\n"
		     "ebpf_exporter_ops_total{op=\"unknown:0\",zone=\"1\"} 5\n");
	expect_block(&out, "ebpf_exporter_lat_seconds",
		     "# HELP ebpf_exporter_lat_seconds Latency\n"
		     "# TYPE ebpf_exporter_lat_seconds histogram\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"7\",le=\"1\"} 2\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"7\",le=\"2\"} 6\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"7\",le=\"4\"} 6\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"7\",le=\"+Inf\"} 6\n"
		     "ebpf_exporter_lat_seconds_sum{dev=\"7\"} 0\n"
		     "ebpf_exporter_lat_seconds_count{dev=\"7\"} 6\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"8\",le=\"1\"} 1\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"8\",le=\"2\"} 1\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"8\",le=\"4\"} 3\n"
		     "ebpf_exporter_lat_seconds_bucket{dev=\"8\",le=\"+Inf\"} 3\n"
		     "ebpf_exporter_lat_seconds_sum{dev=\"8\"} 30\n"
		     "ebpf_exporter_lat_seconds_count{dev=\"8\"} 3\n");
	expect_block(&out, "ebpf_exporter_decoder_errors_total",
		     "# HELP ebpf_exporter_decoder_errors_total How many times has decoders "
		     "encountered errors\n"
		     "# TYPE ebpf_exporter_decoder_errors_total counter\n"
		     "ebpf_exporter_decoder_errors_total{config=\"alpha\"} 2\n"
		     "ebpf_exporter_decoder_errors_total{config=\"beta\"} 0\n");
	buf_free(&out);
	fixture_free(&fx);
}

/*
 * Two configs giving the same series: the scrape fails with the writer's message, and the
 * shared scrape hands it over as the body.
 */
static void test_scrape_duplicate(void **state)
{
	static const char yaml[] = "metrics:\n"
				   "  counters:\n"
				   "    - name: dup_total\n"
				   "      help: Dup\n"
				   "      labels:\n"
				   "        - name: k\n"
				   "          size: 4\n"
				   "          decoders:\n"
				   "            - name: uint\n";
	static const char *const cfgs[] = { "one", yaml, "two", yaml };
	static const char msg[] =
		"collected metric \"ebpf_exporter_dup_total\" { label:<name:\"k\" "
		"value:\"5\" > } was collected before with the same name and label "
		"values";
	struct fixture fx;
	struct buf out = { 0 };
	struct scrape_result *r;
	char err[1024] = "";
	int a, b;

	fixture_new(&fx, 2, cfgs);
	a = attach(&fx, 0, "dup_total", BPF_MAP_TYPE_HASH, 4);
	b = attach(&fx, 1, "dup_total", BPF_MAP_TYPE_HASH, 4);
	put(a, &(uint32_t){ 5 }, 1);
	put(b, &(uint32_t){ 6 }, 1);
	scrape(&fx, &out);
	put(b, &(uint32_t){ 5 }, 2);
	assert_int_equal(collector__scrape(fx.c, EXPO_TEXT, &out, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, msg);
	r = collector__scrape_shared(fx.c, EXPO_TEXT);
	assert_int_equal(r->err, -EEXIST);
	assert_int_equal(r->body.len, strlen(msg));
	assert_memory_equal(r->body.data, msg, strlen(msg));
	scrape_result__put(r);
	buf_free(&out);
	fixture_free(&fx);
}

/* /maps: every config, its perf event arrays by name, every row per CPU with its labels. */
static void test_dump_maps(void **state)
{
	struct fixture fx;
	struct buf out = { 0 }, want = { 0 };
	int ops, lat, vec, n = ncpus();

	fixture_new(&fx, 2, two_cfgs);
	fill_two(&fx, &ops, &lat, &vec);
	assert_int_equal(bpf_map_delete_elem(ops, &(struct zone_op){ 1, 0 }), 0);
	assert_int_equal(bpf_map_delete_elem(ops, &(struct zone_op){ 0, 1 }), 0);
	assert_int_equal(bpf_map_delete_elem(ops, &(struct zone_op){ 10, 1 }), 0);
	assert_int_equal(bpf_map_delete_elem(ops, &(struct zone_op){ 1, 4 }), 0);
	assert_int_equal(bpf_map_delete_elem(lat, &(uint32_t[2]){ 8, 0 }), 0);
	assert_int_equal(bpf_map_delete_elem(lat, &(uint32_t[2]){ 8, 2 }), 0);
	assert_int_equal(bpf_map_delete_elem(lat, &(uint32_t[2]){ 8, 3 }), 0);
	assert_int_equal(bpf_map_delete_elem(lat, &(uint32_t[2]){ 7, 9 }), 0);
	assert_int_equal(bpf_map_delete_elem(vec, &(uint32_t){ 12 }), 0);
	assert_int_equal(collector__dump_maps(fx.c, &out), 0);

	/* the bad key is left out of the dump too */
	assert_int_equal(buf_puts(&want,
				  "## Config: alpha\n\n"
				  "### Map: events_total\n\n(perf event array, not readable)\n\n"
				  "### Map: ops_total\n\n```\n"
				  "[]byte{0x1, 0x0, 0x0, 0x0, 0x2, 0x0, 0x0, 0x0} (labels: [1 "
				  "ENOENT]) -> 7\n"
				  "```\n\n"
				  "### Map: lat_seconds\n\n```\n"
				  "[]byte{0x7, 0x0, 0x0, 0x0, 0x1, 0x0, 0x0, 0x0} (labels: [7 1]) "
				  "-> 4\n"
				  "```\n\n"
				  "## Config: beta\n\n"
				  "### Map: vec_total\n\n```\n"),
			 0);
	for (int cpu = 0; cpu < n; cpu++)
		assert_int_equal(buf_printf(&want,
					    "[]byte{0x3, 0x0, 0x0, 0x0} (labels: [3]) -> %d\n",
					    10 + cpu),
				 0);
	assert_int_equal(buf_puts(&want, "```\n\n"
					 "### Map: idle_total\n\n```\n```\n\n"
					 "### Map: empty_total\n\n```\n```\n\n"),
			 0);
	if (out.len != want.len || memcmp(out.data, want.data, want.len) != 0)
		fail_msg("--- got\n%.*s--- want\n%.*s", (int)out.len, out.data, (int)want.len,
			 want.data);
	buf_free(&want);
	buf_free(&out);
	fixture_free(&fx);
}

struct joiner {
	struct collector *c;
	struct scrape_result *r;
};

static void *join_scrape(void *arg)
{
	struct joiner *j = arg;

	j->r = collector__scrape_shared(j->c, EXPO_TEXT);
	return NULL;
}

static int refs_of(struct collector *c, struct scrape_result *r)
{
	int refs;

	pthread_mutex_lock(&c->sf_lock);
	refs = r ? r->refs : 0;
	pthread_mutex_unlock(&c->sf_lock);
	return refs;
}

static struct scrape_result *running(struct collector *c, enum expo_format fmt)
{
	struct scrape_result *r;

	pthread_mutex_lock(&c->sf_lock);
	r = c->sf_running[fmt];
	pthread_mutex_unlock(&c->sf_lock);
	return r;
}

/*
 * A scrape arriving while one of the same format is collected waits for it and gets the same
 * result; the last reference keeps the buffer for the next scrape.
 */
static void test_scrape_shared(void **state)
{
	struct fixture fx;
	struct joiner j1, j2;
	pthread_t t1, t2;
	struct scrape_result *r, *again;
	int ops, lat, vec, tries;
	bool joined;

	fixture_new(&fx, 2, two_cfgs);
	fill_two(&fx, &ops, &lat, &vec);
	j1 = (struct joiner){ .c = fx.c };
	j2 = (struct joiner){ .c = fx.c };

	/* the first collection blocks on the scrape lock, the second joins it */
	pthread_mutex_lock(&fx.c->lock);
	assert_int_equal(pthread_create(&t1, NULL, join_scrape, &j1), 0);
	for (tries = 0; !running(fx.c, EXPO_TEXT) && tries < 10000; tries++)
		usleep(1000);
	assert_int_equal(pthread_create(&t2, NULL, join_scrape, &j2), 0);
	for (tries = 0; refs_of(fx.c, running(fx.c, EXPO_TEXT)) < 2 && tries < 10000; tries++)
		usleep(1000);
	/* the second waits for the first instead of collecting again */
	joined = refs_of(fx.c, running(fx.c, EXPO_TEXT)) == 2;
	assert_null(running(fx.c, EXPO_PROTOBUF));
	pthread_mutex_unlock(&fx.c->lock);
	assert_true(joined);
	assert_int_equal(pthread_join(t1, NULL), 0);
	assert_int_equal(pthread_join(t2, NULL), 0);

	assert_ptr_equal(j1.r, j2.r);
	r = j1.r;
	assert_int_equal(r->err, 0);
	assert_true(r->done);
	assert_int_equal(refs_of(fx.c, r), 2);
	assert_null(running(fx.c, EXPO_TEXT));
	assert_non_null(
		strstr(r->body.data, "ebpf_exporter_ops_total{op=\"ENOENT\",zone=\"1\"} 8\n"));
	scrape_result__put(r);
	assert_null(fx.c->sf_spare);
	scrape_result__put(r);
	assert_ptr_equal(fx.c->sf_spare, r);

	/* the next scrape reuses the result and its buffer */
	put(ops, &(struct zone_op){ 1, 2 }, 8);
	again = collector__scrape_shared(fx.c, EXPO_PROTOTEXT);
	assert_ptr_equal(again, r);
	assert_null(fx.c->sf_spare);
	assert_int_equal(again->refs, 1);
	assert_non_null(strstr(again->body.data, "name: \"ebpf_exporter_ops_total\""));
	assert_null(strstr(again->body.data, "# HELP"));
	scrape_result__put(again);
	assert_ptr_equal(fx.c->sf_spare, r);
	scrape_result__put(NULL);
	fixture_free(&fx);
}

/* Out-of-range request codes and formats index nothing: ignored, or an error result. */
static void test_out_of_range(void **state)
{
	struct fixture fx;
	struct scrape_result *r;

	fixture_new(&fx, 2, two_cfgs);
	collector__count_request(fx.c, SCRAPE_500);
	collector__count_request(fx.c, SCRAPE_CODES);
	collector__count_request(fx.c, (enum scrape_code) - 1);
	assert_int_equal(fx.c->requests[SCRAPE_200], 0);
	assert_int_equal(fx.c->requests[SCRAPE_500], 1);
	assert_int_equal(fx.c->requests[SCRAPE_503], 0);
	/* the fields around the counts are untouched */
	assert_int_equal(fx.c->in_flight, 0);
	assert_false(fx.c->detached);
	r = collector__scrape_shared(fx.c, EXPO_FORMATS);
	assert_int_equal(r->err, -EINVAL);
	assert_int_equal(r->body.len, strlen("unknown exposition format"));
	assert_memory_equal(r->body.data, "unknown exposition format", r->body.len);
	scrape_result__put(r);
	r = collector__scrape_shared(fx.c, (enum expo_format) - 1);
	assert_int_equal(r->err, -EINVAL);
	scrape_result__put(r);
	assert_null(fx.c->sf_spare);
	fixture_free(&fx);
}

/* After detaching, a scrape has only the process-level families and /maps is empty. */
static void test_detach(void **state)
{
	struct fixture fx;
	struct buf out = { 0 };
	int ops, lat, vec;

	fixture_new(&fx, 2, two_cfgs);
	fill_two(&fx, &ops, &lat, &vec);
	collector__detach(fx.c, NULL, NULL);
	scrape(&fx, &out);
	expect_block(&out, "ebpf_exporter_ops_total", "");
	expect_block(&out, "ebpf_exporter_lat_seconds", "");
	expect_block(&out, "ebpf_exporter_enabled_configs", "");
	assert_non_null(strstr(out.data, "# HELP ebpf_exporter_build_info "));
	assert_non_null(strstr(out.data, "# HELP promhttp_metric_handler_requests_total "));
	assert_int_equal(collector__dump_maps(fx.c, &out), 0);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	fixture_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),	     cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_scrape_text),  cmocka_unit_test(test_scrape_duplicate),
		cmocka_unit_test(test_dump_maps),    cmocka_unit_test(test_scrape_shared),
		cmocka_unit_test(test_out_of_range), cmocka_unit_test(test_detach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
