// SPDX-License-Identifier: MIT
/*
 * The web configuration file: libyaml's document, walked as Go's strict YAML decoder walks the
 * exporter toolkit's structures. Every mapping accepts its own keys only, a key appears once,
 * scalars are typed as the Go decoder types them (YAML 1.1 booleans, Go integers and
 * durations), and the values with a fixed set (client auth types, TLS versions, cipher suites,
 * curves, the header allow-list, bcrypt hashes) are checked here, so that a bad file is refused
 * with the line and the key at fault.
 */
#include "web/web_config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/buf.h"
#include "util/file.h"
#include "util/gofmt.h"
#include "util/gostr.h"
#include "util/goyaml.h"

/* A web configuration is small: anything this big is not one. */
#define WEB_CONFIG_MAX_SIZE ((size_t)4 << 20)

/* ---- cipher suites: Go's crypto/tls CipherSuites(), the secure ones ---- */

static const struct {
	const char *name;
	uint16_t id;
} cipher_suites[] = {
	{ "TLS_AES_128_GCM_SHA256", 0x1301 },
	{ "TLS_AES_256_GCM_SHA384", 0x1302 },
	{ "TLS_CHACHA20_POLY1305_SHA256", 0x1303 },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc009 },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xc00a },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xc013 },
	{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xc014 },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c },
	{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f },
	{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030 },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8 },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9 },
};

#define N_CIPHER_SUITES (sizeof(cipher_suites) / sizeof(cipher_suites[0]))

uint16_t web_cipher_suite_id(const char *go_name)
{
	size_t i;

	if (!go_name)
		return 0;
	for (i = 0; i < N_CIPHER_SUITES; i++)
		if (!strcmp(cipher_suites[i].name, go_name))
			return cipher_suites[i].id;
	return 0;
}

const char *web_cipher_suite_name(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_CIPHER_SUITES; i++)
		if (cipher_suites[i].id == id)
			return cipher_suites[i].name;
	return NULL;
}

static const struct {
	const char *name;
	uint16_t id;
} curves[] = {
	{ "CurveP256", 23 },
	{ "CurveP384", 24 },
	{ "CurveP521", 25 },
	{ "X25519", 29 },
};

static const struct {
	const char *name;
	enum web_tls_version v;
} tls_versions[] = {
	{ "TLS10", WEB_TLS10 },
	{ "TLS11", WEB_TLS11 },
	{ "TLS12", WEB_TLS12 },
	{ "TLS13", WEB_TLS13 },
};

static const struct {
	const char *name;
	enum web_client_auth v;
} client_auths[] = {
	{ "NoClientCert", WEB_CLIENT_AUTH_NONE },
	{ "RequestClientCert", WEB_CLIENT_AUTH_REQUEST },
	{ "RequireAnyClientCert", WEB_CLIENT_AUTH_REQUIRE_ANY },
	{ "RequireClientCert", WEB_CLIENT_AUTH_REQUIRE_ANY },
	{ "VerifyClientCertIfGiven", WEB_CLIENT_AUTH_VERIFY_IF_GIVEN },
	{ "RequireAndVerifyClientCert", WEB_CLIENT_AUTH_REQUIRE_VERIFY },
};

/*
 * The headers a web configuration may set, and the values allowed for those that are an
 * enumeration (NULL: any value). Names are matched exactly, as the toolkit does.
 */
static const struct {
	const char *name;
	const char *values[3];
} header_allow[] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin", NULL } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

/* ---- the parser ---- */

struct parser {
	const char *path;
	yaml_document_t *doc;
	struct buf msg; /* the first error, without the file prefix */
	int err;
	bool client_auth_named; /* client_auth_type is set, even to NoClientCert */
};

static int node_line(const yaml_node_t *n)
{
	return n->start_mark.line >= 1000000000 ? 1000000000 : (int)n->start_mark.line + 1;
}

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

