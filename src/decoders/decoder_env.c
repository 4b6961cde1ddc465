// SPDX-License-Identifier: MIT
#include "decoders/decoder_env.h"
#include "decoders/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/errno_text.h"
#include "util/log.h"
#include "sources/ifaces.h"
#include "sources/partitions.h"
#include "sources/pcidb.h"
#include "sources/syscall_names.h"

#define DEFAULT_KALLSYMS "/proc/kallsyms"
#define DEFAULT_PARTITIONS "/proc/partitions"
#define DEFAULT_RELOAD_MS 1000
#define DEFAULT_KALLSYMS_REFRESH_MS 60000
#define DEFAULT_PARTITIONS_REFRESH_MS 1000
#define POLL_INTERVAL_NS 100000000ull
#define ERROR_LOG_INTERVAL_NS 60000000000ull
#define NS_PER_MS 1000000ll

/* Every decoder, by name. */
static const struct decoder *const decoders[] = {
	&decoder_cgroup,     &decoder_dname,	 &decoder_errno,      &decoder_hex,
	&decoder_ifname,     &decoder_inet_ip,	 &decoder_kstack,     &decoder_ksym,
	&decoder_majorminor, &decoder_pci_class, &decoder_pci_device, &decoder_pci_subclass,
	&decoder_pci_vendor, &decoder_regexp,	 &decoder_static_map, &decoder_string,
	&decoder_syscall,    &decoder_uint,
};

_Static_assert(sizeof(decoders) / sizeof(decoders[0]) == 18, "18 decoders, as the README lists");

struct decoder_err_log {
	char *config;
	const char *dec; /* a decoder's static name, or NULL */
	uint64_t last_ns;
};

const struct decoder *decoder_find(const char *name)
{
	for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
		if (strcmp(decoders[i]->name, name) == 0)
			return decoders[i];
	}
	return NULL;
}

bool decoder_name_known(const char *name)
{
	return decoder_find(name) != NULL;
}

/* 0 → def, negative → -1 (never / every time, as documented per option), else ns. */
static int64_t opt_ns(long ms, long def)
{
	if (ms == 0)
		ms = def;
	return ms < 0 ? -1 : (int64_t)ms * NS_PER_MS;
}

static int dup_opt(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

/*
 * A duration in ms from the environment; 0 when unset. Malformed values are logged and
 * ignored.
 */
static long env_ms(const char *name)
{
	const char *v = getenv(name);
	char *end;
	long ms;

	if (!v || !*v)
		return 0;
	errno = 0;
	ms = strtol(v, &end, 10);
	if (errno || *end || ms <= 0) {
		log_msg("decoders: ignoring %s=\"%s\": not a positive number of milliseconds", name,
			v);
		return 0;
	}
	return ms;
}

/* The decoded-label cache budget: EBPF_EXPORTER_LABEL_CACHE_BYTES (0: off), or the default. */
static long long env_cache_bytes(void)
{
	const char *v = getenv("EBPF_EXPORTER_LABEL_CACHE_BYTES");
	long long n;
	char *end;

	if (!v || !*v)
		return DECODER_CACHE_DEFAULT_BYTES;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < 0) {
		log_msg("decoders: ignoring EBPF_EXPORTER_LABEL_CACHE_BYTES=\"%s\": not a number of "
			"bytes",
			v);
		return DECODER_CACHE_DEFAULT_BYTES;
	}
	return n ? n : -1;
}

static void start_cgroups(struct decoder_env *env, const struct decoder_env_opts *opts)
{
	struct cgroup_monitor_opts from_env = { 0 };
	const struct cgroup_monitor_opts *copts = opts ? opts->cgroup_opts : NULL;
	char msg[512];
	int ret;

	if (opts && opts->no_cgroups)
		return;
	if (!copts) {
		/* Tuning without flags (upstream has none): tests shorten the grace period. */
		from_env.grace_ms = env_ms("EBPF_EXPORTER_CGROUP_GRACE_MS");
		from_env.gc_interval_ms = env_ms("EBPF_EXPORTER_CGROUP_GC_INTERVAL_MS");
		copts = &from_env;
	}
	ret = cgroup_monitor__new(copts, &env->cgroups, msg, sizeof(msg));
	if (ret) {
		env->cgroups = NULL;
		log_msg("decoders: cgroup decoder disabled, ids stay unknown: %s", msg);
	}
}

