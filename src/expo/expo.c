// SPDX-License-Identifier: MIT
#include "expo/expo.h"
#include "expo/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* ---- escaping ------------------------------------------------------------------------ */

/*
 * Writes the escaped s at dst, which has room for 3 * len bytes (the worst case: every byte an
 * invalid one replaced by the 3-byte U+FFFD, or escaped as 2 bytes). Returns the end.
 */
char *expo_escape_raw(char *dst, const char *s, size_t len, bool label)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;

	while (p < end) {
		unsigned char c = *p;
		size_t n;

		if (c >= 0x20 && c < 0x80 && c != '\\' && c != '"') {
			p++;
			continue;
		}
		if (c == '\\' || c == '\n' || (c == '"' && label)) {
			memcpy(dst, run, (size_t)(p - run));
			dst += p - run;
			*dst++ = '\\';
			*dst++ = c == '\n' ? 'n' : (char)c;
			run = ++p;
			continue;
		}
		if (c < 0x80 || !label) {
			p++;
			continue;
		}
		n = utf8_seq_len(p, (size_t)(end - p));
		if (n) {
			p += n;
			continue;
		}
		/* Like Go's strings.ToValidUTF8: one U+FFFD per run of invalid bytes. */
		memcpy(dst, run, (size_t)(p - run));
		dst += p - run;
		p += utf8_invalid_run(p, (size_t)(end - p));
		memcpy(dst, "\xef\xbf\xbd", 3);
		dst += 3;
		run = p;
	}
	memcpy(dst, run, (size_t)(p - run));
	return dst + (p - run);
}

static int escape_append(struct buf *b, const char *s, size_t len, bool label)
{
	char *end;
	int err;

	if (len > (SIZE_MAX - 1) / 3)
		return -ENOMEM;
	err = buf_reserve(b, 3 * len);
	if (err)
		return err;
	end = expo_escape_raw(b->data + b->len, s, len, label);
	b->len = (size_t)(end - b->data);
	b->data[b->len] = '\0';
	return 0;
}

int expo_escape_help(struct buf *b, const char *s)
{
	return escape_append(b, s, strlen(s), false);
}

int expo_escape_label_value(struct buf *b, const char *s, size_t len)
{
	return escape_append(b, s, len, true);
}

/* ---- ordering ------------------------------------------------------------------------- */

