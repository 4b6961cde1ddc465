// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_SCRAPE_GENERATION_H
#define EBPF_EXPORTER_SCRAPE_GENERATION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "expo/expo.h"
#include "util/buf.h"

struct bpf_object;
struct decoder_env;
struct lc_span;
struct lifecycle;
struct module;
struct perf_counters;
struct tracing;

/*
 * A generation: the running set of configs as one object. Per config a unit (the parsed
 * config, its loaded and attached module, its cgroup_id_map, the SHA-256 of its YAML and
 * .bpf.o, when it was loaded), and over all configs the perf_event_array counter set and the
 * tracing.
 *
 * A reload builds the next generation beside the running one: a config whose YAML and .bpf.o
 * hash the same as the running unit of that name is that unit, shared by reference (same
 * programs, same maps, its perf counters shared too, see perf_counters.h); any other config is
 * parsed, loaded and attached anew. Dropping the previous generation then drops the units
 * only it held: their programs are detached and their objects closed.
 *
 * Building and freeing happen on one thread (the main thread); scrapes read the generation
 * the collector holds under the collector's lock, and may read the getters below there.
 */
struct gen_unit;

struct generation {
	struct gen_unit **units;
	size_t n;
	/* per unit, in --config.names order: what the other modules take as arrays */
	struct config **cfgs;
	struct module **mods; /* NULL until generation__attach() loaded the unit */
	struct bpf_object **objs;
	struct perf_counters *perf; /* generation__finish() */
	struct tracing *tracing; /* generation__finish(); NULL without spans and OTLP */
	bool *reused; /* per unit: shared with the previous generation */
	size_t n_reused;
};

struct generation_opts {
	const char *config_dir;
	const char *config_names; /* --config.names: comma-separated names or glob patterns */
	const char *btf_path;
	struct decoder_env *env;
	struct lifecycle *lc; /* may be NULL */
	struct lc_span *parent; /* parent span of attach_configs */
};

/*
 * Splits --config.names on ',' and expands the items holding a glob character (`*`, `?`,
 * `[`) against the NAME.yaml files of dir (fnmatch(3) on NAME, sorted by name; a name a
 * pattern or an earlier item already gave is not repeated). A plain item is kept as written.
 * Returns 0 with a NULL-terminated array (free with generation_names_free()) and its count, or
 * a negative errno with a message: `pattern "x*" matches no NAME.yaml file in config dir
 * "/d"`, `pattern "x*": reading config dir "/d": no such file or directory`.
 */
int generation_resolve_names(const char *dir, const char *names, char ***out, size_t *n, char *err,
			     size_t errlen);
void generation_names_free(char **names);

/* True when s holds a glob character. */
bool generation_is_pattern(const char *s);

/*
 * First step of a generation: resolves the names, parses every config and hashes its files;
 * a config whose YAML and .bpf.o hash as prev's unit of the same name (prev may be NULL) takes
 * that unit. Returns 0 and *out, or a negative errno with err (*out NULL): the message of
 * generation_resolve_names() or config_load(), a file that cannot be read, or -EEXIST with
 * `multiple configs with name "x"` (a plain name given twice).
 */
int generation__parse(const struct generation_opts *o, const struct generation *prev,
		      struct generation **out, char *err, size_t errlen);

/*
 * Second step: opens, loads, attaches and validates every unit not taken from the previous
 * generation, and starts its cgroup_id_map, in order, recording attach_configs and its
 * attach_config spans. Attach failures are logged and kept in the programs (see
 * module__attach()). Returns 0, or the first error with its message.
 */
int generation__attach(struct generation *g, const struct generation_opts *o, char *err,
		       size_t errlen);

/*
 * Last step: the perf_event_array counter set (sharing prev's counters of shared units) and
 * the tracing (counting on in prev's tracing counters). Starts no thread. Returns 0, or a negative errno with the whole log line.
 */
int generation__finish(struct generation *g, const struct generation *prev, struct decoder_env *env,
		       char *err, size_t errlen);

/* True when g has the same units as prev, in the same order (a reload that changes nothing). */
bool generation__same(const struct generation *g, const struct generation *prev);

/* Programs of every unit; the ones that failed to attach appended to missed (may be NULL). */
int generation__count_programs(const struct generation *g, struct buf *missed);

/*
 * Drops the generation: the tracing and the perf counter set are freed, each unit loses a
 * reference, and a unit no generation holds any more is detached (close_module span under
 * parent), closed and freed. NULL-tolerant.
 */
void generation__free(struct generation *g, struct lifecycle *lc, struct lc_span *parent);

/* Whether unit i of g is shared with the generation it was built after. */
bool generation__unit_reused(const struct generation *g, size_t i);

/* When unit i was loaded, in Unix ns (unchanged across reloads that keep it). */
int64_t generation__unit_loaded_at(const struct generation *g, size_t i);

/* The SHA-256 of unit i's YAML and .bpf.o, as read when it was loaded. */
const uint8_t *generation__unit_yaml_sha256(const struct generation *g, size_t i);
const uint8_t *generation__unit_obj_sha256(const struct generation *g, size_t i);

/*
 * The outcome of the reloads, for ebpf_exporter_config_* and the status page. Written by the
 * reloading thread, read by scrapes; its own lock.
 */
struct reload_status {
	pthread_mutex_t lock;
	bool ok; /* the last reload (or the start) succeeded */
	int64_t last_unix_ns; /* the last reload, 0 before the first one */
	int64_t success_unix_ns; /* the last successful reload, or the start */
	double last_seconds; /* how long the last reload took */
	uint64_t successes, failures;
	char error[2048]; /* the last reload's error, "" when it succeeded */
};

/* Initializes rs at start-up: successful, now. */
void reload_status_init(struct reload_status *rs);
void reload_status_destroy(struct reload_status *rs);

/* Records one reload's outcome (err NULL or "" on success) and its duration. */
void reload_status_record(struct reload_status *rs, const char *err, double seconds);

/* A copy of the status, for readers outside the scrape (the status page). */
void reload_status_get(struct reload_status *rs, struct reload_status *copy);

/* The three reload families and the storage they point into. */
#define RELOAD_FAMILIES 3
struct reload_families {
	struct family fams[RELOAD_FAMILIES];
	struct sample samples[4];
	const char *values[2];
};

/*
 * Fills rf with ebpf_exporter_config_last_reload_successful,
 * ebpf_exporter_config_last_reload_success_timestamp_seconds and
 * ebpf_exporter_config_reloads_total{result="failure"|"success"}. Returns RELOAD_FAMILIES,
 * or 0 when rs is NULL.
 */
size_t reload_status_families(struct reload_status *rs, struct reload_families *rf);

#endif