/* A plain null scalar (or an empty value): the Go decoder leaves the zero value. */
static bool is_null(const yaml_node_t *n)
{
	return goyaml_is_null(n);
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

/* "line N: KEY: <what>" (no key when key is NULL); keeps the first error. Returns -EINVAL. */
static int fail(struct parser *p, const yaml_node_t *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parser *p, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;
	int err = 0;

	if (p->err)
		return p->err;
	if (n)
		err = buf_printf(&p->msg, "line %d: ", node_line(n));
	if (!err && key)
		err = buf_printf(&p->msg, "%s: ", key);
	if (!err) {
		va_start(ap, fmt);
		err = buf_vprintf(&p->msg, fmt, ap);
		va_end(ap);
	}
	if (err)
		return oom(p);
	p->err = -EINVAL;
	return p->err;
}

/* A scalar's text quoted as Go's %q, for messages; at most 64 bytes of it. */
static char *quoted(const yaml_node_t *n)
{
	struct buf b = { 0 };
	char *s;
	size_t len = slen(n) > 64 ? 64 : slen(n);

	s = strndup(sval(n), len);
	if (!s)
		return NULL;
	if (gofmt_buf_quote(&b, s) || (slen(n) > 64 && buf_puts(&b, "..."))) {
		free(s);
		buf_free(&b);
		return NULL;
	}
	free(s);
	return b.data ? b.data : strdup("\"\"");
}

static const char *kind_name(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return "a scalar";
}

/* "KEY: expected WHAT, got "text"" (or "got a mapping"/"got a list"). */
static int type_error(struct parser *p, const yaml_node_t *n, const char *key, const char *what)
{
	char *q;
	int err;

	if (n->type != YAML_SCALAR_NODE)
		return fail(p, n, key, "expected %s, got %s", what, kind_name(n));
	q = quoted(n);
	if (!q)
		return oom(p);
	err = fail(p, n, key, "expected %s, got %s", what, q);
	free(q);
	return err;
}

static yaml_node_t *node_at(struct parser *p, yaml_node_item_t i)
{
	return yaml_document_get_node(p->doc, i);
}

/* parent.key (or key at the top). NULL when out of memory. */
static char *dotted(const char *parent, const char *key)
{
	char *s;

	if (!parent)
		return strdup(key);
	if (asprintf(&s, "%s.%s", parent, key) < 0)
		return NULL;
	return s;
}

/* ---- scalars ---- */

/* The text of a scalar (NULL for null or ""); no NUL bytes. */
static int get_str(struct parser *p, const yaml_node_t *n, const char *key, char **out)
{
	if (is_null(n))
		return 0;
	if (n->type != YAML_SCALAR_NODE)
		return type_error(p, n, key, "a string");
	if (memchr(sval(n), 0, slen(n)))
		return fail(p, n, key, "expected a string without NUL characters");
	if (!slen(n))
		return 0;
	*out = strndup(sval(n), slen(n));
	return *out ? 0 : oom(p);
}

static int get_bool(struct parser *p, const yaml_node_t *n, const char *key, bool *out)
{
	if (is_null(n)) {
		*out = false;
		return 0;
	}
	if (goyaml_bool(n, out))
		return 0;
	return type_error(p, n, key, "true or false");
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/*
 * A plain scalar as the Go decoder's int: an optional sign, then decimal, 0x, 0o, 0b or a
 * leading-0 octal number, '_' separators allowed. Returns false when it is not one or does
 * not fit an int64.
 */
static bool plain_int(const yaml_node_t *n, long long *out)
{
	char s[80], *end;
	const char *d;
	size_t i, j;
	unsigned long long v;
	bool neg = false;
	int base = 10;

	if (!is_plain(n) || slen(n) >= sizeof(s))
		return false;
	for (i = 0, j = 0; i < slen(n); i++)
		if (sval(n)[i] != '_')
			s[j++] = sval(n)[i];
	s[j] = 0;
	d = s;
	if (*d == '+' || *d == '-')
		neg = *d++ == '-';
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		base = 16, d += 2;
	else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O'))
		base = 8, d += 2;
	else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
		base = 2, d += 2;
	else if (d[0] == '0' && d[1])
		base = 8, d += 1;
	if (!*d)
		return false;
	for (i = 0; d[i]; i++)
		if (digit_value(d[i]) >= base)
			return false;
	errno = 0;
	v = strtoull(d, &end, base);
	if (errno || *end)
		return false;
	if (neg ? v > (unsigned long long)INT64_MAX + 1 : v > (unsigned long long)INT64_MAX)
		return false;
	*out = neg ? (long long)(0 - v) : (long long)v;
	return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, the YAML 1.1 float Go resolves. */
static bool plain_float(const yaml_node_t *n, double *out)
{
	char s[80], *end;
	const char *c;
	size_t i, j;

	if (!is_plain(n) || slen(n) >= sizeof(s))
		return false;
	for (i = 0, j = 0; i < slen(n); i++)
		if (sval(n)[i] != '_')
			s[j++] = sval(n)[i];
	s[j] = 0;
	c = s;
	if (*c == '+' || *c == '-')
		c++;
	if (*c == '.') {
		if (!(*++c >= '0' && *c <= '9'))
			return false;
		while (*c >= '0' && *c <= '9')
			c++;
	} else {
		if (!(*c >= '0' && *c <= '9'))
			return false;
		while (*c >= '0' && *c <= '9')
			c++;
		if (*c == '.')
			for (c++; *c >= '0' && *c <= '9'; c++)
				;
	}
	if (*c == 'e' || *c == 'E') {
		c++;
		if (*c == '+' || *c == '-')
			c++;
		if (!(*c >= '0' && *c <= '9'))
			return false;
		while (*c >= '0' && *c <= '9')
			c++;
	}
	if (*c)
		return false;
	*out = strtod(s, &end);
	return !*end && isfinite(*out);
}

/* A float stored in an int field: Go truncates it when it fits. */
static bool float_to_int(double f, long long *out)
{
	if (!(f > -9223372036854775808.0 && f < 9223372036854775808.0))
		return false;
	*out = (long long)f;
	return true;
}

static int get_int(struct parser *p, const yaml_node_t *n, const char *key, long long *out)
{
	double f;

	if (is_null(n)) {
		*out = 0;
		return 0;
	}
	if (plain_int(n, out))
		return 0;
	if (plain_float(n, &f) && float_to_int(f, out))
		return 0;
	return type_error(p, n, key, "an integer");
}

/* A time.Duration: a Go duration string ("30s", "1m30s", "0"), or an integer of nanoseconds. */
static int get_duration(struct parser *p, const yaml_node_t *n, const char *key, int64_t *out)
{
	long long v;
	double f;

	if (is_null(n)) {
		*out = 0;
		return 0;
	}
	if (plain_int(n, &v)) {
		*out = v;
		return 0;
	}
	if (plain_float(n, &f) && float_to_int(f, &v)) {
		*out = v;
		return 0;
	}
	if (n->type == YAML_SCALAR_NODE && !memchr(sval(n), 0, slen(n)) &&
	    !gostr_parse_duration(sval(n), slen(n), out))
		return 0;
	return type_error(p, n, key, "a duration such as \"1s\" or \"250ms\"");
}

/* ---- mappings ---- */

typedef int (*field_fn)(struct parser *p, const yaml_node_t *v, const char *key, void *ctx);

struct field {
	const char *name;
	field_fn fn;
};

/* "a, b, c or d", for the messages. */
static int names_list(struct buf *b, const char *const *names, size_t n, const char *last_sep)
{
	size_t i;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		if (i)
			err = buf_puts(b, i + 1 == n ? last_sep : ", ");
		if (!err)
			err = buf_puts(b, names[i]);
	}
	return err;
}

/*
 * Checks that every key of map is a distinct scalar. When fields is given, every key must be
 * one of them and its value goes to the field's function. Returns 0 or the error.
 */
static int walk_map(struct parser *p, const yaml_node_t *map, const char *parent,
		    const struct field *fields, size_t n_fields, void *ctx)
{
	yaml_node_pair_t *it, *prev;
	const char *names[16];
	struct buf b = { 0 };
	size_t i;
	int err;

	for (it = map->data.mapping.pairs.start; it < map->data.mapping.pairs.top; it++) {
		const yaml_node_t *k = node_at(p, it->key), *v = node_at(p, it->value);
		char *key, *q;

		if (!k || !v)
			return fail(p, map, parent, "malformed mapping");
		if (k->type != YAML_SCALAR_NODE)
			return fail(p, k, parent, "expected a string key, got %s", kind_name(k));
		for (prev = map->data.mapping.pairs.start; prev < it; prev++) {
			const yaml_node_t *pk = node_at(p, prev->key);

			if (pk && pk->type == YAML_SCALAR_NODE && slen(pk) == slen(k) &&
			    !memcmp(sval(pk), sval(k), slen(k))) {
				q = quoted(k);
				if (!q)
					return oom(p);
				err = fail(p, k, parent, "duplicate key %s (first at line %d)", q,
					   node_line(pk));
				free(q);
				return err;
			}
		}
		if (!fields)
			continue;
		for (i = 0; i < n_fields; i++)
			if (goyaml_text_is(k, fields[i].name))
				break;
		if (i == n_fields) {
			q = quoted(k);
			for (i = 0; i < n_fields && i < 16; i++)
				names[i] = fields[i].name;
			if (!q || names_list(&b, names, i, ", ")) {
				free(q);
				buf_free(&b);
				return oom(p);
			}
			err = fail(p, k, parent, "unknown key %s (expected one of %s)", q, b.data);
			free(q);
			buf_free(&b);
			return err;
		}
		key = dotted(parent, fields[i].name);
		if (!key)
			return oom(p);
		err = fields[i].fn(p, v, key, ctx);
		free(key);
		if (err)
			return err;
	}
	return 0;
}

/* A mapping, or null (false: nothing to walk). */
static int expect_map(struct parser *p, const yaml_node_t *n, const char *key, bool *have)
{
	*have = false;
	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return type_error(p, n, key, "a mapping");
	*have = true;
	return 0;
}

/*
 * A list of strings; null leaves it unset. Each item goes to fn (with its index in key),
 * which stores it.
 */
typedef int (*item_fn)(struct parser *p, const yaml_node_t *item, const char *key, size_t i,
		       void *ctx);

static int walk_list(struct parser *p, const yaml_node_t *n, const char *key, size_t *count,
		     bool *set, item_fn fn, void *ctx)
{
	yaml_node_item_t *it;
	size_t i = 0;
	int err;

	*count = 0;
	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return type_error(p, n, key, "a list of strings");
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (set)
		*set = true;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++, i++) {
		const yaml_node_t *e = node_at(p, *it);
		char ikey[32];
		char *k;

		if (!e)
			return fail(p, n, key, "malformed list");
		snprintf(ikey, sizeof(ikey), "[%zu]", i);
		if (asprintf(&k, "%s%s", key, ikey) < 0)
			return oom(p);
		if (e->type != YAML_SCALAR_NODE)
			err = type_error(p, e, k, "a string");
		else if (memchr(sval(e), 0, slen(e)))
			err = fail(p, e, k, "expected a string without NUL characters");
		else
			err = fn(p, e, k, i, ctx);
		free(k);
		if (err)
			return err;
	}
	return 0;
}

/* ---- tls_server_config ---- */

struct tls_ctx {
	struct web_config *cfg;
	char *client_auth; /* as written */
	const yaml_node_t *min_node, *max_node;
	bool min_set, max_set;
};

#define STR_FIELD(fname, member)                                                             \
	static int fname(struct parser *p, const yaml_node_t *v, const char *key, void *ctx) \
	{                                                                                    \
		struct tls_ctx *t = ctx;                                                     \
		return get_str(p, v, key, &t->cfg->member);                                  \
	}

STR_FIELD(f_cert, cert)
STR_FIELD(f_key, key)
STR_FIELD(f_client_ca, client_ca)
STR_FIELD(f_cert_file, cert_file)
STR_FIELD(f_key_file, key_file)
STR_FIELD(f_client_ca_file, client_ca_file)

static int f_client_auth_type(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct tls_ctx *t = ctx;
	size_t i;
	char *q;
	int err;

	err = get_str(p, v, key, &t->client_auth);
	if (err || !t->client_auth)
		return err;
	for (i = 0; i < sizeof(client_auths) / sizeof(client_auths[0]); i++)
		if (!strcmp(client_auths[i].name, t->client_auth)) {
			t->cfg->client_auth = client_auths[i].v;
			return 0;
		}
	q = quoted(v);
	if (!q)
		return oom(p);
	err = fail(p, v, key,
		   "unknown value %s (expected NoClientCert, RequestClientCert, "
		   "RequireAnyClientCert, RequireClientCert, VerifyClientCertIfGiven or "
		   "RequireAndVerifyClientCert)",
		   q);
	free(q);
	return err;
}

static int san_item(struct parser *p, const yaml_node_t *e, const char *key, size_t i, void *ctx)
{
	struct web_config *cfg = ctx;

	/* a null item is "", as Go stores it */
	cfg->client_allowed_sans[i] = is_null(e) ? strdup("") : strndup(sval(e), slen(e));
	return cfg->client_allowed_sans[i] ? 0 : oom(p);
}

static int f_client_allowed_sans(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct tls_ctx *t = ctx;
	size_t n = 0;

	if (v->type == YAML_SEQUENCE_NODE) {
		n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		t->cfg->client_allowed_sans = calloc(n ? n : 1, sizeof(char *));
		if (!t->cfg->client_allowed_sans)
			return oom(p);
	}
	return walk_list(p, v, key, &t->cfg->n_client_allowed_sans,
			 &t->cfg->client_allowed_sans_set, san_item, t->cfg);
}

static int unknown_value(struct parser *p, const yaml_node_t *n, const char *key, const char *what,
			 const char *const *names, size_t count, const char *last_sep)
{
	struct buf b = { 0 };
	char *q = quoted(n);
	int err;

	if (!q || names_list(&b, names, count, last_sep)) {
		free(q);
		buf_free(&b);
		return oom(p);
	}
	err = fail(p, n, key, "unknown %s %s (expected %s%s)", what, q,
		   !strcmp(last_sep, ", ") ? "one of " : "", b.data);
	free(q);
	buf_free(&b);
	return err;
}

static int cipher_item(struct parser *p, const yaml_node_t *e, const char *key, size_t i, void *ctx)
{
	struct web_config *cfg = ctx;
	const char *names[N_CIPHER_SUITES];
	char name[80];
	size_t j;

	if (slen(e) < sizeof(name)) {
		memcpy(name, sval(e), slen(e));
		name[slen(e)] = 0;
		cfg->cipher_suites[i] = web_cipher_suite_id(name);
		if (cfg->cipher_suites[i])
			return 0;
	}
	for (j = 0; j < N_CIPHER_SUITES; j++)
		names[j] = cipher_suites[j].name;
	return unknown_value(p, e, key, "cipher suite", names, N_CIPHER_SUITES, ", ");
}

/* A list of names mapped to 16-bit ids by item into *ids (one per element). */
static int id_list(struct parser *p, const yaml_node_t *v, const char *key, uint16_t **ids,
		   size_t *n_ids, struct tls_ctx *t, item_fn item)
{
	if (v->type == YAML_SEQUENCE_NODE) {
		size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);

		*ids = calloc(n ? n : 1, sizeof(uint16_t));
		if (!*ids)
			return oom(p);
	}
	return walk_list(p, v, key, n_ids, NULL, item, t->cfg);
}

