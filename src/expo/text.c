// SPDX-License-Identifier: MIT
/*
 * The text exposition format 0.0.4: HELP and TYPE lines, label sets, histogram buckets, Go's
 * float formatting, written family by family from the walker in expo.c.
 */
#include "expo/expo.h"
#include "expo/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing -------------------------------------------------------------------------- */

static void put_float(struct buf *b, double v)
{
	b->len += expo_format_float(v, b->data + b->len);
}

int expo_write_header(struct buf *b, const char *name, size_t nlen, const char *help,
		      const char *type, bool escape_quote)
{
	size_t hlen = strlen(help);
	int err;

	if (hlen > SIZE_MAX / 4)
		return -ENOMEM;
	err = buf_reserve(b, add_sat(2 * nlen + 32 + strlen(type), 2 * hlen));
	if (err)
		return err;
	expo_put(b, "# HELP ", 7);
	expo_put(b, name, nlen);
	expo_put(b, " ", 1);
	b->len = (size_t)(expo_escape_raw(b->data + b->len, help, hlen, escape_quote) - b->data);
	expo_put(b, "\n# TYPE ", 8);
	expo_put(b, name, nlen);
	expo_put(b, " ", 1);
	expo_put(b, type, strlen(type));
	expo_put(b, "\n", 1);
	b->data[b->len] = '\0';
	return 0;
}

static int write_header(struct buf *b, const struct family *f)
{
	return expo_write_header(b, f->name, strlen(f->name), f->help ? f->help : "",
				 expo_type_name(f->type, "untyped"), false);
}

/*
 * Writes `l1="v1",l2="v2"` (no braces): names from f in the order fo, values from key (see
 * append_key). Returns 0 or -ENOMEM.
 */
int expo_write_labels(struct buf *b, const struct family *f, const size_t *fo, const char *key,
		      size_t key_len)
{
	size_t need = key_len;
	int err;

	if (key_len > SIZE_MAX / 4)
		return -ENOMEM;
	for (size_t k = 0; k < f->n_labels; k++)
		need = add_sat(need, strlen(f->label_names[fo[k]]) + 4);
	err = buf_reserve(b, add_sat(need, 2 * key_len));
	if (err)
		return err;
	for (size_t k = 0; k < f->n_labels; k++) {
		const char *name = f->label_names[fo[k]];
		size_t vlen = strlen(key);

		if (k)
			expo_put(b, ",", 1);
		expo_put(b, name, strlen(name));
		expo_put(b, "=\"", 2);
		b->len = (size_t)(expo_escape_raw(b->data + b->len, key, vlen, true) - b->data);
		expo_put(b, "\"", 1);
		key += vlen + 1;
	}
	if (b->data)
		b->data[b->len] = '\0';
	return 0;
}

/*
 * The le values of the histogram last written, formatted: the samples of one family share
 * their bounds, so each is formatted once per family rather than once per line.
 */
struct le_text {
	const double *le;
	size_t n;
	char (*str)[EXPO_FLOAT_MAX];
	size_t cap;
};

/* Formats h's bounds into t unless they are there already. Returns 0 or -ENOMEM. */
static int le_text_fill(struct le_text *t, const struct histogram_value *h)
{
	if (t->le == h->le && t->n == h->n_buckets)
		return 0;
	if (array_grow((void **)&t->str, &t->cap, h->n_buckets, sizeof(*t->str)))
		return -ENOMEM;
	for (size_t i = 0; i < h->n_buckets; i++)
		expo_format_float(h->le[i], t->str[i]);
	t->le = h->le;
	t->n = h->n_buckets;
	return 0;
}

/*
 * One line: name suffix, the label body already written at lab_off (lab_len bytes) inside
 * braces, an optional le label (le: its formatted value, or NULL), then the value.
 */
static int write_line(struct buf *b, const char *name, size_t nlen, const char *suffix,
		      size_t lab_off, size_t lab_len, const char *le, double value)
{
	size_t slen = strlen(suffix);
	int err = buf_reserve(b, add_sat(nlen + slen + 2 * EXPO_FLOAT_MAX + 16, lab_len));

	if (err)
		return err;
	expo_put(b, name, nlen);
	expo_put(b, suffix, slen);
	if (lab_len || le) {
		expo_put(b, "{", 1);
		/* The body lies before b->len and the copy goes past it: no overlap. */
		memcpy(b->data + b->len, b->data + lab_off, lab_len);
		b->len += lab_len;
		if (le) {
			if (lab_len)
				expo_put(b, ",", 1);
			expo_put(b, "le=\"", 4);
			expo_put(b, le, strnlen(le, EXPO_FLOAT_MAX));
			expo_put(b, "\"", 1);
		}
		expo_put(b, "}", 1);
	}
	expo_put(b, " ", 1);
	put_float(b, value);
	expo_put(b, "\n", 1);
	b->data[b->len] = '\0';
	return 0;
}

