// SPDX-License-Identifier: MIT
/*
 * Ring buffers to spans: one event thread waits on the ring buffers' epoll fd
 * and turns each record into a span through the span entry's label decoders, then hands it to
 * the exporter's bounded queue.
 */
#include "tracing/tracing.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "labels/label_set.h"
#include "util/buf.h"
#include "util/errno_text.h"
#include "util/log.h"
#include "tracing/counts.h"
#include "tracing/exporter.h"
#include "tracing/extract.h"
#include "tracing/internal.h"
#include "tracing/otel_env.h"

/* Record decode failures are logged at most this often per span entry (seconds). */
#define ERROR_LOG_INTERVAL 60
#define ERRLEN 2048

struct ring;

/* One tracing.spans[] entry. */
struct span_entry {
	struct tracing *t;
	size_t cfg_idx;
	const struct config *cfg;
	const struct span_conf *sc;
	struct label_set *ls;
	const char **names;
	const char **values;
	size_t n_labels;
	struct extract_opts opts;
	time_t last_log;
};

/* One ring buffer map; several entries may read the same one (each gets every record). */
struct ring {
	int map_fd;
	struct span_entry **entries;
	size_t n, cap;
};

struct tracing {
	struct otel_conf conf;
	struct config **cfgs;
	size_t n_cfgs;
	/* per config and per service, shared with the tracings before and after a reload */
	struct span_counts *counts;
	const char **services; /* counts' service names; [0] is OTEL_SERVICE_NAME */
	struct service_stats **svc_stats; /* counts' service counters */
	size_t n_services;
	struct span_entry *entries;
	size_t n_entries;
	struct ring *rings;
	size_t n_rings;
	struct ring_buffer *rb;
	int epfd, stopfd;
	pthread_t event_thread;
	bool event_started, stopped;
	struct span_exporter *x;
	struct lifecycle *lc;
	/* event thread */
	struct idgen g;
	struct buf decoded;
	char err[ERRLEN];
	/* tracing__collect() */
	struct family fams[TRACING_FAMILIES];
	struct sample *samples;
	size_t samples_cap;
	const char **vals;
	size_t vals_cap;
};

static void add(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

const struct sampler *tracing__sampler(const struct tracing *t)
{
	return &t->conf.sampler;
}

void tracing__remember_lifecycle(struct tracing *t, struct lifecycle *lc)
{
	t->lc = lc;
}

void tracing__push(struct tracing *t, struct span *sp)
{
	if (!t->x || t->conf.exporter == OTEL_EXPORTER_NONE) {
		span_free(sp);
		return;
	}
	span_exporter__push(t->x, sp);
}

/* ---- records ---- */

static void record_error(struct span_entry *e, const char *msg)
{
	struct tracing *t = e->t;
	time_t now = time(NULL);

	add(&t->counts->cfgs[e->cfg_idx]->decoder_errors, 1);
	/* upstream logs every one; a flood of bad records must not flood the log */
	if (e->last_log && now - e->last_log < ERROR_LOG_INTERVAL)
		return;
	e->last_log = now;
	log_msg("Error handing raw span bytes: %s", msg);
}

static void handle_record(struct span_entry *e, const uint8_t *data, size_t size)
{
	char et[128];
	struct tracing *t = e->t;
	struct span *sp = NULL;
	int rc;

	add(&t->counts->cfgs[e->cfg_idx]->received, 1);
	buf_reset(&t->decoded);
	t->err[0] = '\0';
	rc = label_set__decode_record(e->ls, data, size, &t->decoded, e->values, t->err,
				      sizeof(t->err));
	if (rc == DECODER_SKIP)
		return; /* dropped silently */
	if (rc) {
		record_error(e, t->err[0] ? t->err : errno_text(rc, et, sizeof(et)));
		return;
	}
	rc = span_extract(&e->opts, e->names, e->values, e->n_labels, &t->g, &sp, t->err,
			  sizeof(t->err));
	if (rc) {
		record_error(e, rc == -ENOMEM ? "out of memory" : t->err);
		return;
	}
	/* a record's parent context carries no flags: the program that passed it decided */
	if (!sampler_sample(&t->conf.sampler, sp->trace_id, sp->parent_remote, true)) {
		span_free(sp);
		return;
	}
	tracing__push(t, sp);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct ring *r = ctx;
	size_t i;

	for (i = 0; i < r->n; i++)
		handle_record(r->entries[i], data, size);
	return 0;
}

#define EV_RING 1
#define EV_STOP 2

static void *event_main(void *arg)
{
	char et[128];
	struct tracing *t = arg;
	struct epoll_event evs[4];
	time_t last_log = 0;
	int n, i, r;
	bool stop = false;

	while (!stop) {
		n = epoll_wait(t->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg("tracing: epoll_wait failed: %s",
				errno_text(errno, et, sizeof(et)));
			break;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.u32 == EV_STOP) {
				stop = true;
				continue;
			}
			r = ring_buffer__consume(t->rb);
			if (r < 0 && r != -EINTR && time(NULL) - last_log >= ERROR_LOG_INTERVAL) {
				last_log = time(NULL);
				log_msg("tracing: reading ring buffers failed: %s",
					errno_text(r, et, sizeof(et)));
			}
		}
	}
	/* what the programs wrote before they were detached */
	ring_buffer__consume(t->rb);
	return NULL;
}

