// SPDX-License-Identifier: MIT
/*
 * The exporter's own lifecycle trace: spans recorded in memory as main.c goes
 * through start-up and shutdown, turned into export spans when they end (or when the tracing
 * adopts them, for those that ended before it existed).
 */
#include <stdlib.h>
#include <string.h>

#include "tracing/internal.h"
#include "tracing/tracing.h"
#include "util/buf.h"

struct lc_kv {
	char *key;
	char *value;
};

struct lc_event {
	char *name;
	uint64_t time_ns;
	char *key; /* NULL: no attribute */
	char *value;
};

struct lc_span {
	struct lc_span *next_all;
	struct lc_span *parent;
	uint8_t trace_id[SPAN_TRACE_ID_LEN];
	uint8_t span_id[SPAN_ID_LEN];
	uint64_t start_ns, end_ns;
	char *name;
	struct lc_kv *attrs;
	size_t n_attrs, attrs_cap;
	struct lc_event *events;
	size_t n_events, events_cap;
	char *error;
	bool ended, handed_over;
	int sampled; /* -1: not decided yet */
};

struct lifecycle {
	struct idgen g;
	struct lc_span *all;
	struct tracing *t; /* after tracing__adopt_lifecycle() */
};

struct lifecycle *lifecycle__new(void)
{
	struct lifecycle *lc = calloc(1, sizeof(*lc));

	if (lc)
		idgen_init(&lc->g);
	return lc;
}

struct lc_span *lifecycle__begin(struct lifecycle *lc, struct lc_span *parent, const char *name)
{
	struct lc_span *s;

	if (!lc)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = strdup(name ? name : "");
	if (!s->name) {
		free(s);
		return NULL;
	}
	s->parent = parent;
	s->sampled = -1;
	if (parent)
		memcpy(s->trace_id, parent->trace_id, sizeof(s->trace_id));
	else
		idgen_fill(&lc->g, s->trace_id, sizeof(s->trace_id));
	idgen_fill(&lc->g, s->span_id, sizeof(s->span_id));
	s->start_ns = span_now_unix_ns();
	s->next_all = lc->all;
	lc->all = s;
	return s;
}

void lifecycle__attr(struct lc_span *s, const char *key, const char *value)
{
	struct lc_kv *kv;

	if (!s || s->ended || !key)
		return;
	if (array_grow((void **)&s->attrs, &s->attrs_cap, s->n_attrs + 1, sizeof(*s->attrs)))
		return;
	kv = s->attrs;
	kv[s->n_attrs].key = strdup(key);
	kv[s->n_attrs].value = strdup(value ? value : "");
	if (!kv[s->n_attrs].key || !kv[s->n_attrs].value) {
		free(kv[s->n_attrs].key);
		free(kv[s->n_attrs].value);
		return;
	}
	s->n_attrs++;
}

void lifecycle__event(struct lc_span *s, const char *name, const char *key, const char *value)
{
	struct lc_event *ev;

	if (!s || s->ended)
		return;
	if (array_grow((void **)&s->events, &s->events_cap, s->n_events + 1, sizeof(*s->events)))
		return;
	ev = s->events + s->n_events;
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = span_now_unix_ns();
	ev->name = strdup(name ? name : "");
	if (key) {
		ev->key = strdup(key);
		ev->value = strdup(value ? value : "");
	}
	if (!ev->name || (key && (!ev->key || !ev->value))) {
		free(ev->name);
		free(ev->key);
		free(ev->value);
		return;
	}
	s->n_events++;
}

void lifecycle__error(struct lc_span *s, const char *msg)
{
	if (!s || s->ended)
		return;
	/* as the SDK's RecordError plus SetStatus(Error, msg) */
	lifecycle__event(s, "exception", "exception.message", msg ? msg : "");
	free(s->error);
	s->error = strdup(msg ? msg : "");
}

void lifecycle__ids(const struct lc_span *s, uint8_t trace_id[16], uint8_t span_id[8])
{
	_Static_assert(SPAN_TRACE_ID_LEN == 16 && SPAN_ID_LEN == 8, "the sizes tracing.h declares");
	if (!s) {
		memset(trace_id, 0, SPAN_TRACE_ID_LEN);
		memset(span_id, 0, SPAN_ID_LEN);
		return;
	}
	memcpy(trace_id, s->trace_id, SPAN_TRACE_ID_LEN);
	memcpy(span_id, s->span_id, SPAN_ID_LEN);
}

