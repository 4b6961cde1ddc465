// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_CLOCK_H
#define EBPF_EXPORTER_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_SEC 1000000000ULL

/* A clock's time now, in nanoseconds. */
static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC now, in nanoseconds: every deadline and interval of the exporter. */
static inline uint64_t clock_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* CLOCK_MONOTONIC_COARSE (tick resolution, no system call): for checks on hot paths. */
static inline uint64_t clock_coarse_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

/* The CLOCK_MONOTONIC time ns (nanoseconds) as a timespec, for pthread_cond_timedwait(). */
static inline struct timespec clock_timespec(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / NS_PER_SEC),
			       .tv_nsec = (long)(ns % NS_PER_SEC) };

	return ts;
}

#endif
