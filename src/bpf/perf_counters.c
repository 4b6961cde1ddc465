// SPDX-License-Identifier: MIT
#include "bpf/perf_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "bpf/internal.h"
#include "decoders/decoder.h"
#include "labels/label_set.h"
#include "labels/series_table.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/errno_text.h"
#include "util/log.h"

/* Decode failures of one counter are logged at most this often (seconds), as for maps. */
#define ERROR_LOG_INTERVAL 60

#define LOST_NAME "ebpf_exporter_perf_event_array_lost_samples_total"
#define LOST_HELP "Samples of a perf event array lost because its perf buffer was full"

/* One per-CPU ring of a counter's perf buffer, as registered in the reader's epoll set. */
struct perf_slot {
	struct perf_counter *counter;
	size_t idx; /* libbpf's buffer index */
};

/*
 * One perf_event_array counter: its perf buffer, label set and series. Shared by the sets of
 * consecutive generations whose config and module are the same (reference-counted; only one
 * set's reader runs at a time), so its series keep counting across a reload.
 */
struct perf_counter {
	int refs; /* changed on the thread that builds and frees the sets */
	struct module *mod; /* borrowed: the module whose map the perf buffer reads */
	const struct config *cfg;
	const struct counter_conf *conf;
	char *full_name;
	const char **label_names;
	struct label_set *ls;
	struct perf_buffer *pb;
	struct perf_slot *slots;
	size_t n_slots;
	int64_t flush_ns;
	uint64_t next_flush; /* CLOCK_MONOTONIC ns; 0 until a reader first starts */
	uint64_t decoder_errors; /* atomic */
	/* the running reader thread only */
	struct buf scratch;
	const char **values;
	time_t last_log;
	pthread_mutex_t lock; /* series and lost */
	struct series_table *series;
	uint64_t lost;
};

/* A counter as one set sees it: cfg_idx is the config's index in that set's arrays. */
struct perf_ref {
	struct perf_counter *c;
	size_t cfg_idx;
};

/* What one collect call hands out; rebuilt by the next. */
struct perf_snapshot {
	struct family *fams;
	struct sample *samples;
	const char **values;
	char *strings;
};

struct perf_counters {
	struct perf_ref *counters;
	size_t n;
	size_t n_cfgs;
	pthread_t thread;
	bool running;
	int epoll_fd;
	int stop_fd; /* eventfd that wakes the reader to stop */
	struct perf_snapshot snap;
};