int decoder_env__new(const struct decoder_env_opts *opts, struct decoder_env **out, char *err,
		     size_t errlen)
{
	const char *path = opts && opts->kallsyms_path ? opts->kallsyms_path : DEFAULT_KALLSYMS;
	long long cache_bytes = opts ? opts->cache_bytes : 0;
	long long skips = opts ? opts->skip_cache_size : 0;
	struct decoder_env *env;
	char msg[512];
	int ret;

	env = calloc(1, sizeof(*env));
	if (!env) {
		snprintf(err, errlen, "error creating decoders: out of memory");
		return -ENOMEM;
	}
	ret = pthread_mutex_init(&env->lock, NULL);
	if (ret) {
		free(env);
		char et[128];

		snprintf(err, errlen, "error creating decoders: %s",
			 errno_text(ret, et, sizeof(et)));
		return -ret;
	}
	if (cache_bytes == 0)
		cache_bytes = env_cache_bytes();
	env->budget.max_bytes = cache_bytes < 0 ? 0 : (size_t)cache_bytes;
	env->budget.skip_max = skips <= 0 ? 0 : (size_t)skips;
	env->budget.cache_cheap = opts && opts->cache_cheap;
	if (dup_opt(&env->kallsyms_path, path) ||
	    dup_opt(&env->partitions_path,
		    opts && opts->partitions_path ? opts->partitions_path : DEFAULT_PARTITIONS) ||
	    dup_opt(&env->pci_ids_path, opts ? opts->pci_ids_path : NULL)) {
		decoder_env__free(env);
		snprintf(err, errlen, "error creating decoders: out of memory");
		return -ENOMEM;
	}
	env->kallsyms_reload_ns = opt_ns(opts ? opts->kallsyms_reload_ms : 0, DEFAULT_RELOAD_MS);
	env->kallsyms_refresh_ns =
		opt_ns(opts ? opts->kallsyms_refresh_ms : 0, DEFAULT_KALLSYMS_REFRESH_MS);
	env->partitions_refresh_ns =
		opt_ns(opts ? opts->partitions_refresh_ms : 0, DEFAULT_PARTITIONS_REFRESH_MS);
	env->kallsyms_attempt_ns = clock_mono_ns();
	ret = kallsyms__load(path, &env->kallsyms, msg, sizeof(msg));
	if (ret) {
		decoder_env__free(env);
		snprintf(err, errlen, "error creating ksym decoder: %s", msg);
		return ret;
	}
	start_cgroups(env, opts);
	*out = env;
	return 0;
}

void decoder_env__free(struct decoder_env *env)
{
	if (!env)
		return;
	if (env->attachment_free)
		env->attachment_free(env->attachment);
	cgroup_monitor__free(env->cgroups);
	kallsyms__free(env->kallsyms);
	partitions__free(env->partitions);
	ifaces__free(env->ifaces);
	pcidb__free(env->pcidb);
	syscall_names__free(env->syscalls);
	for (size_t i = 0; i < env->n_err_logs; i++)
		free(env->err_logs[i].config);
	free(env->err_logs);
	free(env->kallsyms_path);
	free(env->partitions_path);
	free(env->pci_ids_path);
	pthread_mutex_destroy(&env->lock);
	free(env);
}

void decoder_env__lock(struct decoder_env *env)
{
	pthread_mutex_lock(&env->lock);
}

void decoder_env__unlock(struct decoder_env *env)
{
	pthread_mutex_unlock(&env->lock);
}

static unsigned int src_index(unsigned int bit)
{
	return (unsigned int)__builtin_ctz(bit);
}

