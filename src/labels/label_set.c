// SPDX-License-Identifier: MIT
#include "labels/label_set.h"
#include "labels/internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/gofmt.h"

/* Where a nested message can go after the prefix already in err. */
static char *err_tail(char *err, size_t errlen, size_t *taillen, char *junk, size_t junklen)
{
	size_t used = strnlen(err, errlen);

	if (used + 1 >= errlen) {
		junk[0] = '\0';
		*taillen = junklen;
		return junk;
	}
	*taillen = errlen - used;
	return err + used;
}

static void set_prefix_label(char *err, size_t errlen, const char *label)
{
	err[0] = '\0';
	gofmt_appendf(err, errlen, "label ");
	gofmt_append_quote(err, errlen, label, strlen(label));
	gofmt_appendf(err, errlen, ": ");
}

static int init_decoder(struct dec_inst *inst, const struct label_conf *label,
			const struct decoder_conf *dc, struct decoder_env *env, char *err,
			size_t errlen)
{
	const char *lname = label->name ? label->name : "";
	const char *dname = dc->name ? dc->name : "";
	char junk[8], *tail;
	size_t taillen;
	int ret;

	inst->dec = decoder_find(dname);
	if (!inst->dec) {
		set_prefix_label(err, errlen, lname);
		gofmt_appendf(err, errlen, "unknown decoder ");
		gofmt_append_quote(err, errlen, dname, strlen(dname));
		return -EINVAL;
	}
	if (!inst->dec->init)
		return 0;
	set_prefix_label(err, errlen, lname);
	gofmt_appendf(err, errlen, "decoder ");
	gofmt_append_quote(err, errlen, dname, strlen(dname));
	gofmt_appendf(err, errlen, ": ");
	tail = err_tail(err, errlen, &taillen, junk, sizeof(junk));
	ret = inst->dec->init(dc, env, &inst->state, tail, taillen);
	if (ret) {
		inst->state = NULL;
		if (!tail[0])
			gofmt_appendf(err, errlen, "%s", strerror(-ret));
		return ret < 0 ? ret : -EINVAL;
	}
	err[0] = '\0';
	return 0;
}

int label_set__new(const struct label_conf *labels, size_t n, struct decoder_env *env,
		   struct label_set **out, char *err, size_t errlen)
{
	struct label_set *ls;
	size_t total = 0, k = 0;
	bool expensive = false;
	int ret;

	ls = calloc(1, sizeof(*ls));
	if (!ls)
		goto nomem;
	ls->env = env;
	ls->n = n;
	for (size_t i = 0; i < n; i++) {
		if (total > SIZE_MAX - labels[i].n_decoders)
			goto nomem;
		total += labels[i].n_decoders;
	}
	ls->slots = calloc(n ? n : 1, sizeof(*ls->slots));
	ls->insts = calloc(total ? total : 1, sizeof(*ls->insts));
	ls->offs = calloc(n ? n : 1, sizeof(*ls->offs));
	if (!ls->slots || !ls->insts || !ls->offs)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		struct label_slot *s = &ls->slots[i];
		uint64_t step = labels[i].size + labels[i].padding;

		s->name = strdup(labels[i].name ? labels[i].name : "");
		if (!s->name)
			goto nomem;
		s->size = labels[i].size;
		s->padding = labels[i].padding;
		if (ls->key_size != UINT64_MAX) {
			if (step < labels[i].size || ls->key_size > UINT64_MAX - 1 - step)
				ls->key_size = UINT64_MAX;
			else
				ls->key_size += step;
		}
		s->decs = &ls->insts[k];
		s->n_decs = labels[i].n_decoders;
		for (size_t j = 0; j < s->n_decs; j++) {
			ls->n_insts = ++k;
			ret = init_decoder(&s->decs[j], &labels[i], &labels[i].decoders[j], env,
					   err, errlen);
			if (ret) {
				label_set__free(ls);
				return ret;
			}
			ls->sources |= s->decs[j].dec->sources;
			if (!s->decs[j].dec->cheap)
				expensive = true;
		}
	}
	ls->uncached = !expensive && !decoder_env__cache_budget(env)->cache_cheap;
	decoder_env__lock(env);
	ls->cache = label_cache_shared(env);
	if (ls->cache)
		decoder_env__track_sources(env, ls->sources, 1);
	decoder_env__unlock(env);
	if (!ls->cache)
		goto nomem;
	ls->tracked = true;
	*out = ls;
	return 0;
