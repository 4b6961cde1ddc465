// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_CAPS_H
#define EBPF_EXPORTER_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Applies --capabilities.keep to every thread of the process: logs the starting set, then
 * keeps everything ("all"), or nothing ("none") or the listed capabilities (libcap names or
 * decimal numbers) in the permitted and effective sets of every thread, with empty ambient and
 * inheritable sets, the rest removed from the bounding set (when cap_setpcap allows it) and
 * no_new_privs set. Then checks every thread (caps_verify_threads()). Returns 0 or a negative
 * errno with a message in err (the caller prefixes `Error dropping capabilities: `).
 */
int caps_apply(const char *keep, char *err, size_t errlen);

/*
 * Checks each thread's /proc/self/task/TID/status: CapEff and CapPrm equal keep (a bit per
 * capability number), CapAmb and CapInh are empty and, when strict_bound, CapBnd holds nothing
 * beyond keep. Returns the number of threads checked, or a negative errno with the first
 * thread that differs named in err.
 */
int caps_verify_threads(uint64_t keep, bool strict_bound, char *err, size_t errlen);

#endif
