// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_MAPS_H
#define EBPF_EXPORTER_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A snapshot of one BPF map: every key and value read in one pass, with batch lookups where
 * the kernel supports them and get-next-key iteration otherwise. Buffers are kept between
 * snapshots so steady-state scrapes do not allocate.
 */
struct map_snapshot {
	uint8_t *keys; /* n * key_size bytes */
	uint8_t *values; /* n * value_size bytes (all CPUs' slots for per-CPU maps) */
	size_t n;
	size_t cap; /* entries the buffers can hold */
	uint32_t key_size;
	uint32_t value_size; /* per entry: value size, times the CPU count for per-CPU maps */
	bool percpu;
	int ncpus; /* slots per entry for per-CPU maps, else 1 */
	bool no_batch; /* the kernel refused batch lookups for this map once */
	uint64_t vanished; /* keys that disappeared between listing and lookup (cumulative) */
	uint8_t *batch_in, *batch_out;
};

/* True for the per-CPU map types (PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH). */
bool map_type_percpu(int map_type);

/*
 * Reads every entry of the map behind fd into s. s must start zeroed; reuse it for the next
 * snapshot of the same map. Returns 0 or a negative errno (-ENOMEM, or a syscall error other
 * than the end of the map).
 */
int map_snapshot__read(struct map_snapshot *s, int fd, int map_type, uint32_t key_size,
		       uint32_t value_size, uint32_t max_entries);

/* The value of entry i on CPU c (c = 0 for ordinary maps), as the u64 the map holds. */
static inline uint64_t map_snapshot__value(const struct map_snapshot *s, size_t i, int c)
{
	uint64_t v;
	const uint8_t *p = s->values + i * s->value_size + (size_t)c * 8;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline const uint8_t *map_snapshot__key(const struct map_snapshot *s, size_t i)
{
	return s->keys + i * s->key_size;
}

/* Releases the buffers. NULL-tolerant. */
void map_snapshot__free(struct map_snapshot *s);

#endif
