// SPDX-License-Identifier: MIT
/*
 * YAML scalars typed as upstream's Go YAML decoder (gopkg.in/yaml) resolves them before
 * storing them in a typed field: the YAML 1.1 null and bool forms, integers with 0x/0o/0b and
 * leading-zero octal prefixes and '_' separators, floats with .inf/.nan, and Go durations.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "util/goyaml.h"
#include "util/gostr.h"

bool config_is_null(const yaml_node_t *n)
{
	return goyaml_is_null(n);
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
	if (goyaml_is_null(n)) {
		r->kind = R_NULL;
		return;
	}
	if (goyaml_bool(n, &r->b)) {
		r->kind = R_BOOL;
		return;
	}
	if (goyaml_text_in(n, inf) || goyaml_text_in(n, ninf) || goyaml_text_in(n, nan_forms)) {
		r->kind = R_FLOAT;
		r->f = goyaml_text_in(n, nan_forms) ? NAN :
		       goyaml_text_in(n, inf)	    ? INFINITY :
						      -INFINITY;
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

/*
 * Resolves a field's node (anything but a scalar resolves as a string, for the type error).
 * Returns true for null, which leaves the field alone.
 */
static bool resolve_field(const yaml_node_t *n, struct rval *r)
{
	memset(r, 0, sizeof(*r));
	if (n->type == YAML_SCALAR_NODE)
		resolve(n, r);
	return r->kind == R_NULL;
}

/* Null leaves *out alone; any other scalar gives its literal text. */
int config_get_str(struct config_parser *p, const yaml_node_t *n, const char *key, char **out)
{
	char *s;

	if (config_is_null(n))
		return 0;
	if (n->type != YAML_SCALAR_NODE)
		return config_type_error(p, n, key, "a string");
	if (memchr(sval(n), 0, slen(n)))
		return config_fail(p, node_line(n), NULL, "NUL character in %s", key);
	s = strndup(sval(n), slen(n));
	if (!s)
		return config_oom(p);
	free(*out);
	*out = s;
	return 0;
}

int config_ensure_str(struct config_parser *p, char **s)
{
	if (!*s && !(*s = strdup("")))
		return config_oom(p);
	return 0;
}

int config_get_bool(struct config_parser *p, const yaml_node_t *n, const char *key, bool *out)
{
	struct rval r;

	if (resolve_field(n, &r))
		return 0;
	if (n->type != YAML_SCALAR_NODE || r.kind != R_BOOL)
		return config_type_error(p, n, key, "a boolean");
	*out = r.b;
	return 0;
}

static bool integral(double f, double lo, double hi)
{
	return isfinite(f) && f == floor(f) && f >= lo && f < hi;
}

int config_get_uint(struct config_parser *p, const yaml_node_t *n, const char *key, uint64_t *out)
{
	struct rval r;

	if (resolve_field(n, &r))
		return 0;
	if (r.kind == R_INT && (!r.neg || !r.mag))
		*out = r.mag;
	else if (r.kind == R_FLOAT && integral(r.f, 0, 0x1p64))
		*out = (uint64_t)r.f;
	else
		return config_type_error(p, n, key, "an unsigned integer");
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

int config_get_int(struct config_parser *p, const yaml_node_t *n, const char *key, int64_t *out)
{
	struct rval r;

	if (resolve_field(n, &r))
		return 0;
	if (!to_int64(&r, out))
		return config_type_error(p, n, key, "an integer");
	return 0;
}

int config_get_float(struct config_parser *p, const yaml_node_t *n, const char *key, double *out)
{
	struct rval r;

	if (resolve_field(n, &r))
		return 0;
	if (r.kind == R_INT)
		*out = r.neg ? -(double)r.mag : (double)r.mag;
	else if (r.kind == R_FLOAT)
		*out = r.f;
	else
		return config_type_error(p, n, key, "a number");
	return 0;
}

/* A Go duration string, or a number of nanoseconds. */
int config_get_duration(struct config_parser *p, const yaml_node_t *n, const char *key,
			int64_t *out)
{
	struct rval r;
	bool ok;

	if (resolve_field(n, &r))
		return 0;
	if (r.kind == R_INT || r.kind == R_FLOAT)
		ok = to_int64(&r, out);
	else
		ok = n->type == YAML_SCALAR_NODE && r.kind == R_STR &&
		     !gostr_parse_duration(sval(n), slen(n), out);
	if (!ok)
		return config_type_error(p, n, key, "a duration such as 30s, 1m or 1h30m");
	return 0;
}
