// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_MAP_FILL_H
#define EBPF_EXPORTER_MAP_FILL_H

/*
 * How full the hash maps of the running configs are that no metric reads (the `start` maps
 * that track in-flight events): ebpf_exporter_map_entries and ebpf_exporter_map_max_entries
 * for them. Metric maps are not counted here: the scrape's own read gives their entries
 * (scrape/builtins.c).
 *
 * Each map is counted once when the map_fill is made, then by a background thread at most
 * every MAP_FILL_INTERVAL_MS, and never more often than MAP_FILL_CPU_SHARE times the CPU time
 * the last pass over every map took (so counting takes at most 1 / MAP_FILL_CPU_SHARE of one
 * CPU however large the maps are). A count reads keys in BPF_MAP_LOOKUP_BATCH chunks of at most
 * MAP_FILL_BUF_BYTES of keys and values, or walks the keys with get-next-key where the kernel
 * has no batch lookup for the map; no values are looked up one by one. Scrapes serve the last
 * count.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "bpf/module.h"

/* Longest wait between two counts of the same map, when counting is cheap. */
#define MAP_FILL_INTERVAL_MS 5000
/* The wait after a pass is at least this many times the CPU time the pass took. */
#define MAP_FILL_CPU_SHARE 100
/* Buffer of one BPF_MAP_LOOKUP_BATCH call while counting (keys and values). */
#define MAP_FILL_BUF_BYTES (64u * 1024)

struct map_fill;

struct map_fill_opts {
	struct config **cfgs; /* borrowed, for the call only */
	struct module **mods; /* mods[i] belongs to cfgs[i]; NULL entries are skipped */
	size_t n;
	/*
	 * May be NULL: the map_fill this one replaces (a reload). Maps it counted (the same
	 * kernel map, by id) start with its last count instead of being counted again.
	 */
	const struct map_fill *prev;
	uint32_t interval_ms; /* 0: MAP_FILL_INTERVAL_MS */
	bool no_thread; /* count only in map_fill__new() and map_fill__count_now() (tests) */
};

/*
 * Finds the counted maps of every config (HASH, LRU_HASH, PERCPU_HASH, LRU_PERCPU_HASH and
 * HASH_OF_MAPS maps whose name is no counter or histogram of that config), counts each once
 * (or takes prev's count), and starts the background thread. The map_fill holds its own
 * duplicates of the map fds: it may outlive the modules. Returns 0 or a negative errno with a
 * message in err.
 */
int map_fill__new(const struct map_fill_opts *opts, struct map_fill **out, char *err,
		  size_t errlen);

/* Stops the thread (waking it), closes the fds and frees mf. NULL-tolerant. */
void map_fill__free(struct map_fill *mf);

/* One counted map as the scrape serves it. */
struct map_fill_entry {
	const char *config; /* owned by the map_fill */
	const char *map; /* owned by the map_fill */
	uint64_t entries; /* last count */
	uint32_t max_entries;
};

/*
 * Calls fn for every map that has been counted, in config then object order, under mf's lock
 * (fn must not call back into mf). The strings live as long as mf. NULL-tolerant. Stops at the
 * first non-zero return of fn and returns it.
 */
int map_fill__each(struct map_fill *mf, int (*fn)(const struct map_fill_entry *e, void *arg),
		   void *arg);

/* Counts every map now, on the caller's thread (tests, and the first count). */
void map_fill__count_now(struct map_fill *mf);

/* Is a map of this type counted when no metric reads it? */
bool map_fill_type_counted(int map_type);

/*
 * The wait before the next pass, in ms: interval_ms, or share times the pass's CPU time when
 * that is longer.
 */
uint64_t map_fill_next_wait_ms(uint64_t interval_ms, uint64_t pass_cpu_ns, uint64_t share);

/* Buffers of one count, kept between counts; start zeroed, release with map_count_buf_free(). */
struct map_count_buf {
	uint8_t *keys, *values;
	size_t keys_bytes, values_bytes; /* their sizes */
	uint8_t tok_in[8], tok_out[8];
	uint8_t *cursor, *next; /* get-next-key: two keys */
	size_t key_cap;
};

/*
 * Counts the keys of the map behind fd into *out: BPF_MAP_LOOKUP_BATCH in chunks of at most
 * MAP_FILL_BUF_BYTES (more only when one hash bucket holds more entries than a chunk), or, when
 * *no_batch is set or the kernel refuses batches for the map (then *no_batch is set for the
 * next count), get-next-key over the keys. value_size is the map's (per CPU for per-CPU maps).
 * Returns 0, or a negative errno: -ENOMEM, a syscall error, or -EAGAIN when a get-next-key walk
 * restarted so often (keys deleted under it) that it saw more than twice max_entries keys.
 */
int map_count_keys(int fd, int map_type, uint32_t key_size, uint32_t value_size,
		   uint32_t max_entries, struct map_count_buf *b, bool *no_batch, uint64_t *out);

void map_count_buf_free(struct map_count_buf *b);

#endif
