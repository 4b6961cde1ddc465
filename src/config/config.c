// SPDX-License-Identifier: MIT
/*
 * NAME.yaml to struct config: loading the file, libyaml's document, the walk over mappings
 * (merge keys, duplicate keys, unknown keys) and lists, and the error texts. What the keys
 * mean is in config_schema.c, scalar typing in config_scalar.c, checks in config_validate.c.
 */
#include "config/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/internal.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/gostr.h"
#include "util/goyaml.h"

#define CONFIG_MAX_FILE_SIZE ((size_t)64 << 20)
#define MERGE_MAX_DEPTH 16

/* ---- errors ---- */

int config_ctx_put(struct buf *b, const struct config_ctx *c)
{
	const struct config_ctx *it;
	int err = 0;

	for (it = c; it && !err; it = it->parent) {
		if (it != c && !it->parent)
			break;
		if (it != c)
			err = buf_puts(b, " of ");
		if (err)
			break;
		if (it->named)
			err = buf_printf(b, "%s \"%s\"", it->kind, it->name ? it->name : "");
		else
			err = buf_puts(b, it->kind);
	}
	return err;
}

int config_oom(struct config_parser *p)
{
	if (!p->err) {
		buf_reset(&p->msg);
		buf_puts(&p->msg, "out of memory");
		p->err = -ENOMEM;
	}
	return p->err;
}

/* "line N: <what>[ in <ctx>]"; keeps the first error. Returns -EINVAL (or -ENOMEM). */
int config_fail(struct config_parser *p, int line, const struct config_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int err;

	if (p->err)
		return p->err;
	va_start(ap, fmt);
	err = buf_printf(&p->msg, "line %d: ", line);
	if (!err)
		err = buf_vprintf(&p->msg, fmt, ap);
	va_end(ap);
	if (!err && c)
		err = buf_puts(&p->msg, " in ");
	if (!err && c)
		err = config_ctx_put(&p->msg, c);
	if (err)
		return config_oom(p);
	p->err = -EINVAL;
	return p->err;
}

int config_type_error(struct config_parser *p, const yaml_node_t *n, const char *key,
		      const char *expected)
{
	if (n->type == YAML_MAPPING_NODE)
		return config_fail(p, node_line(n), NULL,
				   "cannot unmarshal a mapping into %s (expected %s)", key,
				   expected);
	if (n->type == YAML_SEQUENCE_NODE)
		return config_fail(p, node_line(n), NULL,
				   "cannot unmarshal a list into %s (expected %s)", key, expected);
	return config_fail(p, node_line(n), NULL,
			   "cannot unmarshal \"%.*s%s\" into %s (expected %s)",
			   slen(n) > 64 ? 64 : (int)slen(n), sval(n), slen(n) > 64 ? "..." : "",
			   key, expected);
}

/* ---- mappings ---- */

static bool same_key(const yaml_node_t *a, const yaml_node_t *b)
{
	return slen(a) == slen(b) && !memcmp(sval(a), sval(b), slen(a));
}

static const struct config_pair *pairs_find(const struct config_pairs *ps, const yaml_node_t *key)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (same_key(ps->v[i].key, key))
			return &ps->v[i];
	return NULL;
}

static int pairs_add(struct config_parser *p, struct config_pairs *ps, const yaml_node_t *k,
		     const yaml_node_t *v)
{
	if (array_grow((void **)&ps->v, &ps->cap, ps->n + 1, sizeof(*ps->v)))
		return config_oom(p);
	ps->v[ps->n].key = k;
	ps->v[ps->n].val = v;
	ps->n++;
	return 0;
}

/* Adds the pairs of src whose keys dst lacks, so that the keys already in dst win. */
static int pairs_add_missing(struct config_parser *p, struct config_pairs *dst,
			     const struct config_pairs *src)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < src->n; i++)
		if (!pairs_find(dst, src->v[i].key))
			err = pairs_add(p, dst, src->v[i].key, src->v[i].val);
	return err;
}