static int f_cipher_suites(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct tls_ctx *t = ctx;

	return id_list(p, v, key, &t->cfg->cipher_suites, &t->cfg->n_cipher_suites, t, cipher_item);
}

static int curve_item(struct parser *p, const yaml_node_t *e, const char *key, size_t i, void *ctx)
{
	struct web_config *cfg = ctx;
	const char *names[sizeof(curves) / sizeof(curves[0])];
	size_t j;

	for (j = 0; j < sizeof(curves) / sizeof(curves[0]); j++) {
		names[j] = curves[j].name;
		if (goyaml_text_is(e, curves[j].name)) {
			cfg->curves[i] = curves[j].id;
			return 0;
		}
	}
	return unknown_value(p, e, key, "curve", names, j, " or ");
}

static int f_curve_preferences(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct tls_ctx *t = ctx;

	return id_list(p, v, key, &t->cfg->curves, &t->cfg->n_curves, t, curve_item);
}

/* Null keeps the default: Go's zero version means the library's default, the same one. */
static int get_version(struct parser *p, const yaml_node_t *v, const char *key,
		       enum web_tls_version *out, bool *set)
{
	const char *names[4];
	size_t i;

	if (is_null(v))
		return 0;
	if (v->type != YAML_SCALAR_NODE)
		return type_error(p, v, key, "a TLS version");
	for (i = 0; i < 4; i++) {
		names[i] = tls_versions[i].name;
		if (goyaml_text_is(v, tls_versions[i].name)) {
			*out = tls_versions[i].v;
			*set = true;
			return 0;
		}
	}
	return unknown_value(p, v, key, "TLS version", names, 4, " or ");
}