static bool decide(struct lc_span *s, const struct sampler *smp)
{
	if (s->sampled < 0) {
		bool parent = s->parent && decide(s->parent, smp);

		s->sampled = sampler_sample(smp, s->trace_id, s->parent != NULL, parent);
	}
	return s->sampled;
}

static struct span *to_span(const struct lc_span *s)
{
	size_t str = span_str_room(strlen(s->name)), i;
	struct span *sp;

	for (i = 0; i < s->n_attrs; i++)
		str += span_str_room(strlen(s->attrs[i].key)) +
		       span_str_room(strlen(s->attrs[i].value));
	for (i = 0; i < s->n_events; i++) {
		str += span_str_room(strlen(s->events[i].name));
		if (s->events[i].key)
			str += span_str_room(strlen(s->events[i].key)) +
			       span_str_room(strlen(s->events[i].value));
	}
	if (s->error)
		str += span_str_room(strlen(s->error));
	sp = span_alloc(s->n_attrs, s->n_events, str);
	if (!sp)
		return NULL;
	memcpy(sp->trace_id, s->trace_id, sizeof(sp->trace_id));
	memcpy(sp->span_id, s->span_id, sizeof(sp->span_id));
	if (s->parent)
		memcpy(sp->parent_span_id, s->parent->span_id, sizeof(sp->parent_span_id));
	sp->start_ns = s->start_ns;
	sp->end_ns = s->end_ns;
	sp->name = span_str(sp, s->name, strlen(s->name));
	sp->service = 0;
	for (i = 0; i < s->n_attrs; i++) {
		sp->attrs[i].key = span_str(sp, s->attrs[i].key, strlen(s->attrs[i].key));
		sp->attrs[i].value = span_str(sp, s->attrs[i].value, strlen(s->attrs[i].value));
	}
	sp->n_attrs = (uint32_t)s->n_attrs;
	for (i = 0; i < s->n_events; i++) {
		const struct lc_event *e = &s->events[i];

		sp->events[i].name = span_str(sp, e->name, strlen(e->name));
		sp->events[i].time_ns = e->time_ns;
		if (e->key) {
			sp->events[i].attr_key = span_str(sp, e->key, strlen(e->key));
			sp->events[i].attr_value = span_str(sp, e->value, strlen(e->value));
		}
	}
	sp->n_events = (uint32_t)s->n_events;
	if (s->error) {
		sp->status = SPAN_STATUS_ERROR;
		sp->status_msg = span_str(sp, s->error, strlen(s->error));
	}
	return sp;
}

static void hand_over(struct lifecycle *lc, struct lc_span *s)
{
	struct span *sp;

	if (!lc->t || !s->ended || s->handed_over)
		return;
	s->handed_over = true;
	if (!decide(s, tracing__sampler(lc->t)))
		return;
	sp = to_span(s);
	if (sp)
		tracing__push(lc->t, sp);
}

void lifecycle__end(struct lifecycle *lc, struct lc_span *s)
{
	if (!lc || !s || s->ended)
		return;
	s->ended = true;
	s->end_ns = span_now_unix_ns();
	hand_over(lc, s);
}

void tracing__adopt_lifecycle(struct tracing *t, struct lifecycle *lc)
{
	struct lc_span *s, **v;
	size_t n = 0, i;

	if (!t || !lc)
		return;
	lc->t = t;
	tracing__remember_lifecycle(t, lc);
	for (s = lc->all; s; s = s->next_all)
		n++;
	/* lc->all is newest first: hand over in the order the spans began */
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		for (s = lc->all; s; s = s->next_all)
			hand_over(lc, s);
		return;
	}
	for (s = lc->all, i = n; s; s = s->next_all)
		v[--i] = s;
	for (i = 0; i < n; i++)
		hand_over(lc, v[i]);
	free(v);
}

void lifecycle__forget_tracing(struct lifecycle *lc)
{
	if (lc)
		lc->t = NULL;
}

void lifecycle__free(struct lifecycle *lc)
{
	struct lc_span *s, *next;
	size_t i;

	if (!lc)
		return;
	for (s = lc->all; s; s = next) {
		next = s->next_all;
		for (i = 0; i < s->n_attrs; i++) {
			free(s->attrs[i].key);
			free(s->attrs[i].value);
		}
		for (i = 0; i < s->n_events; i++) {
			free(s->events[i].name);
			free(s->events[i].key);
			free(s->events[i].value);
		}
		free(s->attrs);
		free(s->events);
		free(s->error);
		free(s->name);
		free(s);
	}
	free(lc);
}
