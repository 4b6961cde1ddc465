// SPDX-License-Identifier: MIT
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "util/buf.h"

#define CONFIG_MAX_FILE_SIZE ((size_t)64 << 20)
#define MERGE_MAX_DEPTH 16
#define ONE_HOUR_NS (3600LL * 1000000000LL)
/* field callbacks return this for a key they do not know */
#define KEY_UNKNOWN 1

/* keep in sync with the decoder table (SPEC §2.2) */
static const char *const decoder_names[] = {
	"cgroup",     "dname",	"errno",      "hex",	   "ifname",	 "inet_ip",
	"kstack",     "ksym",	"majorminor", "pci_class", "pci_device", "pci_subclass",
	"pci_vendor", "regexp", "static_map", "string",	   "syscall",	 "uint",
};

/*
 * What an error is about: `label "l" of counter "x"`. The root (the config) is named only
 * when it is the object itself.
 */
struct ctx {
	const char *kind;
	bool named;
	const char *name;
	const struct ctx *parent;
};

static int ctx_put(struct buf *b, const struct ctx *c)
{
	const struct ctx *it;
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

struct parser {
	yaml_document_t *doc;
	struct buf msg; /* detail of the first error */
	int err;
};

static int node_line(const yaml_node_t *n)
{
	return n->start_mark.line >= (size_t)INT32_MAX ? INT32_MAX : (int)n->start_mark.line + 1;
}

static int oom(struct parser *p)
{
	if (!p->err) {
		buf_reset(&p->msg);
		buf_puts(&p->msg, "out of memory");
		p->err = -ENOMEM;
	}
	return p->err;
}

/* "line N: <what>[ in <ctx>]"; keeps the first error. Returns -EINVAL (or -ENOMEM). */
__attribute__((format(printf, 4, 5))) static int fail(struct parser *p, int line,
						      const struct ctx *c, const char *fmt, ...)
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
		err = ctx_put(&p->msg, c);
	if (err)
		return oom(p);
	p->err = -EINVAL;
	return p->err;
}

/* ---- scalars ---- */

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static size_t slen(const yaml_node_t *n)
{
	return n->data.scalar.length;
}

static bool is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool text_is(const yaml_node_t *n, const char *s)
{
	size_t len = strlen(s);

	return n->type == YAML_SCALAR_NODE && slen(n) == len && !memcmp(sval(n), s, len);
}

static bool text_in(const yaml_node_t *n, const char *const *set)
{
	for (; *set; set++)
		if (text_is(n, *set))
			return true;
	return false;
}