static int f_min_version(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct tls_ctx *t = ctx;

	t->min_node = v;
	return get_version(p, v, key, &t->cfg->min_version, &t->min_set);
}

static int f_max_version(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct tls_ctx *t = ctx;

	t->max_node = v;
	return get_version(p, v, key, &t->cfg->max_version, &t->max_set);
}

static int f_prefer_server_cipher_suites(struct parser *p, const yaml_node_t *v, const char *key,
					 void *ctx)
{
	struct tls_ctx *t = ctx;

	return get_bool(p, v, key, &t->cfg->prefer_server_cipher_suites);
}

static const struct field tls_fields[] = {
	{ "cert", f_cert },
	{ "key", f_key },
	{ "client_ca", f_client_ca },
	{ "cert_file", f_cert_file },
	{ "key_file", f_key_file },
	{ "client_auth_type", f_client_auth_type },
	{ "client_ca_file", f_client_ca_file },
	{ "cipher_suites", f_cipher_suites },
	{ "curve_preferences", f_curve_preferences },
	{ "min_version", f_min_version },
	{ "max_version", f_max_version },
	{ "prefer_server_cipher_suites", f_prefer_server_cipher_suites },
	{ "client_allowed_sans", f_client_allowed_sans },
};

static const char *version_name(enum web_tls_version v)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (tls_versions[i].v == v)
			return tls_versions[i].name;
	return "?";
}