/*
 * Writes the line(s) of sample s. Label names come from f in the order fo, values from key
 * (taken from s in the order of the family s belongs to, which may list its labels
 * differently from f).
 */
static int write_sample(struct buf *b, const struct family *f, const size_t *fo,
			const struct sample *s, const char *key, size_t key_len, struct le_text *lt)
{
	static const struct histogram_value empty_hist;
	const struct histogram_value *h = &empty_hist;
	size_t nlen = strlen(f->name), lab_off, lab_len;
	struct le_text own = { 0 };
	bool inf_seen = false;
	int err;

	if (f->type != FAMILY_HISTOGRAM) {
		err = buf_reserve(b, nlen + 1);
		if (err)
			return err;
		expo_put(b, f->name, nlen);
		if (f->n_labels) {
			expo_put(b, "{", 1);
			err = expo_write_labels(b, f, fo, key, key_len);
			if (err)
				return err;
		}
		err = buf_reserve(b, EXPO_FLOAT_MAX + 3);
		if (err)
			return err;
		if (f->n_labels)
			expo_put(b, "}", 1);
		expo_put(b, " ", 1);
		put_float(b, s->value);
		expo_put(b, "\n", 1);
		b->data[b->len] = '\0';
		return 0;
	}

	if (s->hist)
		h = s->hist;
	/*
	 * Histograms repeat the label body on every line: render it once at the end of the
	 * buffer, then have each line copy it, and finally drop the scratch copy by moving the
	 * lines down over it.
	 */
	if (!lt)
		lt = &own;
	err = le_text_fill(lt, h);
	if (err)
		return err;
	lab_off = b->len;
	err = expo_write_labels(b, f, fo, key, key_len);
	if (err)
		goto out;
	lab_len = b->len - lab_off;
	for (size_t i = 0; i < h->n_buckets; i++) {
		err = write_line(b, f->name, nlen, "_bucket", lab_off, lab_len, lt->str[i],
				 (double)h->cumulative[i]);
		if (err)
			goto out;
		if (isinf(h->le[i]) && h->le[i] > 0)
			inf_seen = true;
	}
	if (!inf_seen) {
		err = write_line(b, f->name, nlen, "_bucket", lab_off, lab_len, "+Inf",
				 (double)h->count);
		if (err)
			goto out;
	}
	err = write_line(b, f->name, nlen, "_sum", lab_off, lab_len, NULL, h->sum);
	if (!err)
		err = write_line(b, f->name, nlen, "_count", lab_off, lab_len, NULL,
				 (double)h->count);
	if (err)
		goto out;
	memmove(b->data + lab_off, b->data + lab_off + lab_len, b->len - lab_off - lab_len);
	b->len -= lab_len;
	b->data[b->len] = '\0';
out:
	free(own.str);
	return err;
}

int expo_write_family(struct buf *b, const struct family *f)
{
	size_t stack[EXPO_STACK_LABELS], *order;
	struct buf key = { 0 };
	size_t start = b->len;
	int err;

	if (!f->n_samples)
		return 0;
	order = expo_label_order_get(f, stack);
	if (!order)
		return -ENOMEM;
	err = write_header(b, f);
	for (size_t i = 0; !err && i < f->n_samples; i++) {
		buf_reset(&key);
		err = append_key(&key, f, order, &f->samples[i]);
		if (!err)
			err = write_sample(b, f, order, &f->samples[i], key.data, key.len, NULL);
	}
	buf_free(&key);
	if (order != stack)
		free(order);
	if (err && b->data) {
		b->len = start;
		b->data[start] = '\0';
	}
	return err;
}

static int write_text_group(struct buf *b, const struct expo_group *g, void *arg)
{
	struct le_text lt = { 0 };
	int ret = write_header(b, g->f);

	for (size_t i = 0; !ret && i < g->n_series; i++) {
		const char *key;
		size_t key_len;
		const struct sample *s = expo_group_series(g, i, &key, &key_len);

		ret = s ? write_sample(b, g->f, g->order, s, key, key_len, &lt) : -ENOMEM;
	}
	free(lt.str);
	return ret;
}

int expo_write_text(struct buf *b, struct family *families, size_t n, char *err, size_t errlen)
{
	return expo_write_families(b, families, n, write_text_group, NULL, err, errlen);
}
