// SPDX-License-Identifier: MIT
/*
 * The OpenMetrics 1.0.0 text format, as client_golang's MetricFamilyToOpenMetrics writes it
 * with created lines: counters named without `_total` and sampled as `<name>_total`,
 * `_created` samples, OpenMetrics floats, `# EOF` at the end. Families come from the walker
 * in expo.c, so order, merging and errors are those of the text format.
 */
#include "expo/expo.h"
#include "expo/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for an OpenMetrics float: Go's form plus `.0`. */
#define OM_FLOAT_MAX (EXPO_FLOAT_MAX + 2)

/*
 * Go's writeOpenMetricsFloat: the text format's form, with `.0` appended to a finite value
 * that has neither a decimal point nor an exponent (`1.0`, `0.0`, `-1.0`, `12.0`).
 * out has OM_FLOAT_MAX bytes; returns the length.
 */
static size_t om_float(double v, char *out)
{
	size_t n = expo_format_float(v, out);

	if (isfinite(v) && !memchr(out, '.', n) && !memchr(out, 'e', n)) {
		memcpy(out + n, ".0", 3);
		n += 2;
	}
	return n;
}

static size_t om_uint(uint64_t v, char *out)
{
	char tmp[24];
	size_t n = 0, len;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	len = n;
	for (size_t i = 0; i < len; i++)
		out[i] = tmp[len - 1 - i];
	out[len] = '\0';
	return len;
}

/* The family name a group is written under: a counter's without a trailing `_total`. */
static size_t family_name_len(const struct family *f)
{
	size_t n = strlen(f->name);

	if (f->type == FAMILY_COUNTER && n > 6 && !memcmp(f->name + n - 6, "_total", 6))
		n -= 6;
	return n;
}

static int write_header(struct buf *b, const struct family *f, size_t nlen)
{
	return expo_write_header(b, f->name, nlen, f->help ? f->help : "",
				 expo_type_name(f->type, "unknown"), true);
}

/* Renders `l1="v1",l2="v2"` (no braces) into lab, replacing what it held. */
static int render_labels(struct buf *lab, const struct family *f, const size_t *fo, const char *key,
			 size_t key_len)
{
	buf_reset(lab);
	return expo_write_labels(lab, f, fo, key, key_len);
}

/* One line: name, suffix, `{labels[,le="..."]}` when there are any, a space, the value. */
static int write_line(struct buf *b, const char *name, size_t nlen, const char *suffix,
		      const struct buf *lab, const char *le, const char *value)
{
	size_t slen = strlen(suffix), lelen = le ? strlen(le) : 0, vlen = strlen(value);
	int err = buf_reserve(b, add_sat(nlen + slen + lelen + vlen + 16, lab->len));

	if (err)
		return err;
	expo_put(b, name, nlen);
	expo_put(b, suffix, slen);
	if (lab->len || le) {
		expo_put(b, "{", 1);
		if (lab->len)
			expo_put(b, lab->data, lab->len);
		if (le) {
			if (lab->len)
				expo_put(b, ",", 1);
			expo_put(b, "le=\"", 4);
			expo_put(b, le, lelen);
			expo_put(b, "\"", 1);
		}
		expo_put(b, "}", 1);
	}
	expo_put(b, " ", 1);
	expo_put(b, value, vlen);
	expo_put(b, "\n", 1);
	b->data[b->len] = '\0';
	return 0;
}

static int write_sample(struct buf *b, const struct family *f, size_t nlen, const char *created,
			const struct buf *lab, const struct sample *s)
{
	static const struct histogram_value empty_hist;
	const struct histogram_value *h = &empty_hist;
	char v[OM_FLOAT_MAX], le[OM_FLOAT_MAX];
	bool inf_seen = false;
	int err;

	if (f->type != FAMILY_HISTOGRAM) {
		om_float(s->value, v);
		err = write_line(b, f->name, nlen, f->type == FAMILY_COUNTER ? "_total" : "", lab,
				 NULL, v);
		if (!err && created && f->type == FAMILY_COUNTER)
			err = write_line(b, f->name, nlen, "_created", lab, NULL, created);
		return err;
	}
	if (s->hist)
		h = s->hist;
	for (size_t i = 0; i < h->n_buckets; i++) {
		om_float(h->le[i], le);
		om_uint(h->cumulative[i], v);
		err = write_line(b, f->name, nlen, "_bucket", lab, le, v);
		if (err)
			return err;
		if (isinf(h->le[i]) && h->le[i] > 0)
			inf_seen = true;
	}
	om_uint(h->count, v);
	err = inf_seen ? 0 : write_line(b, f->name, nlen, "_bucket", lab, "+Inf", v);
	if (!err)
		err = write_line(b, f->name, nlen, "_count", lab, NULL, v);
	if (!err) {
		om_float(h->sum, v);
		err = write_line(b, f->name, nlen, "_sum", lab, NULL, v);
	}
	if (!err && created)
		err = write_line(b, f->name, nlen, "_created", lab, NULL, created);
	return err;
}