static void bump(struct decoder_env *env, unsigned int src)
{
	unsigned int i = src_index(src);

	if (i < DECODER_N_SOURCES)
		env->gen[i]++;
}

/* With the lock held. Replaces the index; a changed content moves the generation. */
static int reload_kallsyms(struct decoder_env *env, char *err, size_t errlen)
{
	struct kallsyms *ks;
	int ret;

	env->kallsyms_attempt_ns = clock_mono_ns();
	ret = kallsyms__load(env->kallsyms_path, &ks, err, errlen);
	if (ret)
		return ret;
	if (!kallsyms__equal(env->kallsyms, ks))
		bump(env, DECODER_SRC_KALLSYMS);
	kallsyms__free(env->kallsyms);
	env->kallsyms = ks;
	return 0;
}

int decoder_env__refresh_kallsyms(struct decoder_env *env, char *err, size_t errlen)
{
	int ret;

	decoder_env__lock(env);
	ret = reload_kallsyms(env, err, errlen);
	if (!ret)
		env->kallsyms_failing = false;
	decoder_env__unlock(env);
	return ret;
}

/* Re-reads kallsyms, logging the first of a series of failures. */
static bool try_reload_kallsyms(struct decoder_env *env)
{
	char msg[512];

	if (reload_kallsyms(env, msg, sizeof(msg))) {
		if (!env->kallsyms_failing)
			log_msg("decoders: re-reading kallsyms failed, keeping the old index: %s",
				msg);
		env->kallsyms_failing = true;
		return false;
	}
	env->kallsyms_failing = false;
	return true;
}

bool decoder_env__kallsyms_miss(struct decoder_env *env)
{
	if (env->kallsyms_reload_ns >= 0 &&
	    clock_mono_ns() - env->kallsyms_attempt_ns < (uint64_t)env->kallsyms_reload_ns)
		return false;
	if (!try_reload_kallsyms(env))
		return false;
	env->kallsyms_reloads++;
	return true;
}

/* With the lock held. Replaces the partitions index; a changed content moves the generation. */
static int reload_partitions(struct decoder_env *env, char *err, size_t errlen)
{
	struct partitions *p;
	int ret;

	env->partitions_attempt_ns = clock_mono_ns();
	ret = partitions__load(env->partitions_path, &p, err, errlen);
	if (ret) {
		if (env->partitions && !env->partitions_failing)
			log_msg("decoders: re-reading %s failed, keeping the old index: %s",
				env->partitions_path, err);
		env->partitions_failing = true;
		return ret;
	}
	env->partitions_failing = false;
	if (env->partitions && !partitions__equal(env->partitions, p))
		bump(env, DECODER_SRC_PARTITIONS);
	partitions__free(env->partitions);
	env->partitions = p;
	return 0;
}

int decoder_env__partition(struct decoder_env *env, uint32_t major, uint32_t minor,
			   const char **name, char *err, size_t errlen)
{
	int ret;

	if (!env->partitions) {
		ret = reload_partitions(env, err, errlen);
		if (ret)
			return ret;
	} else if (!partitions__find(env->partitions, major, minor) &&
		   (env->kallsyms_reload_ns < 0 || clock_mono_ns() - env->partitions_attempt_ns >=
							   (uint64_t)env->kallsyms_reload_ns)) {
		/* A miss: the device may be new. A failure keeps the old index. */
		reload_partitions(env, err, errlen);
		err[0] = '\0';
	}
	*name = partitions__find(env->partitions, major, minor);
	return 0;
}

int decoder_env__use_ifaces(struct decoder_env *env, char *err, size_t errlen)
{
	int ret = 0;

	decoder_env__lock(env);
	if (!env->ifaces)
		ret = ifaces__new(&env->ifaces, err, errlen);
	decoder_env__unlock(env);
	return ret;
}

