// SPDX-License-Identifier: MIT
/*
 * Validation of a parsed config (plus the start-up checks of map and decoder names), in
 * upstream's order and words, extended with the file and line of the offending key.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "config/internal.h"

/* keep in sync with the decoder table */
static const char *const decoder_names[] = {
	"cgroup",     "dname",	"errno",      "hex",	   "ifname",	 "inet_ip",
	"kstack",     "ksym",	"majorminor", "pci_class", "pci_device", "pci_subclass",
	"pci_vendor", "regexp", "static_map", "string",	   "syscall",	 "uint",
};

struct validator {
	const struct config *cfg;
	struct buf *msg;
};

/*
 * `<ctx> in config "c": <what> (<path> line N)`; without ctx, fmt is the whole sentence.
 * Returns -EINVAL (or -ENOMEM).
 */
__attribute__((format(printf, 4, 5))) static int
vfail(struct validator *v, int line, const struct config_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int err = 0;

	if (c) {
		err = config_ctx_put(v->msg, c);
		if (!err)
			err = buf_printf(v->msg, " in config \"%s\": ", v->cfg->name);
	}
	va_start(ap, fmt);
	if (!err)
		err = buf_vprintf(v->msg, fmt, ap);
	va_end(ap);
	if (!err && line > 0)
		err = buf_printf(v->msg, " (%s line %d)", v->cfg->yaml_path, line);
	else if (!err)
		err = buf_printf(v->msg, " (%s)", v->cfg->yaml_path);
	return err ? err : -EINVAL;
}

/* A metric of the given kind needs a name and a help text. */
static int check_name_help(struct validator *v, const char *kind, const char *name,
			   const char *help, int line)
{
	if (!*name)
		return vfail(v, line, NULL, "%s \"\" in config \"%s\" lacks name", kind,
			     v->cfg->name);
	if (!*help)
		return vfail(v, line, NULL, "%s \"%s\" in config \"%s\" lacks help", kind, name,
			     v->cfg->name);
	return 0;
}

static bool known_decoder(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(decoder_names) / sizeof(decoder_names[0]); i++)
		if (!strcmp(name, decoder_names[i]))
			return true;
	return false;
}

static int check_labels(struct validator *v, const struct label_conf *labels, size_t n,
			const struct config_ctx *parent)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct label_conf *l = &labels[i];
		struct config_ctx c = {
			.kind = "label", .named = true, .name = l->name, .parent = parent
		};

		if (!l->size)
			return vfail(v, l->line, &c, "size is zero or not set");
		if (!l->n_decoders)
			return vfail(v, l->line, &c, "no decoders set");
		for (j = 0; j < l->n_decoders; j++) {
			const struct decoder_conf *d = &l->decoders[j];
			struct config_ctx dc = {
				.kind = "decoder", .named = true, .name = d->name, .parent = &c
			};

			if (!known_decoder(d->name))
				return vfail(v, d->line, &c, "unknown decoder \"%s\"", d->name);
			if (!strcmp(d->name, "regexp") && !d->regexps_set)
				return vfail(v, d->line, &dc, "no regexps defined in config");
		}
	}
	return 0;
}

