// SPDX-License-Identifier: MIT
#include "web/web_settings.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/crypto.h>

#include "util/buf.h"
#include "util/file.h"
#include "util/log.h"

/* Files larger than this are not hashed: a change of theirs is seen by stat only. */
#define WS_HASH_LIMIT (16 << 20)

/* What stat(2) said about one file (err is its errno, or 0), and a digest of its content. */
struct ws_file {
	char *path;
	int err;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	bool hashed;
	uint8_t sha256[32];
};

/*
 * The files one load read, as they were just before it read them. File times have the
 * granularity of the kernel's coarse clock: a file changed again within the tick it was last
 * changed in, with the same size, keeps its stat. A file is "racy" (as git calls it) when it
 * was changed in the tick its stat ran in, or later; once that tick is over, one check
 * compares the content digests, and the times are trusted from then on.
 */
struct ws_sig {
	struct ws_file *files;
	size_t n;
	struct timespec stamp; /* the latest time of a racy file */
	atomic_bool racy;
};

/* Shared by consecutive snapshots while the users stay the same: their cache survives. */
struct ws_auth_box {
	atomic_uint refs;
	struct web_auth *auth;
};

/* Shared by consecutive snapshots while interval and burst stay the same: tokens survive. */
struct ws_rate_box {
	atomic_uint refs;
	struct web_rate_limit *rate;
	int64_t interval_ns;
	long long burst;
};

struct ws_snap {
	struct web_snapshot pub; /* first: a web_snapshot pointer is a ws_snap pointer */
	atomic_uint refs;
	struct web_config *cfg;
	struct ws_auth_box *auth;
	struct ws_rate_box *rate;
	struct ws_sig sig;
};

struct web_settings {
	char *path; /* NULL: no file */
	bool tls; /* as at start */
	/* cur and seen; written with reload held too */
	pthread_rwlock_t rw;
	/* one load at a time */
	pthread_mutex_t reload;
	struct ws_snap *cur;
	/* the files of the last load tried: cur's, or those of the failed one in bad */
	struct ws_sig *seen;
	struct ws_sig bad;
	atomic_ulong reloads, errors;
};

static void sig_free(struct ws_sig *sig)
{
	for (size_t i = 0; i < sig->n; i++)
		free(sig->files[i].path);
	free(sig->files);
	sig->files = NULL;
	sig->n = 0;
}