static const char *const null_forms[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_forms[] = { "true", "True", "TRUE", "y",	"Y",  "yes",
					  "Yes",  "YES",  "on",	  "On", "ON", NULL };
static const char *const false_forms[] = { "false", "False", "FALSE", "n",   "N",   "no",
					   "No",    "NO",    "off",   "Off", "OFF", NULL };

static bool is_null(const yaml_node_t *n)
{
	return is_plain(n) && text_in(n, null_forms);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int digit_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* A YAML int as Go resolves it: sign, 0x/0o/0b/leading-0 prefixes; '_' already removed. */
static bool parse_int(const char *s, bool *neg, uint64_t *mag)
{
	unsigned long long v;
	const char *d;
	char *end;
	int base = 10;

	*neg = false;
	if (*s == '+' || *s == '-')
		*neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s += 1;
	if (!*s)
		return false;
	for (d = s; *d; d++)
		if (digit_value(*d) >= base)
			return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	if (*neg && v > (uint64_t)INT64_MAX + 1)
		return false;
	*mag = v;
	return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_yaml_float(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (*s == '.') {
		if (!is_digit(*++s))
			return false;
		while (is_digit(*s))
			s++;
	} else {
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
		if (*s == '.')
			for (s++; is_digit(*s); s++)
				;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
	}
	return !*s;
}

enum rkind { R_STR, R_NULL, R_BOOL, R_INT, R_FLOAT };

struct rval {
	enum rkind kind;
	bool b;
	bool neg; /* R_INT: magnitude and sign */
	uint64_t mag;
	double f;
};

/* Resolves a scalar the way Go's YAML decoder does before storing it in a typed field. */
static void resolve(const yaml_node_t *n, struct rval *r)
{
	static const char *const inf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	static const char *const nan_forms[] = { ".nan", ".NaN", ".NAN", NULL };
	char plain[128];
	size_t i, j;
	char *end;

	memset(r, 0, sizeof(*r));
	r->kind = R_STR;
	if (!is_plain(n))
		return;
	if (text_in(n, null_forms)) {
		r->kind = R_NULL;
		return;
	}
	if (text_in(n, true_forms) || text_in(n, false_forms)) {
		r->kind = R_BOOL;
		r->b = text_in(n, true_forms);
		return;
	}
	if (text_in(n, inf) || text_in(n, ninf) || text_in(n, nan_forms)) {
		r->kind = R_FLOAT;
		r->f = text_in(n, nan_forms) ? NAN : text_in(n, inf) ? INFINITY : -INFINITY;
		return;
	}
	if (slen(n) >= sizeof(plain) || memchr(sval(n), 0, slen(n)))
		return;
	for (i = 0, j = 0; i < slen(n); i++)
		if (sval(n)[i] != '_')
			plain[j++] = sval(n)[i];
	plain[j] = 0;
	if (parse_int(plain, &r->neg, &r->mag)) {
		r->kind = R_INT;
		return;
	}
	if (is_yaml_float(plain)) {
		r->f = strtod(plain, &end);
		if (!*end && !isinf(r->f))
			r->kind = R_FLOAT;
	}
}

static int type_error(struct parser *p, const yaml_node_t *n, const char *key, const char *expected)
{
	if (n->type == YAML_MAPPING_NODE)
		return fail(p, node_line(n), NULL,
			    "cannot unmarshal a mapping into %s (expected %s)", key, expected);
	if (n->type == YAML_SEQUENCE_NODE)
		return fail(p, node_line(n), NULL, "cannot unmarshal a list into %s (expected %s)",
			    key, expected);
	return fail(p, node_line(n), NULL, "cannot unmarshal \"%.*s%s\" into %s (expected %s)",
		    slen(n) > 64 ? 64 : (int)slen(n), sval(n), slen(n) > 64 ? "..." : "", key,
		    expected);
}

/* Null leaves *out alone; any other scalar gives its literal text. */
static int get_str(struct parser *p, const yaml_node_t *n, const char *key, char **out)
{
	char *s;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SCALAR_NODE)
		return type_error(p, n, key, "a string");
	if (memchr(sval(n), 0, slen(n)))
		return fail(p, node_line(n), NULL, "NUL character in %s", key);
	s = strndup(sval(n), slen(n));
	if (!s)
		return oom(p);
	free(*out);
	*out = s;
	return 0;
}

static int ensure_str(struct parser *p, char **s)
{
	if (!*s && !(*s = strdup("")))
		return oom(p);
	return 0;
}

static int get_bool(struct parser *p, const yaml_node_t *n, const char *key, bool *out)
{
	struct rval r = { 0 };

	if (n->type == YAML_SCALAR_NODE)
		resolve(n, &r);
	if (r.kind == R_NULL)
		return 0;
	if (n->type != YAML_SCALAR_NODE || r.kind != R_BOOL)
		return type_error(p, n, key, "a boolean");
	*out = r.b;
	return 0;
}

static bool integral(double f, double lo, double hi)
{
	return isfinite(f) && f == floor(f) && f >= lo && f < hi;
}

static int get_uint(struct parser *p, const yaml_node_t *n, const char *key, uint64_t *out)
{
	struct rval r = { 0 };

	if (n->type == YAML_SCALAR_NODE)
		resolve(n, &r);
	if (r.kind == R_NULL)
		return 0;
	if (r.kind == R_INT && (!r.neg || !r.mag))
		*out = r.mag;
	else if (r.kind == R_FLOAT && integral(r.f, 0, 0x1p64))
		*out = (uint64_t)r.f;
	else
		return type_error(p, n, key, "an unsigned integer");
	return 0;
}

/* An int64 from an integer or an integral float. */
static bool to_int64(const struct rval *r, int64_t *out)
{
	if (r->kind == R_INT && r->neg && r->mag <= (uint64_t)INT64_MAX + 1)
		*out = r->mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)r->mag;
	else if (r->kind == R_INT && !r->neg && r->mag <= INT64_MAX)
		*out = (int64_t)r->mag;
	else if (r->kind == R_FLOAT && integral(r->f, -0x1p63, 0x1p63))
		*out = (int64_t)r->f;
	else
		return false;
	return true;
}

static int get_int(struct parser *p, const yaml_node_t *n, const char *key, int64_t *out)
{
	struct rval r = { 0 };

	if (n->type == YAML_SCALAR_NODE)
		resolve(n, &r);
	if (r.kind == R_NULL)
		return 0;
	if (!to_int64(&r, out))
		return type_error(p, n, key, "an integer");
	return 0;
}

static int get_float(struct parser *p, const yaml_node_t *n, const char *key, double *out)
{
	struct rval r = { 0 };

	if (n->type == YAML_SCALAR_NODE)
		resolve(n, &r);
	if (r.kind == R_NULL)
		return 0;
	if (r.kind == R_INT)
		*out = r.neg ? -(double)r.mag : (double)r.mag;
	else if (r.kind == R_FLOAT)
		*out = r.f;
	else
		return type_error(p, n, key, "a number");
	return 0;
}

static uint64_t duration_unit(const char *u, size_t len)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1ULL },
		{ "us", 1000ULL },
		{ "\xc2\xb5s", 1000ULL }, /* U+00B5 micro sign */
		{ "\xce\xbcs", 1000ULL }, /* U+03BC greek mu */
		{ "ms", 1000000ULL },
		{ "s", 1000000000ULL },
		{ "m", 60ULL * 1000000000ULL },
		{ "h", 3600ULL * 1000000000ULL },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len && !memcmp(units[i].name, u, len))
			return units[i].ns;
	return 0;
}