/* ---- set-up ---- */

static int add_to_ring(struct tracing *t, struct span_entry *e, int fd)
{
	struct ring *r = NULL;
	size_t i;

	for (i = 0; i < t->n_rings; i++)
		if (t->rings[i].map_fd == fd)
			r = &t->rings[i];
	if (!r) {
		r = &t->rings[t->n_rings++];
		r->map_fd = fd;
	}
	if (array_grow((void **)&r->entries, &r->cap, r->n + 1, sizeof(*r->entries)))
		return -ENOMEM;
	r->entries[r->n++] = e;
	return 0;
}

static int setup_entry(struct tracing *t, const struct span_counts *prev, struct span_entry *e,
		       size_t ci, size_t si, struct bpf_object *obj, struct decoder_env *env,
		       char *err, size_t errlen)
{
	const struct config *cfg = t->cfgs[ci];
	const struct span_conf *sc = &cfg->spans[si];
	const struct bpf_map *map;
	char lerr[1024];
	size_t i;
	int rc;

	e->t = t;
	e->cfg_idx = ci;
	e->cfg = cfg;
	e->sc = sc;
	map = obj ? bpf_object__find_map_by_name(obj, sc->ringbuf) : NULL;
	if (!map) {
		snprintf(err, errlen,
			 "Error initializing ringbuf \"%s\": config \"%s\" has no map named \"%s\"",
			 sc->ringbuf, cfg->name, sc->ringbuf);
		return -ENOENT;
	}
	if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) {
		const char *type = libbpf_bpf_map_type_str(bpf_map__type(map));

		snprintf(
			err, errlen,
			"Error initializing ringbuf \"%s\": map \"%s\" of config \"%s\" is of type "
			"%s, not ringbuf",
			sc->ringbuf, sc->ringbuf, cfg->name, type ? type : "unknown");
		return -EINVAL;
	}
	if (bpf_map__fd(map) < 0) {
		snprintf(err, errlen,
			 "Error initializing ringbuf \"%s\": map of config \"%s\" is not loaded",
			 sc->ringbuf, cfg->name);
		return -EBADF;
	}
	rc = label_set__new_checked(sc->labels, sc->n_labels, env, &e->ls, lerr, sizeof(lerr));
	if (rc) {
		snprintf(err, errlen, "Error registering exporter: config \"%s\": span \"%s\": %s",
			 cfg->name, sc->name, lerr);
		return rc;
	}
	e->n_labels = sc->n_labels;
	e->names = calloc(e->n_labels + 1, sizeof(*e->names));
	e->values = calloc(e->n_labels + 1, sizeof(*e->values));
	if (!e->names || !e->values)
		return -ENOMEM;
	for (i = 0; i < e->n_labels; i++)
		e->names[i] = label_set__name(e->ls, i);
	e->opts.default_name = *sc->name ? sc->name : sc->ringbuf;
	e->opts.config_name = cfg->name;
	e->opts.attr_count_limit = t->conf.attr_count_limit;
	e->opts.attr_value_limit = t->conf.attr_value_limit;
	rc = span_counts__service(t->counts, prev,
				  *sc->service ? sc->service : t->conf.service_name,
				  &e->opts.service);
	if (rc)
		return rc;
	return add_to_ring(t, e, bpf_map__fd(map));
}

