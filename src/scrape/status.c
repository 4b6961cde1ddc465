// SPDX-License-Identifier: MIT
#include "scrape/status.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/module.h"
#include "bpf/perf_counters.h"
#include "config/config.h"
#include "scrape/generation.h"
#include "scrape/internal.h"
#include "scrape/map_fill.h"
#include "scrape/metric.h"
#include "scrape/procstat.h"
#include "tracing/tracing.h"
#include "util/build_info.h"
#include "util/clock.h"
#include "util/errno_text.h"

bool status_bpf_stats_enabled(void)
{
	char buf[8] = "";
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return false;
	}
	fclose(f);
	return buf[0] == '1';
}

static void prog_free(struct status_prog *p)
{
	free(p->name);
	free(p->section);
	free(p->error);
}

static void sconfig_free(struct status_config *sc)
{
	for (size_t i = 0; sc->progs && i < sc->n_progs; i++)
		prog_free(&sc->progs[i]);
	free(sc->progs);
	for (size_t i = 0; sc->maps && i < sc->n_maps; i++) {
		free(sc->maps[i].name);
		free(sc->maps[i].type);
	}
	free(sc->maps);
	free(sc->name);
	free(sc->yaml_path);
	free(sc->obj_path);
}

void status_view__free(struct status_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; v->cfgs && i < v->n_cfgs; i++)
		sconfig_free(&v->cfgs[i]);
	free(v->cfgs);
	free(v->reload.error);
	free(v->version);
	free(v);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* Program i of m as the page shows it. Returns 0 or -ENOMEM. */
static int take_prog(const struct module *m, size_t i, bool stats, struct status_prog *out)
{
	const struct module_prog *mp = module__prog(m, i);
	struct module_prog_stats ps;
	char et[128], msg[256];

	out->name = dup_or_empty(mp->name);
	out->section = dup_or_empty(module__prog_section(m, i));
	if (!out->name || !out->section)
		return -ENOMEM;
	out->attached = mp->link != NULL;
	if (!out->attached) {
		if (mp->attach_err == -ENOTCONN)
			snprintf(msg, sizeof(msg), "not attached");
		else if (mp->attach_err)
			snprintf(msg, sizeof(msg), "failed to attach program: %s",
				 errno_text(mp->attach_err, et, sizeof(et)));
		else
			snprintf(msg, sizeof(msg), "detached");
		out->error = strdup(msg);
		if (!out->error)
			return -ENOMEM;
	}
	if (module__prog_stats(m, i, &ps) == 0) {
		out->id = ps.id;
		if (stats) {
			out->run_cnt = ps.run_cnt;
			out->run_time_ns = ps.run_time_ns;
		}
	}
	return 0;
}

/* Config i of the collector with its module (NULL: not loaded). Returns 0 or -ENOMEM. */
static int take_config(const struct config *cfg, const struct module *m, uint64_t decoder_errors,
		       bool stats, struct status_config *out)
{
	out->name = dup_or_empty(cfg->name);
	out->yaml_path = dup_or_empty(cfg->yaml_path);
	out->obj_path = dup_or_empty(cfg->obj_path);
	if (!out->name || !out->yaml_path || !out->obj_path)
		return -ENOMEM;
	out->decoder_errors = decoder_errors;
	if (!m)
		return 0;
	out->loaded_at_ns = module__loaded_at_ns(m);
	out->progs = calloc(module__n_progs(m) + 1, sizeof(*out->progs));
	out->maps = calloc(module__n_maps(m) + 1, sizeof(*out->maps));
	if (!out->progs || !out->maps)
		return -ENOMEM;
	for (size_t i = 0; i < module__n_progs(m); i++) {
		out->n_progs++;
		if (take_prog(m, i, stats, &out->progs[i]))
			return -ENOMEM;
	}
	for (size_t i = 0; i < module__n_maps(m); i++) {
		struct status_map *sm = &out->maps[out->n_maps++];
		struct module_map_info mi;

		module__map_info(m, i, &mi);
		sm->name = dup_or_empty(mi.name);
		sm->type = dup_or_empty(mi.type);
		if (!sm->name || !sm->type)
			return -ENOMEM;
		sm->key_size = mi.key_size;
		sm->value_size = mi.value_size;
		sm->max_entries = mi.max_entries;
		sm->entries = -1;
	}
	return 0;
}