/* Go's time.ParseDuration: [-+]? then (number unit)+, or "0". Returns 0 or -EINVAL/-ERANGE. */
static int parse_duration(const char *s, size_t len, int64_t *out)
{
	const uint64_t lim = 1ULL << 63;
	const char *end = s + len;
	uint64_t d = 0;
	bool neg = false;

	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	if (end - s == 1 && *s == '0') {
		*out = 0;
		return 0;
	}
	if (s == end)
		return -EINVAL;
	while (s < end) {
		uint64_t v = 0, f = 0, unit;
		double scale = 1;
		bool pre, post = false, overflow = false;
		const char *start = s;

		if (*s != '.' && !is_digit(*s))
			return -EINVAL;
		for (; s < end && is_digit(*s); s++) {
			if (v > lim / 10)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > lim)
				return -ERANGE;
		}
		pre = s != start;
		if (s < end && *s == '.') {
			for (start = ++s; s < end && is_digit(*s); s++) {
				if (overflow)
					continue;
				if (f > (lim - 1) / 10 || f * 10 + (uint64_t)(*s - '0') > lim) {
					overflow = true;
					continue;
				}
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
			post = s != start;
		}
		if (!pre && !post)
			return -EINVAL;
		for (start = s; s < end && *s != '.' && !is_digit(*s); s++)
			;
		unit = duration_unit(start, (size_t)(s - start));
		if (!unit)
			return -EINVAL;
		if (v > lim / unit)
			return -ERANGE;
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > lim)
				return -ERANGE;
		}
		if (v > lim - d)
			return -ERANGE;
		d += v;
	}
	if (neg) {
		*out = d == lim ? INT64_MIN : -(int64_t)d;
		return 0;
	}
	if (d > lim - 1)
		return -ERANGE;
	*out = (int64_t)d;
	return 0;
}

/* A Go duration string, or a number of nanoseconds. */
static int get_duration(struct parser *p, const yaml_node_t *n, const char *key, int64_t *out)
{
	struct rval r = { 0 };
	bool ok;

	if (n->type == YAML_SCALAR_NODE)
		resolve(n, &r);
	if (r.kind == R_NULL)
		return 0;
	if (r.kind == R_INT || r.kind == R_FLOAT)
		ok = to_int64(&r, out);
	else
		ok = n->type == YAML_SCALAR_NODE && r.kind == R_STR &&
		     !parse_duration(sval(n), slen(n), out);
	if (!ok)
		return type_error(p, n, key, "a duration such as 30s, 1m or 1h30m");
	return 0;
}

/* ---- mappings ---- */

struct pair {
	const yaml_node_t *key;
	const yaml_node_t *val;
};

struct pairs {
	struct pair *v;
	size_t n;
	size_t cap;
};

static yaml_node_t *node_at(struct parser *p, yaml_node_item_t i)
{
	return yaml_document_get_node(p->doc, i);
}

static bool same_key(const yaml_node_t *a, const yaml_node_t *b)
{
	return slen(a) == slen(b) && !memcmp(sval(a), sval(b), slen(a));
}

static const struct pair *pairs_find(const struct pairs *ps, const yaml_node_t *key)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (same_key(ps->v[i].key, key))
			return &ps->v[i];
	return NULL;
}

static int pairs_add(struct parser *p, struct pairs *ps, const yaml_node_t *k, const yaml_node_t *v)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 8;
		struct pair *nv = reallocarray(ps->v, cap, sizeof(*nv));

		if (!nv)
			return oom(p);
		ps->v = nv;
		ps->cap = cap;
	}
	ps->v[ps->n].key = k;
	ps->v[ps->n].val = v;
	ps->n++;
	return 0;
}

static int collect(struct parser *p, const yaml_node_t *map, const struct ctx *c, struct pairs *own,
		   int depth);

/* `<<: *anchor` or `<<: [*a, *b]`: keys of earlier maps win over later ones. */
static int merge(struct parser *p, const yaml_node_t *v, const struct ctx *c, struct pairs *dst,
		 int depth)
{
	size_t i, count = 1;
	int err = 0;

	if (depth >= MERGE_MAX_DEPTH)
		return fail(p, node_line(v), c, "merge keys nested too deeply");
	if (v->type == YAML_SEQUENCE_NODE)
		count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	else if (v->type != YAML_MAPPING_NODE)
		return fail(p, node_line(v), c, "map merge requires a map or a list of maps");
	for (i = 0; !err && i < count; i++) {
		const yaml_node_t *m = v;
		struct pairs tmp = { 0 };
		size_t j;

		if (v->type == YAML_SEQUENCE_NODE)
			m = node_at(p, v->data.sequence.items.start[i]);
		if (m->type != YAML_MAPPING_NODE)
			return fail(p, node_line(m), c,
				    "map merge requires a map or a list of maps");
		err = collect(p, m, c, &tmp, depth + 1);
		for (j = 0; !err && j < tmp.n; j++)
			if (!pairs_find(dst, tmp.v[j].key))
				err = pairs_add(p, dst, tmp.v[j].key, tmp.v[j].val);
		free(tmp.v);
	}
	return err;
}

