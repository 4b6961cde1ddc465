// SPDX-License-Identifier: MIT
#include "tracing/otlp_encode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope pb_scope;
typedef Opentelemetry__Proto__Resource__V1__Resource pb_resource;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans pb_rs;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans pb_ss;
typedef Opentelemetry__Proto__Trace__V1__Span pb_span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event pb_event;
typedef Opentelemetry__Proto__Trace__V1__Status pb_status;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest pb_request;

#define FLAG_SAMPLED 0x01u
#define FLAG_HAS_IS_REMOTE 0x100u
#define FLAG_IS_REMOTE 0x200u

uint32_t otlp_span_flags(const struct span *sp)
{
	uint32_t f = FLAG_SAMPLED | FLAG_HAS_IS_REMOTE;

	if (sp->parent_remote)
		f |= FLAG_IS_REMOTE;
	return f;
}

/* Spans grouped by service, in order of first appearance. */
struct grouping {
	size_t n_groups;
	uint32_t *group_service; /* service index of each group */
	size_t *group_count;
	size_t *group_start; /* offset of each group in order[] */
	struct span **order; /* spans sorted by group, stable */
};

static void grouping_free(struct grouping *g)
{
	free(g->group_service);
	free(g->group_count);
	free(g->group_start);
	free(g->order);
	memset(g, 0, sizeof(*g));
}

static int group_spans(const struct otlp_resources *res, struct span *const *spans, size_t n,
		       struct grouping *g)
{
	size_t nsvc = res->n_services, i, k;
	long *slot = NULL;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < n; i++)
		if (spans[i]->service >= nsvc)
			return -EINVAL;
	slot = malloc((nsvc ? nsvc : 1) * sizeof(*slot));
	g->group_service = calloc(nsvc ? nsvc : 1, sizeof(*g->group_service));
	g->group_count = calloc(nsvc ? nsvc : 1, sizeof(*g->group_count));
	g->group_start = calloc(nsvc ? nsvc : 1, sizeof(*g->group_start));
	g->order = calloc(n ? n : 1, sizeof(*g->order));
	if (!slot || !g->group_service || !g->group_count || !g->group_start || !g->order) {
		free(slot);
		grouping_free(g);
		return -ENOMEM;
	}
	for (i = 0; i < nsvc; i++)
		slot[i] = -1;
	for (i = 0; i < n; i++) {
		uint32_t s = spans[i]->service;

		if (slot[s] < 0) {
			slot[s] = (long)g->n_groups;
			g->group_service[g->n_groups++] = s;
		}
		g->group_count[slot[s]]++;
	}
	for (k = 1; k < g->n_groups; k++)
		g->group_start[k] = g->group_start[k - 1] + g->group_count[k - 1];
	{
		size_t fill[g->n_groups ? g->n_groups : 1];

		memset(fill, 0, sizeof(fill));
		for (i = 0; i < n; i++) {
			size_t s = (size_t)slot[spans[i]->service];

			g->order[g->group_start[s] + fill[s]++] = spans[i];
		}
	}
	free(slot);
	return 0;
}

/* A bump allocator over one zeroed block sized in advance. */
struct arena {
	char *base;
	size_t used, size;
};

