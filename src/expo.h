// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_EXPO_H
#define EBPF_EXPORTER_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Prometheus text exposition format 0.0.4, byte-for-byte as Go's client_golang writes it
 * (SPEC §4.6): families sorted by name, series sorted by label values in label-name order,
 * labels printed sorted by name with `le` last, HELP/label escaping, Go float formatting.
 */

enum family_type {
	FAMILY_COUNTER,
	FAMILY_GAUGE,
	FAMILY_HISTOGRAM,
};

struct histogram_value {
	size_t n_buckets;
	const double *le; /* upper bounds, in the order they are printed */
	const uint64_t *cumulative; /* cumulative counts, one per bucket */
	uint64_t count; /* also printed as the +Inf bucket */
	double sum;
};

struct sample {
	const char **values; /* one per family label name, in the family's label order */
	double value; /* counters and gauges */
	const struct histogram_value *hist; /* histograms */
};

/* A family as collected; the strings and arrays are borrowed from the collector. */
struct family {
	const char *name;
	const char *help;
	enum family_type type;
	const char *const *label_names; /* in config order */
	size_t n_labels;
	struct sample *samples;
	size_t n_samples;
};

/*
 * Formats v as Go's strconv.FormatFloat(v, 'g', -1, 64) after the client's special cases
 * (1, 0, -1, NaN, +Inf, -Inf): shortest round-trip digits, exponent form iff the decimal
 * exponent is < -4 or >= 6, the exponent with a sign and at least 2 digits (`1.048576e+06`).
 * Writes a NUL-terminated string into out (at least EXPO_FLOAT_MAX bytes), returns its length.
 */
#define EXPO_FLOAT_MAX 32
size_t expo_format_float(double v, char *out);

/* Appends s with HELP escaping (`\` -> `\\`, LF -> `\n`). */
int expo_escape_help(struct buf *b, const char *s);

/*
 * Appends s with label-value escaping (`\` -> `\\`, `"` -> `\"`, LF -> `\n`); bytes that are
 * not valid UTF-8 are replaced by U+FFFD (SPEC §0: never crash on such input).
 */
int expo_escape_label_value(struct buf *b, const char *s, size_t len);

/*
 * Sorts f->samples in place by label values compared in label-name order (bytewise), as
 * client_golang does before writing.
 */
void expo_sort_samples(struct family *f);

/*
 * Fills order[0..f->n_labels) with the indexes of f's label names sorted bytewise: the order
 * labels are printed and compared in. order has room for f->n_labels entries.
 */
void expo_label_order(const struct family *f, size_t *order);

/*
 * Compares two sample label lists of family f the way expo_sort_samples orders them.
 * Returns <0, 0 or >0; 0 means the series are duplicates.
 */
int expo_compare_samples(const struct family *f, const struct sample *a, const struct sample *b);

/*
 * Appends one family (HELP, TYPE, then every sample, already sorted) in text format.
 * A family with no samples writes nothing. Returns 0 or -ENOMEM.
 */
int expo_write_family(struct buf *b, const struct family *f);

/*
 * Sorts the families by name (bytewise) and writes them all. Families with equal names are
 * merged into one HELP/TYPE block; a duplicate series (same name, same label values) makes it
 * return -EEXIST with a message in err, e.g.
 * `collected metric "ebpf_exporter_x" { label:<name:"a" value:"b" > } was collected before with the same name and label values`.
 */
int expo_write_text(struct buf *b, struct family *families, size_t n, char *err, size_t errlen);

#endif
