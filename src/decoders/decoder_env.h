// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_H
#define EBPF_EXPORTER_DECODERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/cgroup_monitor.h"
#include "sources/kallsyms.h"
#include "decoders/decoder.h"

/*
 * The decoder registry and the state all decoders share (one decoder set per
 * process, every decode serialized by one mutex): the kallsyms index, the cgroup monitor,
 * /proc/partitions, interface names, the PCI and syscall name tables, and the bookkeeping of
 * labels.c's decoded-label cache.
 *
 * Sources that can change carry a generation number that moves when their content
 * changes; labels.c stores it with every cached result and decodes again when it moved.
 */

struct ifaces;
struct pcidb;
struct syscall_names;
struct partitions;

struct decoder_env_opts {
	const char *kallsyms_path; /* NULL: /proc/kallsyms */
	/*
	 * Minimum time between two re-reads of kallsyms or /proc/partitions caused by lookup
	 * misses. 0: the default, 1000 ms; negative: re-read on every miss (tests).
	 */
	long kallsyms_reload_ms;
	/*
	 * How often kallsyms and /proc/partitions are re-read to notice changes that no miss
	 * reveals (a module or BPF program replaced at the same address, a disk renamed), while
	 * decoders that use them run. 0: the default (kallsyms 60 s, partitions 1 s); negative:
	 * never.
	 */
	long kallsyms_refresh_ms;
	long partitions_refresh_ms;
	const char *partitions_path; /* NULL: /proc/partitions */
	/* pci.ids to read; NULL: libpci's default (the system's pci.ids). */
	const char *pci_ids_path;
	/* No cgroup monitor (cgroup decoders then give unknown_cgroup_id:N). */
	bool no_cgroups;
	/*
	 * Options of the cgroup monitor; NULL: defaults (see cgroup.h), with the grace period and
	 * GC interval taken from EBPF_EXPORTER_CGROUP_GRACE_MS and
	 * EBPF_EXPORTER_CGROUP_GC_INTERVAL_MS when set.
	 */
	const struct cgroup_monitor_opts *cgroup_opts;
	/*
	 * Decoded-label cache budget in bytes (keys, values and bookkeeping of all label sets).
	 * 0: EBPF_EXPORTER_LABEL_CACHE_BYTES from the environment (0 there: no cache), else
	 * DECODER_CACHE_DEFAULT_BYTES; negative: no cache (every key is decoded on every scrape).
	 */
	long long cache_bytes;
	/* --config.skip-cache-size: skipped keys remembered (LRU); <= 0: none. */
	long long skip_cache_size;
	/*
	 * Cache label sets whose decoders are all cheap (decoder.cheap) too; by default they
	 * are decoded every time, which costs no more than a cache hit (tests of the cache).
	 */
	bool cache_cheap;
};

#define DECODER_CACHE_DEFAULT_BYTES (32ll << 20)

/* Sources whose content can change; a decoder lists those it reads in decoder.sources. */
enum decoder_source {
	DECODER_SRC_KALLSYMS = 1u << 0,
	DECODER_SRC_CGROUPS = 1u << 1,
	DECODER_SRC_IFACES = 1u << 2,
	DECODER_SRC_PARTITIONS = 1u << 3,
};
#define DECODER_N_SOURCES 4

/* An intrusive doubly-linked list node (circular; a head is a node pointing at itself). */
struct lru_node {
	struct lru_node *prev, *next;
};

/* Bookkeeping of labels.c's decoded-label cache, shared by every label set (under lock). */
struct decoder_cache_state {
	size_t max_bytes; /* 0: caching off */
	size_t bytes; /* result entries in use, with their share of the hash tables */
	size_t skip_max; /* skip entries allowed; 0: skips are not cached */
	size_t skips;
	bool cache_cheap; /* decoder_env_opts.cache_cheap */
	struct lru_node results; /* most recently used first */
	struct lru_node skipped;
	uint64_t hits, misses, evictions;
};

struct decoder_env {
	/* Held around every decode (label_set__decode() takes it). */
	pthread_mutex_t lock;
	char *kallsyms_path;
	struct kallsyms *kallsyms; /* replaced on reload; read it under lock */
	int64_t kallsyms_reload_ns;
	int64_t kallsyms_refresh_ns; /* < 0: never */
	uint64_t kallsyms_attempt_ns; /* last (re)load attempt, CLOCK_MONOTONIC */
	uint64_t kallsyms_reloads; /* successful re-reads after misses */
	bool kallsyms_failing; /* last re-read failed (logged once) */
	uint64_t kallsyms_users; /* label sets with a kallsyms decoder: periodic refresh on */

	char *partitions_path;
	struct partitions *partitions; /* NULL until a majorminor decode needs it */
	uint64_t partitions_attempt_ns;
	int64_t partitions_refresh_ns; /* < 0: never */
	bool partitions_failing;

	struct ifaces *ifaces; /* NULL until an ifname decoder is set up */
	struct pcidb *pcidb; /* NULL until a pci_* decoder is set up */
	struct syscall_names *syscalls; /* NULL until a syscall decoder is set up */
	char *pci_ids_path;

	struct cgroup_monitor *cgroups; /* NULL when there is no cgroup v2 mount */

