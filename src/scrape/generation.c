// SPDX-License-Identifier: MIT
#include "scrape/generation.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/cgroup_id_map.h"
#include "bpf/module.h"
#include "bpf/perf_counters.h"
#include "decoders/decoder_env.h"
#include "tracing/tracing.h"
#include "util/clock.h"
#include "util/errno_text.h"
#include "util/file.h"

#define SHA_LEN 32

struct gen_unit {
	int refs; /* generations holding the unit */
	struct config *cfg;
	struct module *mod;
	struct cgroup_id_map *cgmap;
	uint8_t yaml_sha[SHA_LEN];
	uint8_t obj_sha[SHA_LEN];
	bool hashed; /* both files were read and hashed: the unit may be shared */
	int64_t loaded_unix_ns;
};

static int64_t unix_ns(void)
{
	return (int64_t)clock_ns(CLOCK_REALTIME);
}

bool generation_is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool names_have(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int names_push(char ***v, size_t *n, size_t *cap, const char *s)
{
	char *d;

	if (array_grow((void **)v, cap, *n + 2, sizeof(**v)))
		return -ENOMEM;
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	(*v)[(*n)++] = d;
	(*v)[*n] = NULL;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the NAME of every NAME.yaml in dir that pattern matches, sorted, to *v. */
static int expand(const char *dir, const char *pattern, char ***v, size_t *n, size_t *cap,
		  char *err, size_t errlen)
{
	char **found = NULL, et[128];
	size_t nf = 0, fcap = 0, i;
	struct dirent *de;
	DIR *d;
	int e = 0;

	d = opendir(dir);
	if (!d) {
		e = -errno;
		snprintf(err, errlen, "pattern \"%s\": reading config dir \"%s\": %s", pattern, dir,
			 errno_text(e, et, sizeof(et)));
		return e;
	}
	while (!e && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[256];

		if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") != 0 ||
		    len - 5 >= sizeof(name))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		if (fnmatch(pattern, name, 0) == 0)
			e = names_push(&found, &nf, &fcap, name);
	}
	closedir(d);
	if (!e && nf == 0) {
		snprintf(err, errlen,
			 "pattern \"%s\" matches no NAME.yaml file in config dir \"%s\"", pattern,
			 dir);
		e = -ENOENT;
	}
	if (!e)
		qsort(found, nf, sizeof(*found), cmp_str);
	for (i = 0; !e && i < nf; i++)
		if (!names_have(*v, *n, found[i]))
			e = names_push(v, n, cap, found[i]);
	generation_names_free(found);
	if (e == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return e;
}

int generation_resolve_names(const char *dir, const char *names, char ***out, size_t *n, char *err,
			     size_t errlen)
{
	char **v = NULL;
	size_t nv = 0, cap = 0;
	const char *p = names, *comma;
	char item[4096];
	int e = 0;

	*out = NULL;
	*n = 0;
	/* an empty list still has its NULL */
	v = calloc(1, sizeof(*v));
	cap = 1;
	if (!v)
		e = -ENOMEM;
	while (!e) {
		size_t len;

		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len >= sizeof(item)) {
			snprintf(err, errlen, "config name \"%.*s...\" is too long", 64, p);
			e = -ENAMETOOLONG;
			break;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		/* plain names as upstream: kept as written, empty and repeated ones too */
		if (generation_is_pattern(item))
			e = expand(dir, item, &v, &nv, &cap, err, errlen);
		else
			e = names_push(&v, &nv, &cap, item);
		if (!comma)
			break;
		p = comma + 1;
	}
	if (e) {
		if (e == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		generation_names_free(v);
		return e;
	}
	*out = v;
	*n = nv;
	return 0;
}

void generation_names_free(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* SHA-256 of a whole file; false when it cannot be read. */
static bool hash_file(const char *path, uint8_t out[SHA_LEN])
{
	struct buf b = { 0 };
	const char *op;
	bool ok;

	ok = file_read_all(path, 0, &b, &op) == 0 &&
	     gnutls_hash_fast(GNUTLS_DIG_SHA256, b.data ? b.data : "", b.len, out) == 0;
	buf_free(&b);
	return ok;
}

static void unit_put(struct gen_unit *u, struct lifecycle *lc, struct lc_span *parent)
{
	if (!u || --u->refs > 0)
		return;
	module__detach(u->mod, lc, parent);
	cgroup_id_map__free(u->cgmap); /* unsubscribes: before the module */
	module__free(u->mod);
	config_free(u->cfg);
	free(u);
}

static const struct gen_unit *prev_unit(const struct generation *prev, const char *name)
{
	size_t i;

	for (i = 0; prev && i < prev->n; i++)
		if (strcmp(prev->units[i]->cfg->name, name) == 0)
			return prev->units[i];
	return NULL;
}

static struct generation *gen_alloc(size_t n)
{
	struct generation *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->units = calloc(n + 1, sizeof(*g->units));
	g->cfgs = calloc(n + 1, sizeof(*g->cfgs));
	g->mods = calloc(n + 1, sizeof(*g->mods));
	g->objs = calloc(n + 1, sizeof(*g->objs));
	g->reused = calloc(n + 1, sizeof(*g->reused));
	if (!g->units || !g->cfgs || !g->mods || !g->objs || !g->reused) {
		generation__free(g, NULL, NULL);
		return NULL;
	}
	return g;
}

int generation__parse(const struct generation_opts *o, const struct generation *prev,
		      struct generation **out, char *err, size_t errlen)
{
	struct generation *g;
	struct config *cfg;
	char **names = NULL;
	size_t n = 0, i, j;
	int e;

	*out = NULL;
	e = generation_resolve_names(o->config_dir, o->config_names, &names, &n, err, errlen);
	if (e)
		return e;
	g = gen_alloc(n);
	if (!g) {
		generation_names_free(names);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct gen_unit *u;
		const struct gen_unit *old;

		cfg = NULL;
		e = config_load(o->config_dir, names[i], &cfg, err, errlen);
		if (e)
			goto fail;
		u = calloc(1, sizeof(*u));
		if (!u) {
			config_free(cfg);
			snprintf(err, errlen, "out of memory");
			e = -ENOMEM;
			goto fail;
		}
		u->refs = 1;
		u->cfg = cfg;
		/* a file that cannot be read is loaded anew: the load says why it fails */
		u->hashed = hash_file(cfg->yaml_path, u->yaml_sha) &&
			    hash_file(cfg->obj_path, u->obj_sha);
		old = prev_unit(prev, cfg->name);
		if (u->hashed && old && old->hashed && old->mod &&
		    memcmp(old->yaml_sha, u->yaml_sha, SHA_LEN) == 0 &&
		    memcmp(old->obj_sha, u->obj_sha, SHA_LEN) == 0 &&
		    strcmp(old->cfg->yaml_path, cfg->yaml_path) == 0 &&
		    strcmp(old->cfg->obj_path, cfg->obj_path) == 0) {
			config_free(cfg);
			free(u);
			u = (struct gen_unit *)old;
			u->refs++;
			g->reused[i] = true;
			g->n_reused++;
		}
		g->units[g->n++] = u;
		g->cfgs[i] = u->cfg;
		g->mods[i] = u->mod;
		g->objs[i] = u->mod ? module__object(u->mod) : NULL;
	}
	/* Duplicate names are found at attach time upstream; the message is the same. */
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				snprintf(err, errlen, "multiple configs with name \"%s\"",
					 names[i]);
				e = -EEXIST;
				goto fail;
			}
	generation_names_free(names);
	*out = g;
	return 0;

fail:
	generation_names_free(names);
	generation__free(g, NULL, NULL);
	return e;
}

/* One config: open, kaddrs, load, attach, validate, cgroup_id_map. */
static int attach_unit(struct gen_unit *u, const struct generation_opts *o, struct lc_span *span,
		       char *err, size_t errlen)
{
	int e;

	e = cgroup_id_map_check_kernel(u->cfg, err, errlen);
	if (e)
		return e;
	e = module__open_load(u->cfg, o->btf_path, decoder_env__kallsyms(o->env), o->lc, span,
			      &u->mod, err, errlen);
	if (e)
		return e;
	module__attach(u->mod, o->lc, span);
	e = module__validate_maps(u->mod, err, errlen);
	if (e)
		return e;
	/* the map filled from the cgroup monitor's initial walk, then kept current */
	e = cgroup_id_map__new(u->cfg, module__object(u->mod), &u->cgmap, err, errlen);
	if (!e)
		e = cgroup_id_map__start(u->cgmap, decoder_env__cgroups(o->env), err, errlen);
	return e;
}

int generation__attach(struct generation *g, const struct generation_opts *o, char *err,
		       size_t errlen)
{
	struct lc_span *all = lifecycle__begin(o->lc, o->parent, "attach_configs");
	size_t i;
	int e = 0;

	for (i = 0; !e && i < g->n; i++) {
		struct gen_unit *u = g->units[i];
		struct lc_span *span;

		if (g->reused[i])
			continue;
		span = lifecycle__begin(o->lc, all, "attach_config");
		lifecycle__attr(span, "config", u->cfg->name);
		e = attach_unit(u, o, span, err, errlen);
		if (e)
			lifecycle__error(span, err);
		lifecycle__end(o->lc, span);
		if (!e)
			u->loaded_unix_ns = unix_ns();
		g->mods[i] = u->mod;
		g->objs[i] = u->mod ? module__object(u->mod) : NULL;
	}
	if (e)
		lifecycle__error(all, err);
	lifecycle__end(o->lc, all);
	return e;
}

int generation__finish(struct generation *g, const struct generation *prev, struct decoder_env *env,
		       char *err, size_t errlen)
{
	int e;

	/* Perf buffers are opened before the capability drop, and checked by --config.check. */
	e = perf_counters__new(g->cfgs, g->mods, g->n, env, prev ? prev->perf : NULL, &g->perf, err,
			       errlen);
	if (e)
		return e;
	/* ring buffers open before the capability drop; err is the whole line */
	return tracing__new(g->cfgs, g->objs, g->n, env, prev ? prev->tracing : NULL, &g->tracing,
			    err, errlen);
}

bool generation__same(const struct generation *g, const struct generation *prev)
{
	size_t i;

	if (!prev || g->n != prev->n)
		return false;
	for (i = 0; i < g->n; i++)
		if (g->units[i] != prev->units[i])
			return false;
	return true;
}

int generation__count_programs(const struct generation *g, struct buf *missed)
{
	int n = 0;
	size_t i, j;

	for (i = 0; i < g->n; i++) {
		for (j = 0; g->mods[i] && j < module__n_progs(g->mods[i]); j++) {
			const struct module_prog *p = module__prog(g->mods[i], j);

			n++;
			if (!p->link && missed)
				buf_printf(missed, "%s%s:%s", missed->len ? ", " : "",
					   g->cfgs[i]->name, p->name);
		}
	}
	return n;
}

void generation__free(struct generation *g, struct lifecycle *lc, struct lc_span *parent)
{
	size_t i;

	if (!g)
		return;
	tracing__free(g->tracing); /* they read the modules' maps: before the units */
	perf_counters__free(g->perf);
	for (i = 0; i < g->n; i++)
		unit_put(g->units[i], lc, parent);
	free(g->units);
	free(g->cfgs);
	free(g->mods);
	free(g->objs);
	free(g->reused);
	free(g);
}

bool generation__unit_reused(const struct generation *g, size_t i)
{
	return i < g->n && g->reused[i];
}

int64_t generation__unit_loaded_at(const struct generation *g, size_t i)
{
	return i < g->n ? g->units[i]->loaded_unix_ns : 0;
}

const uint8_t *generation__unit_yaml_sha256(const struct generation *g, size_t i)
{
	return i < g->n ? g->units[i]->yaml_sha : NULL;
}

const uint8_t *generation__unit_obj_sha256(const struct generation *g, size_t i)
{
	return i < g->n ? g->units[i]->obj_sha : NULL;
}

/* ---- reload status ---- */

void reload_status_init(struct reload_status *rs)
{
	memset(rs, 0, sizeof(*rs));
	pthread_mutex_init(&rs->lock, NULL);
	rs->ok = true;
	rs->success_unix_ns = unix_ns();
}

void reload_status_destroy(struct reload_status *rs)
{
	pthread_mutex_destroy(&rs->lock);
}

void reload_status_record(struct reload_status *rs, const char *err, double seconds)
{
	int64_t now = unix_ns();

	pthread_mutex_lock(&rs->lock);
	rs->last_unix_ns = now;
	rs->last_seconds = seconds;
	rs->ok = !err || !err[0];
	if (rs->ok) {
		rs->successes++;
		rs->success_unix_ns = now;
		rs->error[0] = '\0';
	} else {
		rs->failures++;
		snprintf(rs->error, sizeof(rs->error), "%s", err);
	}
	pthread_mutex_unlock(&rs->lock);
}

void reload_status_get(struct reload_status *rs, struct reload_status *copy)
{
	pthread_mutex_lock(&rs->lock);
	memcpy(copy, rs, sizeof(*copy));
	pthread_mutex_unlock(&rs->lock);
	memset(&copy->lock, 0, sizeof(copy->lock));
}

size_t reload_status_families(struct reload_status *rs, struct reload_families *rf)
{
	static const char *const l_result[] = { "result" };
	struct family *f;

	if (!rs)
		return 0;
	memset(rf, 0, sizeof(*rf));
	rf->values[0] = "failure";
	rf->values[1] = "success";
	pthread_mutex_lock(&rs->lock);
	f = family_init(&rf->fams[0], "ebpf_exporter_config_last_reload_successful",
			"Whether the last configuration reload attempt was successful.",
			FAMILY_GAUGE, NULL, 0);
	f->samples = &rf->samples[0];
	f->n_samples = 1;
	rf->samples[0].value = rs->ok ? 1 : 0;
	f = family_init(&rf->fams[1], "ebpf_exporter_config_last_reload_success_timestamp_seconds",
			"Timestamp of the last successful configuration reload.", FAMILY_GAUGE,
			NULL, 0);
	f->samples = &rf->samples[1];
	f->n_samples = 1;
	rf->samples[1].value = (double)(rs->success_unix_ns / 1000000000) +
			       (double)(rs->success_unix_ns % 1000000000) / 1e9;
	f = family_init(&rf->fams[2], "ebpf_exporter_config_reloads_total",
			"Configuration reloads by result.", FAMILY_COUNTER, l_result, 1);
	f->samples = &rf->samples[2];
	f->n_samples = 2;
	rf->samples[2].values = &rf->values[0];
	rf->samples[2].value = (double)rs->failures;
	rf->samples[3].values = &rf->values[1];
	rf->samples[3].value = (double)rs->successes;
	pthread_mutex_unlock(&rs->lock);
	return RELOAD_FAMILIES;
}
