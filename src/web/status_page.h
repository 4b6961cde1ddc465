// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_STATUS_PAGE_H
#define EBPF_EXPORTER_STATUS_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct status_view;

/*
 * The status page served on / (and on every path no other route takes), in the exporter
 * toolkit's landing page form: its stylesheet, header and color, the name, the description,
 * the version line and the links (the telemetry path, /maps with debug); then the uptime,
 * the configs (files, load time, decoder errors), each program (section, attached or the
 * error that kept it from attaching, id, run count and time when kernel.bpf_stats_enabled
 * is on), each map (type, key and value size, entries of max entries) and the last reload.
 * Plain HTML and CSS, every string escaped, tables scrolling inside their own box on narrow
 * screens. Appends to out; returns 0 or -ENOMEM.
 */
int status_page_write(struct buf *out, const struct status_view *v, const char *telemetry_path,
		      bool debug);

/* Appends s for HTML text or an attribute value: &, <, >, " and ' as entities. */
int html_escape(struct buf *b, const char *s);

/* 1234567 as "1,234,567". */
void status_fmt_count(uint64_t n, char *out, size_t len);

/*
 * A duration in nanoseconds for people: "0s", "59s", "1m 0s", "2h 3m", "4d 5h" (the two
 * largest units, seconds rounded down).
 */
void status_fmt_age(uint64_t ns, char *out, size_t len);

/* A run time in nanoseconds: "0 ns", "999 ns", "1.50 µs", "12.3 ms", "4.00 s" (3 digits). */
void status_fmt_ns(double ns, char *out, size_t len);

/* A CLOCK_REALTIME time in nanoseconds as "2024-05-01 12:34:56 UTC". */
void status_fmt_time(uint64_t ns, char *out, size_t len);

#endif
