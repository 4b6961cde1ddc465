// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_LOG_H
#define EBPF_EXPORTER_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/*
 * Logging to stderr in the format of Go's standard logger: a "YYYY/MM/DD HH:MM:SS " prefix in
 * local time unless timestamps are disabled; a newline is added only if missing. Each line is
 * written with a single write(2), so concurrent threads never interleave within a line.
 */
void log_setup(bool timestamps, bool debug);
bool log_debug_enabled(void);
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vmsg(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Logs only with --debug. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
