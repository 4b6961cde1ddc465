// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_MAPS_BPF_H
#define EBPF_EXPORTER_MAPS_BPF_H

/*
 * Helpers for BPF programs whose maps ebpf_exporter turns into metrics: counters are maps of
 * u64 values, histograms are maps whose key ends with a `bucket` field.
 *
 * Include after "vmlinux.h" (for the u32/u64 types).
 *
 * The names, arguments and effects are those of upstream ebpf_exporter's examples/maps.bpf.h,
 * so programs written for it build unchanged, with three differences no correct program can
 * tell: the statement macros are single statements (do { } while (0)), safe after an `if`
 * and usable twice in one block; they evaluate `value` once; and increment_map() returns 0
 * instead of the truncated new count, so `return increment_map(...)` is also valid where the
 * verifier demands a zero return (fentry/fexit programs).
 */

#include <bpf/bpf_helpers.h>
#include "bits.bpf.h"

/*
 * log2l_histogram - exp2 bucket index of v: 0 for v <= 1, else ceil(log2(v)).
 * Bucket i therefore counts values in (2^(i-1), 2^i], which is what an exp2 histogram with
 * `le = 2^i` expects.
 */
static __always_inline u64 log2l_histogram(u64 v)
{
	if (v <= 1)
		return 0;
	return log2l(v - 1) + 1;
}

/*
 * lookup_or_zero_init_key - point `into` at the value of `key` in `map`, creating the entry
 * with value 0 first if it does not exist. Two CPUs may race to create it: BPF_NOEXIST makes
 * the loser's insert fail harmlessly and both then find the winner's entry.
 *
 * If the entry still cannot be found (the map is full), this executes `return 0` in the
 * calling function, so use it only in functions returning an integer.
 */
#define lookup_or_zero_init_key(map, key, into)                                    \
	do {                                                                       \
		(into) = bpf_map_lookup_elem(map, key);                            \
		if (!(into)) {                                                     \
			u64 __lozik_zero = 0;                                      \
			bpf_map_update_elem(map, key, &__lozik_zero, BPF_NOEXIST); \
			(into) = bpf_map_lookup_elem(map, key);                    \
			if (!(into))                                               \
				return 0;                                          \
		}                                                                  \
	} while (0)

/*
 * read_array_ptr - point `into` at the value of `key` in `map` (an array, where every index
 * exists); executes `return 0` in the calling function if the lookup fails (index out of
 * range).
 */
#define read_array_ptr(map, key, into)                  \
	do {                                            \
		(into) = bpf_map_lookup_elem(map, key); \
		if (!(into))                            \
			return 0;                       \
	} while (0)

/*
 * increment_map - atomically add `increment` to the u64 value of `key` in `map`, creating the
 * entry at 0 first. Safe when several CPUs update the same shared (non-per-CPU) entry.
 * Always returns 0, so a program may `return increment_map(...)`.
 */
static __always_inline int increment_map(void *map, void *key, u64 increment)
{
	u64 *count;

	lookup_or_zero_init_key(map, key, count);
	__sync_fetch_and_add(count, increment);
	return 0;
}

/*
 * increment_map_nosync - like increment_map() but with a plain `+=`: for per-CPU maps, whose
 * values only the current CPU writes, where the atomic instruction would be wasted.
 */
static __always_inline int increment_map_nosync(void *map, void *key, u64 increment)
{
	u64 *count;

	lookup_or_zero_init_key(map, key, count);
	*count += increment;
	return 0;
}

/*
 * Histogram updates. `key` is a struct lvalue (not a pointer) with a field named `bucket`,
 * the last field, as the exporter reads the last label as the bucket index. The bucket for
 * `value` is clamped to `max_bucket` and incremented by one; if `value` is positive it is also
 * added to bucket `max_bucket + 1`, which the exporter reads as the histogram's sum.
 * The key's `bucket` field is overwritten.
 */
#define __increment_histogram(map, key, value, max_bucket, bucket_expr, increment_fn) \
	do {                                                                          \
		u64 __ih_value = (value);                                             \
		u64 __ih_bucket = (bucket_expr);                                      \
		if (__ih_bucket > (max_bucket))                                       \
			__ih_bucket = (max_bucket);                                   \
		(key).bucket = __ih_bucket;                                           \
		increment_fn(map, &(key), 1);                                         \
		if (__ih_value > 0) {                                                 \
			(key).bucket = (max_bucket) + 1;                              \
			increment_fn(map, &(key), __ih_value);                        \
		}                                                                     \
	} while (0)

/* exp2 bucket: log2l_histogram(value), so bucket i holds (2^(i-1), 2^i]; atomic. */
#define increment_exp2_histogram(map, key, value, max_bucket)                           \
	__increment_histogram(map, key, value, max_bucket, log2l_histogram(__ih_value), \
			      increment_map)

/* As increment_exp2_histogram(), for per-CPU maps. */
#define increment_exp2_histogram_nosync(map, key, value, max_bucket)                    \
	__increment_histogram(map, key, value, max_bucket, log2l_histogram(__ih_value), \
			      increment_map_nosync)

/*
 * exp2zero bucket: 0 holds only value 0, bucket i > 0 holds (2^(i-2), 2^(i-1)], matching an
 * exp2zero histogram's `le` of 0, 1, 2, 4, ...; atomic.
 */
#define increment_exp2zero_histogram(map, key, value, max_bucket)                    \
	__increment_histogram(map, key, value, max_bucket,                           \
			      __ih_value == 0 ? 0 : log2l_histogram(__ih_value) + 1, \
			      increment_map)

/* As increment_exp2zero_histogram(), for per-CPU maps. */
#define increment_exp2zero_histogram_nosync(map, key, value, max_bucket)             \
	__increment_histogram(map, key, value, max_bucket,                           \
			      __ih_value == 0 ? 0 : log2l_histogram(__ih_value) + 1, \
			      increment_map_nosync)

#endif