static int f_tls_server_config(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct tls_ctx t = { .cfg = ctx };
	bool have;
	int err;

	err = expect_map(p, v, key, &have);
	if (err)
		return err;
	if (!have) {
		/* As in Go, a null section is the zero value: no boolean is true in it. */
		t.cfg->prefer_server_cipher_suites = false;
		return 0;
	}
	err = walk_map(p, v, key, tls_fields, sizeof(tls_fields) / sizeof(tls_fields[0]), &t);
	if (!err && t.cfg->min_version > t.cfg->max_version) {
		const yaml_node_t *at = t.max_set ? t.max_node : t.min_node;

		err = fail(p, at ? at : v, key, "min_version %s%s is above max_version %s%s",
			   version_name(t.cfg->min_version), t.min_set ? "" : " (the default)",
			   version_name(t.cfg->max_version), t.max_set ? "" : " (the default)");
	}
	if (t.client_auth)
		p->client_auth_named = true;
	free(t.client_auth);
	return err;
}

/* ---- http_server_config ---- */

static int f_http2(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct web_config *cfg = ctx;

	return get_bool(p, v, key, &cfg->http2);
}

static int check_header(struct parser *p, const yaml_node_t *k, const yaml_node_t *v,
			const char *key, struct web_header *h)
{
	const char *names[sizeof(header_allow) / sizeof(header_allow[0])];
	size_t i, j;
	char *q, *hkey;
	int err;

	for (i = 0; i < sizeof(header_allow) / sizeof(header_allow[0]); i++) {
		names[i] = header_allow[i].name;
		if (goyaml_text_is(k, header_allow[i].name))
			break;
	}
	if (i == sizeof(header_allow) / sizeof(header_allow[0])) {
		struct buf b = { 0 };

		q = quoted(k);
		if (!q || names_list(&b, names, i, ", ")) {
			free(q);
			buf_free(&b);
			return oom(p);
		}
		err = fail(p, k, key, "HTTP header %s can not be configured (expected one of %s)",
			   q, b.data);
		free(q);
		buf_free(&b);
		return err;
	}
	hkey = dotted(key, header_allow[i].name);
	if (!hkey)
		return oom(p);
	h->name = strdup(header_allow[i].name);
	err = h->name ? 0 : oom(p);
	if (!err && !is_null(v)) {
		if (v->type != YAML_SCALAR_NODE)
			err = type_error(p, v, hkey, "a string");
		else if (memchr(sval(v), 0, slen(v)) || memchr(sval(v), '\n', slen(v)) ||
			 memchr(sval(v), '\r', slen(v)))
			err = fail(p, v, hkey,
				   "expected a header value without line breaks or NUL characters");
		else if (!(h->value = strndup(sval(v), slen(v))))
			err = oom(p);
	}
	if (!err && !h->value && !(h->value = strdup("")))
		err = oom(p);
	if (!err && header_allow[i].values[0]) {
		for (j = 0; header_allow[i].values[j]; j++)
			if (!strcmp(header_allow[i].values[j], h->value))
				break;
		if (!header_allow[i].values[j]) {
			struct buf b = { 0 };

			if (gofmt_buf_quote(&b, h->value)) {
				buf_free(&b);
				err = oom(p);
			} else {
				err = fail(p, is_null(v) ? k : v, hkey,
					   "invalid value %s (expected %s%s%s)",
					   b.data ? b.data : "\"\"", header_allow[i].values[0],
					   header_allow[i].values[1] ? " or " : "",
					   header_allow[i].values[1] ? header_allow[i].values[1] :
								       "");
				buf_free(&b);
			}
		}
	}
	free(hkey);
	return err;
}