/* `<<: *anchor` or `<<: [*a, *b]`: keys of earlier maps win over later ones. */
static int merge(struct config_parser *p, const yaml_node_t *v, const struct config_ctx *c,
		 struct config_pairs *dst, int depth)
{
	size_t i, count = 1;
	int err = 0;

	if (depth >= MERGE_MAX_DEPTH)
		return config_fail(p, node_line(v), c, "merge keys nested too deeply");
	if (v->type == YAML_SEQUENCE_NODE)
		count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	else if (v->type != YAML_MAPPING_NODE)
		return config_fail(p, node_line(v), c,
				   "map merge requires a map or a list of maps");
	for (i = 0; !err && i < count; i++) {
		const yaml_node_t *m = v;
		struct config_pairs tmp = { 0 };

		if (v->type == YAML_SEQUENCE_NODE)
			m = node_at(p, v->data.sequence.items.start[i]);
		if (m->type != YAML_MAPPING_NODE)
			return config_fail(p, node_line(m), c,
					   "map merge requires a map or a list of maps");
		err = config_collect(p, m, c, &tmp, depth + 1);
		if (!err)
			err = pairs_add_missing(p, dst, &tmp);
		free(tmp.v);
	}
	return err;
}

/*
 * The key/value pairs of a mapping, merge keys resolved. Keys must be scalars and unique.
 * On error, own may hold pairs: the caller frees own->v.
 */
int config_collect(struct config_parser *p, const yaml_node_t *map, const struct config_ctx *c,
		   struct config_pairs *own, int depth)
{
	yaml_node_pair_t *it;
	struct config_pairs merged = { 0 };
	int err = 0;

	for (it = map->data.mapping.pairs.start; !err && it < map->data.mapping.pairs.top; it++) {
		const yaml_node_t *k = node_at(p, it->key), *v = node_at(p, it->value);
		const struct config_pair *prev;

		if (k->type != YAML_SCALAR_NODE) {
			err = config_fail(p, node_line(k), c, "mapping key is not a scalar");
		} else if (is_plain(k) && goyaml_text_is(k, "<<")) {
			err = merge(p, v, c, &merged, depth);
		} else if ((prev = pairs_find(own, k))) {
			err = config_fail(p, node_line(k), c,
					  "mapping key \"%s\" already defined at line %d", sval(k),
					  node_line(prev->key));
		} else {
			err = pairs_add(p, own, k, v);
		}
	}
	if (!err)
		err = pairs_add_missing(p, own, &merged);
	free(merged.v);
	return err;
}

/* The text of a direct `name:` scalar, so errors met before it is parsed can name the object. */
static const char *peek_name(struct config_parser *p, const yaml_node_t *n)
{
	yaml_node_pair_t *it;

	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	for (it = n->data.mapping.pairs.start; it < n->data.mapping.pairs.top; it++) {
		const yaml_node_t *k = node_at(p, it->key), *v = node_at(p, it->value);

		if (goyaml_text_is(k, "name") && v->type == YAML_SCALAR_NODE && !config_is_null(v))
			return sval(v);
	}
	return NULL;
}

/*
 * Parses a mapping into obj: `name` first (when name is given) so that the context names the
 * object, then every other key through fn, which returns CONFIG_KEY_UNKNOWN for keys it lacks.
 */
int config_parse_object(struct config_parser *p, const yaml_node_t *n, const char *what,
			struct config_ctx *c, char **name, void *obj, config_field_fn fn)
{
	struct config_pairs ps = { 0 };
	const struct config_pair *np = NULL;
	const yaml_node_t *name_key;
	size_t i;
	int err;