static int setup_rings(struct tracing *t, char *err, size_t errlen)
{
	char et[128];
	struct epoll_event ev = { .events = EPOLLIN };
	size_t i;
	int rc;

	for (i = 0; i < t->n_rings; i++) {
		struct ring *r = &t->rings[i];

		if (!t->rb) {
			t->rb = ring_buffer__new(r->map_fd, on_record, r, NULL);
			rc = t->rb ? 0 : -errno;
		} else {
			rc = ring_buffer__add(t->rb, r->map_fd, on_record, r);
		}
		if (rc) {
			snprintf(err, errlen, "Error initializing ringbuf \"%s\": %s",
				 r->entries[0]->sc->ringbuf, errno_text(rc, et, sizeof(et)));
			return rc;
		}
	}
	if (!t->rb)
		return 0;
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	t->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->epfd < 0 || t->stopfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "Error initializing ringbuf \"%s\": %s",
			 t->rings[0].entries[0]->sc->ringbuf, errno_text(rc, et, sizeof(et)));
		return rc;
	}
	ev.data.u32 = EV_RING;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(t->rb), &ev))
		goto fail;
	ev.data.u32 = EV_STOP;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->stopfd, &ev))
		goto fail;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "Error initializing ringbuf \"%s\": epoll: %s",
		 t->rings[0].entries[0]->sc->ringbuf, errno_text(rc, et, sizeof(et)));
	return rc;
}

bool tracing_requested(void)
{
	static const char *const vars[] = { "OTEL_EXPORTER_OTLP_ENDPOINT",
					    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
					    "OTEL_TRACES_EXPORTER" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return true;
	}
	return false;
}

int tracing__new(struct config **cfgs, struct bpf_object *const *objs, size_t n,
		 struct decoder_env *env, const struct tracing *prev, struct tracing **out,
		 char *err, size_t errlen)
{
	const struct span_counts *pc = prev ? prev->counts : NULL;
	char et[128];
	struct tracing *t;
	char cerr[1024];
	size_t i, j, k = 0, total = 0;
	uint32_t svc0;
	int rc;

	*out = NULL;
	err[0] = '\0';
	for (i = 0; i < n; i++)
		total += cfgs[i]->n_spans;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->epfd = t->stopfd = -1;
	t->cfgs = cfgs;
	t->n_cfgs = n;
	idgen_init(&t->g);
	rc = otel_conf_load(&t->conf, NULL, NULL, cerr, sizeof(cerr));
	if (rc) {
		snprintf(err, errlen, "Error creating tracing processor: %s", cerr);
		free(t);
		return rc;
	}
	/*
	 * Without spans to export, only the exporter's own trace is left: it is sent only when
	 * the environment asks for an exporter, so that a plain start never loads libcurl or
	 * tries the default endpoint.
	 */
	if (!total && (t->conf.exporter == OTEL_EXPORTER_NONE || !tracing_requested())) {
		otel_conf_free(&t->conf);
		free(t);
		return 0;
	}
	rc = span_counts__new(pc, &t->counts);
	if (rc)
		goto fail;
	/* every config, spans or not: its decoder errors go on if a later one has spans again */
	for (i = 0; i < n; i++) {
		rc = span_counts__add_config(t->counts, pc, cfgs[i]->name);
		if (rc)
			goto fail;
	}
	rc = -ENOMEM;
	t->entries = calloc(total ? total : 1, sizeof(*t->entries));
	t->rings = calloc(total ? total : 1, sizeof(*t->rings));
	if (!t->entries || !t->rings)
		goto fail;
	rc = span_counts__service(t->counts, pc, t->conf.service_name, &svc0);
	if (rc)
		goto fail;
	for (i = 0; i < n; i++) {
		for (j = 0; j < cfgs[i]->n_spans; j++) {
			rc = setup_entry(t, pc, &t->entries[k++], i, j, objs ? objs[i] : NULL, env,
					 err, errlen);
			t->n_entries = k;
			if (rc)
				goto fail;
		}
	}
	rc = setup_rings(t, err, errlen);
	if (rc)
		goto fail;
	rc = -ENOMEM;
	t->n_services = t->counts->n_svcs;
	t->services = calloc(t->n_services, sizeof(*t->services));
	t->svc_stats = calloc(t->n_services, sizeof(*t->svc_stats));
	if (!t->services || !t->svc_stats)
		goto fail;
	for (i = 0; i < t->n_services; i++) {
		t->services[i] = t->counts->svcs[i]->name;
		t->svc_stats[i] = &t->counts->svcs[i]->st;
	}
	rc = span_exporter__new(&t->conf, t->services, t->n_services, t->svc_stats,
				&t->counts->errors->n, &t->x, cerr, sizeof(cerr));
	if (rc) {
		snprintf(err, errlen, "Error creating tracing processor: %s", cerr);
		goto fail;
	}
	*out = t;
	return 0;
fail:
	if (!err[0])
		snprintf(err, errlen, "Error creating tracing processor: %s",
			 errno_text(rc, et, sizeof(et)));
	tracing__free(t);
	return rc;
}

