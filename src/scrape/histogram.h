// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_HISTOGRAM_H
#define EBPF_EXPORTER_HISTOGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/*
 * Bucket math of histogram maps: the last key field (or the one before a
 * trailing per-CPU `cpu` label) is a bucket index; its upper bound depends on the bucket
 * type; index bucket_max + 1 (fixed: last key + 1) holds the sum.
 */

/* The multiplier in effect: bucket_multiplier, or 1 when it is 0 or absent. */
double histogram_multiplier(const struct histogram_conf *h);

/* Number of buckets: bucket_max - bucket_min + 1, len(bucket_keys) for fixed, 0 if max < min. */
size_t histogram_bucket_count(const struct histogram_conf *h);

/*
 * Writes the upper bound of every bucket, in loop order, into le (histogram_bucket_count()
 * entries): exp2 2^i·m, exp2zero 0 then 2^(i-1)·m, linear i·m, fixed key·m.
 * Returns 0 or -EINVAL for an unknown bucket type.
 */
int histogram_bounds(const struct histogram_conf *h, double *le);

/*
 * Whether the buckets are also schema 0 native buckets: exp2 and exp2zero (bucket_min >= 0)
 * with a multiplier 2^e (1 or absent included) and every bound a finite, normal power of two.
 * When they are, sets *zero (exp2zero with bucket_min 0: bucket 0, le = 0, is the zero
 * bucket) and *first, the native index of the first bucket after it: bound 2^k is index k.
 */
bool histogram_native(const struct histogram_conf *h, bool *zero, int32_t *first);

/*
 * Where bucket index idx counts: 0..n-1 for a bucket, n (the bucket count) for the sum key,
 * -1 for an index outside the histogram (ignored).
 */
long histogram_slot(const struct histogram_conf *h, uint64_t idx);

/*
 * Turns per-slot counts acc[0..n] (n buckets, then the sum slot) into cumulative bucket
 * counts cum[0..n), the total count and the sum (sum slot times the multiplier).
 */
void histogram_finish(const struct histogram_conf *h, const double *acc, size_t n, uint64_t *cum,
		      uint64_t *count, double *sum);

/*
 * Go's strconv.ParseUint(s, 0, 64), as upstream parses the decoded bucket label: decimal,
 * 0x/0b/0o prefixes, a leading 0 for octal, `_` between digits of a prefixed number.
 * Returns 0, -EINVAL or -ERANGE.
 */
int histogram_parse_index(const char *s, uint64_t *out);

#endif
