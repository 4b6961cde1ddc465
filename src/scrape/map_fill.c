// SPDX-License-Identifier: MIT
#include "scrape/map_fill.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/map_snapshot.h"
#include "util/buf.h"
#include "util/errno_text.h"
#include "util/log.h"
#include "util/memcheck.h"

/* A failed count of one map is logged at most this often (seconds). */
#define ERROR_LOG_INTERVAL 60

/* One counted map. */
struct fill_map {
	char *config;
	char *name;
	int fd; /* our own duplicate */
	int type;
	uint32_t id; /* the kernel's map id, to match maps across a reload */
	uint32_t key_size, value_size, max_entries;
	bool no_batch; /* the counting thread's only */
	time_t last_log; /* the counting thread's only */
	/* guarded by the map_fill's lock */
	bool counted;
	uint64_t entries;
};

struct map_fill {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled on stop */
	bool stop; /* guarded by lock */
	bool running; /* the thread was started */
	pthread_t thread;
	uint64_t interval_ms;
	struct fill_map *maps;
	size_t n;
	struct map_count_buf buf; /* the counting thread's only (or the caller's of count_now) */
};

bool map_fill_type_counted(int map_type)
{
	switch (map_type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return true;
	default:
		return false;
	}
}

uint64_t map_fill_next_wait_ms(uint64_t interval_ms, uint64_t pass_cpu_ns, uint64_t share)
{
	uint64_t ms = pass_cpu_ns / 1000000;

	if (ms && share > UINT64_MAX / ms)
		return UINT64_MAX;
	ms *= share;
	/* the rest of a millisecond rounds up, so the share is never exceeded */
	if (pass_cpu_ns % 1000000) {
		if (ms > UINT64_MAX - share)
			return UINT64_MAX;
		ms += share;
	}
	return ms > interval_ms ? ms : interval_ms;
}

void map_count_buf_free(struct map_count_buf *b)
{
	free(b->keys);
	free(b->values);
	free(b->cursor);
	free(b->next);
	memset(b, 0, sizeof(*b));
}

/* Room for chunk entries of key_size bytes of key and vsz of value (buffers only grow). */
static int buf_room(struct map_count_buf *b, size_t chunk, uint32_t key_size, size_t vsz)
{
	size_t kb = chunk * (key_size ? key_size : 1), vb = chunk * (vsz ? vsz : 1);

	if (kb > b->keys_bytes) {
		uint8_t *k = realloc(b->keys, kb);

		if (!k)
			return -ENOMEM;
		b->keys = k;
		b->keys_bytes = kb;
	}
	if (vb > b->values_bytes) {
		uint8_t *v = realloc(b->values, vb);

		if (!v)
			return -ENOMEM;
		b->values = v;
		b->values_bytes = vb;
	}
	return 0;
}

static int count_batch(int fd, uint32_t key_size, size_t vsz, struct map_count_buf *b,
		       uint64_t *out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t per = (size_t)key_size + vsz, chunk = MAP_FILL_BUF_BYTES / (per ? per : 1);
	uint64_t n = 0;
	void *in = NULL;
	int err;

	if (chunk < 1)
		chunk = 1;
	err = buf_room(b, chunk, key_size, vsz);
	if (err)
		return err;
	for (;;) {
		__u32 count = (__u32)chunk;

		err = bpf_map_lookup_batch(fd, in, b->tok_out, b->keys, b->values, &count, &opts);
		if (err < 0)
			err = -errno;
		MEMCHECK_DEFINED(b->tok_out, sizeof(b->tok_out));
		n += count;
		if (err == -ENOENT)
			break;
		if (err == -ENOSPC && count == 0) {
			/* One hash bucket holds more entries than a chunk: this call only. */
			if (chunk >= ((size_t)1 << 24))
				return err;
			chunk *= 2;
			err = buf_room(b, chunk, key_size, vsz);
			if (err)
				return err;
			continue;
		}
		if (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP || err == -524) {
			/* 524 is the kernel's ENOTSUPP, which never reaches libc's table. */
			return n == 0 && !in ? -EOPNOTSUPP : err;
		}
		if (err)
			return err;
		memcpy(b->tok_in, b->tok_out, sizeof(b->tok_in));
		in = b->tok_in;
	}
	*out = n;
	return 0;
}

/*
 * Keys only. A cursor key deleted under the walk makes the kernel restart from the first
 * bucket, so the walk is bounded by twice the map's capacity.
 */
