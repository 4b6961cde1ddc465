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

/* A family's created timestamp, formatted once. */
struct om_created {
	char s[EXPO_OM_FLOAT_MAX];
	size_t len; /* 0: the family has none */
};

static const struct expo_le inf_le = { "+Inf", 4 };

static int float_line(struct buf *b, struct expo_series *ser, const char *suffix, size_t slen,
		      double v)
{
	int err = expo_line_start(b, ser, suffix, slen, NULL);

	if (err)
		return err;
	b->len += expo_format_om_float(v, b->data + b->len);
	expo_line_end(b);
	return 0;
}

static int uint_line(struct buf *b, struct expo_series *ser, const char *suffix, size_t slen,
		     const struct expo_le *le, uint64_t v)
{
	int err = expo_line_start(b, ser, suffix, slen, le);

	if (err)
		return err;
	expo_put_uint(b, v);
	expo_line_end(b);
	return 0;
}

static int created_line(struct buf *b, struct expo_series *ser, const struct om_created *c)
{
	int err;

	if (!c->len)
		return 0;
	err = expo_line_start(b, ser, "_created", 8, NULL);
	if (err)
		return err;
	expo_put(b, c->s, c->len);
	expo_line_end(b);
	return 0;
}

static int write_sample(struct buf *b, struct expo_series *ser, const struct om_created *created,
			struct expo_le_text *lt, const struct sample *s)
{
	static const struct histogram_value empty_hist;
	const struct family *f = ser->f;
	const struct histogram_value *h = s->hist ? s->hist : &empty_hist;
	bool inf_seen = false;
	int err;

	if (f->type != FAMILY_HISTOGRAM) {
		if (f->type != FAMILY_COUNTER)
			return float_line(b, ser, "", 0, s->value);
		err = float_line(b, ser, "_total", 6, s->value);
		return err ? err : created_line(b, ser, created);
	}
	err = expo_le_text_fill(lt, h);
	for (size_t i = 0; !err && i < h->n_buckets; i++) {
		err = uint_line(b, ser, "_bucket", 7, &lt->v[i], h->cumulative[i]);
		if (isinf(h->le[i]) && h->le[i] > 0)
			inf_seen = true;
	}
	if (!err && !inf_seen)
		err = uint_line(b, ser, "_bucket", 7, &inf_le, h->count);
	if (!err)
		err = uint_line(b, ser, "_count", 6, NULL, h->count);
	if (!err)
		err = float_line(b, ser, "_sum", 4, h->sum);
	return err ? err : created_line(b, ser, created);
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
	struct om_created created = { .len = 0 };
	struct expo_le_text lt = { .om = true };
	int ret;

	ret = claim_names(arg, f, nlen);
	if (ret)
		return ret;
	if (f->created > 0 && f->type != FAMILY_GAUGE)
		created.len = expo_format_om_float(f->created, created.s);
	ret = write_header(b, f, nlen);
	for (size_t i = 0; !ret && i < g->n_series; i++) {
		struct expo_series ser = { .f = f, .fo = g->order, .nlen = nlen };
		const struct sample *s = expo_group_series(g, i, &ser.key, &ser.key_len);

		ret = s ? write_sample(b, &ser, &created, &lt, s) : -ENOMEM;
	}
	free(lt.v);
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
