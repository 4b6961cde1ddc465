// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_STATUS_H
#define EBPF_EXPORTER_STATUS_H

/*
 * A read-only view of the running set for the status page: plain data copied out of the
 * collector, its configs and modules, owned by the view, so that the page is written with no
 * lock held. Nothing here iterates a map: entry counts are those the scrapes already made.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct collector;

struct status_prog {
	char *name;
	char *section;
	bool attached;
	char *error; /* why it is not attached ("failed to attach program: ..."), NULL when it is */
	uint32_t id; /* 0 when unknown */
	uint64_t run_cnt; /* with kernel.bpf_stats_enabled only */
	uint64_t run_time_ns;
};

struct status_map {
	char *name;
	char *type; /* "hash", "percpu_array"... */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	int64_t entries; /* < 0: not counted */
};

struct status_config {
	char *name;
	char *yaml_path;
	char *obj_path;
	uint64_t loaded_at_ns; /* CLOCK_REALTIME; 0 when not loaded */
	uint64_t decoder_errors;
	struct status_prog *progs;
	size_t n_progs;
	struct status_map *maps;
	size_t n_maps;
};

/* The last reload, when there has been one. */
struct status_reload {
	bool happened;
	uint64_t time_ns; /* CLOCK_REALTIME */
	bool ok;
	double seconds; /* how long it took */
	char *error; /* NULL when it succeeded */
};

struct status_view {
	char *version; /* common/version's Info(): "(version=..., branch=..., revision=...)" */
	uint64_t now_ns; /* CLOCK_REALTIME when the view was taken */
	uint64_t started_ns; /* CLOCK_REALTIME of the process start; 0 when unknown */
	bool stats_enabled; /* kernel.bpf_stats_enabled was 1 */
	struct status_config *cfgs;
	size_t n_cfgs;
	struct status_reload reload;
};

/*
 * Takes a view of the collector's running set: the collector's lock is held only while the
 * strings and numbers are copied (one bpf_prog_info read per program, no map iteration).
 * Returns 0 and the view in *out (free with status_view__free()), or -ENOMEM.
 */
int status_view__take(struct collector *c, struct status_view **out);

/* NULL-tolerant. */
void status_view__free(struct status_view *v);

/* Whether /proc/sys/kernel/bpf_stats_enabled reads 1. */
bool status_bpf_stats_enabled(void);

#endif