/* The map of that name in the view's config sc, or NULL. */
static struct status_map *find_map(struct status_config *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_maps; i++)
		if (strcmp(sc->maps[i].name, name) == 0)
			return &sc->maps[i];
	return NULL;
}

/* map_fill__each(): the background count of a hash map no metric reads. */
static int take_fill(const struct map_fill_entry *e, void *arg)
{
	struct status_view *v = arg;

	for (size_t i = 0; i < v->n_cfgs; i++) {
		struct status_map *sm;

		if (strcmp(v->cfgs[i].name, e->config) != 0)
			continue;
		sm = find_map(&v->cfgs[i], e->map);
		if (sm)
			sm->entries = (int64_t)e->entries;
	}
	return 0;
}

/*
 * Entries of max entries as the scrapes counted them: metric maps from the last scrape's read
 * (ebpf_exporter_map_entries), the other hash maps from map_fill's last count.
 */
static void take_entries(struct collector *c, struct status_view *v)
{
	for (size_t k = 0; k < c->n_metrics; k++) {
		const struct metric_state *ms = &c->metrics[k];
		struct status_map *sm;

		if (!ms->snap_ok || ms->cfg_idx >= v->n_cfgs)
			continue;
		sm = find_map(&v->cfgs[ms->cfg_idx], ms->name);
		if (sm)
			sm->entries = (int64_t)ms->snap.n;
	}
	map_fill__each(c->map_fill, take_fill, v);
}

/* The running set, copied under the collector's lock. */
static int take_running_set(struct collector *c, bool stats, struct status_view *v)
{
	int e = 0;

	pthread_mutex_lock(&c->lock);
	v->cfgs = calloc(c->n_cfgs + 1, sizeof(*v->cfgs));
	if (!v->cfgs)
		e = -ENOMEM;
	for (size_t i = 0; !e && i < c->n_cfgs; i++) {
		uint64_t errors = c->decoder_errors[i] + perf_counters__decoder_errors(c->perf, i) +
				  tracing__decoder_errors(c->tracing, i);

		v->n_cfgs++;
		e = take_config(c->cfgs[i], c->detached ? NULL : c->mods[i], errors, stats,
				&v->cfgs[i]);
	}
	if (!e && !c->detached)
		take_entries(c, v);
	pthread_mutex_unlock(&c->lock);
	return e;
}

/* The last reload from the collector's reload status (its own lock), when there was one. */
static int take_reload(struct collector *c, struct status_reload *out)
{
	struct reload_status *rs = collector__reload_status(c);
	struct reload_status copy;

	if (!rs)
		return 0;
	reload_status_get(rs, &copy);
	if (copy.last_unix_ns <= 0)
		return 0;
	out->happened = true;
	out->time_ns = (uint64_t)copy.last_unix_ns;
	out->ok = copy.ok;
	out->seconds = copy.last_seconds;
	if (!copy.ok && copy.error[0]) {
		copy.error[sizeof(copy.error) - 1] = '\0';
		out->error = strdup(copy.error);
		if (!out->error)
			return -ENOMEM;
	}
	return 0;
}

int status_view__take(struct collector *c, struct status_view **out)
{
	const struct build_info *bi = build_info_get();
	struct status_view *v = calloc(1, sizeof(*v));
	struct procstat ps;
	int n;

	if (!v)
		return -ENOMEM;
	n = asprintf(&v->version, "(version=%s, branch=%s, revision=%s)", bi->version, bi->branch,
		     bi->revision);
	if (n < 0) {
		v->version = NULL;
		status_view__free(v);
		return -ENOMEM;
	}
	v->now_ns = clock_ns(CLOCK_REALTIME);
	memset(&ps, 0, sizeof(ps));
	if (procstat_read(&ps) == 0 && ps.start_time_seconds > 0)
		v->started_ns = (uint64_t)(ps.start_time_seconds * 1e9);
	v->stats_enabled = status_bpf_stats_enabled();
	if (c && (take_running_set(c, v->stats_enabled, v) || take_reload(c, &v->reload))) {
		status_view__free(v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
}
