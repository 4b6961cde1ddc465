// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_LABELS_INTERNAL_H
#define EBPF_EXPORTER_LABELS_INTERNAL_H

/*
 * What label_set.c (compiling labels, decoding keys through decoder chains) and
 * label_cache.c (the decoded-label cache) share; not for other modules.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decoders/decoder_env.h"
#include "labels/label_set.h"
#include "util/buf.h"
#include "util/hash.h"

struct dec_inst {
	const struct decoder *dec;
	void *state;
};

struct label_slot {
	char *name;
	uint64_t size;
	uint64_t padding;
	struct dec_inst *decs; /* points into label_set.insts */
	size_t n_decs;
};

/* An intrusive doubly-linked list node (circular; a head is a node pointing at itself). */
struct lru_node {
	struct lru_node *prev, *next;
};

/*
 * What every label set of one decoder_env shares, under the env's lock (kept as the env's
 * attachment): the cache budget, both LRU lists and the counters.
 */
struct label_cache {
	struct decoder_cache_budget budget;
	size_t bytes; /* result entries in use, with their share of the hash tables */
	size_t skips;
	struct lru_node results; /* most recently used first */
	struct lru_node skipped;
	uint64_t hits, misses, evictions;
};

/*
 * The decoded-label cache: one open-addressing table per label set, keyed by the
 * whole raw key; entries on one of two LRU lists shared by every set (struct label_cache), results
 * bounded by a byte budget, skipped keys by --config.skip-cache-size. An entry remembers the
 * generation of the sources its set's decoders read and is decoded again once it moved.
 */
struct lc_entry {
	struct lru_node lru; /* first: container_of by cast */
	struct label_set *owner;
	uint64_t hash;
	uint64_t gen;
	size_t charge; /* bytes counted against the budget */
	uint32_t key_len;
	uint32_t vals_len; /* the values, each followed by a NUL */
	bool skip;
	bool used; /* hit since it last reached the LRU list's tail */
	uint32_t lens[]; /* one per label (none for a skip), then the key, then the values */
};

#define MIN_SLOTS 64 /* smallest table; tables grow at half full, shrink at an eighth */

struct label_set {
	struct decoder_env *env;
	struct label_cache *cache; /* env's attachment */
	unsigned int sources; /* DECODER_SRC_* read by any of the decoders */
	struct hash_table lc; /* the cache table: struct lc_entry items */
	const char *err_dec; /* decoder of the last decode error, NULL outside a decoder */
	bool had_miss; /* a decode since the last label_set__generation() had a lookup miss */
	uint64_t miss_salt; /* moves label_set__generation() after such misses */
	size_t n;
	struct label_slot *slots;
	struct dec_inst *insts;
	size_t n_insts;
	uint64_t key_size; /* UINT64_MAX on overflow */
	size_t *offs; /* per-decode value offsets; used under env->lock */
	bool tracked; /* counted in decoder_env__track_sources() */
	bool uncached; /* every decoder is cheap: the decoded-label cache would not pay */
	struct buf scratch[2]; /* intermediate outputs of decoder chains; under env->lock */
};

/* Decodes key through every label's chain into out, under env's lock, without the cache. */
int label_set_decode_locked(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
			    const char **values, char *err, size_t errlen);

/* label_set_decode_locked() through the cache, under env's lock. */
int label_cache_decode(struct label_set *ls, const uint8_t *key, size_t len, struct buf *out,
		       const char **values, char *err, size_t errlen);

/* Drops every cached entry of ls. */
void label_cache_clear(struct label_set *ls);

/*
 * Under env's lock: the label cache every set of env shares, created on first use; NULL when
 * out of memory.
 */
struct label_cache *label_cache_shared(struct decoder_env *env);

#endif