int tracing__start(struct tracing *t, char *err, size_t errlen)
{
	char et[128];
	int rc;

	if (!t)
		return 0;
	rc = span_exporter__start(t->x);
	if (rc) {
		snprintf(err, errlen, "tracing: cannot start the exporter thread: %s",
			 errno_text(rc, et, sizeof(et)));
		return rc;
	}
	if (t->rb && !t->event_started) {
		rc = pthread_create(&t->event_thread, NULL, event_main, t);
		if (rc) {
			snprintf(err, errlen, "tracing: cannot start the ring buffer thread: %s",
				 errno_text(rc, et, sizeof(et)));
			return -rc;
		}
		t->event_started = true;
	}
	return 0;
}

void tracing__shutdown(struct tracing *t, int timeout_ms)
{
	char et[128];
	uint64_t one = 1;

	if (!t || t->stopped)
		return;
	t->stopped = true;
	if (t->event_started) {
		if (write(t->stopfd, &one, sizeof(one)) != sizeof(one))
			log_msg("tracing: cannot stop the ring buffer thread: %s",
				errno_text(errno, et, sizeof(et)));
		else
			pthread_join(t->event_thread, NULL);
		t->event_started = false;
	}
	span_exporter__shutdown(t->x, timeout_ms >= 0 ? timeout_ms : TRACING_SHUTDOWN_TIMEOUT_MS);
}

void tracing__free(struct tracing *t)
{
	size_t i;

	if (!t)
		return;
	tracing__shutdown(t, 0);
	lifecycle__forget_tracing(t->lc);
	span_exporter__free(t->x);
	ring_buffer__free(t->rb);
	if (t->epfd >= 0)
		close(t->epfd);
	if (t->stopfd >= 0)
		close(t->stopfd);
	for (i = 0; i < t->n_entries; i++) {
		label_set__free(t->entries[i].ls);
		free(t->entries[i].names);
		free(t->entries[i].values);
	}
	for (i = 0; t->rings && i < t->n_rings; i++)
		free(t->rings[i].entries);
	free(t->services);
	free(t->svc_stats);
	span_counts__free(t->counts);
	free(t->entries);
	free(t->rings);
	free(t->samples);
	free(t->vals);
	buf_free(&t->decoded);
	otel_conf_free(&t->conf);
	free(t);
}