static size_t al(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* n bytes of the arena, zeroed; NULL when that would pass its end. */
static void *take(struct arena *a, size_t n)
{
	void *p;

	if (al(n) > a->size - a->used)
		return NULL;
	p = a->base + a->used;
	a->used += al(n);
	return p;
}

static void set_kv(pb_kv *kv, pb_any *any, const char *key, const char *value)
{
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(any);
	kv->key = (char *)key;
	any->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	any->string_value = (char *)value;
	kv->value = any;
}

/* A string key-value pair from the arena; NULL when the arena is exhausted. */
static pb_kv *arena_kv(struct arena *a, const char *key, const char *value)
{
	pb_kv *kv = take(a, sizeof(pb_kv));
	pb_any *any = take(a, sizeof(pb_any));

	if (!kv || !any)
		return NULL;
	set_kv(kv, any, key, value);
	return kv;
}

/* Takes n bytes into dst, or ends the encoding: the size computed up front was wrong. */
#define TAKE(dst, n)                          \
	do {                                  \
		if (!((dst) = take(&a, (n)))) \
			goto overflow;        \
	} while (0)
#define KV(dst, key, value)                                  \
	do {                                                 \
		if (!((dst) = arena_kv(&a, (key), (value)))) \
			goto overflow;                       \
	} while (0)

int otlp_encode_protobuf(const struct otlp_resources *res, struct span *const *spans, size_t n,
			 struct buf *out)
{
	size_t i, j, k, n_res_kv, size, packed;
	struct grouping g;
	struct arena a = { 0 };
	pb_request req =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	pb_scope scope = OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	int e;

	e = group_spans(res, spans, n, &g);
	if (e)
		return e;
	/* Exactly what the take() calls below use, each rounded as take() rounds it. */
	n_res_kv = res->n_attrs + 1;
	size = al(g.n_groups * sizeof(pb_rs *));
	for (k = 0; k < g.n_groups; k++)
		size += al(sizeof(pb_rs)) + al(sizeof(pb_ss)) + al(sizeof(pb_resource)) +
			al(n_res_kv * sizeof(pb_kv *)) +
			n_res_kv * (al(sizeof(pb_kv)) + al(sizeof(pb_any))) + al(sizeof(pb_ss *)) +
			al(g.group_count[k] * sizeof(pb_span *));
	for (i = 0; i < n; i++) {
		const struct span *sp = spans[i];

		size += al(sizeof(pb_span)) + al(sp->n_attrs * sizeof(pb_kv *)) +
			sp->n_attrs * (al(sizeof(pb_kv)) + al(sizeof(pb_any))) +
			al(sp->n_events * sizeof(pb_event *));
		for (j = 0; j < sp->n_events; j++)
			size += al(sizeof(pb_event)) +
				(sp->events[j].attr_key ? al(sizeof(pb_kv *)) + al(sizeof(pb_kv)) +
								  al(sizeof(pb_any)) :
							  0);
		if (sp->status != SPAN_STATUS_UNSET)
			size += al(sizeof(pb_status));
	}
	a.base = calloc(1, size + 16);
	if (!a.base) {
		grouping_free(&g);
		return -ENOMEM;
	}
	a.size = size;

	scope.name = (char *)SPAN_SCOPE_NAME;
	req.n_resource_spans = g.n_groups;
	TAKE(req.resource_spans, g.n_groups * sizeof(pb_rs *));
	for (k = 0; k < g.n_groups; k++) {
		pb_rs *rs;
		pb_ss *ss;
		pb_resource *r;
		size_t nkv = res->n_attrs + 1;

		TAKE(rs, sizeof(*rs));
		TAKE(ss, sizeof(*ss));
		TAKE(r, sizeof(*r));
		opentelemetry__proto__trace__v1__resource_spans__init(rs);
		opentelemetry__proto__trace__v1__scope_spans__init(ss);
		opentelemetry__proto__resource__v1__resource__init(r);
		req.resource_spans[k] = rs;
		rs->resource = r;
		r->n_attributes = nkv;
		TAKE(r->attributes, nkv * sizeof(pb_kv *));
		for (j = 0; j < res->n_attrs; j++)
			KV(r->attributes[j], res->attrs[j].key, res->attrs[j].value);
		KV(r->attributes[j], "service.name", res->services[g.group_service[k]]);
		rs->n_scope_spans = 1;
		TAKE(rs->scope_spans, sizeof(pb_ss *));
		rs->scope_spans[0] = ss;
		ss->scope = &scope;
		ss->n_spans = g.group_count[k];
		TAKE(ss->spans, ss->n_spans * sizeof(pb_span *));
		for (i = 0; i < ss->n_spans; i++) {
			struct span *sp = g.order[g.group_start[k] + i];
			pb_span *ps;

			TAKE(ps, sizeof(*ps));
			opentelemetry__proto__trace__v1__span__init(ps);
			ss->spans[i] = ps;
			ps->trace_id.data = sp->trace_id;
			ps->trace_id.len = sizeof(sp->trace_id);
			ps->span_id.data = sp->span_id;
			ps->span_id.len = sizeof(sp->span_id);
			if (!span_id_is_zero(sp->parent_span_id, sizeof(sp->parent_span_id))) {
				ps->parent_span_id.data = sp->parent_span_id;
				ps->parent_span_id.len = sizeof(sp->parent_span_id);
			}
			ps->flags = otlp_span_flags(sp);
			ps->name = (char *)sp->name;
			ps->kind =
				OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL;
			ps->start_time_unix_nano = sp->start_ns;
			ps->end_time_unix_nano = sp->end_ns;
			ps->dropped_attributes_count = sp->dropped_attrs;
			ps->n_attributes = sp->n_attrs;
			TAKE(ps->attributes, sp->n_attrs * sizeof(pb_kv *));
			for (j = 0; j < sp->n_attrs; j++)
				KV(ps->attributes[j], sp->attrs[j].key, sp->attrs[j].value);
			ps->n_events = sp->n_events;
			TAKE(ps->events, sp->n_events * sizeof(pb_event *));
			for (j = 0; j < sp->n_events; j++) {
				const struct span_event *ev = &sp->events[j];
				pb_event *pe;

				TAKE(pe, sizeof(*pe));
				opentelemetry__proto__trace__v1__span__event__init(pe);
				ps->events[j] = pe;
				pe->name = (char *)ev->name;
				pe->time_unix_nano = ev->time_ns;
				if (ev->attr_key) {
					pe->n_attributes = 1;
					TAKE(pe->attributes, sizeof(pb_kv *));
					KV(pe->attributes[0], ev->attr_key,
					   ev->attr_value ? ev->attr_value : "");
				}
			}
			if (sp->status != SPAN_STATUS_UNSET) {
				pb_status *st;

				TAKE(st, sizeof(*st));
				opentelemetry__proto__trace__v1__status__init(st);
				st->code = (Opentelemetry__Proto__Trace__V1__Status__StatusCode)
						   sp->status;
				st->message = (char *)(sp->status_msg ? sp->status_msg : "");
				ps->status = st;
			}
		}
	}
	packed =
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(
			&req);
	e = buf_reserve(out, packed);
	if (e)
		goto out;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(
		&req, (uint8_t *)out->data + out->len);
	out->len += packed;
	out->data[out->len] = '\0';
	goto out;
overflow:
	/* the size computed above is wrong: nothing was written past the block */
	e = -EINVAL;
out:
	free(a.base);
	grouping_free(&g);
	return e;
}

/* ---- OTLP/JSON ---- */

static int json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int e = buf_putc(b, '"');

	for (; !e && *p; p++) {
		unsigned char c = *p;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			e = buf_append(b, esc, 2);
		} else if (c == '\n' || c == '\t' || c == '\r') {
			char esc[2] = { '\\', c == '\n' ? 'n' : c == '\t' ? 't' : 'r' };

			e = buf_append(b, esc, 2);
		} else if (c < 0x20) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			e = buf_append(b, esc, 6);
		} else {
			e = buf_putc(b, (char)c);
		}
	}
	return e ? e : buf_putc(b, '"');
}