/*
 * The key/value pairs of a mapping, merge keys resolved. Keys must be scalars and unique.
 * On error, own may hold pairs: the caller frees own->v.
 */
static int collect(struct parser *p, const yaml_node_t *map, const struct ctx *c, struct pairs *own,
		   int depth)
{
	yaml_node_pair_t *it;
	struct pairs merged = { 0 };
	int err = 0;
	size_t i;

	for (it = map->data.mapping.pairs.start; !err && it < map->data.mapping.pairs.top; it++) {
		const yaml_node_t *k = node_at(p, it->key), *v = node_at(p, it->value);
		const struct pair *prev;

		if (k->type != YAML_SCALAR_NODE) {
			err = fail(p, node_line(k), c, "mapping key is not a scalar");
		} else if (is_plain(k) && text_is(k, "<<")) {
			err = merge(p, v, c, &merged, depth);
		} else if ((prev = pairs_find(own, k))) {
			err = fail(p, node_line(k), c,
				   "mapping key \"%s\" already defined at line %d", sval(k),
				   node_line(prev->key));
		} else {
			err = pairs_add(p, own, k, v);
		}
	}
	for (i = 0; !err && i < merged.n; i++)
		if (!pairs_find(own, merged.v[i].key))
			err = pairs_add(p, own, merged.v[i].key, merged.v[i].val);
	free(merged.v);
	return err;
}

/* The text of a direct `name:` scalar, so errors met before it is parsed can name the object. */
static const char *peek_name(struct parser *p, const yaml_node_t *n)
{
	yaml_node_pair_t *it;

	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	for (it = n->data.mapping.pairs.start; it < n->data.mapping.pairs.top; it++) {
		const yaml_node_t *k = node_at(p, it->key), *v = node_at(p, it->value);

		if (text_is(k, "name") && v->type == YAML_SCALAR_NODE && !is_null(v))
			return sval(v);
	}
	return NULL;
}

typedef int (*field_fn)(struct parser *p, const yaml_node_t *k, const yaml_node_t *v, struct ctx *c,
			void *obj);

/*
 * Parses a mapping into obj: `name` first (when name is given) so that the context names the
 * object, then every other key through fn, which returns KEY_UNKNOWN for keys it lacks.
 */
static int parse_object(struct parser *p, const yaml_node_t *n, const char *what, struct ctx *c,
			char **name, void *obj, field_fn fn)
{
	struct pairs ps = { 0 };
	const struct pair *np = NULL;
	const yaml_node_t *name_key;
	size_t i;
	int err;

	if (name)
		c->name = peek_name(p, n);
	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return type_error(p, n, what, "a mapping");
	err = collect(p, n, c, &ps, 0);
	for (i = 0; name && !err && i < ps.n; i++) {
		name_key = ps.v[i].key;
		if (text_is(name_key, "name")) {
			np = &ps.v[i];
			err = get_str(p, np->val, "name", name);
			c->name = *name;
		}
	}
	for (i = 0; !err && i < ps.n; i++) {
		if (&ps.v[i] == np)
			continue;
		err = fn(p, ps.v[i].key, ps.v[i].val, c, obj);
		if (err == KEY_UNKNOWN)
			err = fail(p, node_line(ps.v[i].key), c, "unknown key \"%s\"",
				   sval(ps.v[i].key));
	}
	free(ps.v);
	return err;
}

/* ---- lists ---- */

typedef int (*elem_fn)(struct parser *p, const yaml_node_t *n, const struct ctx *parent,
		       void *elem);

/*
 * A list of objects: *arr and *count are set before the elements are parsed, so that the
 * caller can store them for config_free() even on error.
 */