uint64_t tracing__decoder_errors(const struct tracing *t, size_t cfg_idx)
{
	if (!t || cfg_idx >= t->n_cfgs)
		return 0;
	return get(&t->counts->cfgs[cfg_idx]->decoder_errors);
}

/* ---- metrics ---- */

int tracing__collect(struct tracing *t, struct family *fams, size_t max)
{
	static const char *const l_config[] = { "config" };
	static const char *const l_service[] = { "service" };
	static const char *const l_dropped[] = { "reason", "service" };
	size_t ns, nv, s = 0, v = 0, i, r, nf;
	struct family *f = t ? t->fams : NULL;
	struct family *start;

	if (!t)
		return 0;
	if (max < TRACING_FAMILIES)
		return -ENOSPC;
	/* sizes: configs with spans, services, services x reasons, two unlabelled */
	ns = t->n_cfgs + t->n_services * (1 + DROP_REASONS) + 2;
	nv = t->n_cfgs + t->n_services * (1 + 2 * DROP_REASONS);
	if (array_grow((void **)&t->samples, &t->samples_cap, ns, sizeof(*t->samples)) ||
	    array_grow((void **)&t->vals, &t->vals_cap, nv, sizeof(*t->vals)))
		return -ENOMEM;
	memset(t->samples, 0, ns * sizeof(*t->samples));

	start = family_init(f, "ebpf_exporter_spans_received_total",
			    "Records read from ring buffers for spans, by config.", FAMILY_COUNTER,
			    l_config, 1);
	start->samples = &t->samples[s];
	for (i = 0; i < t->n_cfgs; i++) {
		if (!t->cfgs[i]->n_spans)
			continue;
		t->vals[v] = t->cfgs[i]->name;
		t->samples[s].values = &t->vals[v++];
		t->samples[s++].value = (double)get(&t->counts->cfgs[i]->received);
		start->n_samples++;
	}

	start = family_init(f + 1, "ebpf_exporter_spans_exported_total",
			    "Spans the OpenTelemetry receiver accepted, by service.",
			    FAMILY_COUNTER, l_service, 1);
	start->samples = &t->samples[s];
	for (i = 0; i < t->n_services; i++) {
		t->vals[v] = t->services[i];
		t->samples[s].values = &t->vals[v++];
		t->samples[s++].value = (double)get(&t->svc_stats[i]->exported);
		start->n_samples++;
	}

	start = family_init(f + 2, "ebpf_exporter_spans_dropped_total",
			    "Spans dropped before export, by reason and service.", FAMILY_COUNTER,
			    l_dropped, 2);
	start->samples = &t->samples[s];
	for (i = 0; i < t->n_services; i++) {
		for (r = 0; r < DROP_REASONS; r++) {
			t->vals[v] = drop_reason_name((enum drop_reason)r);
			t->vals[v + 1] = t->services[i];
			t->samples[s].values = &t->vals[v];
			v += 2;
			t->samples[s++].value = (double)get(&t->svc_stats[i]->dropped[r]);
			start->n_samples++;
		}
	}

	start = family_init(f + 3, "ebpf_exporter_span_export_errors_total",
			    "Failed attempts to export a batch of spans, retries included.",
			    FAMILY_COUNTER, NULL, 0);
	start->samples = &t->samples[s];
	t->samples[s++].value = (double)get(&t->counts->errors->n);
	start->n_samples = 1;

	start = family_init(f + 4, "ebpf_exporter_spans_queued",
			    "Spans waiting in the export queue.", FAMILY_GAUGE, NULL, 0);
	start->samples = &t->samples[s];
	t->samples[s++].value = t->x ? (double)span_exporter__queued(t->x) : 0;
	start->n_samples = 1;

	/* f[0..4] above: t->fams and the callers' arrays have that many */
	_Static_assert(TRACING_FAMILIES == 5, "tracing__collect() fills five families");
	nf = TRACING_FAMILIES;
	memcpy(fams, f, nf * sizeof(*fams));
	return (int)nf;
}