nomem:
	label_set__free(ls);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

int label_set__new_checked(const struct label_conf *labels, size_t n, struct decoder_env *env,
			   struct label_set **out, char *err, size_t errlen)
{
	int ret = label_set__new(labels, n, env, out, err, errlen);

	if (ret)
		return ret;
	ret = label_set__check(*out, err, errlen);
	if (ret) {
		label_set__free(*out);
		*out = NULL;
	}
	return ret;
}

void label_set__free(struct label_set *ls)
{
	if (!ls)
		return;
	if (ls->env) {
		decoder_env__lock(ls->env);
		label_cache_clear(ls);
		if (ls->tracked)
			decoder_env__track_sources(ls->env, ls->sources, -1);
		decoder_env__unlock(ls->env);
	}
	hash_table_free(&ls->lc);
	for (size_t i = 0; i < ls->n_insts; i++) {
		if (ls->insts[i].dec && ls->insts[i].dec->free)
			ls->insts[i].dec->free(ls->insts[i].state);
	}
	for (size_t i = 0; ls->slots && i < ls->n; i++)
		free(ls->slots[i].name);
	free(ls->slots);
	free(ls->insts);
	free(ls->offs);
	buf_free(&ls->scratch[0]);
	buf_free(&ls->scratch[1]);
	free(ls);
}

size_t label_set__count(const struct label_set *ls)
{
	return ls->n;
}

const char *label_set__name(const struct label_set *ls, size_t i)
{
	return ls->slots[i].name;
}

uint64_t label_set__key_size(const struct label_set *ls)
{
	return ls->key_size;
}

static int label_error(char *err, size_t errlen, const char *label, const char *what)
{
	err[0] = '\0';
	gofmt_appendf(err, errlen, "error decoding label ");
	gofmt_append_quote(err, errlen, label, strlen(label));
	gofmt_appendf(err, errlen, ": %s", what);
	return -EINVAL;
}

static int check_sizes(const struct label_set *ls, char *err, size_t errlen)
{
	for (size_t i = 0; i < ls->n; i++) {
		if (ls->slots[i].size == 0)
			return label_error(err, errlen, ls->slots[i].name,
					   "size is zero or not set");
	}
	return 0;
}

int label_set__check(const struct label_set *ls, char *err, size_t errlen)
{
	int ret = check_sizes(ls, err, errlen);

	if (ret)
		return ret;
	for (size_t i = 0; i < ls->n; i++) {
		if (ls->slots[i].n_decs == 0)
			return label_error(err, errlen, ls->slots[i].name, "no decoders set");
	}
	return 0;
}

/*
 * Runs one label's chain over in[0..len): intermediate outputs alternate between the two
 * scratch buffers, the last decoder appends straight to out.
 */
static int decode_chain(struct label_set *ls, const struct label_slot *s, const uint8_t *in,
			size_t len, struct buf *out, char *err, size_t errlen)
{
	char junk[8], *tail;
	size_t taillen;
	int ret;

	for (size_t j = 0; j < s->n_decs; j++) {
		const struct dec_inst *d = &s->decs[j];
		bool last = j + 1 == s->n_decs;
		struct buf *dst = last ? out : &ls->scratch[j & 1];
		size_t start;

		if (!last)
			buf_reset(dst);
		start = dst->len;
		err[0] = '\0';
		gofmt_appendf(err, errlen, "error decoding with decoder ");
		gofmt_append_quote(err, errlen, d->dec->name, strlen(d->dec->name));
		gofmt_appendf(err, errlen, ": ");
		tail = err_tail(err, errlen, &taillen, junk, sizeof(junk));
		ret = d->dec->decode(d->state, ls->env, in, len, dst, tail, taillen);
		if (ret == DECODER_SKIP) {
			err[0] = '\0';
			return ret;
		}
		if (ret) {
			if (!tail[0])
				gofmt_appendf(err, errlen, "%s", strerror(ret < 0 ? -ret : EINVAL));
			ls->err_dec = d->dec->name;
			return ret < 0 ? ret : -EINVAL;
		}
		in = dst->data ? (const uint8_t *)dst->data + start : (const uint8_t *)"";
		len = dst->len - start;
	}
	err[0] = '\0';
	return 0;
}

