// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_PERFBUF_H
#define EBPF_EXPORTER_PERFBUF_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "expo/expo.h"
#include "bpf/module.h"

struct decoder_env;

/*
 * perf_event_array counters: a counter with `perf_event_array: true` names a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY map. Every sample the BPF side writes with
 * bpf_perf_event_output() is truncated to the labels' Σ(size + padding), decoded with the
 * label decoders, and adds 1 to its label set, in user space. Every flush_interval all series
 * of the counter are dropped. Samples the kernel could not write because the perf buffer was
 * full are counted per map in ebpf_exporter_perf_event_array_lost_samples_total{config,map};
 * samples that fail to decode are counted per config (see perf_counters__decoder_errors()) and
 * dropped; a regexp skip drops the sample silently.
 *
 * One thread per set reads every perf buffer of the set. Each counter has its own lock;
 * scrapes only take those locks to copy the current values.
 *
 * A set belongs to one generation of the running configs. A counter whose config and module
 * are the same in the previous set is shared with it, not opened again: its perf buffer,
 * series, flush ticker, lost and decoder error counts carry on. Only one set's reader may run
 * at a time: stop the previous set before starting the next.
 */
struct perf_counters;

/* Pages per CPU of each perf buffer: 4 MiB per CPU with 4 KiB pages. */
#define PERF_COUNTERS_PAGES 1024

/* Poll timeout of the reader thread, in milliseconds. */
#define PERF_COUNTERS_POLL_MS 300

/*
 * Opens one libbpf perf buffer (PERF_COUNTERS_PAGES pages per CPU, mmapped and locked by the
 * kernel) for every perf_event_array counter of cfgs[0..n), on the map of mods[i] named like
 * the counter, and compiles each counter's labels against env. Configs whose module is NULL
 * are skipped. Call it before capabilities are dropped (the buffers need CAP_IPC_LOCK or
 * CAP_SYS_ADMIN beyond perf_event_mlock_kb), also in --config.check mode. No thread runs yet.
 * cfgs, mods and env are borrowed and must outlive the object; the modules' maps must stay
 * open until perf_counters__free(). prev (may be NULL) is the set of the running generation:
 * a counter of prev with the same counter_conf and module is shared instead of opened.
 * Returns 0 and *out (also when there are no such counters), or a negative errno with the
 * whole fatal log line in err, e.g. `Can't init PerfBuf: failed to initialize perf buffer for
 * map "oom_kills_total" of config "oomkill": cannot allocate memory` or `Error registering
 * exporter: config "oomkill": metric "oom_kills_total": label "x": unknown decoder "foo"`.
 */
int perf_counters__new(struct config **cfgs, struct module **mods, size_t n,
		       struct decoder_env *env, const struct perf_counters *prev,
		       struct perf_counters **out, char *err, size_t errlen);

/* Number of perf_event_array counters (0 when none). */
size_t perf_counters__count(const struct perf_counters *p);

/*
 * Starts the reader thread: it polls every buffer (PERF_COUNTERS_POLL_MS timeout), decodes
 * and counts samples, and drops each counter's series every flush_interval, counted from
 * the first start of a set holding the counter. Does nothing when there are no counters. Returns 0 or a negative errno with a
 * message in err. Not thread-safe against __stop/__free.
 */
int perf_counters__start(struct perf_counters *p, char *err, size_t errlen);

/*
 * Copies the current values into families owned by p: one counter family per perf counter
 * that has series (`ebpf_exporter_<name>`, labels in config order; none before the first
 * sample or right after a flush), then one family ebpf_exporter_perf_event_array_lost_samples_total
 * {config,map} with a series per perf counter (0 until samples are lost; never flushed).
 * Sets *fams and *n; the families, their samples and strings stay valid until the next
 * call or perf_counters__free(). Callers must serialize calls (the collector's lock); the
 * reader thread may run meanwhile. Returns 0 or -ENOMEM (then *n is 0).
 */
int perf_counters__collect(struct perf_counters *p, struct family **fams, size_t *n);

/*
 * Samples of config cfg_idx (its index in perf_counters__new's cfgs) that failed to decode so
 * far; to be added to ebpf_exporter_decoder_errors_total{config}. 0 for a NULL p. Thread-safe.
 */
uint64_t perf_counters__decoder_errors(const struct perf_counters *p, size_t cfg_idx);

/* Stops and joins the reader thread; samples are no longer read. Idempotent, NULL-tolerant. */
void perf_counters__stop(struct perf_counters *p);

/*
 * Stops the thread and drops the set's counters: a counter no other set shares is freed with
 * its perf buffer. NULL-tolerant.
 */
void perf_counters__free(struct perf_counters *p);

#endif
