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

int expo_le_text_fill(struct expo_le_text *t, const struct histogram_value *h)
{
	if (t->le == h->le && t->n == h->n_buckets)
		return 0;
	if (array_grow((void **)&t->v, &t->cap, h->n_buckets, sizeof(*t->v)))
		return -ENOMEM;
	for (size_t i = 0; i < h->n_buckets; i++)
		t->v[i].len = t->om ? expo_format_om_float(h->le[i], t->v[i].s) :
				      expo_format_float(h->le[i], t->v[i].s);
	t->le = h->le;
	t->n = h->n_buckets;
	return 0;
}

/* Room after the label body: `,le="<bound>"} `, a value, the newline and a NUL. */
#define LINE_TAIL_MAX (2 * EXPO_OM_FLOAT_MAX + 16)

int expo_line_start(struct buf *b, struct expo_series *s, const char *suffix, size_t slen,
		    const struct expo_le *le)
{
	const struct family *f = s->f;
	int err;

	if (!s->lab_written) {
		err = buf_reserve(b, add_sat(s->nlen + slen + 1, LINE_TAIL_MAX));
		if (err)
			return err;
		expo_put(b, f->name, s->nlen);
		expo_put(b, suffix, slen);
		if (f->n_labels) {
			expo_put(b, "{", 1);
			s->lab_off = b->len;
			err = expo_write_labels(b, f, s->fo, s->key, s->key_len);
			if (err)
				return err;
			s->lab_len = b->len - s->lab_off;
			err = buf_reserve(b, LINE_TAIL_MAX);
			if (err)
				return err;
		} else if (le) {
			expo_put(b, "{", 1);
		}
		s->lab_written = true;
	} else {
		err = buf_reserve(b,
				  add_sat(s->nlen + slen + 1, add_sat(s->lab_len, LINE_TAIL_MAX)));
		if (err)
			return err;
		expo_put(b, f->name, s->nlen);
		expo_put(b, suffix, slen);
		if (s->lab_len || le)
			expo_put(b, "{", 1);
		/* The body lies before b->len and the copy goes past it: no overlap. */
		memcpy(b->data + b->len, b->data + s->lab_off, s->lab_len);
		b->len += s->lab_len;
	}
	if (le) {
		if (s->lab_len)
			expo_put(b, ",", 1);
		expo_put(b, "le=\"", 4);
		expo_put(b, le->s, le->len);
		expo_put(b, "\"", 1);
	}
	if (s->lab_len || le)
		expo_put(b, "}", 1);
	expo_put(b, " ", 1);
	b->data[b->len] = '\0';
	return 0;
}

static const struct expo_le inf_le = { "+Inf", 4 };

/* Starts a line of s with suffix, le NULL or a bound; the value is v, as a text float. */
static int write_line(struct buf *b, struct expo_series *s, const char *suffix, size_t slen,
		      const struct expo_le *le, double v)
{
	int err = expo_line_start(b, s, suffix, slen, le);

	if (err)
		return err;
	put_float(b, v);
	expo_line_end(b);
	return 0;
}

/*
 * Writes the line(s) of sample s. Label names come from f in the order fo, values from key
 * (taken from s in the order of the family s belongs to, which may list its labels
 * differently from f).
 */
static int write_sample(struct buf *b, const struct family *f, const size_t *fo,
			const struct sample *s, const char *key, size_t key_len,
			struct expo_le_text *lt)
{
	static const struct histogram_value empty_hist;
	const struct histogram_value *h = s->hist ? s->hist : &empty_hist;
	struct expo_series ser = {
		.f = f, .fo = fo, .key = key, .key_len = key_len, .nlen = strlen(f->name)
	};
	bool inf_seen = false;
	int err;

	if (f->type != FAMILY_HISTOGRAM)
		return write_line(b, &ser, "", 0, NULL, s->value);
	err = expo_le_text_fill(lt, h);
	for (size_t i = 0; !err && i < h->n_buckets; i++) {
		err = write_line(b, &ser, "_bucket", 7, &lt->v[i], (double)h->cumulative[i]);
		if (isinf(h->le[i]) && h->le[i] > 0)
			inf_seen = true;
	}
	if (!err && !inf_seen)
		err = write_line(b, &ser, "_bucket", 7, &inf_le, (double)h->count);
	if (!err)
		err = write_line(b, &ser, "_sum", 4, NULL, h->sum);
	if (!err)
		err = write_line(b, &ser, "_count", 6, NULL, (double)h->count);
	return err;
}

int expo_write_family(struct buf *b, const struct family *f)
{
	size_t stack[EXPO_STACK_LABELS], *order;
	struct expo_le_text lt = { 0 };
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
			err = write_sample(b, f, order, &f->samples[i], key.data, key.len, &lt);
	}
	free(lt.v);
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
	struct expo_le_text lt = { 0 };
	int ret = write_header(b, g->f);

	for (size_t i = 0; !ret && i < g->n_series; i++) {
		const char *key;
		size_t key_len;
		const struct sample *s = expo_group_series(g, i, &key, &key_len);

		ret = s ? write_sample(b, g->f, g->order, s, key, key_len, &lt) : -ENOMEM;
	}
	free(lt.v);
	return ret;
}

int expo_write_text(struct buf *b, struct family *families, size_t n, char *err, size_t errlen)
{
	return expo_write_families(b, families, n, write_text_group, NULL, err, errlen);
}