static void file_stat(struct ws_file *f)
{
	struct stat st;

	if (stat(f->path, &st) != 0) {
		f->err = errno ? errno : EIO;
		f->dev = 0;
		f->ino = 0;
		f->size = 0;
		memset(&f->mtim, 0, sizeof(f->mtim));
		memset(&f->ctim, 0, sizeof(f->ctim));
		return;
	}
	f->err = 0;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtim = st.st_mtim;
	f->ctim = st.st_ctim;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool time_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The SHA-256 of the file's content; false when it cannot be read or is too large. */
static bool file_hash(const char *path, uint8_t out[32])
{
	struct buf b = { 0 };
	const char *op;
	bool ok;

	ok = file_read_all(path, WS_HASH_LIMIT, &b, &op) == 0 &&
	     gnutls_hash_fast(GNUTLS_DIG_SHA256, b.data ? b.data : "", b.len, out) == 0;
	if (b.data)
		gnutls_memset(b.data, 0, b.len); /* a key file's content */
	buf_free(&b);
	return ok;
}

/* Whether some file of sig changed since the load, its content included while sig is racy. */
static bool sig_changed(struct ws_sig *sig)
{
	struct timespec now;

	for (size_t i = 0; i < sig->n; i++) {
		struct ws_file cur = { .path = sig->files[i].path };
		const struct ws_file *was = &sig->files[i];

		file_stat(&cur);
		if (cur.err != was->err || cur.dev != was->dev || cur.ino != was->ino ||
		    cur.size != was->size || !same_time(&cur.mtim, &was->mtim) ||
		    !same_time(&cur.ctim, &was->ctim))
			return true;
	}
	if (!atomic_load_explicit(&sig->racy, memory_order_relaxed))
		return false;
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	if (!time_before(&sig->stamp, &now))
		return false; /* still the tick of the change: checked again after it */
	for (size_t i = 0; i < sig->n; i++) {
		uint8_t h[32];

		if (!sig->files[i].hashed)
			continue;
		if (!file_hash(sig->files[i].path, h) || memcmp(h, sig->files[i].sha256, 32) != 0)
			return true;
	}
	/* the content is what was loaded, and any later change gets a later time */
	atomic_store_explicit(&sig->racy, false, memory_order_relaxed);
	return false;
}

static const struct timespec *time_max(const struct timespec *a, const struct timespec *b)
{
	return time_before(a, b) ? b : a;
}

/* Adds path (unless already there) with its stat now. Returns 0 or -ENOMEM. */
static int sig_add(struct ws_sig *sig, const char *path)
{
	struct ws_file *grown, *f;
	struct timespec before;

	for (size_t i = 0; i < sig->n; i++)
		if (strcmp(sig->files[i].path, path) == 0)
			return 0;
	grown = reallocarray(sig->files, sig->n + 1, sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	sig->files = grown;
	memset(&sig->files[sig->n], 0, sizeof(sig->files[sig->n]));
	sig->files[sig->n].path = strdup(path);
	if (!sig->files[sig->n].path)
		return -ENOMEM;
	/* the coarse clock before the stat: a file changed in its tick or later is racy */
	clock_gettime(CLOCK_REALTIME_COARSE, &before);
	f = &sig->files[sig->n];
	file_stat(f);
	if (!f->err) {
		f->hashed = file_hash(path, f->sha256);
		if (!time_before(&f->mtim, &before) || !time_before(&f->ctim, &before)) {
			sig->stamp = *time_max(&sig->stamp, time_max(&f->mtim, &f->ctim));
			sig->stamp = *time_max(&sig->stamp, &before);
			atomic_store_explicit(&sig->racy, true, memory_order_relaxed);
		}
	}
	sig->n++;
	return 0;
}

static void auth_box_put(struct ws_auth_box *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
		web_auth__free(b->auth);
		free(b);
	}
}

static void rate_box_put(struct ws_rate_box *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
		web_rate_limit__free(b->rate);
		free(b);
	}
}

static void snap_free(struct ws_snap *snap)
{
	if (!snap)
		return;
	web_tls__unref(snap->pub.tls);
	auth_box_put(snap->auth);
	rate_box_put(snap->rate);
	web_config__free(snap->cfg);
	sig_free(&snap->sig);
	free(snap);
}

void web_snapshot__put(const struct web_snapshot *pub)
{
	struct ws_snap *snap = (struct ws_snap *)pub;

	if (snap && atomic_fetch_sub_explicit(&snap->refs, 1, memory_order_acq_rel) == 1)
		snap_free(snap);
}

static struct ws_snap *snap_get(struct ws_snap *snap)
{
	atomic_fetch_add_explicit(&snap->refs, 1, memory_order_relaxed);
	return snap;
}

static bool same_users(const struct web_config *a, const struct web_config *b)
{
	if (a->n_users != b->n_users)
		return false;
	for (size_t i = 0; i < a->n_users; i++)
		if (strcmp(a->users[i].name, b->users[i].name) != 0 ||
		    strcmp(a->users[i].hash, b->users[i].hash) != 0)
			return false;
	return true;
}

/* The users of snap->cfg: prev's when they are the same, else new ones. */
static int build_auth(struct ws_snap *snap, const struct ws_snap *prev, char *err, size_t errlen)
{
	const struct web_config *cfg = snap->cfg;
	struct ws_auth_box *b;
	int e;

	if (!cfg->n_users)
		return 0;
	if (prev && prev->auth && same_users(prev->cfg, cfg)) {
		b = prev->auth;
		atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
	} else {
		b = calloc(1, sizeof(*b));
		if (!b) {
			snprintf(err, errlen, "web config \"%s\": out of memory", cfg->path);
			return -ENOMEM;
		}
		e = web_auth__new(cfg, &b->auth, err, errlen);
		if (e) {
			free(b);
			return e;
		}
		atomic_init(&b->refs, 1);
	}
	snap->auth = b;
	snap->pub.auth = b->auth;
	return 0;
}