static int count_iter(int fd, uint32_t key_size, uint32_t max_entries, struct map_count_buf *b,
		      uint64_t *out)
{
	uint64_t n = 0, limit = (uint64_t)max_entries * 2 + 16;
	bool have = false;

	if (b->key_cap < key_size || !b->cursor) {
		uint8_t *c = realloc(b->cursor, key_size ? key_size : 1);

		if (!c)
			return -ENOMEM;
		b->cursor = c;
		c = realloc(b->next, key_size ? key_size : 1);
		if (!c)
			return -ENOMEM;
		b->next = c;
		b->key_cap = key_size;
	}
	for (;;) {
		uint8_t *t;

		if (bpf_map_get_next_key(fd, have ? b->cursor : NULL, b->next) < 0) {
			int err = -errno;

			if (err != -ENOENT)
				return err;
			break;
		}
		MEMCHECK_DEFINED(b->next, key_size);
		if (++n > limit)
			return -EAGAIN;
		t = b->cursor;
		b->cursor = b->next;
		b->next = t;
		have = true;
	}
	*out = n;
	return 0;
}

int map_count_keys(int fd, int map_type, uint32_t key_size, uint32_t value_size,
		   uint32_t max_entries, struct map_count_buf *b, bool *no_batch, uint64_t *out)
{
	size_t vsz = value_size;
	int err;

	if (map_type_percpu(map_type)) {
		int ncpus = libbpf_num_possible_cpus();

		if (ncpus <= 0)
			return ncpus < 0 ? ncpus : -EINVAL;
		vsz = ((size_t)value_size + 7) / 8 * 8 * (size_t)ncpus;
	}
	if (!*no_batch) {
		err = count_batch(fd, key_size, vsz, b, out);
		if (err != -EOPNOTSUPP)
			return err;
		*no_batch = true;
	}
	return count_iter(fd, key_size, max_entries, b, out);
}

/* Counts one map and stores the count; a failure keeps the last count and is logged. */
static void count_map(struct map_fill *mf, struct fill_map *m)
{
	uint64_t n = 0;
	int err = map_count_keys(m->fd, m->type, m->key_size, m->value_size, m->max_entries,
				 &mf->buf, &m->no_batch, &n);
	time_t now;

	if (!err) {
		pthread_mutex_lock(&mf->lock);
		m->entries = n;
		m->counted = true;
		pthread_mutex_unlock(&mf->lock);
		return;
	}
	now = time(NULL);
	if (!m->last_log || now - m->last_log >= ERROR_LOG_INTERVAL) {
		char et[128];

		m->last_log = now;
		log_msg("Error counting the entries of map \"%s\" of config \"%s\": %s", m->name,
			m->config, errno_text(err, et, sizeof(et)));
	}
}

void map_fill__count_now(struct map_fill *mf)
{
	size_t i;

	for (i = 0; mf && i < mf->n; i++)
		count_map(mf, &mf->maps[i]);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *counter_thread(void *arg)
{
	struct map_fill *mf = arg;
	uint64_t wait_ms = mf->interval_ms;

	for (;;) {
		struct timespec until;
		uint64_t cpu0;
		bool stop;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)(wait_ms / 1000);
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&mf->lock);
		while (!mf->stop &&
		       pthread_cond_timedwait(&mf->cond, &mf->lock, &until) != ETIMEDOUT)
			;
		stop = mf->stop;
		pthread_mutex_unlock(&mf->lock);
		if (stop)
			return NULL;
		cpu0 = thread_cpu_ns();
		map_fill__count_now(mf);
		wait_ms = map_fill_next_wait_ms(mf->interval_ms, thread_cpu_ns() - cpu0,
						MAP_FILL_CPU_SHARE);
		/* a day at most: the deadline must fit a timespec */
		if (wait_ms > 86400000)
			wait_ms = 86400000;
	}
}

/* Is name a counter or histogram of cfg (a metric map, whose entries the scrape reads)? */
static bool is_metric_map(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_counters; i++)
		if (!strcmp(cfg->counters[i].name, name))
			return true;
	for (i = 0; i < cfg->n_histograms; i++)
		if (!strcmp(cfg->histograms[i].name, name))
			return true;
	return false;
}

