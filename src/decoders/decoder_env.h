// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_H
#define EBPF_EXPORTER_DECODERS_H

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
 * label sets' decoded-label cache (kept here as an opaque attachment, see
 * decoder_env__set_attachment()).
 *
 * Sources that can change carry a generation number that moves when their content
 * changes; the label cache stores it with every cached result and decodes again when it moved.
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
	 * Options of the cgroup monitor; NULL: defaults (see sources/cgroup_monitor.h), with the grace period and
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
_Static_assert(DECODER_SRC_PARTITIONS == 1u << (DECODER_N_SOURCES - 1),
	       "one generation per source bit");

/*
 * The decoder environment, opaque outside decoders/: decoders reach its tables through
 * decoders/internal.h, everyone else through the functions below.
 */
struct decoder_env;

/* The decoded-label cache's budget as configured (decoder_env_opts, environment, defaults). */
struct decoder_cache_budget {
	size_t max_bytes; /* results; 0: caching off */
	size_t skip_max; /* skipped keys; 0: skips are not cached */
	bool cache_cheap; /* decoder_env_opts.cache_cheap */
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
 * For decoders, with the lock held: a lookup in the kallsyms index missed. Re-reads kallsyms unless
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
 * With the lock held: whether decoder_env__no_cache() was called since the last call, and
 * clears it. The label cache calls it around each decode.
 */
bool decoder_env__take_no_cache(struct decoder_env *env);

/* The cache budget env was created with. */
const struct decoder_cache_budget *decoder_env__cache_budget(const struct decoder_env *env);

/*
 * One attachment slot for state shared by every user of env under its lock (the label
 * cache's LRU lists and counters): set once, freed with free_fn by decoder_env__free().
 * decoder_env__attachment() returns NULL until it is set.
 */
void *decoder_env__attachment(struct decoder_env *env);
void decoder_env__set_attachment(struct decoder_env *env, void *p, void (*free_fn)(void *));

/*
 * The kallsyms index as last read (replaced by reloads: use it before decoders run, or under
 * the lock), and the cgroup monitor (NULL without a cgroup v2 mount or with no_cgroups).
 */
struct kallsyms *decoder_env__kallsyms(struct decoder_env *env);
struct cgroup_monitor *decoder_env__cgroups(struct decoder_env *env);

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

/* Every decoder; keep decoder_env.c's table in sync. */
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
