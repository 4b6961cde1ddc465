// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_H
#define EBPF_EXPORTER_DECODERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../kallsyms.h"
#include "decoder.h"

/*
 * The decoder registry and the state all decoders share (SPEC §5.0: one decoder set per
 * process, every decode serialized by one mutex).
 */

struct decoder_env_opts {
	const char *kallsyms_path; /* NULL: /proc/kallsyms */
	/*
	 * Minimum time between two re-reads of kallsyms caused by lookup misses (SPEC §0).
	 * 0: the default, 1000 ms; negative: re-read on every miss (tests).
	 */
	long kallsyms_reload_ms;
};

struct decoder_env {
	/* Held around every decode (label_set__decode() takes it). */
	pthread_mutex_t lock;
	char *kallsyms_path;
	struct kallsyms *kallsyms; /* replaced on reload; read it under lock */
	int64_t kallsyms_reload_ns;
	uint64_t kallsyms_attempt_ns; /* last (re)load attempt, CLOCK_MONOTONIC */
	uint64_t kallsyms_reloads; /* successful re-reads after misses */
	bool kallsyms_failing; /* last re-read failed (logged once) */
};

/*
 * Creates the shared state, reading kallsyms now (upstream reads it when the decoder set is
 * created; failure is fatal). Returns 0 and *out (free with decoder_env__free()), or a negative
 * errno with a message in err, e.g. `error creating ksym decoder: error opening kallsyms at
 * "/x": open /x: no such file or directory`. opts may be NULL.
 */
int decoder_env__new(const struct decoder_env_opts *opts, struct decoder_env **out, char *err,
		     size_t errlen);

/* NULL-tolerant. No decode may be running. */
void decoder_env__free(struct decoder_env *env);

void decoder_env__lock(struct decoder_env *env);
void decoder_env__unlock(struct decoder_env *env);

/*
 * Re-reads kallsyms now, regardless of the once-per-second rule: call it once our BPF programs
 * are loaded, so that their `bpf_prog_<tag>_<name>` symbols are known (SPEC §0). Takes the
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

/* The decoder called name, or NULL when it is unknown or not implemented yet. */
const struct decoder *decoder_find(const char *name);

/* True for each of the 18 decoder names of SPEC §2.2, implemented or not. */
bool decoder_name_known(const char *name);

/* Every implemented decoder; keep decoders.c's table in sync. */
extern const struct decoder decoder_hex;
extern const struct decoder decoder_ksym;
extern const struct decoder decoder_regexp;
extern const struct decoder decoder_static_map;
extern const struct decoder decoder_string;
extern const struct decoder decoder_uint;

#endif