/* prev's count of the kernel map id, if it has one. */
static bool prev_count(const struct map_fill *prev, uint32_t id, uint64_t *entries)
{
	struct map_fill *p = (struct map_fill *)prev;
	bool found = false;
	size_t i;

	if (!p || !id)
		return false;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n && !found; i++) {
		if (p->maps[i].id == id && p->maps[i].counted) {
			*entries = p->maps[i].entries;
			found = true;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return found;
}

static int add_map(struct map_fill *mf, size_t *cap, const struct config *cfg,
		   const struct bpf_map *map, char *err, size_t errlen)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct fill_map *m;
	char et[128];
	int e;

	e = array_grow((void **)&mf->maps, cap, mf->n + 1, sizeof(*mf->maps));
	if (e)
		return e;
	m = &mf->maps[mf->n];
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->config = strdup(cfg->name);
	m->name = strdup(bpf_map__name(map));
	if (!m->config || !m->name) {
		free(m->config);
		free(m->name);
		return -ENOMEM;
	}
	mf->n++;
	m->fd = fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3);
	if (m->fd < 0) {
		e = -errno;
		snprintf(err, errlen, "config \"%s\": map \"%s\": duplicating its fd: %s",
			 cfg->name, m->name, errno_text(e, et, sizeof(et)));
		return e;
	}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(m->fd, &info, &len) != 0) {
		e = -errno;
		snprintf(err, errlen, "config \"%s\": map \"%s\": reading its info: %s", cfg->name,
			 m->name, errno_text(e, et, sizeof(et)));
		return e;
	}
	m->id = info.id;
	m->type = (int)info.type;
	m->key_size = info.key_size;
	m->value_size = info.value_size;
	m->max_entries = info.max_entries;
	return 0;
}

int map_fill__new(const struct map_fill_opts *opts, struct map_fill **out, char *err, size_t errlen)
{
	struct map_fill *mf;
	size_t i, cap = 0;
	char et[128];
	int e = 0;

	*out = NULL;
	mf = calloc(1, sizeof(*mf));
	if (!mf)
		return -ENOMEM;
	pthread_mutex_init(&mf->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&mf->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	mf->interval_ms = opts->interval_ms ? opts->interval_ms : MAP_FILL_INTERVAL_MS;
	for (i = 0; !e && i < opts->n; i++) {
		const struct bpf_map *map;

		if (!opts->mods || !opts->mods[i])
			continue;
		bpf_object__for_each_map(map, module__object(opts->mods[i])) {
			if (!map_fill_type_counted((int)bpf_map__type(map)) ||
			    is_metric_map(opts->cfgs[i], bpf_map__name(map)))
				continue;
			e = add_map(mf, &cap, opts->cfgs[i], map, err, errlen);
			if (e)
				break;
		}
	}
	if (e)
		goto fail;
	for (i = 0; i < mf->n; i++) {
		struct fill_map *m = &mf->maps[i];

		if (prev_count(opts->prev, m->id, &m->entries))
			m->counted = true;
		else
			count_map(mf, m);
	}
	if (!opts->no_thread && mf->n) {
		e = -pthread_create(&mf->thread, NULL, counter_thread, mf);
		if (e) {
			snprintf(err, errlen, "starting the map counting thread: %s",
				 errno_text(e, et, sizeof(et)));
			goto fail;
		}
		mf->running = true;
	}
	*out = mf;
	return 0;

fail:
	if (e == -ENOMEM && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	map_fill__free(mf);
	return e;
}

void map_fill__free(struct map_fill *mf)
{
	size_t i;

	if (!mf)
		return;
	if (mf->running) {
		pthread_mutex_lock(&mf->lock);
		mf->stop = true;
		pthread_cond_broadcast(&mf->cond);
		pthread_mutex_unlock(&mf->lock);
		pthread_join(mf->thread, NULL);
	}
	for (i = 0; i < mf->n; i++) {
		if (mf->maps[i].fd >= 0)
			close(mf->maps[i].fd);
		free(mf->maps[i].config);
		free(mf->maps[i].name);
	}
	free(mf->maps);
	map_count_buf_free(&mf->buf);
	pthread_cond_destroy(&mf->cond);
	pthread_mutex_destroy(&mf->lock);
	free(mf);
}

int map_fill__each(struct map_fill *mf, int (*fn)(const struct map_fill_entry *e, void *arg),
		   void *arg)
{
	size_t i;
	int r = 0;

	if (!mf)
		return 0;
	pthread_mutex_lock(&mf->lock);
	for (i = 0; !r && i < mf->n; i++) {
		const struct fill_map *m = &mf->maps[i];
		struct map_fill_entry e = { .config = m->config,
					    .map = m->name,
					    .entries = m->entries,
					    .max_entries = m->max_entries };

		if (m->counted)
			r = fn(&e, arg);
	}
	pthread_mutex_unlock(&mf->lock);
	return r;
}
