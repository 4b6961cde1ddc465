// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_PARTITIONS_H
#define EBPF_EXPORTER_DECODERS_PARTITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An immutable index of a /proc/partitions file: lines are split on whitespace,
 * only lines of exactly four fields whose first two are decimal numbers count (the header
 * `major minor #blocks name` does not); field 4 is the name. Of two lines with the same numbers
 * the first wins, as a top-down scan finds it.
 */
struct partitions;

/*
 * Reads and indexes path. Returns 0 and *out (free with partitions__free()), or a negative
 * errno with a message in Go's words: `open /proc/partitions: no such file or directory`.
 */
int partitions__load(const char *path, struct partitions **out, char *err, size_t errlen);

/* Same, from text in memory (not NUL-terminated). */
int partitions__parse(const char *text, size_t len, struct partitions **out, char *err,
		      size_t errlen);

/* NULL-tolerant. */
void partitions__free(struct partitions *p);

/* The device name of major:minor, borrowed from p, or NULL. */
const char *partitions__find(const struct partitions *p, uint32_t major, uint32_t minor);

/* Number of devices indexed. */
size_t partitions__count(const struct partitions *p);

/* True when both index the same devices under the same names (NULL equals only NULL). */
bool partitions__equal(const struct partitions *a, const struct partitions *b);

#endif
