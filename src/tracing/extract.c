// SPDX-License-Identifier: MIT
#include "tracing/extract.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/gofmt.h"

#define CONFIG_ATTR "ebpf_exporter.config"

/* OTel's messages (go.opentelemetry.io/otel/trace). */
#define ERR_TRACE_LEN "hex encoded trace-id must have length equals to 32"
#define ERR_SPAN_LEN "hex encoded span-id must have length equals to 16"
#define ERR_TRACE_ZERO "trace-id can't be all zero"
#define ERR_SPAN_ZERO "span-id can't be all zero"
#define ERR_HEX "trace-id and span-id can only contain [0-9a-f] characters, all lowercase"

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses exactly 2 * len lower-case hex digits as Go's TraceIDFromHex/SpanIDFromHex do. */
static const char *parse_id(const char *v, uint8_t *id, size_t len)
{
	size_t i;

	if (strlen(v) != 2 * len)
		return len == SPAN_TRACE_ID_LEN ? ERR_TRACE_LEN : ERR_SPAN_LEN;
	for (i = 0; i < 2 * len; i++)
		if (hex_val(v[i]) < 0)
			return ERR_HEX;
	for (i = 0; i < len; i++)
		id[i] = (uint8_t)(hex_val(v[2 * i]) << 4 | hex_val(v[2 * i + 1]));
	if (span_id_is_zero(id, len))
		return len == SPAN_TRACE_ID_LEN ? ERR_TRACE_ZERO : ERR_SPAN_ZERO;
	return NULL;
}

/* strconv.ParseUint(v, 10, 64): returns NULL or the error text after `parsing "v": `. */
static const char *parse_u64(const char *v, uint64_t *out)
{
	uint64_t x = 0;
	const char *p;

	if (!*v)
		return "invalid syntax";
	for (p = v; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			return "invalid syntax";
		d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10) {
			/* Go reports range only after the whole string is digits */
			for (; *p; p++)
				if (*p < '0' || *p > '9')
					return "invalid syntax";
			return "value out of range";
		}
		x = x * 10 + d;
	}
	*out = x;
	return NULL;
}

static void id_error(char *err, size_t errlen, const char *label, const char *v, const char *msg)
{
	err[0] = '\0';
	gofmt_appendf(err, errlen, "error parsing %s ", label);
	gofmt_append_quote(err, errlen, v, strlen(v));
	gofmt_appendf(err, errlen, ": %s", msg);
}

static void int_error(char *err, size_t errlen, const char *label, const char *v, const char *msg)
{
	err[0] = '\0';
	gofmt_appendf(err, errlen, "error decoding integer for %s from ", label);
	gofmt_append_quote(err, errlen, v, strlen(v));
	gofmt_appendf(err, errlen, ": strconv.ParseUint: parsing ");
	gofmt_append_quote(err, errlen, v, strlen(v));
	gofmt_appendf(err, errlen, ": %s", msg);
}

enum base_label {
	L_ATTR,
	L_TRACE_ID,
	L_PARENT_SPAN_ID,
	L_SPAN_ID,
	L_TIMESTAMP,
	L_DURATION,
	L_SPAN_NAME,
};

static enum base_label classify(const char *name)
{
	static const struct {
		const char *name;
		enum base_label kind;
	} table[] = {
		{ "trace_id", L_TRACE_ID },	    { "parent_span_id", L_PARENT_SPAN_ID },
		{ "span_id", L_SPAN_ID },	    { "span_monotonic_timestamp_ns", L_TIMESTAMP },
		{ "span_duration_ns", L_DURATION }, { "span_name", L_SPAN_NAME },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(name, table[i].name) == 0)
			return table[i].kind;
	return L_ATTR;
}

