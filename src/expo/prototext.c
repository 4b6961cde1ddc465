// SPDX-License-Identifier: MIT
/*
 * The protobuf text expositions (`encoding=text` and `encoding=compact-text`): the same
 * MetricFamily messages as expo_pb.c, printed as protobuf-go's prototext prints them.
 */
#include "expo/protobuf.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

/* One expo_write_prototext call; the first error sticks and stops further output. */
struct pt {
	struct buf *b;
	bool compact;
	bool first; /* compact: the next field is the first of its message */
	int depth;
	int err;
};

static void put(struct pt *w, const char *s, size_t n)
{
	if (!w->err)
		w->err = buf_append(w->b, s, n);
}

static void puts_(struct pt *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Starts a field: indentation or separator, then `name:` (and a space when multi-line). */
static void field(struct pt *w, const char *name)
{
	if (w->compact) {
		if (!w->first)
			put(w, " ", 1);
	} else {
		for (int i = 0; i < w->depth; i++)
			put(w, "  ", 2);
	}
	w->first = false;
	puts_(w, name);
	if (w->compact)
		put(w, ":", 1);
	else
		put(w, ": ", 2);
}

static void end_field(struct pt *w)
{
	if (!w->compact)
		put(w, "\n", 1);
}

static void open_msg(struct pt *w, const char *name)
{
	field(w, name);
	put(w, "{", 1);
	end_field(w);
	w->depth++;
	w->first = true;
}

static void close_msg(struct pt *w)
{
	w->depth--;
	if (!w->compact) {
		for (int i = 0; i < w->depth; i++)
			put(w, "  ", 2);
	}
	put(w, "}", 1);
	end_field(w);
	w->first = false;
}

/*
 * A quoted string as prototext writes it: `"` and `\` escaped, \n \r \t, other control bytes
 * and DEL as \xNN, U+0080..U+009F as \uNNNN, bytes that are not valid UTF-8 as \xNN; the
 * rest (printable ASCII and valid UTF-8) as is.
 */
static void quoted(struct pt *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const char *p = s, *end = s + len, *run = s;

	put(w, "\"", 1);
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		char esc[8];
		size_t n, elen = 0;

		_Static_assert(sizeof(esc) >= sizeof("\\u0000") - 1, "the longest escape fits");

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			p++;
			continue;
		}
		n = 1;
		if (c >= 0x80) {
			n = utf8_seq_len((const uint8_t *)p, (size_t)(end - p));
			if (n > 2 || (n == 2 && (c != 0xc2 || (unsigned char)p[1] > 0x9f))) {
				p += n; /* printed as is */
				continue;
			}
		}
		esc[elen++] = '\\';
		if (c == '"' || c == '\\') {
			esc[elen++] = (char)c;
		} else if (c == '\n') {
			esc[elen++] = 'n';
		} else if (c == '\r') {
			esc[elen++] = 'r';
		} else if (c == '\t') {
			esc[elen++] = 't';
		} else if (n == 2) { /* U+0080..U+009F */
			memcpy(esc + elen, "u00", 3);
			elen += 3;
			esc[elen++] = hex[((unsigned char)p[1] >> 4) & 0xf];
			esc[elen++] = hex[(unsigned char)p[1] & 0xf];
		} else { /* control byte, DEL or an invalid byte */
			n = 1;
			esc[elen++] = 'x';
			esc[elen++] = hex[c >> 4];
			esc[elen++] = hex[c & 0xf];
		}
		put(w, run, (size_t)(p - run));
		put(w, esc, elen);
		p += n;
		run = p;
	}
	put(w, run, (size_t)(p - run));
	put(w, "\"", 1);
}

static void string_field(struct pt *w, const char *name, const char *s, size_t len)
{
	field(w, name);
	quoted(w, s, len);
	end_field(w);
}

/* Go's strconv.FormatFloat(v, 'g', -1, 64), with prototext's inf, -inf and nan. */
static void double_field(struct pt *w, const char *name, double v)
{
	char num[EXPO_FLOAT_MAX];

	field(w, name);
	if (isnan(v))
		puts_(w, "nan");
	else if (isinf(v))
		puts_(w, v > 0 ? "inf" : "-inf");
	else if (v == 0 && signbit(v))
		puts_(w, "-0");
	else
		put(w, num, expo_format_float(v, num));
	end_field(w);
}

static void uint_field(struct pt *w, const char *name, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);

	field(w, name);
	put(w, num, (size_t)n);
	end_field(w);
}

static void int_field(struct pt *w, const char *name, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	field(w, name);
	put(w, num, (size_t)n);
	end_field(w);
}

