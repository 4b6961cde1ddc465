// SPDX-License-Identifier: MIT
#include "expo/protobuf.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/*
 * The wire format is written by hand rather than through protobuf-c's generated structs:
 * a scrape of a million series would otherwise build a million Metric structs and label
 * pairs, walk them once to size and once more to pack into a temporary buffer. Here every
 * size is computed from the strings themselves (a first pass), the output is reserved once
 * per family and written straight into the scrape buffer (a second pass), with no memory
 * per series. The generated code (proto/prometheus/metrics.proto) decodes it in the tests.
 */

/* Tags (field number << 3 | wire type) of the messages we write. */
enum {
	WT_VARINT = 0,
	WT_FIXED64 = 1,
	WT_LEN = 2,
};
#define TAG(field, wt) ((char)((field) << 3 | (wt)))

/* MetricFamily */
#define T_FAMILY_NAME TAG(1, WT_LEN)
#define T_FAMILY_HELP TAG(2, WT_LEN)
#define T_FAMILY_TYPE TAG(3, WT_VARINT)
#define T_FAMILY_METRIC TAG(4, WT_LEN)
/* Metric */
#define T_METRIC_LABEL TAG(1, WT_LEN)
#define T_METRIC_GAUGE TAG(2, WT_LEN)
#define T_METRIC_COUNTER TAG(3, WT_LEN)
#define T_METRIC_UNTYPED TAG(5, WT_LEN)
#define T_METRIC_HISTOGRAM TAG(7, WT_LEN)
/* LabelPair */
#define T_LABEL_NAME TAG(1, WT_LEN)
#define T_LABEL_VALUE TAG(2, WT_LEN)
/* Counter, Gauge, Untyped */
#define T_VALUE TAG(1, WT_FIXED64)
#define T_COUNTER_CREATED TAG(3, WT_LEN)
/* Histogram */
#define T_HIST_COUNT TAG(1, WT_VARINT)
#define T_HIST_SUM TAG(2, WT_FIXED64)
#define T_HIST_BUCKET TAG(3, WT_LEN)
#define T_HIST_SCHEMA TAG(5, WT_VARINT)
#define T_HIST_ZERO_THRESHOLD TAG(6, WT_FIXED64)
#define T_HIST_ZERO_COUNT TAG(7, WT_VARINT)
#define T_HIST_POSITIVE_SPAN TAG(12, WT_LEN)
#define T_HIST_POSITIVE_DELTA TAG(13, WT_VARINT)
#define T_HIST_CREATED TAG(15, WT_LEN)
/* Bucket */
#define T_BUCKET_COUNT TAG(1, WT_VARINT)
#define T_BUCKET_BOUND TAG(2, WT_FIXED64)
/* BucketSpan */
#define T_SPAN_OFFSET TAG(1, WT_VARINT)
#define T_SPAN_LENGTH TAG(2, WT_VARINT)
/* google.protobuf.Timestamp */
#define T_TS_SECONDS TAG(1, WT_VARINT)
#define T_TS_NANOS TAG(2, WT_VARINT)

/* MetricType values. */
enum {
	PB_COUNTER = 0,
	PB_GAUGE = 1,
	PB_UNTYPED = 3,
	PB_HISTOGRAM = 4,
};

/* Label orders up to this many labels live on the stack. */
#define STACK_LABELS 32

static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static char *put_varint(char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (char)v;
	return p;
}

/* A fixed64 field holds the IEEE 754 bits little-endian, whatever the host order. */
static char *put_double(char *p, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	for (int i = 0; i < 8; i++, u >>= 8)
		*p++ = (char)(u & 0xff);
	return p;
}

/* Size of a length-delimited field holding len bytes, tag included. */
static size_t len_field_size(size_t len)
{
	return 1 + varint_size(len) + len;
}

/* sint32/sint64 encoding. */
static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* A google.protobuf.Timestamp of t seconds since the epoch; zero fields are left out. */
struct pb_time {
	int64_t seconds;
	int32_t nanos;
	size_t size; /* of the message */
};

void expo_time_split(double t, int64_t *seconds, int32_t *nanos)
{
	double sec = floor(t);
	long ns = lround((t - sec) * 1e9);

	if (ns >= 1000000000L) {
		sec += 1;
		ns = 0;
	}
	*seconds = (int64_t)sec;
	*nanos = (int32_t)ns;
}

static struct pb_time pb_time_of(double t)
{
	struct pb_time ts = { 0 };

