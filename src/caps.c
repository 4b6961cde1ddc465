// SPDX-License-Identifier: MIT
/*
 * Capabilities are per thread in Linux, and capset(2) changes only the caller's. The exporter
 * links libpsx, which wraps pthread_create() and lets libcap repeat every capability system
 * call on each thread the process started, so cap_set_proc(), cap_drop_bound(),
 * cap_reset_ambient() and cap_prctlw() below change the whole process. Threads a shared
 * library starts itself are not wrapped, so after the drop every thread's status is read back
 * and any thread still holding more than was kept is an error.
 */
#include "caps.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "util/errno_text.h"
#include "util/log.h"

/* Room for every capability number a 64-bit mask can name. */
#define CAPS_MAX 64

/* libcap's text form of a set, e.g. "=ep" or "cap_bpf,cap_perfmon=ep". */
static char *caps_text(cap_t caps)
{
	char *t = cap_to_text(caps, NULL);
	char *dup;

	if (!t)
		return NULL;
	dup = strdup(t);
	cap_free(t);
	return dup;
}

/* One --capabilities.keep item: a libcap name (cap_bpf) or a decimal number. */
static int parse_item(const char *item, cap_value_t *out, char *err, size_t errlen)
{
	char *end;
	long v;

	if (cap_from_name(item, out) == 0)
		return 0;
	errno = 0;
	v = strtol(item, &end, 10);
	if (!*item || *end || errno || v < 0 || v > CAP_LAST_CAP) {
		snprintf(err, errlen,
			 "error parsing capability \"%s\": strconv.Atoi: parsing \"%s\": invalid "
			 "syntax",
			 item, item);
		return -EINVAL;
	}
	*out = (cap_value_t)v;
	return 0;
}

/* Parses the list into the bit mask of capabilities to keep. */
static int parse_keep(const char *keep, uint64_t *mask, char *err, size_t errlen)
{
	char *list, *item, *save = NULL;
	cap_value_t v;
	int e = 0;

	*mask = 0;
	if (strcmp(keep, "none") == 0)
		return 0;
	list = strdup(keep);
	if (!list)
		return -ENOMEM;
	for (item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		e = parse_item(item, &v, err, errlen);
		if (e)
			break;
		if (v >= CAPS_MAX) {
			snprintf(err, errlen, "capability %d is out of range", v);
			e = -ERANGE;
			break;
		}
		*mask |= 1ULL << v;
	}
	free(list);
	return e;
}

/* The permitted and effective sets holding exactly mask. */
static int build_set(uint64_t mask, cap_t *out, char *err, size_t errlen)
{
	char et[128];
	cap_value_t vals[CAPS_MAX];
	int n = 0;
	cap_t next;

	next = cap_init();
	if (!next)
		return -ENOMEM;
	for (int v = 0; v < CAPS_MAX; v++)
		if (mask & (1ULL << v))
			vals[n++] = v;
	if (n && (cap_set_flag(next, CAP_PERMITTED, n, vals, CAP_SET) ||
		  cap_set_flag(next, CAP_EFFECTIVE, n, vals, CAP_SET))) {
		int e = -errno;

		cap_free(next);
		snprintf(err, errlen, "failed to build capability set: %s",
			 errno_text(e, et, sizeof(et)));
		return e;
	}
	*out = next;
	return 0;
}

/*
 * Removes from the bounding set every capability not kept, so that no execve() can bring the
 * rest back. Needs cap_setpcap (can: the caller holds it); without it a bounding set that still
 * holds more is reported (no_new_privs, set afterwards, closes the execve() route all the same).
 */
static int drop_bounding(uint64_t keep, bool can, char *err, size_t errlen)
{
	char et[128];
	int missing = 0;

	/* the kernel's count, which may exceed what these headers name */
	for (int v = 0; v < CAPS_MAX && v < (int)cap_max_bits(); v++) {
		if (keep & (1ULL << v) || cap_get_bound(v) != 1)
			continue;
		if (!can) {
			missing++;
			continue;
		}
		if (cap_drop_bound(v) != 0) {
			int e = -errno;
			char *name = cap_to_name(v);

			snprintf(err, errlen, "failed to drop %s from the bounding set: %s",
				 name ? name : "?", errno_text(e, et, sizeof(et)));
			cap_free(name);
			return e;
		}
	}
	if (missing)
		log_msg("Bounding set keeps %d capabilities: dropping them needs cap_setpcap; "
			"no_new_privs keeps them from being regained",
			missing);
	return 0;
}