int span_extract(const struct extract_opts *o, const char *const *names, const char *const *values,
		 size_t n, struct idgen *g, struct span **out, char *err, size_t errlen)
{
	uint8_t trace_id[SPAN_TRACE_ID_LEN], parent[SPAN_ID_LEN] = { 0 }, sid[SPAN_ID_LEN] = { 0 };
	bool have_trace = false, have_ts = false;
	uint64_t ts = 0, duration = 0;
	const char *name = o->default_name ? o->default_name : "";
	size_t i, n_attrs = 0, str = 0, kept = 0, limit;
	struct span *sp;
	const char *msg;

	*out = NULL;
	limit = o->attr_count_limit;
	/* Pass 1: base labels, sizes. */
	for (i = 0; i < n; i++) {
		const char *v = values[i];

		switch (classify(names[i])) {
		case L_TRACE_ID:
			msg = parse_id(v, trace_id, sizeof(trace_id));
			if (msg) {
				id_error(err, errlen, "trace_id", v, msg);
				return -EINVAL;
			}
			have_trace = true;
			break;
		case L_PARENT_SPAN_ID:
		case L_SPAN_ID: {
			uint8_t *dst = classify(names[i]) == L_SPAN_ID ? sid : parent;

			if (strcmp(v, "0000000000000000") == 0) {
				memset(dst, 0, SPAN_ID_LEN);
				break;
			}
			msg = parse_id(v, dst, SPAN_ID_LEN);
			if (msg) {
				id_error(err, errlen, names[i], v, msg);
				return -EINVAL;
			}
			break;
		}
		case L_TIMESTAMP:
			msg = parse_u64(v, &ts);
			if (msg) {
				int_error(err, errlen, names[i], v, msg);
				return -EINVAL;
			}
			have_ts = true;
			break;
		case L_DURATION:
			msg = parse_u64(v, &duration);
			if (msg) {
				int_error(err, errlen, names[i], v, msg);
				return -EINVAL;
			}
			break;
		case L_SPAN_NAME:
			name = v;
			break;
		case L_ATTR:
			n_attrs++;
			str += strlen(names[i]) + 1 + span_str_room(strlen(v));
			break;
		}
	}
	n_attrs++; /* ebpf_exporter.config */
	str += sizeof(CONFIG_ATTR) + span_str_room(strlen(o->config_name ? o->config_name : ""));
	str += span_str_room(strlen(name));

	sp = span_alloc(n_attrs < limit ? n_attrs : limit, 0, str);
	if (!sp)
		return -ENOMEM;
	sp->service = o->service;
	sp->name = span_str(sp, name, strlen(name));
	for (i = 0; i <= n; i++) {
		const char *k, *v;
		size_t vlen;

		if (i < n) {
			if (classify(names[i]) != L_ATTR)
				continue;
			k = names[i];
			v = values[i];
		} else {
			k = CONFIG_ATTR;
			v = o->config_name ? o->config_name : "";
		}
		if (kept >= limit) {
			sp->dropped_attrs++;
			continue;
		}
		vlen = strlen(v);
		if (vlen > o->attr_value_limit) {
			/* cut at a character boundary, as the SDK does */
			vlen = o->attr_value_limit;
			while (vlen > 0 && ((unsigned char)v[vlen] & 0xc0) == 0x80)
				vlen--;
		}
		sp->attrs[kept].key = span_str(sp, k, strlen(k));
		sp->attrs[kept].value = span_str(sp, v, vlen);
		kept++;
	}
	sp->n_attrs = (uint32_t)kept;

	if (have_trace) {
		memcpy(sp->trace_id, trace_id, sizeof(trace_id));
		memcpy(sp->parent_span_id, parent, sizeof(parent));
		sp->parent_remote = !span_id_is_zero(parent, sizeof(parent));
		if (span_id_is_zero(sid, sizeof(sid)))
			idgen_fill(g, sp->span_id, sizeof(sp->span_id));
		else
			memcpy(sp->span_id, sid, sizeof(sid));
	} else {
		/* A new root: random ids; configured span and parent ids are ignored. */
		idgen_fill(g, sp->trace_id, sizeof(sp->trace_id));
		idgen_fill(g, sp->span_id, sizeof(sp->span_id));
	}
	sp->start_ns = have_ts ? span_ktime_to_unix_ns(ts) : span_now_unix_ns();
	sp->end_ns = sp->start_ns + duration;
	*out = sp;
	return 0;
}