static int json_kv(struct buf *b, const char *key, const char *value)
{
	int e = buf_puts(b, "{\"key\":");

	if (!e)
		e = json_str(b, key);
	if (!e)
		e = buf_puts(b, ",\"value\":{\"stringValue\":");
	if (!e)
		e = json_str(b, value);
	return e ? e : buf_puts(b, "}}");
}

static int json_id(struct buf *b, const char *key, const uint8_t *id, size_t len)
{
	char hex[2 * SPAN_TRACE_ID_LEN + 1];

	span_id_hex(id, len, hex);
	return buf_printf(b, ",\"%s\":\"%s\"", key, hex);
}

static int json_span(struct buf *b, const struct span *sp)
{
	size_t j;
	int e = 0;

	e = e ?: buf_puts(b, "{\"traceId\"");
	/* json_id writes the leading comma: undo it for the first key */
	{
		char hex[2 * SPAN_TRACE_ID_LEN + 1];

		span_id_hex(sp->trace_id, sizeof(sp->trace_id), hex);
		e = e ?: buf_printf(b, ":\"%s\"", hex);
	}
	e = e ?: json_id(b, "spanId", sp->span_id, sizeof(sp->span_id));
	if (!span_id_is_zero(sp->parent_span_id, sizeof(sp->parent_span_id)))
		e = e ?: json_id(b, "parentSpanId", sp->parent_span_id, sizeof(sp->parent_span_id));
	e = e ?: buf_printf(b, ",\"flags\":%u,\"name\":", otlp_span_flags(sp));
	e = e ?: json_str(b, sp->name);
	e = e	  ?:
		    buf_printf(
			    b,
			    ",\"kind\":1,\"startTimeUnixNano\":\"%llu\",\"endTimeUnixNano\":\"%llu\"",
			    (unsigned long long)sp->start_ns, (unsigned long long)sp->end_ns);
	e = e ?: buf_puts(b, ",\"attributes\":[");
	for (j = 0; j < sp->n_attrs; j++) {
		if (j)
			e = e ?: buf_putc(b, ',');
		e = e ?: json_kv(b, sp->attrs[j].key, sp->attrs[j].value);
	}
	e = e ?: buf_putc(b, ']');
	if (sp->dropped_attrs)
		e = e ?: buf_printf(b, ",\"droppedAttributesCount\":%u", sp->dropped_attrs);
	if (sp->n_events) {
		e = e ?: buf_puts(b, ",\"events\":[");
		for (j = 0; j < sp->n_events; j++) {
			const struct span_event *ev = &sp->events[j];

			e = e	  ?:
				    buf_printf(b, "%s{\"timeUnixNano\":\"%llu\",\"name\":",
					       j ? "," : "", (unsigned long long)ev->time_ns);
			e = e ?: json_str(b, ev->name);
			e = e ?: buf_puts(b, ",\"attributes\":[");
			if (ev->attr_key)
				e = e ?: json_kv(b, ev->attr_key, ev->attr_value);
			e = e ?: buf_puts(b, "]}");
		}
		e = e ?: buf_putc(b, ']');
	}
	if (sp->status != SPAN_STATUS_UNSET) {
		e = e ?: buf_printf(b, ",\"status\":{\"code\":%d,\"message\":", (int)sp->status);
		e = e ?: json_str(b, sp->status_msg);
		e = e ?: buf_putc(b, '}');
	}
	e = e ?: buf_putc(b, '}');
	return e ? -ENOMEM : 0;
}