static int get_list(struct parser *p, const yaml_node_t *n, const char *key,
		    const struct ctx *parent, size_t size, elem_fn fn, void **arr, size_t *count,
		    bool *set)
{
	size_t i, cnt;
	char *a;
	int err;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return type_error(p, n, key, "a list");
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	a = calloc(cnt ? cnt : 1, size);
	if (!a)
		return oom(p);
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

static int get_str_list(struct parser *p, const yaml_node_t *n, const char *key, char ***vals,
			int **lines, size_t *count, bool *set)
{
	size_t i, cnt;
	int err;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return type_error(p, n, key, "a list");
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*vals = calloc(cnt ? cnt : 1, sizeof(**vals));
	*lines = calloc(cnt ? cnt : 1, sizeof(**lines));
	if (!*vals || !*lines)
		return oom(p);
	*count = cnt;
	if (set)
		*set = true;
	for (i = 0; i < cnt; i++) {
		const yaml_node_t *e = node_at(p, n->data.sequence.items.start[i]);

		(*lines)[i] = node_line(e);
		err = get_str(p, e, key, &(*vals)[i]);
		if (!err)
			err = ensure_str(p, &(*vals)[i]);
		if (err)
			return err;
	}
	return 0;
}

static int get_float_list(struct parser *p, const yaml_node_t *n, const char *key, double **vals,
			  int **lines, size_t *count)
{
	size_t i, cnt;
	int err;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return type_error(p, n, key, "a list");
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*vals = calloc(cnt ? cnt : 1, sizeof(**vals));
	*lines = calloc(cnt ? cnt : 1, sizeof(**lines));
	if (!*vals || !*lines)
		return oom(p);
	*count = cnt;
	for (i = 0; i < cnt; i++) {
		const yaml_node_t *e = node_at(p, n->data.sequence.items.start[i]);

		(*lines)[i] = node_line(e);
		err = get_float(p, e, key, &(*vals)[i]);
		if (err)
			return err;
	}
	return 0;
}

/* ---- the schema (SPEC §2.2) ---- */

static int get_static_map(struct parser *p, const yaml_node_t *n, struct ctx *c,
			  struct decoder_conf *d)
{
	struct ctx mc = { .kind = "static_map", .parent = c };
	struct pairs ps = { 0 };
	size_t i;
	int err;

	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return type_error(p, n, "static_map", "a mapping");
	err = collect(p, n, &mc, &ps, 0);
	if (!err) {
		d->static_map = calloc(ps.n ? ps.n : 1, sizeof(*d->static_map));
		if (!d->static_map)
			err = oom(p);
	}
	if (!err) {
		d->n_static_map = ps.n;
		d->static_map_set = true;
	}
	for (i = 0; !err && i < ps.n; i++) {
		struct static_map_entry *e = &d->static_map[i];

		e->line = node_line(ps.v[i].key);
		err = get_str(p, ps.v[i].key, "static_map", &e->key);
		if (!err)
			err = get_str(p, ps.v[i].val, "static_map", &e->value);
		if (!err)
			err = ensure_str(p, &e->key);
		if (!err)
			err = ensure_str(p, &e->value);
	}
	free(ps.v);
	return err;
}

static int decoder_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v,
			 struct ctx *c, void *obj)
{
	struct decoder_conf *d = obj;

	if (text_is(k, "static_map"))
		return get_static_map(p, v, c, d);
	if (text_is(k, "allow_unknown"))
		return get_bool(p, v, "allow_unknown", &d->allow_unknown);
	if (text_is(k, "regexps"))
		return get_str_list(p, v, "regexps", &d->regexps, &d->regexp_lines, &d->n_regexps,
				    &d->regexps_set);
	return KEY_UNKNOWN;
}

static int parse_decoder(struct parser *p, const yaml_node_t *n, const struct ctx *parent,
			 void *elem)
{
	struct decoder_conf *d = elem;
	struct ctx c = { .kind = "decoder", .named = true, .parent = parent };
	int err;

	d->line = node_line(n);
	err = parse_object(p, n, "decoders", &c, &d->name, d, decoder_field);
	return err ? err : ensure_str(p, &d->name);
}

static int label_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v, struct ctx *c,
		       void *obj)
{
	struct label_conf *l = obj;
	void *arr = NULL;
	int err;

	if (text_is(k, "size"))
		return get_uint(p, v, "size", &l->size);
	if (text_is(k, "padding"))
		return get_uint(p, v, "padding", &l->padding);
	if (text_is(k, "decoders")) {
		err = get_list(p, v, "decoders", c, sizeof(*l->decoders), parse_decoder, &arr,
			       &l->n_decoders, NULL);
		l->decoders = arr;
		return err;
	}
	return KEY_UNKNOWN;
}

static int parse_label(struct parser *p, const yaml_node_t *n, const struct ctx *parent, void *elem)
{
	struct label_conf *l = elem;
	struct ctx c = { .kind = "label", .named = true, .parent = parent };
	int err;

	l->line = node_line(n);
	err = parse_object(p, n, "labels", &c, &l->name, l, label_field);
	return err ? err : ensure_str(p, &l->name);
}

static int get_labels(struct parser *p, const yaml_node_t *n, const struct ctx *c,
		      struct label_conf **labels, size_t *count)
{
	void *arr = NULL;
	int err;

	err = get_list(p, n, "labels", c, sizeof(**labels), parse_label, &arr, count, NULL);
	*labels = arr;
	return err;
}

static int counter_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v,
			 struct ctx *c, void *obj)
{
	struct counter_conf *m = obj;

