// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_EXPO_INTERNAL_H
#define EBPF_EXPORTER_EXPO_INTERNAL_H

/*
 * What the family walker (expo.c) and the text and OpenMetrics writers (text.c,
 * openmetrics.c) share; not for other modules.
 * The small helpers are inline: they run for every label of every series.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "expo/expo.h"
#include "util/buf.h"

/* Label orders up to this many labels live on the stack. */
#define EXPO_STACK_LABELS 32

static inline size_t add_sat(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Length of a contiguous key of n values, their NULs included. */
static inline size_t key_len_of(const char *key, size_t n)
{
	const char *p = key;

	for (size_t k = 0; k < n; k++)
		p += strlen(p) + 1;
	return (size_t)(p - key);
}

/* Label value i of s; never for a contiguous_keys family (its samples have key instead). */
static inline const char *value_at(const struct sample *s, size_t i)
{
	const char *v = s->values ? s->values[i] : NULL;

	return v ? v : "";
}

/*
 * Appends the sort key of s: its label values in the order given, each followed by a NUL.
 * Written labels are read back from the key too, as it is contiguous and already in order.
 */
static inline int append_key(struct buf *keys, const struct family *f, const size_t *order,
			     const struct sample *s)
{
	if (f->contiguous_keys && f->n_labels)
		return buf_append(keys, s->key, key_len_of(s->key, f->n_labels));
	for (size_t k = 0; k < f->n_labels; k++) {
		const char *v = value_at(s, order[k]);
		int err = buf_append(keys, v, strlen(v) + 1);

		if (err)
			return err;
	}
	return 0;
}

/*
 * Writes the escaped s[0..len) at dst, which has room for 3 * len bytes (the worst case:
 * every byte an invalid one replaced by the 3-byte U+FFFD, or escaped as 2 bytes): backslash,
 * newline and, for label values, the double quote. Returns the end.
 */
char *expo_escape_raw(char *dst, const char *s, size_t len, bool label);

/* f's label order (expo_label_order()) in stack when it fits, else allocated; NULL on OOM. */
size_t *expo_label_order_get(const struct family *f, size_t *stack);

/* Appends n bytes at the end of b, which has room for them (reserved by the caller). */
static inline void expo_put(struct buf *b, const char *s, size_t n)
{
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

/* The TYPE word of t: counter, gauge or histogram, else other. */
static inline const char *expo_type_name(enum family_type t, const char *other)
{
	switch (t) {
	case FAMILY_COUNTER:
		return "counter";
	case FAMILY_GAUGE:
		return "gauge";
	case FAMILY_HISTOGRAM:
		return "histogram";
	default:
		return other;
	}
}

/*
 * `# HELP name help` and `# TYPE name type` lines, the help escaped as the text format does
 * (and its double quotes too with escape_quote, as OpenMetrics wants). Returns 0 or -ENOMEM.
 */
int expo_write_header(struct buf *b, const char *name, size_t nlen, const char *help,
		      const char *type, bool escape_quote);

/*
 * Appends `l1="v1",l2="v2"` (no braces): names from f in the order fo, values from key (the
 * label values in that order, each NUL-terminated). Returns 0 or -ENOMEM.
 */
int expo_write_labels(struct buf *b, const struct family *f, const size_t *fo, const char *key,
		      size_t key_len);

/* Appends v in decimal; b has room for 20 bytes and a NUL (reserved by the caller). */
static inline void expo_put_uint(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		b->data[b->len++] = tmp[--n];
	b->data[b->len] = '\0';
}

/* One formatted histogram bound. */
struct expo_le {
	char s[EXPO_OM_FLOAT_MAX];
	size_t len;
};

/*
 * The bounds of the histogram last written, formatted: the samples of one family share their
 * bounds, so each is formatted once per family rather than once per line.
 */
struct expo_le_text {
	const double *le;
	size_t n, cap;
	bool om; /* OpenMetrics floats, else the text format's */
	struct expo_le *v;
};

/* Formats h's bounds into t unless they are there already. Returns 0 or -ENOMEM. */
int expo_le_text_fill(struct expo_le_text *t, const struct histogram_value *h);

/* The lines of one series, which share the label body: the first renders it, later ones copy. */
struct expo_series {
	const struct family *f;
	const size_t *fo; /* label order of f */
	const char *key; /* the label values in that order, each NUL-terminated */
	size_t key_len;
	size_t nlen; /* the name written: the first nlen bytes of f->name */
	size_t lab_off; /* where the first line's label body lies in the buffer */
	size_t lab_len; /* and its length; 0 without labels */
	bool lab_written;
};

/*
 * Starts a sample line of series s: name, suffix (slen bytes), `{labels[,le="..."]}` when
 * there are labels or le (NULL for none), a space. Leaves room for EXPO_OM_FLOAT_MAX bytes of
 * value, the newline and a NUL. Returns 0 or -ENOMEM.
 */
int expo_line_start(struct buf *b, struct expo_series *s, const char *suffix, size_t slen,
		    const struct expo_le *le);

/* Ends the line started by expo_line_start(), whose value has been written. */
static inline void expo_line_end(struct buf *b)
{
	b->data[b->len++] = '\n';
	b->data[b->len] = '\0';
}

#endif