	expo_time_split(t, &ts.seconds, &ts.nanos);
	if (ts.seconds)
		ts.size += 1 + varint_size((uint64_t)ts.seconds);
	if (ts.nanos)
		ts.size += 1 + varint_size((uint64_t)ts.nanos);
	return ts;
}

static char *put_time(char *p, char tag, const struct pb_time *ts)
{
	*p++ = tag;
	p = put_varint(p, ts->size);
	if (ts->seconds) {
		*p++ = T_TS_SECONDS;
		p = put_varint(p, (uint64_t)ts->seconds);
	}
	if (ts->nanos) {
		*p++ = T_TS_NANOS;
		p = put_varint(p, (uint64_t)ts->nanos);
	}
	return p;
}

/* One merged family being written. */
struct pb_group {
	const struct expo_group *g;
	int type; /* MetricType */
	char value_tag; /* Metric field of a scalar value */
	bool created; /* counters and histograms with a created time: ts */
	struct pb_time ts;
	const char **names; /* label names in name order */
	size_t *name_lens;
};

static const struct histogram_value empty_hist;

static const struct histogram_value *hist_of(const struct sample *s)
{
	return s->hist ? s->hist : &empty_hist;
}

static size_t bucket_size(uint64_t cumulative)
{
	return 1 + varint_size(cumulative) + 9;
}

uint64_t expo_bucket_count(const struct histogram_value *h, size_t i)
{
	return h->cumulative[i] - (i ? h->cumulative[i - 1] : 0);
}

bool expo_native_next_span(const struct histogram_value *h, struct expo_span_iter *it,
			   int32_t *offset, uint32_t *length)
{
	size_t z = h->native_zero ? 1 : 0, i = it->i < z ? z : it->i, j;
	int64_t idx;

	while (i < h->n_buckets && !expo_bucket_count(h, i))
		i++;
	if (i >= h->n_buckets)
		return false;
	for (j = i; j < h->n_buckets && expo_bucket_count(h, j);)
		j++;
	idx = (int64_t)h->native_first + (int64_t)(i - z);
	*offset = (int32_t)(it->any ? idx - it->next : idx);
	*length = (uint32_t)(j - i);
	it->next = idx + (int64_t)(j - i);
	it->any = true;
	it->i = j;
	return true;
}

static size_t span_size(int32_t offset, uint32_t length)
{
	return 1 + varint_size(zigzag(offset)) + 1 + varint_size(length);
}

static char *put_span(char *p, int32_t offset, uint32_t length)
{
	*p++ = T_HIST_POSITIVE_SPAN;
	p = put_varint(p, span_size(offset, length));
	*p++ = T_SPAN_OFFSET;
	p = put_varint(p, zigzag(offset));
	*p++ = T_SPAN_LENGTH;
	return put_varint(p, length);
}

/*
 * The native part of h (h->native set): schema 0, zero threshold 0, the zero count, then
 * one positive span per run of consecutive non-empty buckets (the first span's offset is its
 * bucket index, the others' the number of empty buckets before them) and one delta per
 * bucket in the spans (its count minus the previous bucket's, the first one's count).
 * Nothing is written but the size returned when p is NULL; otherwise writes it at p and
 * returns its size. With no observations at all, a span of length 0 marks the histogram as
 * native, as client_golang does.
 */
static char *put_tag_varint(char *p, char tag, uint64_t v)
{
	*p++ = tag;
	return put_varint(p, v);
}

static size_t put_native(char *p, const struct histogram_value *h)
{
	size_t n = 0, z = h->native_zero ? 1 : 0;
	uint64_t zero = z && h->n_buckets ? h->cumulative[0] : 0, prev = 0;
	struct expo_span_iter it = { 0 };
	int32_t offset;
	uint32_t length;

/* Counts sz bytes and, when writing, writes them with the expression w (the new p). */
#define EMIT(sz, w)              \
	do {                     \
		n += (sz);       \
		if (p)           \
			p = (w); \
	} while (0)
	EMIT(2, put_tag_varint(p, T_HIST_SCHEMA, 0));
	EMIT(9, (*p++ = T_HIST_ZERO_THRESHOLD, put_double(p, 0)));
	EMIT(1 + varint_size(zero), put_tag_varint(p, T_HIST_ZERO_COUNT, zero));
	while (expo_native_next_span(h, &it, &offset, &length))
		EMIT(len_field_size(span_size(offset, length)), put_span(p, offset, length));
	if (!it.any && !zero)
		EMIT(len_field_size(span_size(0, 0)), put_span(p, 0, 0));
	for (size_t i = z; i < h->n_buckets; i++) {
		uint64_t c = expo_bucket_count(h, i), d;

		if (!c)
			continue;
		d = zigzag((int64_t)(c - prev));
		EMIT(1 + varint_size(d), put_tag_varint(p, T_HIST_POSITIVE_DELTA, d));
		prev = c;
	}
#undef EMIT
	return n;
}