/* The rate limiter of snap->cfg: prev's when interval and burst are the same. */
static int build_rate(struct ws_snap *snap, const struct ws_snap *prev, char *err, size_t errlen)
{
	const struct web_config *cfg = snap->cfg;
	struct ws_rate_box *b;
	int e;

	if (cfg->rate_interval_ns <= 0)
		return 0;
	if (prev && prev->rate && prev->rate->interval_ns == cfg->rate_interval_ns &&
	    prev->rate->burst == cfg->rate_burst) {
		b = prev->rate;
		atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
	} else {
		b = calloc(1, sizeof(*b));
		if (!b) {
			snprintf(err, errlen, "web config \"%s\": out of memory", cfg->path);
			return -ENOMEM;
		}
		e = web_rate_limit__new(cfg->rate_interval_ns, cfg->rate_burst, &b->rate);
		if (e) {
			snprintf(err, errlen, "web config \"%s\": rate_limit: %s", cfg->path,
				 strerror(-e));
			free(b);
			return e;
		}
		b->interval_ns = cfg->rate_interval_ns;
		b->burst = cfg->rate_burst;
		atomic_init(&b->refs, 1);
	}
	snap->rate = b;
	snap->pub.rate = b->rate;
	return 0;
}

static int oom(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "web config \"%s\": out of memory", path);
	return -ENOMEM;
}

/*
 * Loads path into a new snapshot. Every file is stat'ed into *sig before it is read, so that a
 * change made while loading is seen by the next check. prev (NULL at start) lends its users
 * and rate limiter when they did not change; tls_required is the TLS state at start (ignored
 * without prev). Returns 0 and *out, or a negative errno with err; *sig is filled either way
 * (the caller frees it on failure).
 */
static int load(const char *path, const struct ws_snap *prev, bool tls_required,
		struct ws_snap **out, struct ws_sig *sig, char *err, size_t errlen)
{
	const char *const *names;
	struct web_config *cfg = NULL;
	struct ws_snap *snap;
	size_t n = 0;
	int e;

	*out = NULL;
	memset(sig, 0, sizeof(*sig));
	if (sig_add(sig, path))
		return oom(path, err, errlen);
	e = web_config__load(path, &cfg, err, errlen);
	if (e)
		return e;
	if ((cfg->cert_file && sig_add(sig, cfg->cert_file)) ||
	    (cfg->key_file && sig_add(sig, cfg->key_file)) ||
	    (cfg->client_ca_file && sig_add(sig, cfg->client_ca_file))) {
		web_config__free(cfg);
		return oom(path, err, errlen);
	}
	if (prev && cfg->tls_enabled != tls_required) {
		snprintf(err, errlen,
			 "web config \"%s\": tls_server_config: TLS cannot be turned %s while the "
			 "exporter runs (it was %s at start); restart the exporter to change it",
			 path, cfg->tls_enabled ? "on" : "off", tls_required ? "on" : "off");
		web_config__free(cfg);
		return -EINVAL;
	}
	snap = calloc(1, sizeof(*snap));
	if (!snap) {
		web_config__free(cfg);
		return oom(path, err, errlen);
	}
	atomic_init(&snap->refs, 1);
	snap->cfg = cfg;
	snap->pub.cfg = cfg;
	if (cfg->tls_enabled) {
		e = web_tls__new(cfg, &snap->pub.tls, err, errlen);
		if (e)
			goto fail;
		/* the files the TLS state names, should it name more than the config does */
		names = web_tls__files(snap->pub.tls, &n);
		for (size_t i = 0; i < n; i++) {
			if (names[i] && sig_add(sig, names[i])) {
				e = oom(path, err, errlen);
				goto fail;
			}
		}
	}
	e = build_auth(snap, prev, err, errlen);
	if (!e)
		e = build_rate(snap, prev, err, errlen);
	if (e)
		goto fail;
	*out = snap;
	return 0;
fail:
	snap_free(snap);
	return e;
}

/* Hands from's files over to to. */
static void sig_move(struct ws_sig *to, struct ws_sig *from)
{
	*to = *from;
	memset(from, 0, sizeof(*from));
}

