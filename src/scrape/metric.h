// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_METRIC_H
#define EBPF_EXPORTER_METRIC_H

/*
 * One configured counter or histogram of the collector (private to collect*.c and
 * metric*.c): its map, its label decoding and the series kept between scrapes. metric.c reads
 * and decodes rows; metric_series.c turns them into counter and histogram families, reusing
 * last scrape's series while the keys stay the same. All of it runs under the collector's
 * lock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "scrape/collector.h"
#include "scrape/internal.h"
#include "config/config.h"
#include "expo/expo.h"
#include "bpf/map_snapshot.h"
#include "util/buf.h"

struct metric_state {
	size_t cfg_idx;
	const struct config *cfg;
	const char *name;
	const char *help;
	const struct label_conf *labels;
	size_t n_labels;
	char *full_name;
	const char **label_names;
	struct label_set *ls;
	int map_fd;
	int map_type;
	uint32_t key_size, value_size, max_entries;
	bool cpu_label; /* per-CPU map whose last label is `cpu` */
	/* histograms */
	const struct histogram_conf *hist;
	size_t bucket_label; /* index of the bucket label among the labels */
	size_t n_series_labels; /* labels printed: all but the bucket label */
	size_t n_buckets;
	double *le;
	struct hist_row *rows;
	size_t rows_cap;
	struct histogram_value *hvals;
	size_t hvals_cap;
	uint64_t *cum;
	size_t cum_cap;
	double *acc; /* per-bucket accumulator of one series, n_buckets + 1 (the sum) */
	const char **series_vals;
	size_t series_vals_cap;
	struct map_snapshot snap;
	/* the last read of the map succeeded: snap.n is its entry count (ebpf_exporter_map_entries) */
	bool snap_ok;
	/* per-scrape scratch, kept between scrapes */
	struct buf arena;
	size_t *offs;
	size_t offs_cap;
	const char **vals;
	size_t vals_cap;
	struct sample *samples;
	size_t n_samples, samples_cap;
	uint8_t *keybuf;
	const char **tmp_values;
	time_t last_log;
	/*
	 * Counters' steady state: when a scrape reads exactly the keys of the previous one and
	 * no decoder source changed, the decoded, sorted and merged series are reused and only
	 * their values recomputed. rowid[k] is the row sample k came from (rows numbered in
	 * walk order); series g sums rows grp_rows[grp_end[g-1]..grp_end[g]).
	 */
	size_t row_no;
	uint32_t *rowid;
	size_t rowid_cap;
	size_t *order; /* label indexes sorted by label name */
	uint32_t *perm;
	size_t perm_cap;
	uint32_t *grp_rows;
	size_t grp_rows_cap;
	uint32_t *grp_end;
	size_t grp_end_cap;
	bool grp_identity; /* counters: one row per series, series g is row grp_rows[g] */
	int32_t *grp_slot; /* histograms: bucket slot of each row in grp_rows, -1 out of range */
	size_t grp_slot_cap;
	struct sample *out;
	size_t n_out, out_cap;
	/* out's label values, copied in series order (see pack_series) */
	char *packed;
	size_t packed_cap;
	uint8_t *prev_keys;
	size_t prev_n, prev_keys_cap;
	uint64_t prev_gen;
	uint64_t prev_errors; /* entries that failed to decode in the slow path */
	uint64_t scrape_errors;
	bool reusable;
};

/* One decoded histogram row: label values (bucket excluded), bucket index, value. */
struct hist_row {
	const char **values; /* all labels, in config order */
	uint64_t bucket;
	double value;
	uint32_t row; /* row number in the snapshot walk, for the steady state */
};

/*
 * Sets up ms for the map called name of config cfg_idx (its labels, their decoders, the
 * map's fd and layout). Returns 0 or a negative errno with a message naming config and
 * metric in err. metric_free() releases a partly set up ms too.
 */
int metric_init(struct metric_state *ms, struct collector *c, size_t cfg_idx, const char *name,
		const char *help, const struct label_conf *labels, size_t n_labels, char *err,
		size_t errlen);

/*
 * Points ms, set up by metric_init(), at the map fd of the given layout (metric_init() does it
 * for the map of its module): the `cpu` label of a per-CPU map and the key buffer follow.
 * Call it before metric_hist_init(), whose bucket label depends on the `cpu` label.
 * Returns 0 or -ENOMEM.
 */
int metric_set_map(struct metric_state *ms, int fd, int type, uint32_t key_size,
		   uint32_t value_size, uint32_t max_entries);

/* Makes ms a histogram of h: bucket label, printed label names, bucket bounds. 0 or -errno. */
int metric_hist_init(struct metric_state *ms, const struct histogram_conf *h);

/* Frees what ms holds (not ms itself). */
void metric_free(struct metric_state *ms);

/*
 * Counts an error of ms in the decoder errors of its config and this scrape's errors, and
 * logs msg (decode errors through the label set's rate limit, others once a minute).
 */
void metric_error(struct collector *c, struct metric_state *ms, const char *msg, bool decode);

/*
 * Decodes one key into ms->tmp_values, the strings appended to arena. Returns 0, 1 when the
 * row is dropped (a regexp skip, or a decode error, counted and logged), or -ENOMEM.
 */
int metric_decode_key(struct collector *c, struct metric_state *ms, struct buf *arena,
		      const uint8_t *key, size_t len);

/* Called for each row of a snapshot; non-zero stops the walk and is returned. */
typedef int (*row_fn)(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		      double v, void *arg);

/*
 * Reads ms's map into ms->snap. Returns 1 when rows were read (ms->snap_ok is then set, and
 * ms->snap.n is the number of keys the map holds), 0 when there is nothing to read (no map, or a
 * read error, counted and logged), -ENOMEM.
 */
int metric_read_snapshot(struct collector *c, struct metric_state *ms);

/*
 * Calls fn for every row of the snapshot already read: per-CPU maps give one row
 * per CPU with the CPU index appended to the key when the last label is `cpu`; otherwise
 * their CPUs' values are summed into one row, unless split_cpus asks for a row per CPU.
 */
int metric_walk_snapshot(struct collector *c, struct metric_state *ms, bool split_cpus, row_fn fn,
			 void *arg);

/* metric_read_snapshot(), then metric_walk_snapshot(). */
int metric_walk_rows(struct collector *c, struct metric_state *ms, bool split_cpus, row_fn fn,
		     void *arg);

/* A row_fn that decodes the row into ms->samples (see metric_fix_values()), numbering rows. */
int metric_add_row_cb(struct collector *c, struct metric_state *ms, const uint8_t *key, size_t len,
		      double v, void *arg);

/* Points the decoded samples' values into the arena once it stops moving. 0 or -ENOMEM. */
int metric_fix_values(struct metric_state *ms);

/* Value of row r of the snapshot (rows numbered as metric_walk_snapshot() visits them). */
double metric_row_value(const struct metric_state *ms, uint32_t r);

/*
 * This scrape's family of ms (f zeroed when the map has nothing): a counter's decoded, sorted
 * and merged series, or a histogram's series from rows grouped by their
 * non-bucket labels; last scrape's series with new values while the keys and the
 * decoders' sources are unchanged. Returns 0 or -ENOMEM; f borrows from ms until the next call.
 */
int metric_collect(struct collector *c, struct metric_state *ms, struct family *f);

#endif