	if (text_is(k, "help"))
		return get_str(p, v, "help", &m->help);
	if (text_is(k, "perf_event_array"))
		return get_bool(p, v, "perf_event_array", &m->perf_event_array);
	if (text_is(k, "flush_interval"))
		return get_duration(p, v, "flush_interval", &m->flush_interval_ns);
	if (text_is(k, "labels"))
		return get_labels(p, v, c, &m->labels, &m->n_labels);
	return KEY_UNKNOWN;
}

static int parse_counter(struct parser *p, const yaml_node_t *n, const struct ctx *parent,
			 void *elem)
{
	struct counter_conf *m = elem;
	struct ctx c = { .kind = "counter", .named = true, .parent = parent };
	int err;

	m->line = node_line(n);
	err = parse_object(p, n, "counters", &c, &m->name, m, counter_field);
	if (m->flush_interval_ns <= 0)
		m->flush_interval_ns = ONE_HOUR_NS;
	if (!err)
		err = ensure_str(p, &m->name);
	return err ? err : ensure_str(p, &m->help);
}

static int histogram_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v,
			   struct ctx *c, void *obj)
{
	struct histogram_conf *h = obj;
	int err;

	if (text_is(k, "help"))
		return get_str(p, v, "help", &h->help);
	if (text_is(k, "bucket_type")) {
		h->bucket_type_line = node_line(k);
		err = get_str(p, v, "bucket_type", &h->bucket_type_name);
		h->bucket_type = config_bucket_type(h->bucket_type_name);
		return err;
	}
	if (text_is(k, "bucket_multiplier"))
		return get_float(p, v, "bucket_multiplier", &h->bucket_multiplier);
	if (text_is(k, "bucket_min")) {
		h->bucket_min_line = node_line(k);
		return get_int(p, v, "bucket_min", &h->bucket_min);
	}
	if (text_is(k, "bucket_max")) {
		h->bucket_max_line = node_line(k);
		return get_int(p, v, "bucket_max", &h->bucket_max);
	}
	if (text_is(k, "bucket_keys")) {
		h->bucket_keys_line = node_line(k);
		return get_float_list(p, v, "bucket_keys", &h->bucket_keys, &h->bucket_key_lines,
				      &h->n_bucket_keys);
	}
	if (text_is(k, "labels"))
		return get_labels(p, v, c, &h->labels, &h->n_labels);
	return KEY_UNKNOWN;
}

static int parse_histogram(struct parser *p, const yaml_node_t *n, const struct ctx *parent,
			   void *elem)
{
	struct histogram_conf *h = elem;
	struct ctx c = { .kind = "histogram", .named = true, .parent = parent };
	int err;

	h->line = node_line(n);
	err = parse_object(p, n, "histograms", &c, &h->name, h, histogram_field);
	if (!err)
		err = ensure_str(p, &h->name);
	return err ? err : ensure_str(p, &h->help);
}

static int span_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v, struct ctx *c,
		      void *obj)
{
	struct span_conf *s = obj;

	if (text_is(k, "ringbuf"))
		return get_str(p, v, "ringbuf", &s->ringbuf);
	if (text_is(k, "service"))
		return get_str(p, v, "service", &s->service);
	if (text_is(k, "labels"))
		return get_labels(p, v, c, &s->labels, &s->n_labels);
	return KEY_UNKNOWN;
}

static int parse_span(struct parser *p, const yaml_node_t *n, const struct ctx *parent, void *elem)
{
	struct span_conf *s = elem;
	struct ctx c = { .kind = "span", .named = true, .parent = parent };
	int err;

	s->line = node_line(n);
	err = parse_object(p, n, "spans", &c, &s->name, s, span_field);
	if (!err)
		err = ensure_str(p, &s->name);
	if (!err)
		err = ensure_str(p, &s->ringbuf);
	return err ? err : ensure_str(p, &s->service);
}

/* Counters, histograms and spans are named in errors as children of the config, not of
 * `metrics`/`tracing`: hence c->parent. */
static int metrics_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v,
			 struct ctx *c, void *obj)
{
	struct config *cfg = obj;
	void *arr = NULL;
	int err;

	if (text_is(k, "counters")) {
		err = get_list(p, v, "counters", c->parent, sizeof(*cfg->counters), parse_counter,
			       &arr, &cfg->n_counters, &cfg->counters_set);
		cfg->counters = arr;
		return err;
	}
	if (text_is(k, "histograms")) {
		err = get_list(p, v, "histograms", c->parent, sizeof(*cfg->histograms),
			       parse_histogram, &arr, &cfg->n_histograms, &cfg->histograms_set);
		cfg->histograms = arr;
		return err;
	}
	return KEY_UNKNOWN;
}

static int tracing_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v,
			 struct ctx *c, void *obj)
{
	struct config *cfg = obj;
	void *arr = NULL;
	int err;

	if (text_is(k, "spans")) {
		err = get_list(p, v, "spans", c->parent, sizeof(*cfg->spans), parse_span, &arr,
			       &cfg->n_spans, &cfg->spans_set);
		cfg->spans = arr;
		return err;
	}
	return KEY_UNKNOWN;
}