void expo_label_order(const struct family *f, size_t *order)
{
	for (size_t i = 0; i < f->n_labels; i++) {
		size_t j = i;

		while (j > 0 && strcmp(f->label_names[order[j - 1]], f->label_names[i]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

/*
 * Compares label values in name order; oa and ob are the label orders of the families a and
 * b come from (they differ when same-named families list their labels differently).
 */
static int compare_ordered(const struct sample *a, const size_t *oa, const struct sample *b,
			   const size_t *ob, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		int c = strcmp(value_at(a, oa[k]), value_at(b, ob[k]));

		if (c)
			return c;
	}
	return 0;
}

/* Fallback without an order array: walks the label names in order by repeated minimum. */
static int compare_unordered(const struct family *f, const struct sample *a, const struct sample *b)
{
	const char *prev = NULL;

	for (size_t k = 0; k < f->n_labels; k++) {
		size_t best = 0;
		const char *bn = NULL;
		int c;

		for (size_t i = 0; i < f->n_labels; i++) {
			const char *nm = f->label_names[i];

			if (prev && strcmp(nm, prev) <= 0)
				continue;
			if (!bn || strcmp(nm, bn) < 0) {
				bn = nm;
				best = i;
			}
		}
		if (!bn)
			break;
		c = strcmp(value_at(a, best), value_at(b, best));
		if (c)
			return c;
		prev = bn;
	}
	return 0;
}

int expo_compare_samples(const struct family *f, const struct sample *a, const struct sample *b)
{
	size_t order[EXPO_STACK_LABELS];

	if (f->contiguous_keys && f->n_labels) {
		/* NUL sorts first, so the keys compare as the value lists do. */
		size_t la = key_len_of(a->key, f->n_labels), lb = key_len_of(b->key, f->n_labels);
		int c = memcmp(a->key, b->key, la < lb ? la : lb);

		return c ? c : (la > lb) - (la < lb);
	}
	if (f->n_labels > EXPO_STACK_LABELS)
		return compare_unordered(f, a, b);
	expo_label_order(f, order);
	return compare_ordered(a, order, b, order, f->n_labels);
}

struct sort_ctx {
	const struct family *f;
	const size_t *order; /* NULL: compare_unordered */
};

static int cmp_sample(const void *x, const void *y, void *arg)
{
	const struct sort_ctx *ctx = arg;

	if (!ctx->order)
		return compare_unordered(ctx->f, x, y);
	return compare_ordered(x, ctx->order, y, ctx->order, ctx->f->n_labels);
}

/* Returns the label order of f in stack (or a new array the caller frees), NULL on ENOMEM. */
size_t *expo_label_order_get(const struct family *f, size_t *stack)
{
	size_t *order = stack;

	if (f->n_labels > EXPO_STACK_LABELS) {
		order = calloc(f->n_labels, sizeof(*order));
		if (!order)
			return NULL;
	}
	expo_label_order(f, order);
	return order;
}

/* ---- all families ---------------------------------------------------------------------- */

/*
 * A series of a merged family: its sort key is its label values in name order, each followed
 * by a NUL, in the keys arena (NUL sorts below every byte and a C string holds none, so memcmp
 * on keys orders like strcmp value by value). The 8 key bytes after the prefix all keys share
 * (often a constant label such as comm or a common path) are kept big-endian in prefix, so
 * most comparisons while sorting a million series decide without a cache miss.
 */
struct sample_ref {
	uint64_t prefix;
	uint32_t key_off, key_len;
	const struct sample *s;
	const size_t *order; /* label order of the family s comes from */
};

/* State of one expo_write_families call; everything is reused from group to group. */
struct expo_walker {
	struct family *families;
	size_t *idx; /* families sorted by name, stable */
	size_t **order_of; /* label order per family */
	struct sample_ref *refs;
	size_t refs_cap;
	struct buf keys;
	size_t lcp; /* length of the prefix all keys of the group share */
	struct buf msgs; /* "\n* <message>" per error, while keep_message() */
	size_t errlen;
	size_t nerr;
};

static int cmp_ref(const void *x, const void *y, void *arg)
{
	const struct sample_ref *a = x, *b = y;
	const struct expo_walker *w = arg;
	size_t n = (a->key_len < b->key_len ? a->key_len : b->key_len) - w->lcp;
	int c;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	c = n ? memcmp(w->keys.data + a->key_off + w->lcp, w->keys.data + b->key_off + w->lcp, n) :
		0;
	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static int cmp_family_idx(const void *x, const void *y, void *arg)
{
	const struct family *fams = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = strcmp(fams[i].name, fams[j].name);

	if (c)
		return c;
	return i < j ? -1 : i > j;
}

/* A string as the protobuf text format prints it: C escapes, other bytes in octal. */
static int put_proto_string(struct buf *m, const char *s)
{
	int err = buf_putc(m, '"');

	for (const unsigned char *p = (const unsigned char *)s; !err && *p; p++) {
		switch (*p) {
		case '\n':
			err = buf_puts(m, "\\n");
			break;
		case '\r':
			err = buf_puts(m, "\\r");
			break;
		case '\t':
			err = buf_puts(m, "\\t");
			break;
		case '"':
		case '\\':
			err = buf_printf(m, "\\%c", *p);
			break;
		default:
			if (*p >= 0x20 && *p < 0x7f)
				err = buf_putc(m, (char)*p);
			else
				err = buf_printf(m, "\\%03o", *p);
		}
	}
	return err ? err : buf_putc(m, '"');
}

/*
 * Appends client_golang's duplicate-series message for a series of family f whose label
 * values, in the order fo, are key (NUL-separated).
 */
static int put_duplicate(struct buf *m, const struct family *f, const size_t *fo, const char *key)
{
	int err = buf_printf(m, "collected metric \"%s\" { ", f->name);

	for (size_t k = 0; !err && k < f->n_labels; k++) {
		err = buf_printf(m, "label:<name:\"%s\" value:", f->label_names[fo[k]]);
		if (!err)
			err = put_proto_string(m, key);
		if (!err)
			err = buf_puts(m, " > ");
		key += strlen(key) + 1;
	}
	return err ? err :
		     buf_puts(m, "} was collected before with the same name and label values");
}

/* Same-named families must agree on type, help and the set of label names. */
static bool families_agree(const struct family *a, const size_t *oa, const struct family *b,
			   const size_t *ob)
{
	const char *ha = a->help ? a->help : "", *hb = b->help ? b->help : "";

	if (a->type != b->type || strcmp(ha, hb) || a->n_labels != b->n_labels)
		return false;
	for (size_t k = 0; k < a->n_labels; k++) {
		if (strcmp(a->label_names[oa[k]], b->label_names[ob[k]]))
			return false;
	}
	return true;
}

/* Fills w->refs with the samples of the families idx[g..next), total of them. */
static int collect_group(struct expo_walker *w, size_t g, size_t next, size_t total)
{
	size_t m = 0;
	int err;

	if (array_grow((void **)&w->refs, &w->refs_cap, total, sizeof(*w->refs)))
		return -ENOMEM;
	buf_reset(&w->keys);
	err = buf_reserve(&w->keys, 64); /* keys.data is never NULL below */
	if (err)
		return err;
	for (size_t j = g; j < next; j++) {
		const struct family *f = &w->families[w->idx[j]];
		const size_t *order = w->order_of[w->idx[j]];

		for (size_t i = 0; i < f->n_samples; i++, m++) {
			struct sample_ref *r = &w->refs[m];
			size_t off = w->keys.len;

			err = append_key(&w->keys, f, order, &f->samples[i]);
			if (err)
				return err;
			if (w->keys.len > UINT32_MAX)
				return -ENOMEM;
			r->key_off = (uint32_t)off;
			r->key_len = (uint32_t)(w->keys.len - off);
			r->s = &f->samples[i];
			r->order = order;
		}
	}

	w->lcp = total ? w->refs[0].key_len : 0;
	for (size_t i = 1; i < total; i++) {
		const char *k0 = w->keys.data + w->refs[0].key_off;
		const char *ki = w->keys.data + w->refs[i].key_off;
		size_t l = 0;

		while (l < w->lcp && k0[l] == ki[l])
			l++;
		w->lcp = l;
	}
	for (size_t i = 0; i < total; i++) {
		struct sample_ref *r = &w->refs[i];
		const unsigned char *k = (const unsigned char *)w->keys.data + r->key_off;

		r->prefix = 0;
		for (size_t j = w->lcp; j < w->lcp + 8 && j < r->key_len; j++)
			r->prefix |= (uint64_t)k[j] << (56 - 8 * (j - w->lcp));
	}
	return 0;
}

/* Is refs[0..m) already in order? Then sorting is skipped (collect sorts first). */
static bool refs_sorted(struct expo_walker *w, size_t m)
{
	for (size_t i = 1; i < m; i++) {
		if (cmp_ref(&w->refs[i - 1], &w->refs[i], w) > 0)
			return false;
	}
	return true;
}

void expo_sort_samples(struct family *f)
{
	size_t stack[EXPO_STACK_LABELS], zero = 0, *order;
	struct expo_walker w = { .families = f, .idx = &zero, .order_of = &order };
	struct sample *tmp = NULL;
	struct sort_ctx ctx = { .f = f };

	if (f->n_samples < 2 || f->n_labels == 0 || f->presorted)
		return;
	order = expo_label_order_get(f, stack);
	ctx.order = order;
	/* Sort by keys as expo_write_text does; without memory for them, in place (slower). */
	if (order && !collect_group(&w, 0, 1, f->n_samples)) {
		if (refs_sorted(&w, f->n_samples))
			goto out;
		tmp = calloc(f->n_samples, sizeof(*tmp));
	}
	if (tmp) {
		qsort_r(w.refs, f->n_samples, sizeof(*w.refs), cmp_ref, &w);
		for (size_t i = 0; i < f->n_samples; i++)
			tmp[i] = *w.refs[i].s;
		memcpy(f->samples, tmp, f->n_samples * sizeof(*tmp));
	} else {
		qsort_r(f->samples, f->n_samples, sizeof(*f->samples), cmp_sample, &ctx);
	}
out:
	free(tmp);
	free(w.refs);
	buf_free(&w.keys);
	if (order != stack)
		free(order);
}

/*
 * Messages are kept only while they may still show in the caller's err; past that they are
 * counted, as a million colliding series would otherwise build a huge message.
 */
static bool keep_message(const struct expo_walker *w)
{
	return w->msgs.len < w->errlen;
}

/* Reports every duplicate of the sorted refs[0..m), as client_golang does. */
static int find_duplicates(struct expo_walker *w, const struct family *f, const size_t *fo,
			   size_t m)
{
	int err;

	for (size_t i = 1; i < m; i++) {
		if (cmp_ref(&w->refs[i - 1], &w->refs[i], w))
			continue;
		w->nerr++;
		if (!keep_message(w))
			continue;
		err = buf_puts(&w->msgs, "\n* ");
		if (!err)
			err = put_duplicate(&w->msgs, f, fo, w->keys.data + w->refs[i].key_off);
		if (err)
			return err;
	}
	return 0;
}

/*
 * client_golang refuses a family named like a histogram's series (<h>_bucket, <h>_sum,
 * <h>_count), failing each of its samples. Which of the two it calls "previously collected"
 * depends on collection order; here it is always the histogram. Returns 1 when name collides
 * (an error per sample added), 0 when not, or -ENOMEM.
 */
static int check_collision(struct expo_walker *w, size_t n, const char *name, size_t samples)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t slen = strlen(suffixes[i]), blen = len - slen;
		bool hist = false;

		if (len <= slen || strcmp(name + blen, suffixes[i]))
			continue;
		for (size_t j = 0; j < n && !hist; j++) {
			const struct family *h = &w->families[j];

			hist = h->type == FAMILY_HISTOGRAM && h->n_samples &&
			       !strncmp(h->name, name, blen) && h->name[blen] == '\0';
		}
		if (!hist)
			continue;
		w->nerr += samples;
		for (size_t k = 0; k < samples && keep_message(w); k++) {
			int err = buf_printf(&w->msgs,
					     "\n* collected metric named \"%s\" collides with "
					     "previously collected histogram named \"%.*s\"",
					     name, (int)blen, name);

			if (err)
				return err;
		}
		return 1;
	}
	return 0;
}

const struct sample *expo_group_series(const struct expo_group *g, size_t i, const char **key,
				       size_t *key_len)
{
	const struct sample_ref *r;

	if (g->direct) {
		/* One key at a time; keys.data was reserved by the walker, so it is never NULL. */
		const struct sample *s = &g->f->samples[i];

		if (g->f->contiguous_keys && g->f->n_labels) {
			*key = s->key;
			*key_len = key_len_of(s->key, g->f->n_labels);
			return s;
		}
		buf_reset(&g->w->keys);
		if (append_key(&g->w->keys, g->f, g->order, s))
			return NULL;
		*key = g->w->keys.data;
		*key_len = g->w->keys.len;
		return s;
	}
	r = &g->w->refs[i];

	*key = g->w->keys.data + r->key_off;
	*key_len = r->key_len;
	return r->s;
}

static int walk_families(struct buf *b, struct expo_walker *w, size_t n, expo_group_fn fn,
			 void *arg, char *err, size_t errlen)
{
	for (size_t g = 0, next; g < n; g = next) {
		const struct family *f = &w->families[w->idx[g]];
		const size_t *fo = w->order_of[w->idx[g]];
		struct expo_group grp;
		size_t total = 0;
		int ret;

		for (next = g; next < n && !strcmp(w->families[w->idx[next]].name, f->name); next++)
			total = add_sat(total, w->families[w->idx[next]].n_samples);
		if (!total)
			continue;
		for (size_t j = g + 1; j < next; j++) {
			if (families_agree(f, fo, &w->families[w->idx[j]], w->order_of[w->idx[j]]))
				continue;
			if (err && errlen)
				snprintf(
					err, errlen,
					"collected metric %s has type, help or label names "
					"inconsistent with previously collected metrics in the same "
					"metric family",
					f->name);
			return -EINVAL;
		}
		ret = check_collision(w, n, f->name, total);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		grp = (struct expo_group){ .f = f, .order = fo, .n_series = total, .w = w };
		if (next == g + 1 && f->presorted) {
			grp.direct = true;
			buf_reset(&w->keys);
			ret = buf_reserve(&w->keys, 64);
			if (ret)
				return ret;
		} else {
			ret = collect_group(w, g, next, total);
			if (ret)
				return ret;
			if (!refs_sorted(w, total))
				qsort_r(w->refs, total, sizeof(*w->refs), cmp_ref, w);
			ret = find_duplicates(w, f, fo, total);
			if (ret)
				return ret;
		}
		if (w->nerr)
			continue; /* nothing more is written, but later errors are reported */
		ret = fn(b, &grp, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int expo_write_families(struct buf *b, struct family *families, size_t n, expo_group_fn fn,
			void *arg, char *err, size_t errlen)
{
	struct expo_walker w = { .families = families, .errlen = err ? errlen : 0 };
	size_t *orders = NULL, total_labels = 0, start = b->len;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		total_labels = add_sat(total_labels, families[i].n_labels);
	w.idx = calloc(n, sizeof(*w.idx));
	w.order_of = calloc(n, sizeof(*w.order_of));
	orders = calloc(total_labels ? total_labels : 1, sizeof(*orders));
	if (!w.idx || !w.order_of || !orders) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0, off = 0; i < n; i++) {
		w.idx[i] = i;
		w.order_of[i] = orders + off;
		expo_label_order(&families[i], w.order_of[i]);
		off += families[i].n_labels;
	}
	qsort_r(w.idx, n, sizeof(*w.idx), cmp_family_idx, families);

	ret = walk_families(b, &w, n, fn, arg, err, errlen);
	if (!ret && w.nerr) {
		/* One error alone is returned as is; several as Go's MultiError prints them. */
		if (err && errlen && w.nerr == 1)
			snprintf(err, errlen, "%s", w.msgs.data + 3);
		else if (err && errlen)
			snprintf(err, errlen, "%zu error(s) occurred:%s", w.nerr,
				 w.msgs.data ? w.msgs.data : "");
		ret = -EEXIST;
	}

cleanup:
	if (ret && b->data) {
		b->len = start;
		b->data[start] = '\0';
	}
	buf_free(&w.msgs);
	buf_free(&w.keys);
	free(w.refs);
	free(orders);
	free(w.order_of);
	free(w.idx);
	return ret;
}
