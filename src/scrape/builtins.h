// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_BUILTINS_H
#define EBPF_EXPORTER_BUILTINS_H

#include <stddef.h>

#include "expo/expo.h"

struct collector;

/* A small pool of strings owned by one scrape's built-in families. */
struct strpool {
	char **items;
	size_t n, cap;
};

/* The built-in families of one scrape and the storage behind them. */
/* Room for the built-in families: more than builtins_collect() ever adds (checked there). */
#define BUILTIN_FAMILIES 28

struct builtin {
	struct family fams[BUILTIN_FAMILIES];
	size_t n;
	int err; /* the first error of a bi_family() or bi_sample(): collecting stops counting */
	struct sample *samples;
	size_t n_samples, cap;
	const char **vals;
	size_t n_vals, vcap;
	struct strpool pool;
};

/*
 * Fills b (zeroed by the caller) with the built-in families: build info, enabled configs,
 * program info/attached/run time/run count, map entries and max entries, decoder errors,
 * process_* and promhttp_*.
 * Exporter families are left out once the collector detached. Called with the collector's
 * lock held. Returns 0 or -ENOMEM; release b with builtins_free() either way.
 */
int builtins_collect(struct collector *c, struct builtin *b);

/* Releases what builtins_collect() allocated. */
void builtins_free(struct builtin *b);

#endif