int label_set_decode_locked(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
			    const char **values, char *err, size_t errlen)
{
	size_t base = out->len, off = 0;
	int ret;

	ls->err_dec = NULL;
	ret = check_sizes(ls, err, errlen);
	if (ret)
		return ret;
	if (ls->key_size == UINT64_MAX || ls->key_size != len) {
		err[0] = '\0';
		gofmt_appendf(err, errlen, "error decoding labels: total size of key ");
		gofmt_append_bytes(err, errlen, key, len);
		if (ls->key_size == UINT64_MAX)
			gofmt_appendf(err, errlen,
				      " is %zu bytes, but the sizes of the labels overflow", len);
		else
			gofmt_appendf(err, errlen,
				      " is %zu bytes, but we have labels to decode %llu", len,
				      (unsigned long long)ls->key_size);
		return -EINVAL;
	}
	for (size_t i = 0; i < ls->n; i++) {
		const struct label_slot *s = &ls->slots[i];

		if (s->n_decs == 0) {
			ret = label_error(err, errlen, s->name, "no decoders set");
			goto restore;
		}
		ls->offs[i] = out->len - base;
		/* key_size == len bounds every offset and size, so the casts are lossless. */
		ret = decode_chain(ls, s, key + off, (size_t)s->size, out, err, errlen);
		if (!ret)
			ret = buf_putc(out, '\0');
		if (ret)
			goto restore;
		off += (size_t)(s->size + s->padding);
	}
	for (size_t i = 0; i < ls->n; i++)
		values[i] = out->data + base + ls->offs[i];
	return 0;
restore:
	out->len = base;
	if (out->data)
		out->data[base] = '\0';
	if (ret == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
	return ret;
}

int label_set__decode(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
		      const char **values, char *err, size_t errlen)
{
	int ret;

	decoder_env__lock(ls->env);
	ret = label_cache_decode(ls, key, len, out, values, err, errlen);
	decoder_env__unlock(ls->env);
	return ret;
}

size_t label_set__cache_count(struct label_set *ls)
{
	size_t n;

	decoder_env__lock(ls->env);
	n = ls->lc.count;
	decoder_env__unlock(ls->env);
	return n;
}

bool label_set__error_log_due(struct label_set *ls, const char *config)
{
	bool due;

	decoder_env__lock(ls->env);
	due = decoder_env__error_log_due(ls->env, config, ls->err_dec);
	decoder_env__unlock(ls->env);
	return due;
}

int label_set__decode_record(struct label_set *ls, const uint8_t *rec, size_t len, struct buf *out,
			     const char **values, char *err, size_t errlen)
{
	int ret;

	if (ls->key_size != UINT64_MAX && len > ls->key_size)
		len = (size_t)ls->key_size;
	decoder_env__lock(ls->env);
	decoder_env__poll(ls->env);
	ret = label_set_decode_locked(ls, rec, len, out, values, err, errlen);
	decoder_env__unlock(ls->env);
	return ret;
}

uint64_t label_set__generation(struct label_set *ls)
{
	struct decoder_env *env = ls->env;
	uint64_t gen;

	decoder_env__lock(env);
	decoder_env__poll(env);
	/*
	 * A lookup that missed (`unknown_cgroup_id:N`, `unknown:N`, `??`) may hit on the next try
	 * without any generation moving (a new cgroup does not move it): while the last decodes
	 * had such misses, answer a new number each time so that callers decode again.
	 */
	if (ls->had_miss) {
		ls->had_miss = false;
		ls->miss_salt++;
	}
	gen = decoder_env__generation(env, ls->sources) + ls->miss_salt;
	decoder_env__unlock(env);
	return gen;
}
