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

/* Exposition formats a scrape can be answered in (SPEC §4.6 negotiation). */
enum expo_format {
	EXPO_TEXT,     /* text/plain; version=0.0.4 */
	EXPO_PROTOBUF, /* application/vnd.google.protobuf; ...; encoding=delimited */
	EXPO_FORMATS,
};

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

/*
 * Appends s with HELP escaping (`\` -> `\\`, LF -> `\n`); other bytes pass unchanged, as in
 * Go. Returns 0 or -ENOMEM.
 */
int expo_escape_help(struct buf *b, const char *s);

/*
 * Appends s[0..len) with label-value escaping (`\` -> `\\`, `"` -> `\"`, LF -> `\n`); bytes
 * that are not valid UTF-8 (bad lead bytes, truncated sequences, overlongs, surrogates, above
 * U+10FFFF) are replaced as Go's strings.ToValidUTF8 does: one U+FFFD (EF BF BD) per run of
 * consecutive invalid bytes (SPEC §0: never crash on such input). Returns 0 or -ENOMEM.
 */
int expo_escape_label_value(struct buf *b, const char *s, size_t len);

/*
 * Sorts f->samples in place by label values compared in label-name order (bytewise, on the
 * raw values before any UTF-8 repair), as client_golang does before writing. Not stable.
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
 * Appends one family (HELP, TYPE, then every sample in the given order) in text format.
 * A family with no samples writes nothing. Returns 0 or -ENOMEM (b then left as it was).
 */
int expo_write_family(struct buf *b, const struct family *f);

/*
 * Sorts the families by name (bytewise, stable) and writes them all; neither the array nor the
 * samples are modified. Families with no samples are omitted. Families with equal names are
 * merged into one HELP/TYPE block (HELP from the first) with their series sorted together.
 * A duplicate series (same name, same label values) makes it return -EEXIST with a message in
 * err, e.g.
 * `collected metric "ebpf_exporter_x" { label:<name:"a" value:"b" > } was collected before with the same name and label values`;
 * every duplicate is reported, several as Go's MultiError prints them (`2 error(s) occurred:`
 * then a `\n* <message>` per error). A family named like the series of a histogram family
 * (`<h>_bucket`, `<h>_sum`, `<h>_count`) also gives -EEXIST, one error per sample:
 * `collected metric named "<h>_count" collides with previously collected histogram named "<h>"`. Same-named families with different types, help or label
 * names give -EINVAL (config validation normally prevents it). err (errlen bytes, may be NULL)
 * is truncated to fit and set to "" on success. On any error b is left as it was.
 * Returns 0, -EEXIST, -EINVAL or -ENOMEM.
 */
int expo_write_text(struct buf *b, struct family *families, size_t n, char *err, size_t errlen);

#endif