/* Logs at most once per ERROR_LOG_INTERVAL per counter (reader thread only). */
static void log_limited(struct perf_counter *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_limited(struct perf_counter *c, const char *fmt, ...)
{
	time_t now = time(NULL);
	va_list ap;

	if (c->last_log && now - c->last_log < ERROR_LOG_INTERVAL)
		return;
	c->last_log = now;
	va_start(ap, fmt);
	log_vmsg(fmt, ap);
	va_end(ap);
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct perf_counter *c = ctx;
	char derr[1024] = "";
	int e;

	buf_reset(&c->scratch);
	/* Samples arrive padded to 8 bytes; only Σ(size + padding) is decoded. */
	e = label_set__decode_record(c->ls, data, size, &c->scratch, c->values, derr, sizeof(derr));
	if (e == DECODER_SKIP)
		return;
	if (e) {
		__atomic_add_fetch(&c->decoder_errors, 1, __ATOMIC_RELAXED);
		log_limited(c, "Failed to decode labels: %s",
			    e == -ENOMEM ? "out of memory" : derr);
		return;
	}
	pthread_mutex_lock(&c->lock);
	e = series_table__add(c->series, c->values, 1);
	pthread_mutex_unlock(&c->lock);
	if (e)
		log_limited(c, "perfbuf: config %s: counter %s: sample dropped: out of memory",
			    c->cfg->name, c->conf->name);
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	struct perf_counter *c = ctx;

	pthread_mutex_lock(&c->lock);
	c->lost += cnt;
	pthread_mutex_unlock(&c->lock);
}

static int counter_init(struct perf_counter *c, const struct config *cfg,
			const struct counter_conf *cc, struct module *mod, struct decoder_env *env,
			char *err, size_t errlen)
{
	const struct bpf_map *map;
	char lerr[512], et[128];
	size_t i;
	int e;

	c->refs = 1;
	pthread_mutex_init(&c->lock, NULL);
	c->mod = mod;
	c->cfg = cfg;
	c->conf = cc;
	c->flush_ns = cc->flush_interval_ns > 0 ? cc->flush_interval_ns : 3600LL * 1000000000LL;
	if (asprintf(&c->full_name, "ebpf_exporter_%s", cc->name) < 0) {
		c->full_name = NULL;
		return -ENOMEM;
	}
	c->label_names = calloc(cc->n_labels + 1, sizeof(*c->label_names));
	c->values = calloc(cc->n_labels + 1, sizeof(*c->values));
	c->series = series_table__new(cc->n_labels);
	if (!c->label_names || !c->values || !c->series)
		return -ENOMEM;
	for (i = 0; i < cc->n_labels; i++)
		c->label_names[i] = cc->labels[i].name;

	e = label_set__new_checked(cc->labels, cc->n_labels, env, &c->ls, lerr, sizeof(lerr));
	if (e) {
		snprintf(err, errlen,
			 "Error registering exporter: config \"%s\": metric \"%s\": %s", cfg->name,
			 cc->name, lerr);
		return e;
	}

	map = bpf_object__find_map_by_name(mod->obj, cc->name);
	if (!map) {
		snprintf(err, errlen,
			 "Can't init PerfBuf: failed to init perf buffer: failed to find BPF map "
			 "\"%s\" in \"%s\" (config \"%s\", counter at %s line %d)",
			 cc->name, cfg->obj_path, cfg->name, cfg->yaml_path, cc->line);
		return -ENOENT;
	}
	if (bpf_map__type(map) != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		snprintf(err, errlen,
			 "Can't init PerfBuf: failed to initialize perf buffer: map \"%s\" of "
			 "config \"%s\" is not a BPF_MAP_TYPE_PERF_EVENT_ARRAY (perf_event_array "
			 "counter at %s line %d)",
			 cc->name, cfg->name, cfg->yaml_path, cc->line);
		return -EINVAL;
	}
	c->pb = perf_buffer__new(bpf_map__fd(map), PERF_COUNTERS_PAGES, on_sample, on_lost, c,
				 NULL);
	if (!c->pb) {
		e = -errno;
		snprintf(err, errlen,
			 "Can't init PerfBuf: failed to initialize perf buffer for map \"%s\" of "
			 "config \"%s\": %s",
			 cc->name, cfg->name, errno_text(e, et, sizeof(et)));
		return e ? e : -EINVAL;
	}
	c->n_slots = perf_buffer__buffer_cnt(c->pb);
	c->slots = calloc(c->n_slots ? c->n_slots : 1, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	for (i = 0; i < c->n_slots; i++) {
		c->slots[i].counter = c;
		c->slots[i].idx = i;
	}
	return 0;
}

static void counter_put(struct perf_counter *c)
{
	if (!c || --c->refs > 0)
		return;
	perf_buffer__free(c->pb);
	free(c->slots);
	label_set__free(c->ls);
	series_table__free(c->series);
	buf_free(&c->scratch);
	free(c->full_name);
	free(c->label_names);
	free(c->values);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The counter of prev for conf on mod, when prev has one. */
static struct perf_counter *find_shared(const struct perf_counters *prev,
					const struct counter_conf *conf, const struct module *mod)
{
	size_t i;

	for (i = 0; prev && i < prev->n; i++)
		if (prev->counters[i].c->conf == conf && prev->counters[i].c->mod == mod)
			return prev->counters[i].c;
	return NULL;
}

int perf_counters__new(struct config **cfgs, struct module **mods, size_t n,
		       struct decoder_env *env, const struct perf_counters *prev,
		       struct perf_counters **out, char *err, size_t errlen)
{
	struct perf_counters *p;
	size_t i, j, total = 0;
	int e = 0;

	err[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "Can't init PerfBuf: out of memory");
		return -ENOMEM;
	}
	p->epoll_fd = -1;
	p->stop_fd = -1;
	p->n_cfgs = n;
	for (i = 0; i < n; i++)
		for (j = 0; mods[i] && j < cfgs[i]->n_counters; j++)
			total += cfgs[i]->counters[j].perf_event_array;
	p->counters = calloc(total ? total : 1, sizeof(*p->counters));
	if (!p->counters) {
		e = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; mods[i] && j < cfgs[i]->n_counters; j++) {
			const struct counter_conf *cc = &cfgs[i]->counters[j];
			struct perf_ref *r = &p->counters[p->n];

			if (!cc->perf_event_array)
				continue;
			r->cfg_idx = i;
			r->c = find_shared(prev, cc, mods[i]);
			if (r->c) {
				r->c->refs++;
				p->n++;
				continue;
			}
			r->c = calloc(1, sizeof(*r->c));
			if (!r->c) {
				e = -ENOMEM;
				goto out_free;
			}
			p->n++;
			e = counter_init(r->c, cfgs[i], cc, mods[i], env, err, errlen);
			if (e)
				goto out_free;
		}
	}
	*out = p;
	return 0;

out_free:
	if (e == -ENOMEM && (!err[0]))
		snprintf(err, errlen, "Can't init PerfBuf: out of memory");
	perf_counters__free(p);
	return e;
}

size_t perf_counters__count(const struct perf_counters *p)
{
	return p ? p->n : 0;
}

static void flush_due(struct perf_counters *p, uint64_t now)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct perf_counter *c = p->counters[i].c;

		if (now < c->next_flush)
			continue;
		pthread_mutex_lock(&c->lock);
		series_table__clear(c->series);
		pthread_mutex_unlock(&c->lock);
		/* A ticker: the next flush is one interval later, skipping missed ticks. */
		while (c->next_flush <= now)
			c->next_flush += (uint64_t)c->flush_ns;
	}
}

