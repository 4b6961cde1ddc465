// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_CONFIG_H
#define EBPF_EXPORTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One NAME.yaml parsed into plain structs. No libbpf here. Every element remembers
 * the line it came from (1-based, 0 when unknown) so later validation can name it.
 * Strings are never NULL ("" when absent), except histogram_conf.bucket_type_name.
 */

struct static_map_entry {
	char *key; /* literal scalar text: `0x10` stays "0x10" */
	char *value; /* "" for a null value */
	int line;
};

struct decoder_conf {
	char *name;
	struct static_map_entry *static_map;
	size_t n_static_map;
	bool static_map_set; /* a mapping was given, even `{}`; null or absent is not */
	bool allow_unknown;
	char **regexps;
	int *regexp_lines;
	size_t n_regexps;
	bool regexps_set; /* null/absent list differs from an empty one */
	int line;
};

struct label_conf {
	char *name;
	uint64_t size;
	uint64_t padding;
	struct decoder_conf *decoders;
	size_t n_decoders;
	int line;
};

struct counter_conf {
	char *name;
	char *help;
	bool perf_event_array;
	int64_t flush_interval_ns; /* > 0: a value <= 0 or absent is stored as one hour */
	struct label_conf *labels;
	size_t n_labels;
	int line;
};

enum bucket_type {
	BUCKET_UNKNOWN = 0,
	BUCKET_EXP2,
	BUCKET_EXP2ZERO,
	BUCKET_LINEAR,
	BUCKET_FIXED,
};

struct histogram_conf {
	char *name;
	char *help;
	char *bucket_type_name; /* as written; NULL when absent */
	enum bucket_type bucket_type;
	double bucket_multiplier; /* 0 when absent; users of it treat 0 as 1 */
	int64_t bucket_min;
	int64_t bucket_max;
	double *bucket_keys;
	int *bucket_key_lines;
	size_t n_bucket_keys;
	struct label_conf *labels;
	size_t n_labels;
	int line;
	/* lines of these keys, 0 when absent */
	int bucket_type_line;
	int bucket_min_line;
	int bucket_max_line;
	int bucket_keys_line;
};

struct span_conf {
	char *name;
	char *ringbuf;
	char *service;
	struct label_conf *labels;
	size_t n_labels;
	int line;
};

struct cgroup_id_map_conf {
	char *name; /* feature on iff non-empty */
	char *type; /* "hash" (default when empty) or "cgrp_storage" */
	char **regexps;
	int *regexp_lines;
	size_t n_regexps;
	int line; /* 0 when absent */
};

struct config {
	char *name; /* as given in --config.names */
	char *yaml_path; /* <dir>/<name>.yaml */
	char *obj_path; /* <dir>/<name>.bpf.o */
	struct counter_conf *counters;
	size_t n_counters;
	struct histogram_conf *histograms;
	size_t n_histograms;
	struct span_conf *spans;
	size_t n_spans;
	char **kaddrs;
	size_t n_kaddrs;
	int *kaddr_lines;
	struct cgroup_id_map_conf cgroup_id_map;
	/* the list was given, even empty (`counters: []`); null or absent is not */
	bool counters_set;
	bool histograms_set;
	bool spans_set;
};

/*
 * Reads and validates <dir>/<name>.yaml (paths joined and cleaned as Go's filepath.Join does;
 * names may contain '/'). On success returns 0 and stores a new config in *out (free with
 * config_free()). On failure returns a negative errno (-EINVAL for parse and validation errors)
 * and writes a message in upstream's words, extended with the line where YAML has one, into
 * err, e.g. `error parsing "/c/x.yaml" for config "x": line 7: unknown key "bucket_multipler"
 * in histogram "h"` or `error validating config: histogram "h" in config "x": bucket_min (5)
 * must not exceed bucket_max (3) (/c/x.yaml line 9)`.
 */
int config_load(const char *dir, const char *name, struct config **out, char *err, size_t errlen);

/*
 * Same, from a YAML text in memory; path is used in messages only and becomes yaml_path
 * (obj_path is path with ".yaml" replaced by ".bpf.o", or ".bpf.o" appended).
 */
int config_parse(const char *text, size_t len, const char *path, const char *name,
		 struct config **out, char *err, size_t errlen);

/* Frees cfg and everything it holds. NULL-tolerant. */
void config_free(struct config *cfg);

/* "exp2" -> BUCKET_EXP2 etc; BUCKET_UNKNOWN for anything else. */
enum bucket_type config_bucket_type(const char *s);

#endif
