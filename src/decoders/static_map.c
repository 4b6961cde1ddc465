// SPDX-License-Identifier: MIT
/*
 * static_map: exact byte-string lookup in the configured map. Hit → the mapped
 * value; miss → the input itself with allow_unknown, else `unknown:<input>`; no map configured
 * → `empty mapping` for every input. Never fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders/decoder_env.h"

struct sm_entry {
	const char *key;
	size_t klen;
	const char *value;
	size_t vlen;
	size_t order; /* position in the YAML map: the last duplicate wins */
};

struct sm_state {
	bool configured;
	bool allow_unknown;
	size_t n;
	struct sm_entry *entries; /* sorted by (klen, key bytes, order) */
	char *strings; /* arena holding copies of keys and values */
};

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int cmp_entry(const void *x, const void *y)
{
	const struct sm_entry *a = x, *b = y;
	int c = cmp_bytes(a->key, a->klen, b->key, b->klen);

	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* YAML null keys and values read as empty strings, as in Go's map[string]string. */
static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

static void sm_free(void *state)
{
	struct sm_state *sm = state;

	if (!sm)
		return;
	free(sm->entries);
	free(sm->strings);
	free(sm);
}

static int sm_init(const struct decoder_conf *conf, struct decoder_env *env, void **state,
		   char *err, size_t errlen)
{
	struct sm_state *sm = calloc(1, sizeof(*sm));
	size_t total = 0, off = 0;

	if (!sm)
		goto nomem;
	sm->configured = conf->static_map_set;
	sm->allow_unknown = conf->allow_unknown;
	sm->n = conf->n_static_map;
	for (size_t i = 0; i < sm->n; i++) {
		size_t need = strlen(str_or_empty(conf->static_map[i].key)) +
			      strlen(str_or_empty(conf->static_map[i].value)) + 2;

		if (total > SIZE_MAX - need)
			goto nomem;
		total += need;
	}
	sm->entries = calloc(sm->n ? sm->n : 1, sizeof(*sm->entries));
	sm->strings = malloc(total ? total : 1);
	if (!sm->entries || !sm->strings)
		goto nomem;
	for (size_t i = 0; i < sm->n; i++) {
		struct sm_entry *e = &sm->entries[i];
		const char *key = str_or_empty(conf->static_map[i].key);
		const char *value = str_or_empty(conf->static_map[i].value);

		e->klen = strlen(key);
		e->vlen = strlen(value);
		memcpy(sm->strings + off, key, e->klen + 1);
		e->key = sm->strings + off;
		off += e->klen + 1;
		memcpy(sm->strings + off, value, e->vlen + 1);
		e->value = sm->strings + off;
		off += e->vlen + 1;
		e->order = i;
	}
	qsort(sm->entries, sm->n, sizeof(*sm->entries), cmp_entry);
	*state = sm;
	return 0;
nomem:
	sm_free(sm);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

/* The last entry whose key equals in[0..len), or NULL. */
static const struct sm_entry *sm_lookup(const struct sm_state *sm, const uint8_t *in, size_t len)
{
	size_t lo = 0, hi = sm->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cmp_bytes(sm->entries[mid].key, sm->entries[mid].klen, (const char *)in, len) <=
		    0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (cmp_bytes(sm->entries[lo - 1].key, sm->entries[lo - 1].klen, (const char *)in, len))
		return NULL;
	return &sm->entries[lo - 1];
}

static int sm_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
		     struct buf *out, char *err, size_t errlen)
{
	const struct sm_state *sm = state;
	const struct sm_entry *e;
	int ret;

	if (!sm->configured)
		return buf_puts(out, "empty mapping");
	e = sm_lookup(sm, in, len);
	if (e)
		return buf_append(out, e->value, e->vlen);
	if (sm->allow_unknown)
		return buf_append(out, in, len);
	ret = buf_puts(out, "unknown:");
	return ret ? ret : buf_append(out, in, len);
}

const struct decoder decoder_static_map = {
	.name = "static_map",
	.cheap = true,
	.init = sm_init,
	.free = sm_free,
	.decode = sm_decode,
};
