// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_EXPO_H
#define EBPF_EXPORTER_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Prometheus text exposition format 0.0.4, byte-for-byte as Go's client_golang writes it
 *: families sorted by name, series sorted by label values in label-name order,
 * labels printed sorted by name with `le` last, HELP/label escaping, Go float formatting.
 */

/* Exposition formats a scrape can be answered in (negotiated from the Accept header). */
enum expo_format {
	EXPO_TEXT, /* text/plain; version=0.0.4 */
	EXPO_PROTOBUF, /* application/vnd.google.protobuf; ...; encoding=delimited */
	EXPO_PROTOTEXT, /* the same MetricFamily messages, encoding=text */
	EXPO_PROTOCOMPACT, /* the same, encoding=compact-text (one line per family) */
	EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 (or 0.0.1: same body) */
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
	/*
	 * Set when the buckets are also native (schema 0) buckets, written beside the classic
	 * ones in protobuf: bucket native_zero + j (j >= 0) is native bucket native_first + j,
	 * and when native_zero is 1 bucket 0 (le = 0) is the zero bucket (threshold 0). The text
	 * formats do not read these.
	 */
	bool native;
	bool native_zero;
	int32_t native_first;
};

/*
 * One series. Each field is a union read according to its family: label values in values,
 * or in key for a contiguous_keys family; value for counters and gauges, hist for
 * histograms. Never read the member the family does not use.
 */
struct sample {
	union {
		/* One per family label name, in the family's label order (NULL: no labels). */
		const char **values;
		/*
		 * contiguous_keys families (counters and gauges): the label values in label-name
		 * order, each NUL-terminated, back to back.
		 */
		const char *key;
	};
	union {
		double value; /* counters and gauges */
		const struct histogram_value *hist; /* histograms; NULL: no observations */
	};
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
	/*
	 * Set by a producer whose samples are already in the writer's order (label values
	 * compared in label-name order, as expo_sort_samples() sorts) with no two label sets
	 * equal: a family alone under its name is then written without the per-scrape sort
	 * keys, order check and duplicate search.
	 */
	bool presorted;
	/*
	 * Set by the producer of a counter or gauge family whose samples carry their label
	 * values in sample.key: the sort key as the writer builds it, used in place.
	 */
	bool contiguous_keys;
	/*
	 * Counters and histograms: when their series began counting (their maps were created),
	 * in seconds since the epoch; 0 when unknown (then no created timestamp is written).
	 */
	double created;
};

/* Clears f and sets what every producer sets; returns f. */
static inline struct family *family_init(struct family *f, const char *name, const char *help,
					 enum family_type type, const char *const *label_names,
					 size_t n_labels)
{
	*f = (struct family){ .name = name,
			      .help = help,
			      .type = type,
			      .label_names = label_names,
			      .n_labels = n_labels };
	return f;
}

/*
 * Formats v as Go's strconv.FormatFloat(v, 'g', -1, 64) after the client's special cases
 * (1, 0, -1, NaN, +Inf, -Inf): shortest round-trip digits, exponent form iff the decimal
 * exponent is < -4 or >= 6, the exponent with a sign and at least 2 digits (`1.048576e+06`).
 * Writes a NUL-terminated string into out (at least EXPO_FLOAT_MAX bytes), returns its length.
 */
#define EXPO_FLOAT_MAX 32
size_t expo_format_float(double v, char *out);

/*
 * Go's writeOpenMetricsFloat: expo_format_float's form, with `.0` appended to a finite value
 * that has neither a decimal point nor an exponent (`1.0`, `0.0`, `-1.0`, `12.0`). out has
 * EXPO_OM_FLOAT_MAX bytes; returns the length.
 */
#define EXPO_OM_FLOAT_MAX (EXPO_FLOAT_MAX + 2)
size_t expo_format_om_float(double v, char *out);

/*
 * Appends s with HELP escaping (`\` -> `\\`, LF -> `\n`); other bytes pass unchanged, as in
 * Go. Returns 0 or -ENOMEM.
 */
int expo_escape_help(struct buf *b, const char *s);

/*
 * Appends s[0..len) with label-value escaping (`\` -> `\\`, `"` -> `\"`, LF -> `\n`); bytes
 * that are not valid UTF-8 (bad lead bytes, truncated sequences, overlongs, surrogates, above
 * U+10FFFF) are replaced as Go's strings.ToValidUTF8 does: one U+FFFD (EF BF BD) per run of
 * consecutive invalid bytes (never crash on such input). Returns 0 or -ENOMEM.
 */
int expo_escape_label_value(struct buf *b, const char *s, size_t len);

/*
 * Sorts f->samples in place by label values compared in label-name order (bytewise, on the
 * raw values before any UTF-8 repair), as client_golang does before writing. Not stable.
 * A presorted family is left as it is.
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

struct expo_walker;

/*
 * A merged family as expo_write_families hands it to a writer: name, help, type and label
 * names come from f (the first family of that name), order lists f's label indexes sorted
 * by name, and its n_series series are sorted and free of duplicates.
 */
struct expo_group {
	const struct family *f;
	const size_t *order;
	size_t n_series;
	struct expo_walker *w; /* private */
	bool direct; /* private: series are f->samples as they are */
};

/*
 * Series i (< g->n_series) of g: returns its sample and sets *key to its label values in
 * label-name order, each followed by a NUL, *key_len bytes in all (the NULs included). The
 * values are raw: not UTF-8 repaired, not escaped. Valid until the next call (a presorted
 * family's keys are built one at a time). NULL when memory for the key runs out.
 */
const struct sample *expo_group_series(const struct expo_group *g, size_t i, const char **key,
				       size_t *key_len);

/* Appends one merged family to b. Returns 0 or a negative errno (-ENOMEM). */
typedef int (*expo_group_fn)(struct buf *b, const struct expo_group *g, void *arg);

/*
 * What expo_write_text does, with the writing left to fn: sorts, merges and checks the
 * families exactly as described below, then calls fn(b, group, arg) for every non-empty merged
 * family in name order. Once an error is found fn is not called any more. Same returns and
 * err as expo_write_text (plus fn's errors); on any error b is left as it was.
 */
int expo_write_families(struct buf *b, struct family *families, size_t n, expo_group_fn fn,
			void *arg, char *err, size_t errlen);

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

/*
 * Appends the families in the OpenMetrics 1.0.0 text format, as client_golang's
 * MetricFamilyToOpenMetrics writes them with created lines, then `# EOF`. Same order, merging
 * and errors as expo_write_text (it goes through expo_write_families). Per family `# HELP`
 * (backslash, double quote and LF escaped) and `# TYPE` (counter, gauge, histogram; unknown
 * for any other type). A counter family drops a trailing `_total` from its name and writes
 * `<name>_total` samples; counters and histograms with a created time write a
 * `<name>_created` sample per series with it (seconds since the epoch). Histograms write
 * `_bucket` (le last, always ending with le="+Inf"), `_count`, `_sum`, then `_created`.
 * Floats as Go writes them for OpenMetrics: `1.0`, `0.0`, `-1.0`, `NaN`, `+Inf`, `-Inf`, else
 * the shortest form with `.0` appended when it has neither a `.` nor an exponent; le values
 * too. Bucket counts and `_count` are integers. Two families that write the same name
 * (counter `x_total` and histogram `x`, or a gauge `x_created` and counter `x`) give -EEXIST,
 * err `two collected metrics are written as "x" in OpenMetrics` (the first such name).
 * On an error b is left as it was (no `# EOF`).
 */
int expo_write_openmetrics(struct buf *b, struct family *families, size_t n, char *err,
			   size_t errlen);

#endif