/* A name the written families claim: a family name, or a family name and a suffix. */
struct om_name {
	const char *name;
	size_t len;
	const char *suffix;
};

/* Every name written, to find two families that write the same one. */
struct om_names {
	struct om_name *v;
	size_t n, cap;
};

static const char *const counter_suffixes[] = { "", "_total", "_created", NULL };
static const char *const histogram_suffixes[] = {
	"", "_bucket", "_count", "_sum", "_created", NULL
};
static const char *const gauge_suffixes[] = { "", NULL };

static int claim_names(struct om_names *names, const struct family *f, size_t nlen)
{
	const char *const *suf = f->type == FAMILY_COUNTER   ? counter_suffixes :
				 f->type == FAMILY_HISTOGRAM ? histogram_suffixes :
							       gauge_suffixes;

	for (; *suf; suf++) {
		if (array_grow((void **)&names->v, &names->cap, names->n + 1, sizeof(*names->v)))
			return -ENOMEM;
		names->v[names->n++] = (struct om_name){ f->name, nlen, *suf };
	}
	return 0;
}

/* Compares the full names (name then suffix) bytewise. */
static int cmp_name(const void *pa, const void *pb)
{
	const struct om_name *a = pa, *b = pb;
	size_t la = a->len + strlen(a->suffix), lb = b->len + strlen(b->suffix);

	for (size_t i = 0; i < la && i < lb; i++) {
		unsigned char ca = (unsigned char)(i < a->len ? a->name[i] : a->suffix[i - a->len]);
		unsigned char cb = (unsigned char)(i < b->len ? b->name[i] : b->suffix[i - b->len]);

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return la < lb ? -1 : la > lb;
}

static int write_om_group(struct buf *b, const struct expo_group *g, void *arg)
{
	const struct family *f = g->f;
	size_t nlen = family_name_len(f);
	char created[OM_FLOAT_MAX];
	bool has_created = f->created > 0 && f->type != FAMILY_GAUGE;
	struct buf lab = { 0 };
	int ret;

	ret = claim_names(arg, f, nlen);
	if (ret)
		return ret;
	if (has_created)
		om_float(f->created, created);
	ret = write_header(b, f, nlen);
	for (size_t i = 0; !ret && i < g->n_series; i++) {
		const char *key;
		size_t key_len;
		const struct sample *s = expo_group_series(g, i, &key, &key_len);

		ret = s ? render_labels(&lab, f, g->order, key, key_len) : -ENOMEM;
		if (!ret)
			ret = write_sample(b, f, nlen, has_created ? created : NULL, &lab, s);
	}
	buf_free(&lab);
	return ret;
}

int expo_write_openmetrics(struct buf *b, struct family *families, size_t n, char *err,
			   size_t errlen)
{
	struct om_names names = { 0 };
	size_t start = b->len;
	int ret = expo_write_families(b, families, n, write_om_group, &names, err, errlen);

	/*
	 * Families distinct in text may not be in OpenMetrics (counter `x_total` and histogram
	 * `x` are both family `x`; a gauge `x_created` is a counter x's created sample): the
	 * first such name is an error, as parsers reject the exposition.
	 */
	if (!ret && names.n > 1) {
		qsort(names.v, names.n, sizeof(*names.v), cmp_name);
		for (size_t i = 1; i < names.n; i++) {
			if (cmp_name(&names.v[i - 1], &names.v[i]))
				continue;
			if (err && errlen)
				snprintf(
					err, errlen,
					"two collected metrics are written as \"%.*s%s\" in OpenMetrics",
					(int)names.v[i].len, names.v[i].name, names.v[i].suffix);
			ret = -EEXIST;
			break;
		}
	}
	free(names.v);
	if (!ret)
		ret = buf_append(b, "# EOF\n", 6);
	if (ret && b->data) {
		b->len = start;
		b->data[start] = '\0';
	}
	return ret;
}