static size_t histogram_size(const struct pb_group *pg, const struct histogram_value *h)
{
	size_t n = 1 + varint_size(h->count) + 9;

	for (size_t i = 0; i < h->n_buckets; i++)
		n += len_field_size(bucket_size(h->cumulative[i]));
	if (h->native)
		n += put_native(NULL, h);
	if (pg->created)
		n += len_field_size(pg->ts.size);
	return n;
}

/* Size of a Counter, Gauge or Untyped message. */
static size_t scalar_size(const struct pb_group *pg)
{
	return 9 + (pg->created ? len_field_size(pg->ts.size) : 0);
}

/* Size of the LabelPair message of label k with a value of repaired length vlen. */
static size_t pair_size(const struct pb_group *pg, size_t k, size_t vlen)
{
	return len_field_size(pg->name_lens[k]) + len_field_size(vlen);
}

/*
 * Length of the label value at p (up to its NUL) in *raw, and its length once UTF-8
 * repaired as the return value. Values are short and mostly ASCII: one plain loop does both.
 */
static size_t value_len(const char *p, size_t *raw)
{
	const char *q = p;
	unsigned char high = 0;

	while (*q)
		high |= (unsigned char)*q++;
	*raw = (size_t)(q - p);
	return high & 0x80 ? utf8_repaired_len(p, *raw) : *raw;
}

/* Size of the Metric message of a series (its label values in key). */
static size_t metric_size(const struct pb_group *pg, const struct sample *s, const char *key)
{
	size_t n = 0;

	for (size_t k = 0; k < pg->g->f->n_labels; k++) {
		size_t raw, vlen = value_len(key, &raw);

		n += len_field_size(pair_size(pg, k, vlen));
		key += raw + 1;
	}
	if (pg->type == PB_HISTOGRAM)
		return n + len_field_size(histogram_size(pg, hist_of(s)));
	return n + len_field_size(scalar_size(pg));
}

static char *put_bytes(char *p, char tag, const char *s, size_t len)
{
	*p++ = tag;
	p = put_varint(p, len);
	memcpy(p, s, len);
	return p + len;
}

static char *put_metric(char *p, const struct pb_group *pg, const struct sample *s, const char *key,
			size_t size)
{
	*p++ = T_FAMILY_METRIC;
	p = put_varint(p, size);
	for (size_t k = 0; k < pg->g->f->n_labels; k++) {
		size_t raw, vlen = value_len(key, &raw);

		*p++ = T_METRIC_LABEL;
		p = put_varint(p, pair_size(pg, k, vlen));
		p = put_bytes(p, T_LABEL_NAME, pg->names[k], pg->name_lens[k]);
		*p++ = T_LABEL_VALUE;
		p = put_varint(p, vlen);
		if (vlen == raw) {
			memcpy(p, key, raw);
			p += raw;
		} else {
			p = utf8_repair(p, key, raw);
		}
		key += raw + 1;
	}
	if (pg->type == PB_HISTOGRAM) {
		const struct histogram_value *h = hist_of(s);

		*p++ = T_METRIC_HISTOGRAM;
		p = put_varint(p, histogram_size(pg, h));
		*p++ = T_HIST_COUNT;
		p = put_varint(p, h->count);
		*p++ = T_HIST_SUM;
		p = put_double(p, h->sum);
		for (size_t i = 0; i < h->n_buckets; i++) {
			*p++ = T_HIST_BUCKET;
			p = put_varint(p, bucket_size(h->cumulative[i]));
			*p++ = T_BUCKET_COUNT;
			p = put_varint(p, h->cumulative[i]);
			*p++ = T_BUCKET_BOUND;
			p = put_double(p, h->le[i]);
		}
		if (h->native)
			p += put_native(p, h);
		if (pg->created)
			p = put_time(p, T_HIST_CREATED, &pg->ts);
		return p;
	}
	*p++ = pg->value_tag;
	p = put_varint(p, scalar_size(pg));
	*p++ = T_VALUE;
	p = put_double(p, s->value);
	if (pg->created)
		p = put_time(p, T_COUNTER_CREATED, &pg->ts);
	return p;
}

