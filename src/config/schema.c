// SPDX-License-Identifier: MIT
/*
 * The schema of NAME.yaml: which keys each object has and how each value is
 * typed. Counters, histograms and spans are named in errors as children of the config.
 */
#include <errno.h>
#include <stdlib.h>

#include "config/internal.h"

#define ONE_HOUR_NS (3600LL * 1000000000LL)

static int get_static_map(struct config_parser *p, const yaml_node_t *n, struct config_ctx *c,
			  struct decoder_conf *d)
{
	struct config_ctx mc = { .kind = "static_map", .parent = c };
	struct config_pairs ps = { 0 };
	size_t i;
	int err;

	if (config_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return config_type_error(p, n, "static_map", "a mapping");
	err = config_collect(p, n, &mc, &ps, 0);
	if (!err) {
		d->static_map = calloc(ps.n ? ps.n : 1, sizeof(*d->static_map));
		if (!d->static_map)
			err = config_oom(p);
	}
	if (!err) {
		d->n_static_map = ps.n;
		d->static_map_set = true;
	}
	for (i = 0; !err && i < ps.n; i++) {
		struct static_map_entry *e = &d->static_map[i];

		e->line = node_line(ps.v[i].key);
		err = config_get_str(p, ps.v[i].key, "static_map", &e->key);
		if (!err)
			err = config_get_str(p, ps.v[i].val, "static_map", &e->value);
		if (!err)
			err = config_ensure_str(p, &e->key);
		if (!err)
			err = config_ensure_str(p, &e->value);
	}
	free(ps.v);
	return err;
}

static int decoder_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
			 struct config_ctx *c, void *obj)
{
	struct decoder_conf *d = obj;

	if (goyaml_text_is(k, "static_map"))
		return get_static_map(p, v, c, d);
	if (goyaml_text_is(k, "allow_unknown"))
		return config_get_bool(p, v, "allow_unknown", &d->allow_unknown);
	if (goyaml_text_is(k, "regexps"))
		return config_get_str_list(p, v, "regexps", &d->regexps, &d->regexp_lines,
					   &d->n_regexps, &d->regexps_set);
	return CONFIG_KEY_UNKNOWN;
}

static int parse_decoder(struct config_parser *p, const yaml_node_t *n,
			 const struct config_ctx *parent, void *elem)
{
	struct decoder_conf *d = elem;
	struct config_ctx c = { .kind = "decoder", .named = true, .parent = parent };
	int err;

	d->line = node_line(n);
	err = config_parse_object(p, n, "decoders", &c, &d->name, d, decoder_field);
	return err ? err : config_ensure_str(p, &d->name);
}

static int label_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
		       struct config_ctx *c, void *obj)
{
	struct label_conf *l = obj;
	void *arr = NULL;
	int err;

	if (goyaml_text_is(k, "size"))
		return config_get_uint(p, v, "size", &l->size);
	if (goyaml_text_is(k, "padding"))
		return config_get_uint(p, v, "padding", &l->padding);
	if (goyaml_text_is(k, "decoders")) {
		err = config_get_list(p, v, "decoders", c, sizeof(*l->decoders), parse_decoder,
				      &arr, &l->n_decoders, NULL);
		l->decoders = arr;
		return err;
	}
	return CONFIG_KEY_UNKNOWN;
}

static int parse_label(struct config_parser *p, const yaml_node_t *n,
		       const struct config_ctx *parent, void *elem)
{
	struct label_conf *l = elem;
	struct config_ctx c = { .kind = "label", .named = true, .parent = parent };
	int err;

	l->line = node_line(n);
	err = config_parse_object(p, n, "labels", &c, &l->name, l, label_field);
	return err ? err : config_ensure_str(p, &l->name);
}

static int get_labels(struct config_parser *p, const yaml_node_t *n, const struct config_ctx *c,
		      struct label_conf **labels, size_t *count)
{
	void *arr = NULL;
	int err;

	err = config_get_list(p, n, "labels", c, sizeof(**labels), parse_label, &arr, count, NULL);
	*labels = arr;
	return err;
}