/* The native fields, as expo_write_protobuf writes them (its spans and deltas). */
static void native_fields(struct pt *w, const struct histogram_value *h)
{
	size_t z = h->native_zero ? 1 : 0;
	uint64_t zero = z && h->n_buckets ? h->cumulative[0] : 0, prev = 0;
	struct expo_span_iter it = { 0 };
	int32_t offset;
	uint32_t length;

	int_field(w, "schema", 0);
	double_field(w, "zero_threshold", 0);
	uint_field(w, "zero_count", zero);
	while (expo_native_next_span(h, &it, &offset, &length)) {
		open_msg(w, "positive_span");
		int_field(w, "offset", offset);
		uint_field(w, "length", length);
		close_msg(w);
	}
	if (!it.any && !zero) {
		open_msg(w, "positive_span");
		int_field(w, "offset", 0);
		uint_field(w, "length", 0);
		close_msg(w);
	}
	for (size_t i = z; i < h->n_buckets; i++) {
		uint64_t c = expo_bucket_count(h, i);

		if (!c)
			continue;
		int_field(w, "positive_delta", (int64_t)(c - prev));
		prev = c;
	}
}

/* created_timestamp of a counter or histogram whose family has a created time. */
static void created_field(struct pt *w, const struct expo_group *g)
{
	int64_t sec;
	int32_t ns;

	if (g->f->created == 0)
		return;
	expo_time_split(g->f->created, &sec, &ns);
	open_msg(w, "created_timestamp");
	if (sec)
		int_field(w, "seconds", sec);
	if (ns)
		int_field(w, "nanos", ns);
	close_msg(w);
}

/* Label values are UTF-8 repaired first, as in the other formats. */
static void label_value(struct pt *w, const char *v, size_t raw)
{
	size_t len = utf8_repaired_len(v, raw);
	struct buf tmp = { 0 };

	if (len == raw) {
		string_field(w, "value", v, raw);
		return;
	}
	if (!w->err)
		w->err = buf_reserve(&tmp, len);
	if (!w->err) {
		utf8_repair(tmp.data, v, raw);
		string_field(w, "value", tmp.data, len);
	}
	buf_free(&tmp);
}

static void write_series(struct pt *w, const struct expo_group *g, const struct sample *s,
			 const char *key)
{
	static const struct histogram_value empty;
	const struct family *f = g->f;

	open_msg(w, "metric");
	for (size_t k = 0; k < f->n_labels; k++) {
		const char *name = f->label_names[g->order[k]];
		size_t raw = strlen(key);

		open_msg(w, "label");
		string_field(w, "name", name, strlen(name));
		label_value(w, key, raw);
		close_msg(w);
		key += raw + 1;
	}
	switch (f->type) {
	case FAMILY_HISTOGRAM: {
		const struct histogram_value *h = s->hist ? s->hist : &empty;

		open_msg(w, "histogram");
		uint_field(w, "sample_count", h->count);
		double_field(w, "sample_sum", h->sum);
		for (size_t i = 0; i < h->n_buckets; i++) {
			open_msg(w, "bucket");
			uint_field(w, "cumulative_count", h->cumulative[i]);
			double_field(w, "upper_bound", h->le[i]);
			close_msg(w);
		}
		if (h->native)
			native_fields(w, h);
		created_field(w, g);
		close_msg(w);
		break;
	}
	case FAMILY_COUNTER:
	case FAMILY_GAUGE:
	default:
		open_msg(w, f->type == FAMILY_COUNTER ? "counter" :
			    f->type == FAMILY_GAUGE   ? "gauge" :
							"untyped");
		double_field(w, "value", s->value);
		if (f->type == FAMILY_COUNTER)
			created_field(w, g);
		close_msg(w);
	}
	close_msg(w);
}

static int write_group(struct buf *b, const struct expo_group *g, void *arg)
{
	static const char *const types[] = {
		[FAMILY_COUNTER] = "COUNTER",
		[FAMILY_GAUGE] = "GAUGE",
		[FAMILY_HISTOGRAM] = "HISTOGRAM",
	};
	struct pt w = { .b = b, .compact = *(const bool *)arg, .first = true };
	const struct family *f = g->f;
	const char *help = f->help ? f->help : "";

	string_field(&w, "name", f->name, strlen(f->name));
	string_field(&w, "help", help, strlen(help));
	field(&w, "type");
	puts_(&w, (unsigned)f->type < 3 ? types[f->type] : "UNTYPED");
	end_field(&w);
	for (size_t i = 0; i < g->n_series && !w.err; i++) {
		const char *key;
		size_t key_len;
		const struct sample *s = expo_group_series(g, i, &key, &key_len);

		if (!s)
			return -ENOMEM;
		write_series(&w, g, s, key);
	}
	/* fmt.Fprintln after each family; prototext ends a multi-line message with a newline. */
	put(&w, "\n", 1);
	return w.err;
}

int expo_write_prototext(struct buf *b, struct family *families, size_t n, bool compact, char *err,
			 size_t errlen)
{
	return expo_write_families(b, families, n, write_group, &compact, err, errlen);
}