static void read_slot(struct perf_slot *slot)
{
	struct perf_counter *c = slot->counter;
	char et[128];
	int e;

	e = perf_buffer__consume_buffer(c->pb, slot->idx);
	if (e < 0)
		log_limited(c, "perfbuf: config %s: counter %s: reading the perf buffer failed: %s",
			    c->cfg->name, c->conf->name, errno_text(e, et, sizeof(et)));
}

/*
 * The reader watches every per-CPU ring's perf event fd itself. (Waiting on libbpf's own epoll
 * set through ours would lose wake-ups: perf's poll clears the event's readiness when it
 * reports it, so the outer check would eat the readiness the inner wait then misses.)
 */
static void *reader(void *arg)
{
	struct perf_counters *p = arg;
	struct epoll_event evs[64];
	char et[128];
	bool stop = false;
	size_t k, j;
	int n, i;

	while (!stop) {
		n = epoll_wait(p->epoll_fd, evs, (int)(sizeof(evs) / sizeof(evs[0])),
			       PERF_COUNTERS_POLL_MS);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg("perfbuf: epoll_wait failed: %s; perf event arrays are no longer "
				"read",
				errno_text(-errno, et, sizeof(et)));
			break;
		}
		for (i = 0; i < n; i++) {
			if (!evs[i].data.ptr) {
				stop = true;
				continue;
			}
			read_slot(evs[i].data.ptr);
		}
		/* An idle round: sweep every ring, so nothing waits on a wake-up. */
		if (n == 0)
			for (k = 0; k < p->n; k++)
				for (j = 0; j < p->counters[k].c->n_slots; j++)
					read_slot(&p->counters[k].c->slots[j]);
		flush_due(p, clock_mono_ns());
	}
	return NULL;
}

int perf_counters__start(struct perf_counters *p, char *err, size_t errlen)
{
	struct epoll_event ev;
	char et[128];
	uint64_t now;
	size_t i, j;
	int e;

	if (!p || !p->n || p->running)
		return 0;
	p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epoll_fd < 0) {
		e = -errno;
		snprintf(err, errlen, "perfbuf: epoll_create1: %s", errno_text(e, et, sizeof(et)));
		return e;
	}
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stop_fd < 0) {
		e = -errno;
		snprintf(err, errlen, "perfbuf: eventfd: %s", errno_text(e, et, sizeof(et)));
		return e;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, p->stop_fd, &ev) != 0) {
		e = -errno;
		snprintf(err, errlen, "perfbuf: epoll_ctl: %s", errno_text(e, et, sizeof(et)));
		return e;
	}
	now = clock_mono_ns();
	for (i = 0; i < p->n; i++) {
		struct perf_counter *c = p->counters[i].c;

		/* a counter shared with the previous set keeps its ticker */
		if (!c->next_flush)
			c->next_flush = now + (uint64_t)c->flush_ns;
		for (j = 0; j < c->n_slots; j++) {
			int fd = perf_buffer__buffer_fd(c->pb, c->slots[j].idx);

			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.ptr = &c->slots[j];
			if (fd < 0 || epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
				e = fd < 0 ? fd : -errno;
				snprintf(err, errlen,
					 "perfbuf: config %s: counter %s: epoll_ctl: %s",
					 c->cfg->name, c->conf->name,
					 errno_text(e, et, sizeof(et)));
				return e;
			}
		}
	}
	e = -pthread_create(&p->thread, NULL, reader, p);
	if (e) {
		snprintf(err, errlen, "perfbuf: starting the reader thread: %s",
			 errno_text(e, et, sizeof(et)));
		return e;
	}
	p->running = true;
	return 0;
}