	if (name)
		c->name = peek_name(p, n);
	if (config_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return config_type_error(p, n, what, "a mapping");
	err = config_collect(p, n, c, &ps, 0);
	for (i = 0; name && !err && i < ps.n; i++) {
		name_key = ps.v[i].key;
		if (goyaml_text_is(name_key, "name")) {
			np = &ps.v[i];
			err = config_get_str(p, np->val, "name", name);
			c->name = *name;
		}
	}
	for (i = 0; !err && i < ps.n; i++) {
		if (&ps.v[i] == np)
			continue;
		err = fn(p, ps.v[i].key, ps.v[i].val, c, obj);
		if (err == CONFIG_KEY_UNKNOWN)
			err = config_fail(p, node_line(ps.v[i].key), c, "unknown key \"%s\"",
					  sval(ps.v[i].key));
	}
	free(ps.v);
	return err;
}

/* ---- lists ---- */

/* The item count of a list in *cnt and 0, 1 for null (nothing to parse), or a type error. */
static int list_len(struct config_parser *p, const yaml_node_t *n, const char *key, size_t *cnt)
{
	if (config_is_null(n))
		return 1;
	if (n->type != YAML_SEQUENCE_NODE)
		return config_type_error(p, n, key, "a list");
	*cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 0;
}

/*
 * A list of objects: *arr and *count are set before the elements are parsed, so that the
 * caller can store them for config_free() even on error.
 */
int config_get_list(struct config_parser *p, const yaml_node_t *n, const char *key,
		    const struct config_ctx *parent, size_t size, config_elem_fn fn, void **arr,
		    size_t *count, bool *set)
{
	size_t i, cnt = 0;
	char *a;
	int err;

	err = list_len(p, n, key, &cnt);
	if (err)
		return err < 0 ? err : 0;
	a = calloc(cnt ? cnt : 1, size);
	if (!a)
		return config_oom(p);
	*arr = a;
	*count = cnt;
	if (set)
		*set = true;
	for (i = 0; i < cnt; i++) {
		err = fn(p, node_at(p, n->data.sequence.items.start[i]), parent, a + i * size);
		if (err)
			return err;
	}
	return 0;
}

typedef int (*item_fn)(struct config_parser *p, const yaml_node_t *n, const char *key, void *out);

/*
 * A list of scalars, stored by fn in items of size bytes, with the line of each. As with
 * config_get_list(), *vals, *lines and *count are set before the items are parsed.
 */
static int get_scalar_list(struct config_parser *p, const yaml_node_t *n, const char *key,
			   size_t size, item_fn fn, void **vals, int **lines, size_t *count,
			   bool *set)
{
	size_t i, cnt = 0;
	int err;

	err = list_len(p, n, key, &cnt);
	if (err)
		return err < 0 ? err : 0;
	*vals = calloc(cnt ? cnt : 1, size);
	*lines = calloc(cnt ? cnt : 1, sizeof(**lines));
	if (!*vals || !*lines)
		return config_oom(p);
	*count = cnt;
	if (set)
		*set = true;
	for (i = 0; i < cnt; i++) {
		const yaml_node_t *e = node_at(p, n->data.sequence.items.start[i]);

		(*lines)[i] = node_line(e);
		err = fn(p, e, key, (char *)*vals + i * size);
		if (err)
			return err;
	}
	return 0;
}

static int str_item(struct config_parser *p, const yaml_node_t *n, const char *key, void *out)
{
	int err = config_get_str(p, n, key, out);

	return err ? err : config_ensure_str(p, out);
}

static int float_item(struct config_parser *p, const yaml_node_t *n, const char *key, void *out)
{
	return config_get_float(p, n, key, out);
}

int config_get_str_list(struct config_parser *p, const yaml_node_t *n, const char *key,
			char ***vals, int **lines, size_t *count, bool *set)
{
	void *arr = *vals;
	int err = get_scalar_list(p, n, key, sizeof(**vals), str_item, &arr, lines, count, set);

	*vals = arr;
	return err;
}

int config_get_float_list(struct config_parser *p, const yaml_node_t *n, const char *key,
			  double **vals, int **lines, size_t *count)
{
	void *arr = *vals;
	int err = get_scalar_list(p, n, key, sizeof(**vals), float_item, &arr, lines, count, NULL);

	*vals = arr;
	return err;
}

/* ---- entry points ---- */

/* Go's filepath.Join(dir, name + suffix). NULL on OOM. */
static char *path_join(const char *dir, const char *name, const char *suffix)
{
	struct buf b = { 0 };

	if (buf_printf(&b, "%s%s%s%s", dir, *dir ? "/" : "", name, suffix)) {
		buf_free(&b);
		return NULL;
	}
	gostr_path_clean(b.data);
	return b.data;
}

static char *obj_path_of(const char *yaml_path)
{
	size_t len = strlen(yaml_path);
	struct buf b = { 0 };

	if (len >= 5 && !strcmp(yaml_path + len - 5, ".yaml"))
		len -= 5;
	if (buf_printf(&b, "%.*s.bpf.o", (int)len, yaml_path)) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void syntax_error(struct config_parser *p, const yaml_parser_t *yp, const char *text,
			 size_t len)
{
	if (goyaml_syntax_error(&p->msg, yp, text, len)) {
		config_oom(p);
		return;
	}
	p->err = -EINVAL;
}

static int parse_text(const char *text, size_t len, char *yaml_path, char *obj_path,
		      const char *name, struct config **out, char *err, size_t errlen)
{
	struct config_parser p = { 0 };
	struct config *cfg;
	yaml_parser_t yp;
	yaml_document_t doc;
	const yaml_node_t *root;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !yaml_path || !obj_path || !(cfg->name = strdup(name))) {
		free(yaml_path);
		free(obj_path);
		free(cfg);
		set_err(err, errlen, "error parsing config \"%s\": out of memory", name);
		return -ENOMEM;
	}
	cfg->yaml_path = yaml_path;
	cfg->obj_path = obj_path;

	if (!yaml_parser_initialize(&yp)) {
		config_oom(&p);
		goto out;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	if (!yaml_parser_load(&yp, &doc)) {
		syntax_error(&p, &yp, text, len);
		yaml_parser_delete(&yp);
		goto out;
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		buf_puts(&p.msg, "EOF");
		p.err = -EINVAL;
	} else {
		config_schema_parse(&p, root, cfg);
	}
	if (!p.err)
		p.err = config_ensure_str(&p, &cfg->cgroup_id_map.name);
	if (!p.err)
		p.err = config_ensure_str(&p, &cfg->cgroup_id_map.type);
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
out:
	if (p.err) {
		set_err(err, errlen, "error parsing \"%s\" for config \"%s\": %s", cfg->yaml_path,
			name, p.msg.data ? p.msg.data : "out of memory");
	} else {
		buf_reset(&p.msg);
		p.err = config_validate(cfg, &p.msg);
		if (p.err)
			set_err(err, errlen, "error validating config: %s",
				p.msg.data ? p.msg.data : "out of memory");
	}
	buf_free(&p.msg);
	if (p.err) {
		config_free(cfg);
		return p.err;
	}
	*out = cfg;
	return 0;
}

int config_parse(const char *text, size_t len, const char *path, const char *name,
		 struct config **out, char *err, size_t errlen)
{
	path = path ? path : "";
	name = name ? name : "";
	return parse_text(text ? text : "", text ? len : 0, strdup(path), obj_path_of(path), name,
			  out, err, errlen);
}

int config_load(const char *dir, const char *name, struct config **out, char *err, size_t errlen)
{
	char *yaml_path, *obj_path;
	struct buf b = { 0 };
	const char *op;
	int ret;

	*out = NULL;
	dir = dir ? dir : "";
	name = name ? name : "";
	yaml_path = path_join(dir, name, ".yaml");
	obj_path = path_join(dir, name, ".bpf.o");
	if (!yaml_path || !obj_path) {
		free(yaml_path);
		free(obj_path);
		set_err(err, errlen, "error opening config \"%s\": out of memory", name);
		return -ENOMEM;
	}
	/* files of CONFIG_MAX_FILE_SIZE less one page or more are refused */
	ret = file_read_all(yaml_path, CONFIG_MAX_FILE_SIZE - 4096, &b, &op);
	if (!ret) {
		ret = parse_text(b.data ? b.data : "", b.len, yaml_path, obj_path, name, out, err,
				 errlen);
		buf_free(&b);
		return ret;
	}
	if (op && !strcmp(op, "open"))
		set_err(err, errlen, "error opening \"%s\" for config \"%s\": %s", yaml_path, name,
			strerror(-ret));
	else if (op)
		set_err(err, errlen, "error parsing \"%s\" for config \"%s\": read %s: %s",
			yaml_path, name, yaml_path, strerror(-ret));
	else if (ret == -EFBIG)
		set_err(err, errlen,
			"error parsing \"%s\" for config \"%s\": file larger than %zu bytes",
			yaml_path, name, CONFIG_MAX_FILE_SIZE);
	else
		set_err(err, errlen, "error parsing \"%s\" for config \"%s\": out of memory",
			yaml_path, name);
	buf_free(&b);
	free(yaml_path);
	free(obj_path);
	return ret;
}

static void free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void free_labels(struct label_conf *labels, size_t n)
{
	size_t i, j, k;

	for (i = 0; labels && i < n; i++) {
		struct label_conf *l = &labels[i];

		for (j = 0; l->decoders && j < l->n_decoders; j++) {
			struct decoder_conf *d = &l->decoders[j];

			free(d->name);
			for (k = 0; d->static_map && k < d->n_static_map; k++) {
				free(d->static_map[k].key);
				free(d->static_map[k].value);
			}
			free(d->static_map);
			free_strs(d->regexps, d->n_regexps);
			free(d->regexp_lines);
		}
		free(l->decoders);
		free(l->name);
	}
	free(labels);
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; cfg->counters && i < cfg->n_counters; i++) {
		free(cfg->counters[i].name);
		free(cfg->counters[i].help);
		free_labels(cfg->counters[i].labels, cfg->counters[i].n_labels);
	}
	free(cfg->counters);
	for (i = 0; cfg->histograms && i < cfg->n_histograms; i++) {
		struct histogram_conf *h = &cfg->histograms[i];

		free(h->name);
		free(h->help);
		free(h->bucket_type_name);
		free(h->bucket_keys);
		free(h->bucket_key_lines);
		free_labels(h->labels, h->n_labels);
	}
	free(cfg->histograms);
	for (i = 0; cfg->spans && i < cfg->n_spans; i++) {
		free(cfg->spans[i].name);
		free(cfg->spans[i].ringbuf);
		free(cfg->spans[i].service);
		free_labels(cfg->spans[i].labels, cfg->spans[i].n_labels);
	}
	free(cfg->spans);
	free_strs(cfg->kaddrs, cfg->n_kaddrs);
	free(cfg->kaddr_lines);
	free(cfg->cgroup_id_map.name);
	free(cfg->cgroup_id_map.type);
	free_strs(cfg->cgroup_id_map.regexps, cfg->cgroup_id_map.n_regexps);
	free(cfg->cgroup_id_map.regexp_lines);
	free(cfg->name);
	free(cfg->yaml_path);
	free(cfg->obj_path);
	free(cfg);
}

enum bucket_type config_bucket_type(const char *s)
{
	if (!s)
		return BUCKET_UNKNOWN;
	if (!strcmp(s, "exp2"))
		return BUCKET_EXP2;
	if (!strcmp(s, "exp2zero"))
		return BUCKET_EXP2ZERO;
	if (!strcmp(s, "linear"))
		return BUCKET_LINEAR;
	if (!strcmp(s, "fixed"))
		return BUCKET_FIXED;
	return BUCKET_UNKNOWN;
}