static int write_group(struct buf *b, const struct expo_group *g, void *arg)
{
	const char *stack_names[STACK_LABELS];
	size_t stack_lens[STACK_LABELS];
	struct pb_group pg = { .g = g, .names = stack_names, .name_lens = stack_lens };
	const struct family *f = g->f;
	const char *help = f->help ? f->help : "";
	size_t nlen = strlen(f->name), hlen = strlen(help), body, total;
	char *p, *start;
	int err = 0;

	switch (f->type) {
	case FAMILY_COUNTER:
		pg.type = PB_COUNTER;
		pg.value_tag = T_METRIC_COUNTER;
		break;
	case FAMILY_GAUGE:
		pg.type = PB_GAUGE;
		pg.value_tag = T_METRIC_GAUGE;
		break;
	case FAMILY_HISTOGRAM:
		pg.type = PB_HISTOGRAM;
		break;
	default:
		pg.type = PB_UNTYPED;
		pg.value_tag = T_METRIC_UNTYPED;
	}
	if ((f->type == FAMILY_COUNTER || f->type == FAMILY_HISTOGRAM) && f->created != 0) {
		pg.created = true;
		pg.ts = pb_time_of(f->created);
	}
	if (f->n_labels > STACK_LABELS) {
		pg.names = calloc(f->n_labels, sizeof(*pg.names));
		pg.name_lens = calloc(f->n_labels, sizeof(*pg.name_lens));
		if (!pg.names || !pg.name_lens) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	for (size_t k = 0; k < f->n_labels; k++) {
		pg.names[k] = f->label_names[g->order[k]];
		pg.name_lens[k] = strlen(pg.names[k]);
	}

	/* First pass: the family's size, so that it is reserved once and prefixed exactly. */
	body = len_field_size(nlen) + len_field_size(hlen) + 2;
	for (size_t i = 0; i < g->n_series; i++) {
		const char *key;
		size_t key_len;
		const struct sample *s = expo_group_series(g, i, &key, &key_len);

		if (!s) {
			err = -ENOMEM;
			goto cleanup;
		}
		body += len_field_size(metric_size(&pg, s, key));
		if (body > BUF_DEFAULT_MAX) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	total = varint_size(body) + body;
	err = buf_reserve(b, total);
	if (err)
		goto cleanup;

	start = p = b->data + b->len;
	p = put_varint(p, body);
	p = put_bytes(p, T_FAMILY_NAME, f->name, nlen);
	p = put_bytes(p, T_FAMILY_HELP, help, hlen);
	*p++ = T_FAMILY_TYPE;
	*p++ = (char)pg.type;
	for (size_t i = 0; i < g->n_series; i++) {
		const char *key;
		size_t key_len;
		const struct sample *s = expo_group_series(g, i, &key, &key_len);

		if (!s) {
			err = -ENOMEM; /* nothing counted in b->len yet */
			goto cleanup;
		}
		p = put_metric(p, &pg, s, key, metric_size(&pg, s, key));
	}
	if ((size_t)(p - start) != total) {
		/* Cannot happen (both passes size with the same functions); never send it. */
		err = -EFAULT;
		goto cleanup;
	}
	b->len += total;
	b->data[b->len] = '\0';
cleanup:
	if (pg.names != stack_names) {
		free(pg.names);
		free(pg.name_lens);
	}
	return err;
}

int expo_write_protobuf(struct buf *b, struct family *families, size_t n, char *err, size_t errlen)
{
	return expo_write_families(b, families, n, write_group, NULL, err, errlen);
}

int expo_write(struct buf *b, enum expo_format fmt, struct family *families, size_t n, char *err,
	       size_t errlen)
{
	switch (fmt) {
	case EXPO_PROTOBUF:
		return expo_write_protobuf(b, families, n, err, errlen);
	case EXPO_PROTOTEXT:
		return expo_write_prototext(b, families, n, false, err, errlen);
	case EXPO_PROTOCOMPACT:
		return expo_write_prototext(b, families, n, true, err, errlen);
	case EXPO_TEXT:
	default:
		return expo_write_text(b, families, n, err, errlen);
	}
}