static int check_histogram(struct validator *v, const struct histogram_conf *h,
			   const struct config_ctx *root)
{
	static const char types[] = "(expected exp2, exp2zero, linear or fixed)";
	struct config_ctx c = {
		.kind = "histogram", .named = true, .name = h->name, .parent = root
	};
	const struct label_conf *bucket;
	const struct decoder_conf *last;
	size_t i;
	int err, line;

	switch (h->bucket_type) {
	case BUCKET_EXP2:
	case BUCKET_EXP2ZERO:
	case BUCKET_LINEAR:
		line = h->bucket_max_line ? h->bucket_max_line :
		       h->bucket_min_line ? h->bucket_min_line :
					    h->line;
		if (h->bucket_min > h->bucket_max)
			return vfail(v, line, &c,
				     "bucket_min (%" PRId64 ") must not exceed bucket_max (%" PRId64
				     ")",
				     h->bucket_min, h->bucket_max);
		break;
	case BUCKET_FIXED:
		if (!h->n_bucket_keys)
			return vfail(
				v, h->bucket_keys_line ? h->bucket_keys_line : h->line, &c,
				"bucket_type fixed needs at least one bucket key in bucket_keys");
		for (i = 0; i < h->n_bucket_keys; i++) {
			double k = h->bucket_keys[i];

			if (!isfinite(k) || k != floor(k))
				return vfail(v, h->bucket_key_lines[i], &c,
					     "bucket key %g is not an integer", k);
			if (i && k <= h->bucket_keys[i - 1])
				return vfail(
					v, h->bucket_key_lines[i], &c,
					"bucket_keys must be strictly increasing (%g follows %g)",
					k, h->bucket_keys[i - 1]);
		}
		break;
	default:
		if (!h->bucket_type_name)
			return vfail(v, h->line, &c, "bucket_type is not set %s", types);
		return vfail(v, h->bucket_type_line, &c, "unknown bucket_type \"%s\" %s",
			     h->bucket_type_name, types);
	}
	if (!h->n_labels)
		return vfail(v, h->line, &c,
			     "no labels: at least one is needed, the last one being the bucket");
	err = check_labels(v, h->labels, h->n_labels, &c);
	if (err)
		return err;
	bucket = &h->labels[h->n_labels - 1];
	last = &bucket->decoders[bucket->n_decoders - 1];
	if (strcmp(last->name, "uint"))
		return vfail(
			v, last->line, &c,
			"the last label \"%s\" is the bucket and must end with the uint decoder, not \"%s\"",
			bucket->name, last->name);
	return 0;
}

int config_validate(const struct config *cfg, struct buf *msg)
{
	const struct cgroup_id_map_conf *cg = &cfg->cgroup_id_map;
	struct config_ctx root = { .kind = "config", .named = true, .name = cfg->name };
	struct validator v = { .cfg = cfg, .msg = msg };
	size_t i;
	int err;

	if (!cfg->counters_set && !cfg->histograms_set && !cfg->spans_set)
		return vfail(&v, 0, NULL,
			     "neither metrics nor tracing are defined for config \"%s\"",
			     cfg->name);
	for (i = 0; i < cfg->n_counters; i++) {
		const struct counter_conf *m = &cfg->counters[i];

		err = check_name_help(&v, "counter", m->name, m->help, m->line);
		if (err)
			return err;
	}
	for (i = 0; i < cfg->n_histograms; i++) {
		const struct histogram_conf *h = &cfg->histograms[i];

		err = check_name_help(&v, "histogram", h->name, h->help, h->line);
		if (err)
			return err;
	}
	for (i = 0; i < cfg->n_counters; i++) {
		const struct counter_conf *m = &cfg->counters[i];
		struct config_ctx c = {
			.kind = "counter", .named = true, .name = m->name, .parent = &root
		};

		err = check_labels(&v, m->labels, m->n_labels, &c);
		if (err)
			return err;
	}
	for (i = 0; i < cfg->n_histograms; i++) {
		err = check_histogram(&v, &cfg->histograms[i], &root);
		if (err)
			return err;
	}
	for (i = 0; i < cfg->n_spans; i++) {
		const struct span_conf *s = &cfg->spans[i];
		struct config_ctx c = {
			.kind = "span", .named = true, .name = s->name, .parent = &root
		};

		err = check_labels(&v, s->labels, s->n_labels, &c);
		if (err)
			return err;
	}
	if (*cg->type && strcmp(cg->type, "hash") && strcmp(cg->type, "cgrp_storage")) {
		struct config_ctx c = { .kind = "cgroup_id_map", .parent = &root };

		return vfail(&v, cg->line, &c,
			     "unknown type \"%s\" (expected hash or cgrp_storage)", cg->type);
	}
	return 0;
}