int web_settings__new(const char *path, struct web_settings **out, char *err, size_t errlen)
{
	pthread_rwlockattr_t attr;
	struct web_settings *s;
	struct ws_sig sig;
	int e;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (path && *path) {
		s->path = strdup(path);
		if (!s->path) {
			free(s);
			return oom(path, err, errlen);
		}
		e = load(path, NULL, false, &s->cur, &sig, err, errlen);
		if (e) {
			sig_free(&sig);
			free(s->path);
			free(s);
			return e;
		}
		sig_move(&s->cur->sig, &sig);
		s->tls = s->cur->pub.tls != NULL;
	} else {
		s->cur = calloc(1, sizeof(*s->cur));
		if (!s->cur) {
			free(s);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		atomic_init(&s->cur->refs, 1);
	}
	s->seen = &s->cur->sig;
	/* a load waits for the readers of the moment only, not for a stream of them */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	e = pthread_rwlock_init(&s->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (e) {
		snap_free(s->cur);
		free(s->path);
		free(s);
		snprintf(err, errlen, "cannot create a lock: %s", strerror(e));
		return -e;
	}
	pthread_mutex_init(&s->reload, NULL);
	atomic_init(&s->reloads, 0);
	atomic_init(&s->errors, 0);
	*out = s;
	return 0;
}

void web_settings__free(struct web_settings *s)
{
	if (!s)
		return;
	web_snapshot__put(&s->cur->pub);
	sig_free(&s->bad);
	pthread_rwlock_destroy(&s->rw);
	pthread_mutex_destroy(&s->reload);
	free(s->path);
	free(s);
}

bool web_settings__tls_enabled(const struct web_settings *s)
{
	return s->tls;
}

unsigned long web_settings__reloads(const struct web_settings *s)
{
	return atomic_load(&s->reloads);
}

unsigned long web_settings__reload_errors(const struct web_settings *s)
{
	return atomic_load(&s->errors);
}

/* With s->reload held: loads the file again, and makes the result current or logs it. */
static void reload(struct web_settings *s)
{
	struct ws_snap *snap = NULL, *old = NULL;
	struct ws_sig sig;
	char err[2048];
	int e;

	/* cur changes only under s->reload, which this thread holds: it may be read freely */
	e = load(s->path, s->cur, s->tls, &snap, &sig, err, sizeof(err));
	pthread_rwlock_wrlock(&s->rw);
	if (!e) {
		sig_move(&snap->sig, &sig);
		old = s->cur;
		s->cur = snap;
		s->seen = &snap->sig;
		sig_free(&s->bad);
	} else if (sig.n) {
		sig_free(&s->bad);
		sig_move(&s->bad, &sig);
		s->seen = &s->bad;
	}
	/* else out of memory before the file was even stat'ed: tried again next time */
	pthread_rwlock_unlock(&s->rw);
	if (!e) {
		atomic_fetch_add(&s->reloads, 1);
		log_msg("Reloaded the web config \"%s\"", s->path);
		web_snapshot__put(&old->pub);
	} else {
		atomic_fetch_add(&s->errors, 1);
		log_msg("Error reloading the web config, the previous settings stay: %s", err);
	}
}

const struct web_snapshot *web_settings__current(struct web_settings *s)
{
	struct ws_snap *snap;
	bool changed;

	if (!s->path)
		return &snap_get(s->cur)->pub;
	pthread_rwlock_rdlock(&s->rw);
	changed = sig_changed(s->seen);
	snap = snap_get(s->cur);
	pthread_rwlock_unlock(&s->rw);
	if (!changed)
		return &snap->pub;

	pthread_mutex_lock(&s->reload);
	/* another thread may have loaded it meanwhile; seen changes only under s->reload */
	if (sig_changed(s->seen))
		reload(s);
	pthread_mutex_unlock(&s->reload);
	web_snapshot__put(&snap->pub);
	pthread_rwlock_rdlock(&s->rw);
	snap = snap_get(s->cur);
	pthread_rwlock_unlock(&s->rw);
	return &snap->pub;
}