static int f_headers(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct web_config *cfg = ctx;
	yaml_node_pair_t *it;
	size_t n;
	bool have;
	int err;

	err = expect_map(p, v, key, &have);
	if (err || !have)
		return err;
	err = walk_map(p, v, key, NULL, 0, NULL);
	if (err)
		return err;
	n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
	cfg->headers = calloc(n ? n : 1, sizeof(*cfg->headers));
	if (!cfg->headers)
		return oom(p);
	for (it = v->data.mapping.pairs.start; it < v->data.mapping.pairs.top; it++) {
		err = check_header(p, node_at(p, it->key), node_at(p, it->value), key,
				   &cfg->headers[cfg->n_headers]);
		cfg->n_headers++;
		if (err)
			return err;
	}
	return 0;
}

static const struct field http_fields[] = {
	{ "http2", f_http2 },
	{ "headers", f_headers },
};

static int f_http_server_config(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct web_config *cfg = ctx;
	bool have;
	int err;

	err = expect_map(p, v, key, &have);
	if (err)
		return err;
	if (!have) {
		cfg->http2 = false;
		return 0;
	}
	return walk_map(p, v, key, http_fields, sizeof(http_fields) / sizeof(http_fields[0]), cfg);
}

/* ---- rate_limit ---- */

static int f_interval(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct web_config *cfg = ctx;

	return get_duration(p, v, key, &cfg->rate_interval_ns);
}

static int f_burst(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct web_config *cfg = ctx;

	return get_int(p, v, key, &cfg->rate_burst);
}

static const struct field rate_fields[] = {
	{ "burst", f_burst },
	{ "interval", f_interval },
};

static int f_rate_limit(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	bool have;
	int err;

	err = expect_map(p, v, key, &have);
	if (err || !have)
		return err;
	return walk_map(p, v, key, rate_fields, sizeof(rate_fields) / sizeof(rate_fields[0]), ctx);
}

