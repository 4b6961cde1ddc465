// SPDX-License-Identifier: MIT
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Set once at startup before any thread exists and only read afterwards; kept file-local so
 * every module can log without threading a handle through each call.
 */
static bool log_timestamps = true;
static bool log_debug_on;

void log_setup(bool timestamps, bool debug)
{
	log_timestamps = timestamps;
	log_debug_on = debug;
}

bool log_debug_enabled(void)
{
	return log_debug_on;
}

void log_vmsg(const char *fmt, va_list ap)
{
	char line[8192];
	size_t n = 0;
	int r;

	if (log_timestamps) {
		time_t now = time(NULL);
		struct tm tm;

		if (localtime_r(&now, &tm))
			n = strftime(line, sizeof(line), "%Y/%m/%d %H:%M:%S ", &tm);
	}
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r < 0)
		return;
	n += (size_t)r;
	if (n >= sizeof(line) - 1) {
		n = sizeof(line) - 2;
		line[n] = '\0';
	}
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	/* Best effort: nothing useful can be done when stderr is gone. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vmsg(fmt, ap);
	va_end(ap);
}