static int cgroup_id_map_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v,
			       struct ctx *c, void *obj)
{
	struct cgroup_id_map_conf *m = obj;

	if (text_is(k, "type"))
		return get_str(p, v, "type", &m->type);
	if (text_is(k, "regexps"))
		return get_str_list(p, v, "regexps", &m->regexps, &m->regexp_lines, &m->n_regexps,
				    NULL);
	return KEY_UNKNOWN;
}

static int top_field(struct parser *p, const yaml_node_t *k, const yaml_node_t *v, struct ctx *c,
		     void *obj)
{
	struct config *cfg = obj;
	struct ctx sub = { .parent = c };
	char *ignored = NULL;
	int err;

	if (text_is(k, "name")) {
		/* accepted, then overwritten by the file name as upstream does */
		err = get_str(p, v, "name", &ignored);
		free(ignored);
		return err;
	}
	if (text_is(k, "metrics")) {
		sub.kind = "metrics";
		return parse_object(p, v, "metrics", &sub, NULL, cfg, metrics_field);
	}
	if (text_is(k, "tracing")) {
		sub.kind = "tracing";
		return parse_object(p, v, "tracing", &sub, NULL, cfg, tracing_field);
	}
	if (text_is(k, "kaddrs"))
		return get_str_list(p, v, "kaddrs", &cfg->kaddrs, &cfg->kaddr_lines, &cfg->n_kaddrs,
				    NULL);
	if (text_is(k, "cgroup_id_map")) {
		sub.kind = "cgroup_id_map";
		cfg->cgroup_id_map.line = node_line(k);
		return parse_object(p, v, "cgroup_id_map", &sub, &cfg->cgroup_id_map.name,
				    &cfg->cgroup_id_map, cgroup_id_map_field);
	}
	return KEY_UNKNOWN;
}

/* ---- validation (SPEC §2.3, plus the startup checks of SPEC §0) ---- */

struct validator {
	const struct config *cfg;
	struct buf *msg;
};

/*
 * `<ctx> in config "c": <what> (<path> line N)`; without ctx, fmt is the whole sentence.
 * Returns -EINVAL (or -ENOMEM).
 */
