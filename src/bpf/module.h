// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_LOADER_H
#define EBPF_EXPORTER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct bpf_object;
struct bpf_program;
struct bpf_link;
struct bpf_map;
struct kallsyms;
struct lifecycle;
struct lc_span;

/* One BPF program of a module, attached or not. */
struct module_prog {
	struct bpf_program *prog; /* owned by the module's object */
	struct bpf_link *link; /* NULL when attach failed or after detach */
	const char *name; /* program (function) name, borrowed from libbpf */
	int attach_err; /* negative errno of the failed attach, 0 when attached */
	struct bpf_link **cpu_links; /* perf_event/ programs: one link per online CPU, owned */
	size_t n_cpu_links;
};

/* One config's BPF object and the state of its programs (opaque: bpf/internal.h). */
struct module;

/* The module's loaded BPF object (owned by the module). */
struct bpf_object *module__object(const struct module *m);

/* How many programs the object has, attached or not. */
size_t module__n_progs(const struct module *m);

/* Program i (< module__n_progs()), a view valid until module__free(). */
const struct module_prog *module__prog(const struct module *m, size_t i);

/* The ELF section program i (< module__n_progs()) came from, e.g. `tracepoint/sched/x`. */
const char *module__prog_section(const struct module *m, size_t i);

/*
 * Program i's kernel facts from bpf_prog_info: its id, and the run count and run time the
 * kernel keeps while kernel.bpf_stats_enabled is 1 (0 otherwise). Returns 0, or a negative
 * errno (out is then zeroed).
 */
struct module_prog_stats {
	uint32_t id;
	uint64_t run_cnt;
	uint64_t run_time_ns;
};
int module__prog_stats(const struct module *m, size_t i, struct module_prog_stats *out);

/* When the object was loaded into the kernel: CLOCK_REALTIME in nanoseconds. */
uint64_t module__loaded_at_ns(const struct module *m);

/*
 * The object's own maps in object order: those the BPF code defines, without libbpf's
 * internal .data, .rodata, .bss and .kconfig maps. A view valid until module__free().
 */
struct module_map_info {
	const char *name; /* borrowed from libbpf */
	const char *type; /* libbpf's name of the map type ("hash", "percpu_array"...), or "" */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	int fd;
};
size_t module__n_maps(const struct module *m);
void module__map_info(const struct module *m, size_t i, struct module_map_info *out);

/*
 * A parsed `perf_event/` section: comma-separated `type=`, `config=`,
 * `frequency=` decimal items, the last duplicate winning. Returns 0 or -EINVAL with upstream's
 * message (`invalid perf_event item: "x"`, `unknown perf_event item "x"`, ...).
 */
struct perf_event_spec {
	long long type;
	long long config;
	long long frequency; /* 0: none given */
};
int loader_parse_perf_event(const char *spec, struct perf_event_spec *out, char *err,
			    size_t errlen);

/*
 * Parses a CPU list such as /sys/devices/system/cpu/online ("0-3,5"). Returns the number of
 * CPUs written to cpus (at most max), or -EINVAL.
 */
int loader_parse_cpu_list(const char *list, int *cpus, int max);

/*
 * Registers the custom section handlers and routes libbpf's log through ours
 * (`libbpf [warn|info|debug]: ...`, debug only with --debug). Call once before any open.
 * Returns 0 or a negative errno with a message in err.
 */
int loader_init(bool debug, char *err, size_t errlen);
void loader_fini(void);

/*
 * Opens <cfg->obj_path> (with btf_path as the kernel BTF when non-empty), writes kaddrs
 * (looked up in ks) and loads it into the kernel. Does not attach.
 * Returns a new module in *out or a negative errno with a message in upstream's words.
 * The steps are recorded as children of parent in the lifecycle trace
 * (new_module, pass_kaddrs with populate_kaddrs, bpf_load_object); lc may be NULL.
 */
int module__open_load(const struct config *cfg, const char *btf_path, struct kallsyms *ks,
		      struct lifecycle *lc, struct lc_span *parent, struct module **out, char *err,
		      size_t errlen);

/*
 * Attaches every program in object order through libbpf's auto-attach. A failure is logged
 * (`Failed to attach program "<p>" for config "<c>": failed to attach program: <err>`) and
 * recorded in the program's attach_err; it never fails the module. Returns the number of
 * programs that failed to attach.
 */
int module__attach(struct module *m, struct lifecycle *lc, struct lc_span *parent);

/*
 * Checks every metric of the config against its map: the map exists,
 * holds 8-byte values, and its key size matches the labels' Σ(size + padding).
 * Returns 0 or a negative errno with a message naming config, metric, file and line.
 */
int module__validate_maps(const struct module *m, char *err, size_t errlen);

/*
 * Destroys every link (logging failures as upstream does). Idempotent. Recorded as a
 * close_module span (attribute config, events prog_detach and close) under parent.
 */
void module__detach(struct module *m, struct lifecycle *lc, struct lc_span *parent);

/* Detaches, closes the object and frees the module. NULL-tolerant. */
void module__free(struct module *m);

#endif