static int counter_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
			 struct config_ctx *c, void *obj)
{
	struct counter_conf *m = obj;

	if (goyaml_text_is(k, "help"))
		return config_get_str(p, v, "help", &m->help);
	if (goyaml_text_is(k, "perf_event_array"))
		return config_get_bool(p, v, "perf_event_array", &m->perf_event_array);
	if (goyaml_text_is(k, "flush_interval"))
		return config_get_duration(p, v, "flush_interval", &m->flush_interval_ns);
	if (goyaml_text_is(k, "labels"))
		return get_labels(p, v, c, &m->labels, &m->n_labels);
	return CONFIG_KEY_UNKNOWN;
}

static int parse_counter(struct config_parser *p, const yaml_node_t *n,
			 const struct config_ctx *parent, void *elem)
{
	struct counter_conf *m = elem;
	struct config_ctx c = { .kind = "counter", .named = true, .parent = parent };
	int err;

	m->line = node_line(n);
	err = config_parse_object(p, n, "counters", &c, &m->name, m, counter_field);
	if (m->flush_interval_ns <= 0)
		m->flush_interval_ns = ONE_HOUR_NS;
	if (!err)
		err = config_ensure_str(p, &m->name);
	return err ? err : config_ensure_str(p, &m->help);
}

static int histogram_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
			   struct config_ctx *c, void *obj)
{
	struct histogram_conf *h = obj;
	int err;

	if (goyaml_text_is(k, "help"))
		return config_get_str(p, v, "help", &h->help);
	if (goyaml_text_is(k, "bucket_type")) {
		h->bucket_type_line = node_line(k);
		err = config_get_str(p, v, "bucket_type", &h->bucket_type_name);
		h->bucket_type = config_bucket_type(h->bucket_type_name);
		return err;
	}
	if (goyaml_text_is(k, "bucket_multiplier"))
		return config_get_float(p, v, "bucket_multiplier", &h->bucket_multiplier);
	if (goyaml_text_is(k, "bucket_min")) {
		h->bucket_min_line = node_line(k);
		return config_get_int(p, v, "bucket_min", &h->bucket_min);
	}
	if (goyaml_text_is(k, "bucket_max")) {
		h->bucket_max_line = node_line(k);
		return config_get_int(p, v, "bucket_max", &h->bucket_max);
	}
	if (goyaml_text_is(k, "bucket_keys")) {
		h->bucket_keys_line = node_line(k);
		return config_get_float_list(p, v, "bucket_keys", &h->bucket_keys,
					     &h->bucket_key_lines, &h->n_bucket_keys);
	}
	if (goyaml_text_is(k, "labels"))
		return get_labels(p, v, c, &h->labels, &h->n_labels);
	return CONFIG_KEY_UNKNOWN;
}

static int parse_histogram(struct config_parser *p, const yaml_node_t *n,
			   const struct config_ctx *parent, void *elem)
{
	struct histogram_conf *h = elem;
	struct config_ctx c = { .kind = "histogram", .named = true, .parent = parent };
	int err;

	h->line = node_line(n);
	err = config_parse_object(p, n, "histograms", &c, &h->name, h, histogram_field);
	if (!err)
		err = config_ensure_str(p, &h->name);
	return err ? err : config_ensure_str(p, &h->help);
}

static int span_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
		      struct config_ctx *c, void *obj)
{
	struct span_conf *s = obj;

	if (goyaml_text_is(k, "ringbuf"))
		return config_get_str(p, v, "ringbuf", &s->ringbuf);
	if (goyaml_text_is(k, "service"))
		return config_get_str(p, v, "service", &s->service);
	if (goyaml_text_is(k, "labels"))
		return get_labels(p, v, c, &s->labels, &s->n_labels);
	return CONFIG_KEY_UNKNOWN;
}

