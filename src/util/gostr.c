// SPDX-License-Identifier: MIT
#include "util/gostr.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/gofmt.h"
#include "util/utf8.h"

/* ------------------------------------------------------------------------------------------ */
/* strings.TrimSpace */

/* Go's unicode.IsSpace. */
static bool is_space(uint32_t r)
{
	switch (r) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return true;
	}
	return r >= 0x2000 && r <= 0x200a;
}

bool gostr_is_blank(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, w;
	int32_t r;

	while (i < n) {
		r = utf8_decode(p + i, n - i, &w);
		if (r < 0 || !is_space((uint32_t)r))
			return false;
		i += w;
	}
	return true;
}

/* ------------------------------------------------------------------------------------------ */
/* strconv.ParseUint, strconv.Atoi */

int gostr_parse_uint(const uint8_t *in, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	/* Go reports whichever problem comes first, digit by digit. */
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)in[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int gostr_atoi(const uint8_t *in, size_t n, int64_t *out, char *err, size_t errlen)
{
	bool neg = n > 0 && in[0] == '-';
	size_t skip = n > 0 && (in[0] == '-' || in[0] == '+');
	uint64_t v, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	int ret = gostr_parse_uint(in + skip, n - skip, &v);

	if (!ret && v > limit)
		ret = -ERANGE;
	if (ret) {
		err[0] = '\0';
		gofmt_appendf(err, errlen, "strconv.Atoi: parsing ");
		gofmt_append_quote(err, errlen, in, n);
		gofmt_appendf(err, errlen, ": %s",
			      ret == -ERANGE ? "value out of range" : "invalid syntax");
		return ret;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* strconv.ParseFloat(s, 64) */

static char lower(char c)
{
	return (char)(c | 0x20);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* strconv's underscoreOK: '_' only between digits, or between a base prefix and a digit. */
static bool underscore_ok(const char *s, size_t n)
{
	char saw = '^';
	bool hex = false;
	size_t i = 0;

	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	if (n >= 2 && s[0] == '0' &&
	    (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		if (is_digit(s[i]) || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return false;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return false;
		saw = '!';
	}
	return saw != '_';
}

/* Length of the common prefix of s and the lowercase word, ignoring ASCII case. */
static size_t prefix_len_icase(const char *s, const char *word)
{
	size_t n = 0;

	while (s[n] && word[n] && lower(s[n]) == word[n])
		n++;
	return n;
}

/*
 * The syntax is checked here as Go's readFloat() does, and the value converted by strtod(),
 * which rounds the same way.
 */
int gostr_parse_float(const char *s, double *out)
{
	size_t len = strlen(s), i = 0, n, j;
	bool sawdot = false, sawdigits = false, underscores = false, hex = false;
	char exp_char = 'e';
	char *copy, *end;
	double v;

	/* special(): [+-]inf, [+-]infinity, nan */
	if (len && (s[0] == '+' || s[0] == '-' || lower(s[0]) == 'i')) {
		size_t sign = (s[0] == '+' || s[0] == '-');

		n = prefix_len_icase(s + sign, "infinity");
		if (n > 3 && n < 8)
			n = 3;
		if (n == 3 || n == 8) {
			if (sign + n != len)
				return -EINVAL;
			*out = s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
	} else if (len && lower(s[0]) == 'n' && prefix_len_icase(s, "nan") == 3) {
		if (len != 3)
			return -EINVAL;
		*out = NAN;
		return 0;
	}

	/* readFloat() */
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i + 2 < len && s[i] == '0' && lower(s[i + 1]) == 'x') {
		hex = true;
		exp_char = 'p';
		i += 2;
	}
	for (; i < len; i++) {
		char c = s[i];

		if (c == '_') {
			underscores = true;
		} else if (c == '.') {
			if (sawdot)
				break;
			sawdot = true;
		} else if (is_digit(c) || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
			sawdigits = true;
		} else {
			break;
		}
	}
	if (!sawdigits)
		return -EINVAL;
	if (i < len && lower(s[i]) == exp_char) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i]))
			return -EINVAL;
		for (; i < len && (is_digit(s[i]) || s[i] == '_'); i++)
			if (s[i] == '_')
				underscores = true;
	} else if (hex) {
		return -EINVAL;
	}
	if (underscores && !underscore_ok(s, i))
		return -EINVAL;
	if (i != len)
		return -EINVAL;

	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	for (i = 0, j = 0; i < len; i++)
		if (s[i] != '_')
			copy[j++] = s[i];
	copy[j] = '\0';
	errno = 0;
	v = strtod(copy, &end);
	n = (size_t)(end - copy);
	free(copy);
	if (n != j)
		return -EINVAL;
	if (isinf(v))
		return -ERANGE;
	*out = v;
	return 0;
}

long long gostr_float_to_int(double v)
{
	if (isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0)
		return INT64_MIN;
	return (long long)v;
}

/* ------------------------------------------------------------------------------------------ */
/* time.ParseDuration */

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

int gostr_parse_duration(const char *s, size_t len, int64_t *out)
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

/* ------------------------------------------------------------------------------------------ */
/* path.Clean, filepath.Base */

void gostr_path_clean(char *s)
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

int gostr_path_base(struct buf *b, const char *path)
{
	size_t len = strlen(path);
	const char *base;

	if (!len)
		return buf_puts(b, ".");
	while (len > 0 && path[len - 1] == '/')
		len--;
	if (!len)
		return buf_puts(b, "/");
	base = path + len;
	while (base > path && base[-1] != '/')
		base--;
	return buf_append(b, base, (size_t)(path + len - base));
}