/* ---- basic_auth_users ---- */

static bool bcrypt_char(char c)
{
	return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

/*
 * Checks the syntax of a bcrypt hash: "$2a$", "$2b$" or "$2y$", a two-digit cost from 04 to
 * 31, "$", then 22 characters of salt and 31 of hash in bcrypt's base64 alphabet (60 bytes
 * in all). Returns NULL or what is wrong, into why.
 */
static const char *bcrypt_problem(const char *h, char *why, size_t whylen)
{
	size_t len = strlen(h), i;
	int cost;

	if (len < 4 || h[0] != '$' || h[1] != '2' || (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') ||
	    h[3] != '$')
		return "it does not start with $2a$, $2b$ or $2y$";
	if (len < 7 || !(h[4] >= '0' && h[4] <= '9') || !(h[5] >= '0' && h[5] <= '9') ||
	    h[6] != '$')
		return "the cost is not two digits followed by $";
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31) {
		snprintf(why, whylen, "the cost %02d is outside 04..31", cost);
		return why;
	}
	if (len != 60) {
		snprintf(why, whylen, "it is %zu bytes long, not 60", len);
		return why;
	}
	for (i = 7; i < 60; i++)
		if (!bcrypt_char(h[i])) {
			snprintf(why, whylen,
				 "byte %zu is not in bcrypt's base64 alphabet (./A-Za-z0-9)",
				 i + 1);
			return why;
		}
	return NULL;
}

static int f_basic_auth_users(struct parser *p, const yaml_node_t *v, const char *key, void *ctx)
{
	struct web_config *cfg = ctx;
	yaml_node_pair_t *it;
	char why[80];
	size_t n;
	bool have;
	int err;

	err = expect_map(p, v, key, &have);
	if (err || !have)
		return err;
	err = walk_map(p, v, key, NULL, 0, NULL);
	if (err)
		return err;
	n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
	cfg->users = calloc(n ? n : 1, sizeof(*cfg->users));
	if (!cfg->users)
		return oom(p);
	for (it = v->data.mapping.pairs.start; it < v->data.mapping.pairs.top; it++) {
		const yaml_node_t *k = node_at(p, it->key), *hv = node_at(p, it->value);
		struct web_user *u = &cfg->users[cfg->n_users++];
		const char *problem;
		char *q;

		if (!is_null(k) && memchr(sval(k), 0, slen(k)))
			return fail(p, k, key, "expected a user name without NUL characters");
		u->name = is_null(k) ? strdup("") : strndup(sval(k), slen(k));
		if (!u->name)
			return oom(p);
		q = quoted(k);
		if (!q)
			return oom(p);
		if (hv->type != YAML_SCALAR_NODE) {
			err = fail(p, hv, key, "user %s: expected a bcrypt hash, got %s", q,
				   kind_name(hv));
		} else if (memchr(sval(hv), 0, slen(hv))) {
			err = fail(p, hv, key, "user %s: invalid bcrypt hash: it contains NUL", q);
		} else {
			u->hash = is_null(hv) ? strdup("") : strndup(sval(hv), slen(hv));
			if (!u->hash)
				err = oom(p);
			else if ((problem = bcrypt_problem(u->hash, why, sizeof(why))))
				err = fail(
					p, hv, key,
					"user %s: invalid bcrypt hash: %s (expected $2a$, $2b$ or "
					"$2y$, a two-digit cost from 04 to 31, $ and 53 characters "
					"of bcrypt's base64)",
					q, problem);
		}
		free(q);
		if (err)
			return err;
	}
	return 0;
}

static const struct field top_fields[] = {
	{ "tls_server_config", f_tls_server_config },
	{ "http_server_config", f_http_server_config },
	{ "basic_auth_users", f_basic_auth_users },
	{ "rate_limit", f_rate_limit },
};

/* ---- paths ---- */

/* config_util.JoinDir(filepath.Dir(config), *path): relative paths are joined and cleaned. */
static int join_dir(const char *config_path, char **path)
{
	const char *slash;
	char *joined;
	int n;

	if (!*path || (*path)[0] == '/')
		return 0;
	slash = strrchr(config_path, '/');
	if (!slash)
		n = asprintf(&joined, "./%s", *path);
	else if (slash == config_path)
		n = asprintf(&joined, "/%s", *path);
	else
		n = asprintf(&joined, "%.*s/%s", (int)(slash - config_path), config_path, *path);
	if (n < 0)
		return -ENOMEM;
	gostr_path_clean(joined);
	free(*path);
	*path = joined;
	return 0;
}

/* ---- loading ---- */

static void syntax_error(struct parser *p, const yaml_parser_t *yp, const char *text, size_t len)
{
	if (goyaml_syntax_error(&p->msg, yp, text, len)) {
		oom(p);
		return;
	}
	p->err = -EINVAL;
}

static void set_err(char *err, size_t errlen, const char *path, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "web config \"%s\": %s", path, msg ? msg : "out of memory");
}