__attribute__((format(printf, 4, 5))) static int vfail(struct validator *v, int line,
						       const struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int err = 0;

	if (c) {
		err = ctx_put(v->msg, c);
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

static bool known_decoder(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(decoder_names) / sizeof(decoder_names[0]); i++)
		if (!strcmp(name, decoder_names[i]))
			return true;
	return false;
}

static int check_labels(struct validator *v, const struct label_conf *labels, size_t n,
			const struct ctx *parent)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct label_conf *l = &labels[i];
		struct ctx c = { .kind = "label", .named = true, .name = l->name, .parent = parent };

		if (!l->size)
			return vfail(v, l->line, &c, "size is zero or not set");
		if (!l->n_decoders)
			return vfail(v, l->line, &c, "no decoders set");
		for (j = 0; j < l->n_decoders; j++) {
			const struct decoder_conf *d = &l->decoders[j];
			struct ctx dc = {
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
			   const struct ctx *root)
{
	static const char types[] = "(expected exp2, exp2zero, linear or fixed)";
	struct ctx c = { .kind = "histogram", .named = true, .name = h->name, .parent = root };
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

static int validate(const struct config *cfg, struct buf *msg)
{
	const struct cgroup_id_map_conf *cg = &cfg->cgroup_id_map;
	struct ctx root = { .kind = "config", .named = true, .name = cfg->name };
	struct validator v = { .cfg = cfg, .msg = msg };
	size_t i;
	int err;

	if (!cfg->counters_set && !cfg->histograms_set && !cfg->spans_set)
		return vfail(&v, 0, NULL,
			     "neither metrics nor tracing are defined for config \"%s\"",
			     cfg->name);
	for (i = 0; i < cfg->n_counters; i++) {
		const struct counter_conf *m = &cfg->counters[i];

		if (!*m->name)
			return vfail(&v, m->line, NULL, "counter \"\" in config \"%s\" lacks name",
				     cfg->name);
		if (!*m->help)
			return vfail(&v, m->line, NULL,
				     "counter \"%s\" in config \"%s\" lacks help", m->name,
				     cfg->name);
	}
	for (i = 0; i < cfg->n_histograms; i++) {
		const struct histogram_conf *h = &cfg->histograms[i];

		if (!*h->name)
			return vfail(&v, h->line, NULL,
				     "histogram \"\" in config \"%s\" lacks name", cfg->name);
		if (!*h->help)
			return vfail(&v, h->line, NULL,
				     "histogram \"%s\" in config \"%s\" lacks help", h->name,
				     cfg->name);
	}
	for (i = 0; i < cfg->n_counters; i++) {
		const struct counter_conf *m = &cfg->counters[i];
		struct ctx c = {
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
		struct ctx c = { .kind = "span", .named = true, .name = s->name, .parent = &root };

		err = check_labels(&v, s->labels, s->n_labels, &c);
		if (err)
			return err;
	}
	if (*cg->type && strcmp(cg->type, "hash") && strcmp(cg->type, "cgrp_storage")) {
		struct ctx c = { .kind = "cgroup_id_map", .parent = &root };

		return vfail(&v, cg->line, &c,
			     "unknown type \"%s\" (expected hash or cgrp_storage)", cg->type);
	}
	return 0;
}

/* ---- entry points ---- */

/* Go's path.Clean, in place. */
static void path_clean(char *s)
{
	bool rooted = s[0] == '/';
	size_t n = strlen(s), r = 0, w = 0, dotdot = 0;

	if (rooted) {
		s[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (s[r] == '/') {
			r++;
		} else if (s[r] == '.' && (r + 1 == n || s[r + 1] == '/')) {
			r++;
		} else if (s[r] == '.' && s[r + 1] == '.' && (r + 2 == n || s[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				for (w--; w > dotdot && s[w] != '/'; w--)
					;
			} else if (!rooted) {
				if (w > 0)
					s[w++] = '/';
				s[w++] = '.';
				s[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				s[w++] = '/';
			for (; r < n && s[r] != '/'; r++)
				s[w++] = s[r];
		}
	}
	if (!w)
		s[w++] = '.';
	s[w] = 0;
}

/* Go's filepath.Join(dir, name + suffix). NULL on OOM. */
static char *path_join(const char *dir, const char *name, const char *suffix)
{
	struct buf b = { 0 };

	if (buf_printf(&b, "%s%s%s%s", dir, *dir ? "/" : "", name, suffix)) {
		buf_free(&b);
		return NULL;
	}
	path_clean(b.data);
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

static void syntax_error(struct parser *p, const yaml_parser_t *yp, const char *text, size_t len)
{
	const char *problem = yp->problem ? yp->problem : "unknown error";
	size_t i, line = 1;
	int err;

	if (yp->error == YAML_MEMORY_ERROR) {
		oom(p);
		return;
	}
	if (yp->error == YAML_READER_ERROR) {
		for (i = 0; i < len && i < yp->problem_offset; i++)
			line += text[i] == '\n';
		err = buf_printf(&p->msg, "line %zu: %s", line, problem);
	} else {
		err = buf_printf(&p->msg, "line %zu column %zu: %s", yp->problem_mark.line + 1,
				 yp->problem_mark.column + 1, problem);
		if (!err && yp->context)
			err = buf_printf(&p->msg, " (%s at line %zu column %zu)", yp->context,
					 yp->context_mark.line + 1, yp->context_mark.column + 1);
	}
	p->err = err ? -ENOMEM : -EINVAL;
}

static int parse_text(const char *text, size_t len, char *yaml_path, char *obj_path,
		      const char *name, struct config **out, char *err, size_t errlen)
{
	struct parser p = { 0 };
	struct config *cfg;
	yaml_parser_t yp;
	yaml_document_t doc;
	const yaml_node_t *root;
	struct ctx root_ctx = { .kind = "config", .named = true, .name = name };

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
		oom(&p);
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
		parse_object(&p, root, "config", &root_ctx, NULL, cfg, top_field);
	}
	if (!p.err)
		p.err = ensure_str(&p, &cfg->cgroup_id_map.name);
	if (!p.err)
		p.err = ensure_str(&p, &cfg->cgroup_id_map.type);
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
out:
	if (p.err) {
		set_err(err, errlen, "error parsing \"%s\" for config \"%s\": %s", cfg->yaml_path,
			name, p.msg.data ? p.msg.data : "out of memory");
	} else {
		buf_reset(&p.msg);
		p.err = validate(cfg, &p.msg);
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
	ssize_t n;
	int fd, ret;

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
	fd = open(yaml_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "error opening \"%s\" for config \"%s\": %s", yaml_path, name,
			strerror(-ret));
		goto out_free;
	}
	for (;;) {
		if (b.len + 4096 >= CONFIG_MAX_FILE_SIZE) {
			ret = -EFBIG;
			set_err(err, errlen,
				"error parsing \"%s\" for config \"%s\": file larger than %zu bytes",
				yaml_path, name, CONFIG_MAX_FILE_SIZE);
			goto out_close;
		}
		ret = buf_reserve(&b, 4096);
		if (ret) {
			set_err(err, errlen,
				"error parsing \"%s\" for config \"%s\": out of memory", yaml_path,
				name);
			goto out_close;
		}
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			set_err(err, errlen, "error parsing \"%s\" for config \"%s\": read %s: %s",
				yaml_path, name, yaml_path, strerror(-ret));
			goto out_close;
		}
		if (!n)
			break;
		b.len += (size_t)n;
	}
	close(fd);
	ret = parse_text(b.data ? b.data : "", b.len, yaml_path, obj_path, name, out, err, errlen);
	buf_free(&b);
	return ret;

out_close:
	close(fd);
out_free:
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
