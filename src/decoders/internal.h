// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_INTERNAL_H
#define EBPF_EXPORTER_DECODERS_INTERNAL_H

/*
 * The decoder environment's state, for decoder_env.c and the decoders in this folder (and
 * their unit tests); other modules use the functions of decoders/decoder_env.h.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decoders/decoder_env.h"

struct ifaces;
struct pcidb;
struct syscall_names;
struct partitions;
struct decoder_err_log;

struct decoder_env {
	/* Held around every decode (label_set__decode() takes it). */
	pthread_mutex_t lock;
	char *kallsyms_path;
	struct kallsyms *kallsyms; /* replaced on reload; read it under lock */
	int64_t kallsyms_reload_ns;
	int64_t kallsyms_refresh_ns; /* < 0: never */
	uint64_t kallsyms_attempt_ns; /* last (re)load attempt, CLOCK_MONOTONIC */
	uint64_t kallsyms_reloads; /* successful re-reads after misses */
	bool kallsyms_failing; /* last re-read failed (logged once) */
	uint64_t kallsyms_users; /* label sets with a kallsyms decoder: periodic refresh on */

	char *partitions_path;
	struct partitions *partitions; /* NULL until a majorminor decode needs it */
	uint64_t partitions_attempt_ns;
	int64_t partitions_refresh_ns; /* < 0: never */
	bool partitions_failing;

	struct ifaces *ifaces; /* NULL until an ifname decoder is set up */
	struct pcidb *pcidb; /* NULL until a pci_* decoder is set up */
	struct syscall_names *syscalls; /* NULL until a syscall decoder is set up */
	char *pci_ids_path;

	struct cgroup_monitor *cgroups; /* NULL when there is no cgroup v2 mount */

	/* Generation of each source, moved when its content changed (cgroups: see monitor). */
	uint64_t gen[DECODER_N_SOURCES];
	uint64_t poll_ns; /* last decoder_env__poll(), CLOCK_MONOTONIC */
	/* Set by a decoder during a decode whose result must not be cached (a lookup miss). */
	bool no_cache;

	struct decoder_cache_budget budget;
	void *attachment; /* decoder_env__set_attachment() */
	void (*attachment_free)(void *);

	/* Error log rate limit: last log time per (config, decoder), see label_set.h. */
	struct decoder_err_log *err_logs;
	size_t n_err_logs, err_logs_cap;
};

#endif