int otlp_encode_json(const struct otlp_resources *res, struct span *const *spans, size_t n,
		     struct buf *out)
{
	size_t start = out->len, i, j, k;
	struct grouping g;
	int e;

	e = group_spans(res, spans, n, &g);
	if (e)
		return e;
	e = e ?: buf_puts(out, "{\"resourceSpans\":[");
	for (k = 0; k < g.n_groups; k++) {
		e = e	  ?:
			    buf_puts(out, k ? ",{\"resource\":{\"attributes\":[" :
					      "{\"resource\":{\"attributes\":[");
		for (j = 0; j < res->n_attrs; j++) {
			e = e ?: json_kv(out, res->attrs[j].key, res->attrs[j].value);
			e = e ?: buf_putc(out, ',');
		}
		e = e ?: json_kv(out, "service.name", res->services[g.group_service[k]]);
		e = e ?: buf_puts(out, "]},\"scopeSpans\":[{\"scope\":{\"name\":");
		e = e ?: json_str(out, SPAN_SCOPE_NAME);
		e = e ?: buf_puts(out, "},\"spans\":[");
		for (i = 0; i < g.group_count[k]; i++) {
			if (i)
				e = e ?: buf_putc(out, ',');
			e = e ?: json_span(out, g.order[g.group_start[k] + i]);
		}
		e = e ?: buf_puts(out, "]}]}");
	}
	e = e ?: buf_puts(out, "]}");
	grouping_free(&g);
	if (e) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return -ENOMEM;
	}
	return 0;
}
