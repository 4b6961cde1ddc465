// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_CONFIG_INTERNAL_H
#define EBPF_EXPORTER_CONFIG_INTERNAL_H

/*
 * Shared by the parts of the config parser, not for other modules: config.c (the YAML
 * document walk, error texts and the public API), config_scalar.c (typing YAML scalars as Go's
 * YAML decoder does), config_schema.c (the keys of each object) and config_validate.c.
 * Parse functions return 0 or a negative errno; the first error's text is kept in the parser.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <yaml.h>

#include "config/config.h"
#include "util/buf.h"
#include "util/goyaml.h"

/* field callbacks return this for a key they do not know */
#define CONFIG_KEY_UNKNOWN 1

/*
 * What an error is about: `label "l" of counter "x"`. The root (the config) is named only
 * when it is the object itself.
 */
struct config_ctx {
	const char *kind;
	bool named;
	const char *name;
	const struct config_ctx *parent;
};

struct config_parser {
	yaml_document_t *doc;
	struct buf msg; /* detail of the first error */
	int err;
};

static inline const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static inline size_t slen(const yaml_node_t *n)
{
	return n->data.scalar.length;
}

static inline bool is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* 1-based line of n */
static inline int node_line(const yaml_node_t *n)
{
	return n->start_mark.line >= (size_t)INT32_MAX ? INT32_MAX : (int)n->start_mark.line + 1;
}

static inline yaml_node_t *node_at(struct config_parser *p, yaml_node_item_t i)
{
	return yaml_document_get_node(p->doc, i);
}

/* ------------------------------------------------------------------------------------------ */
/* Errors (config.c) */

/* Appends the context's text, `label "l" of counter "x"`. Returns 0 or -ENOMEM. */
int config_ctx_put(struct buf *b, const struct config_ctx *c);
/* Records an out-of-memory error unless an error is already kept. Returns p->err. */
int config_oom(struct config_parser *p);
/*
 * Records "line N: <what>[ in <ctx>]" unless an error is already kept. Returns p->err
 * (-EINVAL, or -ENOMEM).
 */
int config_fail(struct config_parser *p, int line, const struct config_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Records `cannot unmarshal <what n is> into <key> (expected <expected>)`. Returns p->err.
 */
int config_type_error(struct config_parser *p, const yaml_node_t *n, const char *key,
		      const char *expected);

/* ------------------------------------------------------------------------------------------ */
/* Mappings and lists (config.c) */

struct config_pair {
	const yaml_node_t *key;
	const yaml_node_t *val;
};

struct config_pairs {
	struct config_pair *v;
	size_t n;
	size_t cap;
};

/*
 * The key/value pairs of a mapping into own, merge keys (`<<`) resolved: keys must be scalars
 * and unique. On error, own may hold pairs: the caller frees own->v either way.
 */
int config_collect(struct config_parser *p, const yaml_node_t *map, const struct config_ctx *c,
		   struct config_pairs *own, int depth);

typedef int (*config_field_fn)(struct config_parser *p, const yaml_node_t *k, const yaml_node_t *v,
			       struct config_ctx *c, void *obj);

/*
 * Parses a mapping (what names it in a type error; null is an empty one) into obj: `name`
 * first into *name when name is given, so that c names the object, then every other key
 * through fn; a key fn returns CONFIG_KEY_UNKNOWN for is an error.
 */
int config_parse_object(struct config_parser *p, const yaml_node_t *n, const char *what,
			struct config_ctx *c, char **name, void *obj, config_field_fn fn);

typedef int (*config_elem_fn)(struct config_parser *p, const yaml_node_t *n,
			      const struct config_ctx *parent, void *elem);

/*
 * A list of objects of size bytes each, parsed by fn (null leaves everything alone). *arr and
 * *count are set before the elements are parsed, so that the caller can store them for
 * config_free() even on error; *set (when set is not NULL) becomes true for a list.
 */
int config_get_list(struct config_parser *p, const yaml_node_t *n, const char *key,
		    const struct config_ctx *parent, size_t size, config_elem_fn fn, void **arr,
		    size_t *count, bool *set);
/* A list of strings ("" for null items) with the line of each; as config_get_list(). */
int config_get_str_list(struct config_parser *p, const yaml_node_t *n, const char *key,
			char ***vals, int **lines, size_t *count, bool *set);
/* A list of numbers with the line of each; as config_get_list(). */
int config_get_float_list(struct config_parser *p, const yaml_node_t *n, const char *key,
			  double **vals, int **lines, size_t *count);

/* ------------------------------------------------------------------------------------------ */
/* Scalars (config_scalar.c): null leaves *out alone; key names the field in type errors */

/* A plain null: ``, `~`, `null`, `Null`, `NULL`. */
bool config_is_null(const yaml_node_t *n);
/* Any scalar's literal text (a new string replacing *out). */
int config_get_str(struct config_parser *p, const yaml_node_t *n, const char *key, char **out);
/* Makes a NULL *s "". */
int config_ensure_str(struct config_parser *p, char **s);
int config_get_bool(struct config_parser *p, const yaml_node_t *n, const char *key, bool *out);
/* An integer, or an integral float, that fits the type. */
int config_get_uint(struct config_parser *p, const yaml_node_t *n, const char *key, uint64_t *out);
int config_get_int(struct config_parser *p, const yaml_node_t *n, const char *key, int64_t *out);
/* Any number. */
int config_get_float(struct config_parser *p, const yaml_node_t *n, const char *key, double *out);
/* A Go duration string such as "1m30s", or a number of nanoseconds. */
int config_get_duration(struct config_parser *p, const yaml_node_t *n, const char *key,
			int64_t *out);

/* ------------------------------------------------------------------------------------------ */
/* Schema (config_schema.c) and validation (config_validate.c) */

/* Parses the document's root node into cfg, whose name names it in errors. */
int config_schema_parse(struct config_parser *p, const yaml_node_t *root, struct config *cfg);

/*
 * Checks a parsed config (plus the start-up checks of map and decoder names). Returns 0, or
 * -EINVAL with the whole message in msg (-ENOMEM when it could not be written).
 */
int config_validate(const struct config *cfg, struct buf *msg);

#endif
