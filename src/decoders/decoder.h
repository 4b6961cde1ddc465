// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODER_H
#define EBPF_EXPORTER_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/buf.h"

/*
 * One label decoder: maps input bytes to output bytes. Decoders chain: the output
 * of one is the input of the next, the last output is the label value.
 */

/* Returned by decode() when the whole label set must be skipped (regexp miss). */
#define DECODER_SKIP 1

struct decoder_env; /* shared state of all decoders (kallsyms index, ...), see decoders.h */

struct decoder {
	const char *name;
	/*
	 * The changeable sources the output depends on (DECODER_SRC_* of decoders.h): cached
	 * results are decoded again when one of them changed.
	 */
	unsigned int sources;
	/*
	 * Decoding takes about as long as a cache hit (fixed formatting, a table index): label
	 * sets made only of such decoders skip the decoded-label cache, which would cost them
	 * memory and time (measured with 1M uint keys: rebuilds 10% slower, 57 MB more).
	 */
	bool cheap;
	/*
	 * Optional. Builds per-use state from the YAML entry (compiled regexps, static map).
	 * Returns 0 or a negative errno with a message in err.
	 */
	int (*init)(const struct decoder_conf *conf, struct decoder_env *env, void **state,
		    char *err, size_t errlen);
	/* Optional; releases what init built. NULL-tolerant. */
	void (*free)(void *state);
	/*
	 * Appends the decoded form of in[0..len) to out. Returns 0, DECODER_SKIP, or a negative
	 * errno with a message in err (e.g. `unknown value length 3 for []byte{0x1, 0x2, 0x3}`).
	 * Never reads past len. Runs with env->lock held (label_set__decode() takes it), so
	 * state and env may be used without further locking. err holds an empty string on entry;
	 * whatever the decoder appended to out before failing or skipping is discarded by the
	 * caller. A result that must not be cached (a lookup that missed and may hit later) calls
	 * decoder_env__no_cache(env).
	 */
	int (*decode)(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
		      struct buf *out, char *err, size_t errlen);
};

#endif