	/* Generation of each source, moved when its content changed (cgroups: see monitor). */
	uint64_t gen[DECODER_N_SOURCES];
	uint64_t poll_ns; /* last decoder_env__poll(), CLOCK_MONOTONIC */
	/* Set by a decoder during a decode whose result must not be cached (a lookup miss). */
	bool no_cache;

	struct decoder_cache_state cache;

	/* Error log rate limit: last log time per (config, decoder), see labels.h. */
	struct decoder_err_log *err_logs;
	size_t n_err_logs;
};

/*
 * Creates the shared state, reading kallsyms now (upstream reads it when the decoder set is
 * created; failure is fatal) and starting the cgroup monitor (needs CAP_SYS_ADMIN for
 * fanotify, else it walks on demand; without a cgroup v2 mount it logs and goes without).
 * Returns 0 and *out (free with decoder_env__free()), or a negative errno with a message in
 * err, e.g. `error creating ksym decoder: error opening kallsyms at "/x": open /x: no such file
 * or directory`. opts may be NULL.
 */
int decoder_env__new(const struct decoder_env_opts *opts, struct decoder_env **out, char *err,
		     size_t errlen);

/* NULL-tolerant. No decode may be running, and every label set must be freed already. */
void decoder_env__free(struct decoder_env *env);

void decoder_env__lock(struct decoder_env *env);
void decoder_env__unlock(struct decoder_env *env);

/*
 * Re-reads kallsyms now, regardless of the once-per-second rule: call it once our BPF programs
 * are loaded, so that their `bpf_prog_<tag>_<name>` symbols are known. Takes the
 * lock. On failure the previous index stays in use; returns a negative errno with a message.
 */
int decoder_env__refresh_kallsyms(struct decoder_env *env, char *err, size_t errlen);

/*
 * For decoders, with the lock held: a lookup in env->kallsyms missed. Re-reads kallsyms unless
 * the last attempt was less than kallsyms_reload_ms ago; returns true when the index was
 * replaced (the caller retries the lookup). A failed re-read is logged once and keeps the old
 * index.
 */
bool decoder_env__kallsyms_miss(struct decoder_env *env);

/*
 * For the majorminor decoder, with the lock held: the name of major:minor in /proc/partitions.
 * Reads the file on first use; on a miss re-reads it at most once per kallsyms_reload_ms.
 * Returns 0 with *name (borrowed, valid until the lock is released; NULL when unknown), or a
 * negative errno with a message when the file could not be read at all (`open
 * /proc/partitions: permission denied`).
 */
int decoder_env__partition(struct decoder_env *env, uint32_t major, uint32_t minor,
			   const char **name, char *err, size_t errlen);

/*
 * Lazily set up the shared tables of the ifname, pci_* and syscall decoders, from their init
 * (takes the lock). Return 0 or a negative errno with a message.
 */
int decoder_env__use_ifaces(struct decoder_env *env, char *err, size_t errlen);
int decoder_env__use_pcidb(struct decoder_env *env, char *err, size_t errlen);
int decoder_env__use_syscalls(struct decoder_env *env, char *err, size_t errlen);

/* With the lock held: the result of the running decode must not be cached (a miss). */
void decoder_env__no_cache(struct decoder_env *env);

/*
 * With the lock held: a number that moves whenever one of the sources (DECODER_SRC_* bits)
 * changed. Results decoded under one value stay valid while it does not move.
 */
uint64_t decoder_env__generation(struct decoder_env *env, unsigned int sources);

/*
 * With the lock held: checks the changeable sources for news, at most once per 100 ms
 * (interface change notifications, periodic re-reads of kallsyms and /proc/partitions).
 * Cheap when it is too early. labels.c calls it before each decode.
 */
void decoder_env__poll(struct decoder_env *env);

/*
 * With the lock held: counts a label set using sources (DECODER_SRC_* bits), so that periodic
 * refreshes only run for sources in use; delta is +1 or -1.
 */
void decoder_env__track_sources(struct decoder_env *env, unsigned int sources, int delta);

/*
 * With the lock held: true when an error of decoder dec (NULL for errors outside a decoder,
 * such as a key size mismatch) for config was not logged in the last minute; records now as
 * the last log time when it returns true. A failed allocation answers true.
 */
bool decoder_env__error_log_due(struct decoder_env *env, const char *config, const char *dec);

/* The decoder called name, or NULL when it is unknown. */
const struct decoder *decoder_find(const char *name);

/* True for each of the 18 decoder names. */
bool decoder_name_known(const char *name);

/* Every decoder; keep decoders.c's table in sync. */
extern const struct decoder decoder_cgroup;
extern const struct decoder decoder_dname;
extern const struct decoder decoder_errno;
extern const struct decoder decoder_hex;
extern const struct decoder decoder_ifname;
extern const struct decoder decoder_inet_ip;
extern const struct decoder decoder_kstack;
extern const struct decoder decoder_ksym;
extern const struct decoder decoder_majorminor;
extern const struct decoder decoder_pci_class;
extern const struct decoder decoder_pci_device;
extern const struct decoder decoder_pci_subclass;
extern const struct decoder decoder_pci_vendor;
extern const struct decoder decoder_regexp;
extern const struct decoder decoder_static_map;
extern const struct decoder decoder_string;
extern const struct decoder decoder_syscall;
extern const struct decoder decoder_uint;

#endif