static int parse_span(struct config_parser *p, const yaml_node_t *n,
		      const struct config_ctx *parent, void *elem)
{
	struct span_conf *s = elem;
	struct config_ctx c = { .kind = "span", .named = true, .parent = parent };
	int err;

	s->line = node_line(n);
	err = config_parse_object(p, n, "spans", &c, &s->name, s, span_field);
	if (!err)
		err = config_ensure_str(p, &s->name);
	if (!err)
		err = config_ensure_str(p, &s->ringbuf);
	return err ? err : config_ensure_str(p, &s->service);
}

/* Counters, histograms and spans are named in errors as children of the config, not of
 * `metrics`/`tracing`: hence c->parent. */
static int metrics_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
			 struct config_ctx *c, void *obj)
{
	struct config *cfg = obj;
	void *arr = NULL;
	int err;

	if (goyaml_text_is(k, "counters")) {
		err = config_get_list(p, v, "counters", c->parent, sizeof(*cfg->counters),
				      parse_counter, &arr, &cfg->n_counters, &cfg->counters_set);
		cfg->counters = arr;
		return err;
	}
	if (goyaml_text_is(k, "histograms")) {
		err = config_get_list(p, v, "histograms", c->parent, sizeof(*cfg->histograms),
				      parse_histogram, &arr, &cfg->n_histograms,
				      &cfg->histograms_set);
		cfg->histograms = arr;
		return err;
	}
	return CONFIG_KEY_UNKNOWN;
}

static int tracing_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
			 struct config_ctx *c, void *obj)
{
	struct config *cfg = obj;
	void *arr = NULL;
	int err;

	if (goyaml_text_is(k, "spans")) {
		err = config_get_list(p, v, "spans", c->parent, sizeof(*cfg->spans), parse_span,
				      &arr, &cfg->n_spans, &cfg->spans_set);
		cfg->spans = arr;
		return err;
	}
	return CONFIG_KEY_UNKNOWN;
}

static int cgroup_id_map_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
			       struct config_ctx *c, void *obj)
{
	struct cgroup_id_map_conf *m = obj;

	if (goyaml_text_is(k, "type"))
		return config_get_str(p, v, "type", &m->type);
	if (goyaml_text_is(k, "regexps"))
		return config_get_str_list(p, v, "regexps", &m->regexps, &m->regexp_lines,
					   &m->n_regexps, NULL);
	return CONFIG_KEY_UNKNOWN;
}

static int top_field(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
		     struct config_ctx *c, void *obj)
{
	struct config *cfg = obj;
	struct config_ctx sub = { .parent = c };
	char *ignored = NULL;
	int err;

	if (goyaml_text_is(k, "name")) {
		/* accepted, then overwritten by the file name as upstream does */
		err = config_get_str(p, v, "name", &ignored);
		free(ignored);
		return err;
	}
	if (goyaml_text_is(k, "metrics")) {
		sub.kind = "metrics";
		return config_parse_object(p, v, "metrics", &sub, NULL, cfg, metrics_field);
	}
	if (goyaml_text_is(k, "tracing")) {
		sub.kind = "tracing";
		return config_parse_object(p, v, "tracing", &sub, NULL, cfg, tracing_field);
	}
	if (goyaml_text_is(k, "kaddrs"))
		return config_get_str_list(p, v, "kaddrs", &cfg->kaddrs, &cfg->kaddr_lines,
					   &cfg->n_kaddrs, NULL);
	if (goyaml_text_is(k, "cgroup_id_map")) {
		sub.kind = "cgroup_id_map";
		cfg->cgroup_id_map.line = node_line(k);
		return config_parse_object(p, v, "cgroup_id_map", &sub, &cfg->cgroup_id_map.name,
					   &cfg->cgroup_id_map, cgroup_id_map_field);
	}
	return CONFIG_KEY_UNKNOWN;
}

int config_schema_parse(struct config_parser *p, const yaml_node_t *root, struct config *cfg)
{
	struct config_ctx root_ctx = { .kind = "config", .named = true, .name = cfg->name };

	return config_parse_object(p, root, "config", &root_ctx, NULL, cfg, top_field);
}