/* The value of a "CapXxx:\t%016llx" line of a status file, or -1 when absent. */
static int status_mask(const char *status, const char *key, uint64_t *out)
{
	const char *p = strstr(status, key);

	if (!p || sscanf(p + strlen(key), "%" SCNx64, out) != 1)
		return -1;
	return 0;
}

/*
 * Reads every /proc/self/task/TID/status and checks that each thread's effective and
 * permitted sets are exactly keep, that the ambient and inheritable sets are empty and that
 * the bounding set holds nothing else unless strict_bound is false. Returns the number of
 * threads checked, or a negative errno with the first offender in err.
 */
int caps_verify_threads(uint64_t keep, bool strict_bound, char *err, size_t errlen)
{
	char et[128];
	static const char *const keys[] = { "CapEff:", "CapPrm:", "CapAmb:", "CapInh:", "CapBnd:" };
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	int n = 0, e = 0;

	if (!d) {
		e = -errno;
		snprintf(err, errlen, "cannot list /proc/self/task: %s",
			 errno_text(e, et, sizeof(et)));
		return e;
	}
	while (!e && (de = readdir(d))) {
		char path[300], status[8192];
		uint64_t v[5];
		size_t len;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue; /* the thread has just exited */
		len = fread(status, 1, sizeof(status) - 1, f);
		fclose(f);
		status[len] = '\0';
		_Static_assert(sizeof(keys) / sizeof(keys[0]) == sizeof(v) / sizeof(v[0]),
			       "a value per status key");
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			if (status_mask(status, keys[k], &v[k])) {
				snprintf(err, errlen, "%s has no %s line", path, keys[k]);
				e = -EIO;
				break;
			}
		}
		if (e)
			break;
		if (v[0] != keep || v[1] != keep || v[2] || v[3] ||
		    (strict_bound && (v[4] & ~keep))) {
			snprintf(err, errlen,
				 "thread %s still holds capabilities after the drop (CapEff "
				 "%016" PRIx64 ", CapPrm %016" PRIx64 ", CapAmb %016" PRIx64
				 ", CapInh %016" PRIx64 ", CapBnd %016" PRIx64
				 "), expected %016" PRIx64,
				 de->d_name, v[0], v[1], v[2], v[3], v[4], keep);
			e = -EPERM;
			break;
		}
		n++;
	}
	closedir(d);
	return e ? e : n;
}

int caps_apply(const char *keep, char *err, size_t errlen)
{
	char et[128];
	cap_t cur = cap_get_proc(), next = NULL;
	char *cur_text = NULL, *next_text = NULL;
	cap_flag_value_t setpcap = CAP_CLEAR;
	uint64_t mask = 0;
	int e = 0;

	err[0] = '\0';
	if (!cur) {
		e = -errno;
		snprintf(err, errlen, "failed to read capabilities: %s",
			 errno_text(e, et, sizeof(et)));
		return e;
	}
	cur_text = caps_text(cur);
	log_msg("Started with capabilities: \"%s\"", cur_text ? cur_text : "?");
	if (strcmp(keep, "all") == 0) {
		log_msg("Retaining all existing capabilities");
		goto out;
	}
	e = parse_keep(keep, &mask, err, errlen);
	if (!e)
		e = build_set(mask, &next, err, errlen);
	if (e)
		goto out;
	next_text = caps_text(next);
	if (cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap) != 0)
		setpcap = CAP_CLEAR;
	/* The bounding set first: dropping from it needs cap_setpcap, which goes next. */
	e = drop_bounding(mask, setpcap == CAP_SET, err, errlen);
	if (e)
		goto out;
	if (cap_reset_ambient() != 0 && errno != EINVAL) {
		e = -errno;
		snprintf(err, errlen, "failed to clear the ambient set: %s",
			 errno_text(e, et, sizeof(et)));
		goto out;
	}
	if (cap_set_proc(next) != 0) {
		e = -errno;
		snprintf(err, errlen, "failed to drop capabilities: \"%s\" -> \"%s\": %s",
			 cur_text ? cur_text : "?", next_text ? next_text : "?",
			 errno_text(e, et, sizeof(et)));
		goto out;
	}
	if (cap_prctlw(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) != 0) {
		e = -errno;
		snprintf(err, errlen, "failed to set no_new_privs: %s",
			 errno_text(e, et, sizeof(et)));
		goto out;
	}
	e = caps_verify_threads(mask, setpcap == CAP_SET, err, errlen);
	if (e < 0)
		goto out;
	log_msg("Dropped capabilities to \"%s\"", next_text ? next_text : "?");
	e = 0;
out:
	if (e == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
	cap_free(cur);
	if (next)
		cap_free(next);
	free(cur_text);
	free(next_text);
	return e;
}
