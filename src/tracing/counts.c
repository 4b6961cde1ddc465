// SPDX-License-Identifier: MIT
/* The tracing's counters, shared between the tracings of consecutive generations. */
#include "tracing/counts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

int span_counts__new(const struct span_counts *prev, struct span_counts **out)
{
	struct span_counts *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (prev && prev->errors) {
		c->errors = prev->errors;
		c->errors->refs++;
	} else {
		c->errors = calloc(1, sizeof(*c->errors));
		if (!c->errors) {
			free(c);
			return -ENOMEM;
		}
		c->errors->refs = 1;
	}
	*out = c;
	return 0;
}

static struct span_cfg_count *find_cfg(const struct span_counts *c, const char *name)
{
	size_t i;

	for (i = 0; c && i < c->n_cfgs; i++)
		if (strcmp(c->cfgs[i]->name, name) == 0)
			return c->cfgs[i];
	return NULL;
}

int span_counts__add_config(struct span_counts *c, const struct span_counts *prev, const char *name)
{
	struct span_cfg_count *e;

	if (array_grow((void **)&c->cfgs, &c->cfgs_cap, c->n_cfgs + 1, sizeof(*c->cfgs)))
		return -ENOMEM;
	e = find_cfg(prev, name);
	if (e) {
		e->refs++;
	} else {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->name = strdup(name);
		if (!e->name) {
			free(e);
			return -ENOMEM;
		}
		e->refs = 1;
	}
	c->cfgs[c->n_cfgs++] = e;
	return 0;
}

static int find_svc(const struct span_counts *c, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; c && i < c->n_svcs; i++)
		if (strcmp(c->svcs[i]->name, name) == 0) {
			*idx = i;
			return 1;
		}
	return 0;
}

int span_counts__service(struct span_counts *c, const struct span_counts *prev, const char *name,
			 uint32_t *idx)
{
	struct span_svc_count *e;
	size_t i;

	if (find_svc(c, name, &i)) {
		*idx = (uint32_t)i;
		return 0;
	}
	if (array_grow((void **)&c->svcs, &c->svcs_cap, c->n_svcs + 1, sizeof(*c->svcs)))
		return -ENOMEM;
	if (find_svc(prev, name, &i)) {
		e = prev->svcs[i];
		e->refs++;
	} else {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->name = strdup(name);
		if (!e->name) {
			free(e);
			return -ENOMEM;
		}
		e->refs = 1;
	}
	c->svcs[c->n_svcs] = e;
	*idx = (uint32_t)c->n_svcs++;
	return 0;
}

void span_counts__free(struct span_counts *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_cfgs; i++)
		if (--c->cfgs[i]->refs == 0) {
			free(c->cfgs[i]->name);
			free(c->cfgs[i]);
		}
	for (i = 0; i < c->n_svcs; i++)
		if (--c->svcs[i]->refs == 0) {
			free(c->svcs[i]->name);
			free(c->svcs[i]);
		}
	if (c->errors && --c->errors->refs == 0)
		free(c->errors);
	free(c->cfgs);
	free(c->svcs);
	free(c);
}