void perf_counters__stop(struct perf_counters *p)
{
	uint64_t one = 1;

	if (!p || !p->running)
		return;
	if (write(p->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_msg("perfbuf: waking the reader thread failed; waiting for its poll timeout");
	pthread_join(p->thread, NULL);
	p->running = false;
}

static void snapshot_free(struct perf_snapshot *s)
{
	free(s->fams);
	free(s->samples);
	free(s->values);
	free(s->strings);
	memset(s, 0, sizeof(*s));
}

void perf_counters__free(struct perf_counters *p)
{
	size_t i;

	if (!p)
		return;
	perf_counters__stop(p);
	for (i = 0; i < p->n; i++)
		counter_put(p->counters[i].c);
	free(p->counters);
	if (p->epoll_fd >= 0)
		close(p->epoll_fd);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	snapshot_free(&p->snap);
	free(p);
}

uint64_t perf_counters__decoder_errors(const struct perf_counters *p, size_t cfg_idx)
{
	uint64_t sum = 0;
	size_t i;

	if (!p || cfg_idx >= p->n_cfgs)
		return 0;
	for (i = 0; i < p->n; i++)
		if (p->counters[i].cfg_idx == cfg_idx)
			sum += __atomic_load_n(&p->counters[i].c->decoder_errors, __ATOMIC_RELAXED);
	return sum;
}

/* Copies one series into the snapshot being built. */
struct copy_state {
	struct perf_snapshot *s;
	size_t n_labels;
	size_t n_samples; /* samples written so far */
	size_t n_values;
	size_t str_off;
};

static int copy_series(const struct series_entry *e, void *arg)
{
	struct copy_state *cs = arg;
	struct perf_snapshot *s = cs->s;
	struct sample *smp = &s->samples[cs->n_samples++];
	const char *v = e->values;
	size_t i;

	smp->values = cs->n_labels ? &s->values[cs->n_values] : NULL;
	smp->value = (double)e->count;
	for (i = 0; i < cs->n_labels; i++) {
		size_t l = strlen(v) + 1;

		memcpy(s->strings + cs->str_off, v, l);
		s->values[cs->n_values++] = s->strings + cs->str_off;
		cs->str_off += l;
		v += l;
	}
	return 0;
}

static void unlock_all(struct perf_counters *p)
{
	size_t i;

	for (i = p->n; i-- > 0;)
		pthread_mutex_unlock(&p->counters[i].c->lock);
}

int perf_counters__collect(struct perf_counters *p, struct family **fams, size_t *n)
{
	static const char *const lost_labels[] = { "config", "map" };
	struct perf_snapshot *s;
	struct copy_state cs;
	size_t i, nf = 0, ns = 0, nv = 0, bytes = 0;

	*fams = NULL;
	*n = 0;
	if (!p || !p->n)
		return 0;
	s = &p->snap;
	snapshot_free(s);

	/* every counter's lock, in set order (the reader holds at most one at a time) */
	for (i = 0; i < p->n; i++)
		pthread_mutex_lock(&p->counters[i].c->lock);
	for (i = 0; i < p->n; i++) {
		const struct perf_counter *c = p->counters[i].c;
		size_t len = series_table__len(c->series);

		nf += len > 0;
		ns += len;
		nv += len * c->conf->n_labels;
		bytes += series_table__value_bytes(c->series);
	}
	/* One more family and a sample per counter, with two values, for lost samples. */
	s->fams = calloc(nf + 1, sizeof(*s->fams));
	s->samples = calloc(ns + p->n, sizeof(*s->samples));
	s->values = calloc(nv + 2 * p->n, sizeof(*s->values));
	s->strings = malloc(bytes + 1);
	if (!s->fams || !s->samples || !s->values || !s->strings) {
		unlock_all(p);
		snapshot_free(s);
		return -ENOMEM;
	}
	memset(&cs, 0, sizeof(cs));
	cs.s = s;
	nf = 0;
	for (i = 0; i < p->n; i++) {
		const struct perf_counter *c = p->counters[i].c;
		struct family *f;

		if (!series_table__len(c->series))
			continue;
		f = &s->fams[nf++];
		f->name = c->full_name;
		f->help = c->conf->help;
		f->type = FAMILY_COUNTER;
		f->label_names = c->label_names;
		f->n_labels = c->conf->n_labels;
		f->samples = &s->samples[cs.n_samples];
		f->n_samples = series_table__len(c->series);
		cs.n_labels = c->conf->n_labels;
		series_table__each(c->series, copy_series, &cs);
	}
	{
		struct family *f = &s->fams[nf++];

		f->name = LOST_NAME;
		f->help = LOST_HELP;
		f->type = FAMILY_COUNTER;
		f->label_names = lost_labels;
		f->n_labels = 2;
		f->samples = &s->samples[cs.n_samples];
		f->n_samples = p->n;
		for (i = 0; i < p->n; i++) {
			struct sample *smp = &s->samples[cs.n_samples++];

			smp->values = &s->values[cs.n_values];
			s->values[cs.n_values++] = p->counters[i].c->cfg->name;
			s->values[cs.n_values++] = p->counters[i].c->conf->name;
			smp->value = (double)p->counters[i].c->lost;
		}
	}
	unlock_all(p);
	*fams = s->fams;
	*n = nf;
	return 0;
}
