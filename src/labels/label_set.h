// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_LABELS_H
#define EBPF_EXPORTER_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "decoders/decoder_env.h"
#include "util/buf.h"

/*
 * A compiled label list: raw key bytes → one string per label, through each
 * label's decoder chain. The decoders' state lives here; what is shared across label sets
 * (kallsyms, the lock) lives in the decoder_env.
 */
struct label_set;

/*
 * Compiles labels[0..n) against env: resolves every decoder name and runs each decoder's init
 * (regexps compiled, static maps indexed). Everything needed is copied, so labels may be freed
 * afterwards; env must outlive the set. Returns 0 and *out (free with label_set__free()), or a
 * negative errno with a message naming the label, e.g. `label "comm": unknown decoder "foo"`,
 * `label "comm": decoder "regexp": error compiling regexp "(": missing closing parenthesis`.
 * Zero sizes and empty decoder lists are accepted here and reported by decode, as upstream does;
 * label_set__check() reports them at startup.
 */
int label_set__new(const struct label_conf *labels, size_t n, struct decoder_env *env,
		   struct label_set **out, char *err, size_t errlen);

/*
 * label_set__new() followed by label_set__check(): what every metric and span does, so that
 * a label of size 0 or without decoders fails at startup. On failure *out is NULL.
 */
int label_set__new_checked(const struct label_conf *labels, size_t n, struct decoder_env *env,
			   struct label_set **out, char *err, size_t errlen);

/* NULL-tolerant. */
void label_set__free(struct label_set *ls);

/* Number of labels. */
size_t label_set__count(const struct label_set *ls);

/* Name of label i (i < count), borrowed from ls. */
const char *label_set__name(const struct label_set *ls, size_t i);

/* Σ(size + padding): the key size the labels expect; UINT64_MAX when the sum overflows. */
uint64_t label_set__key_size(const struct label_set *ls);

/*
 * Returns 0, or -EINVAL with the error a decode would report for a label of size 0 (`error
 * decoding label "x": size is zero or not set`) or without decoders (`error decoding label
 * "x": no decoders set`), so that such configs can fail at startup.
 */
int label_set__check(const struct label_set *ls, char *err, size_t errlen);

/*
 * Decodes a map key under env's lock; safe to call from several threads at once.
 *
 * Results are cached: a key seen before is answered from the decoded-label cache,
 * keyed by the whole raw key, without running the decoders and without allocating (given room
 * in out). Entries whose decoders read a changeable source (kallsyms, cgroups, interfaces,
 * partitions) are decoded again once that source changed; lookups that missed (`unknown...`)
 * and errors are never cached; skips are cached when the skip cache is on. The cache is
 * bounded (decoder_env_opts.cache_bytes, least recently used entries evicted).
 *
 * On success returns 0, appends each value to out followed by a NUL, and points values[i]
 * (n entries) at them; the pointers stay valid until out is next changed. Returns DECODER_SKIP
 * when a decoder (regexp) drops the whole label set, or a negative errno with a message in err
 * (make errlen >= 1024: messages quote the key), e.g. `error decoding labels: total size of key
 * []byte{0x8, 0x0} is 2 bytes, but we have labels to decode 4`, `error decoding with decoder
 * "uint": unknown value length 3 for []byte{0x1, 0x2, 0x3}`. On skip or error out is left as it
 * was and values untouched.
 */
int label_set__decode(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
		      const char **values, char *err, size_t errlen);

/*
 * Same for a perf sample or ring-buffer record, without the cache (upstream decodes tracing
 * records afresh): input longer than label_set__key_size() is first truncated to it (map keys
 * never are; shorter input fails the size check).
 */
int label_set__decode_record(struct label_set *ls, const uint8_t *rec, size_t len, struct buf *out,
			     const char **values, char *err, size_t errlen);

/*
 * A number that moves whenever a source read by ls's decoders (kallsyms, cgroups, interfaces,
 * partitions) changed, and after decodes whose lookups missed (they may resolve next time):
 * values decoded under one number stay valid while it does not move, so a caller may reuse
 * them for the same keys. Polls the sources (cheap, rate-limited). Takes the env lock.
 */
uint64_t label_set__generation(struct label_set *ls);

/* Counters of the decoded-label cache that every label set of an env shares. */
struct label_cache_stats {
	uint64_t hits, misses, evictions;
	size_t bytes; /* budget in use by results */
	size_t skips; /* skipped keys remembered */
};

/* Takes env's lock; all zero before the first label set of env. */
void label_cache__stats(struct decoder_env *env, struct label_cache_stats *out);

/* Number of keys of ls in the decoded-label cache (results and skips). */
size_t label_set__cache_count(struct label_set *ls);

/*
 * After label_set__decode() or label_set__decode_record() of ls failed (not skipped): true
 * when an error of the same decoder (or, for errors outside a decoder such as a key size
 * mismatch, of the same kind) was not logged for config in the last minute, and records the
 * log as done. Lets a caller log decoder errors at most once a minute per config and decoder.
 */
bool label_set__error_log_due(struct label_set *ls, const char *config);

#endif