static struct web_config *config_new(const char *path)
{
	struct web_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->path = strdup(path);
	if (!cfg->path) {
		free(cfg);
		return NULL;
	}
	cfg->min_version = WEB_TLS12;
	cfg->max_version = WEB_TLS13;
	cfg->prefer_server_cipher_suites = true;
	cfg->http2 = true;
	return cfg;
}

/* The file holds secrets (a key, password hashes): libyaml's copies are cleared before freeing. */
static void clear_parser(yaml_parser_t *yp)
{
	if (yp->buffer.start)
		explicit_bzero(yp->buffer.start, (size_t)(yp->buffer.end - yp->buffer.start));
	if (yp->raw_buffer.start)
		explicit_bzero(yp->raw_buffer.start,
			       (size_t)(yp->raw_buffer.end - yp->raw_buffer.start));
}

static void clear_document(yaml_document_t *doc)
{
	yaml_node_t *n;

	for (n = doc->nodes.start; n && n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && n->data.scalar.value)
			explicit_bzero(n->data.scalar.value, n->data.scalar.length);
}

static void parse_document(struct parser *p, struct web_config *cfg, const char *text, size_t len)
{
	yaml_parser_t yp;
	yaml_document_t doc;
	const yaml_node_t *root;

	if (!yaml_parser_initialize(&yp)) {
		oom(p);
		return;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	if (!yaml_parser_load(&yp, &doc)) {
		syntax_error(p, &yp, text, len);
		clear_parser(&yp);
		yaml_parser_delete(&yp);
		return;
	}
	p->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	/* An empty file, or one of comments only, is the empty configuration. */
	if (root && !is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			type_error(p, root, NULL, "a mapping at the top level");
		else
			walk_map(p, root, NULL, top_fields,
				 sizeof(top_fields) / sizeof(top_fields[0]), cfg);
	}
	clear_document(&doc);
	yaml_document_delete(&doc);
	clear_parser(&yp);
	yaml_parser_delete(&yp);
}

int web_config__load(const char *path, struct web_config **out, char *err, size_t errlen)
{
	struct parser p = { .path = path };
	struct web_config *cfg;
	struct buf text = { 0 };
	const char *op = NULL;
	int ret;

	*out = NULL;
	if (!path)
		path = "";
	cfg = config_new(path);
	if (!cfg) {
		set_err(err, errlen, path, NULL);
		return -ENOMEM;
	}
	ret = file_read_all(path, WEB_CONFIG_MAX_SIZE, &text, &op);
	if (ret) {
		struct buf m = { 0 };

		if (ret == -EFBIG)
			buf_printf(&m, "the file is larger than %zu bytes", WEB_CONFIG_MAX_SIZE);
		else if (op)
			gofmt_buf_path_error(&m, op, path, -ret);
		set_err(err, errlen, path, m.data);
		buf_free(&m);
		buf_free(&text);
		web_config__free(cfg);
		return ret;
	}
	parse_document(&p, cfg, text.data ? text.data : "", text.len);
	explicit_bzero(text.data, text.len);
	buf_free(&text);
	if (!p.err) {
		cfg->tls_enabled = cfg->cert_file || cfg->cert || cfg->key_file || cfg->key ||
				   cfg->client_ca_file || cfg->client_ca || p.client_auth_named;
		if (join_dir(path, &cfg->cert_file) || join_dir(path, &cfg->key_file) ||
		    join_dir(path, &cfg->client_ca_file))
			oom(&p);
	}
	if (p.err) {
		set_err(err, errlen, path, p.msg.data);
		buf_free(&p.msg);
		web_config__free(cfg);
		return p.err;
	}
	buf_free(&p.msg);
	*out = cfg;
	return 0;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void web_config__free(struct web_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->client_ca_file);
	free(cfg->cert);
	free_secret(cfg->key);
	free(cfg->client_ca);
	for (i = 0; cfg->client_allowed_sans && i < cfg->n_client_allowed_sans; i++)
		free(cfg->client_allowed_sans[i]);
	free(cfg->client_allowed_sans);
	free(cfg->cipher_suites);
	free(cfg->curves);
	for (i = 0; cfg->headers && i < cfg->n_headers; i++) {
		free(cfg->headers[i].name);
		free(cfg->headers[i].value);
	}
	free(cfg->headers);
	for (i = 0; cfg->users && i < cfg->n_users; i++) {
		free(cfg->users[i].name);
		free_secret(cfg->users[i].hash);
	}
	free(cfg->users);
	free(cfg);
}