int decoder_env__use_pcidb(struct decoder_env *env, char *err, size_t errlen)
{
	int ret = 0;

	decoder_env__lock(env);
	if (!env->pcidb)
		ret = pcidb__new(env->pci_ids_path, &env->pcidb, err, errlen);
	decoder_env__unlock(env);
	return ret;
}

int decoder_env__use_syscalls(struct decoder_env *env, char *err, size_t errlen)
{
	int ret = 0;

	decoder_env__lock(env);
	if (!env->syscalls)
		ret = syscall_names__new(&env->syscalls, err, errlen);
	decoder_env__unlock(env);
	return ret;
}

void decoder_env__no_cache(struct decoder_env *env)
{
	env->no_cache = true;
}

bool decoder_env__take_no_cache(struct decoder_env *env)
{
	bool was = env->no_cache;

	env->no_cache = false;
	return was;
}

const struct decoder_cache_budget *decoder_env__cache_budget(const struct decoder_env *env)
{
	return &env->budget;
}

void *decoder_env__attachment(struct decoder_env *env)
{
	return env->attachment;
}

void decoder_env__set_attachment(struct decoder_env *env, void *p, void (*free_fn)(void *))
{
	env->attachment = p;
	env->attachment_free = free_fn;
}

struct kallsyms *decoder_env__kallsyms(struct decoder_env *env)
{
	return env->kallsyms;
}

struct cgroup_monitor *decoder_env__cgroups(struct decoder_env *env)
{
	return env->cgroups;
}

uint64_t decoder_env__generation(struct decoder_env *env, unsigned int sources)
{
	uint64_t g = 0;

	for (unsigned int i = 0; i < DECODER_N_SOURCES; i++) {
		if (sources & (1u << i))
			g += env->gen[i];
	}
	if ((sources & DECODER_SRC_CGROUPS) && env->cgroups)
		g += cgroup_monitor__generation(env->cgroups);
	return g;
}

void decoder_env__track_sources(struct decoder_env *env, unsigned int sources, int delta)
{
	if (sources & DECODER_SRC_KALLSYMS)
		env->kallsyms_users += (uint64_t)(int64_t)delta;
}

void decoder_env__poll(struct decoder_env *env)
{
	uint64_t now = clock_coarse_ns();
	char msg[512];

	if (now - env->poll_ns < POLL_INTERVAL_NS)
		return;
	env->poll_ns = now;
	now = clock_mono_ns();
	if (env->ifaces && ifaces__poll(env->ifaces))
		bump(env, DECODER_SRC_IFACES);
	if (env->partitions && env->partitions_refresh_ns >= 0 &&
	    now - env->partitions_attempt_ns >= (uint64_t)env->partitions_refresh_ns)
		reload_partitions(env, msg, sizeof(msg));
	if (env->kallsyms_users && env->kallsyms_refresh_ns >= 0 &&
	    now - env->kallsyms_attempt_ns >= (uint64_t)env->kallsyms_refresh_ns)
		try_reload_kallsyms(env);
}

static bool same_name(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool decoder_env__error_log_due(struct decoder_env *env, const char *config, const char *dec)
{
	uint64_t now = clock_mono_ns();
	struct decoder_err_log *e = NULL;

	config = config ? config : "";
	for (size_t i = 0; i < env->n_err_logs; i++) {
		if (same_name(env->err_logs[i].dec, dec) &&
		    strcmp(env->err_logs[i].config, config) == 0) {
			e = &env->err_logs[i];
			break;
		}
	}
	if (e) {
		if (now - e->last_ns < ERROR_LOG_INTERVAL_NS)
			return false;
		e->last_ns = now;
		return true;
	}
	if (array_grow((void **)&env->err_logs, &env->err_logs_cap, env->n_err_logs + 1,
		       sizeof(*env->err_logs)))
		return true;
	e = &env->err_logs[env->n_err_logs];
	e->config = strdup(config);
	if (!e->config)
		return true;
	e->dec = dec;
	e->last_ns = now;
	env->n_err_logs++;
	return true;
}
