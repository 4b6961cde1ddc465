// SPDX-License-Identifier: MIT
#include "caps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "util/log.h"

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

int caps_apply(const char *keep, char *err, size_t errlen)
{
	cap_t cur = cap_get_proc(), next = NULL;
	char *cur_text = NULL, *next_text = NULL, *list = NULL, *item, *save = NULL;
	cap_value_t vals[64];
	int n = 0, e = 0;

	if (!cur) {
		e = -errno;
		snprintf(err, errlen, "failed to read capabilities: %s", strerror(-e));
		return e;
	}
	cur_text = caps_text(cur);
	log_msg("Started with capabilities: \"%s\"", cur_text ? cur_text : "?");
	if (strcmp(keep, "all") == 0) {
		log_msg("Retaining all existing capabilities");
		goto out;
	}
	next = cap_init();
	if (!next) {
		e = -ENOMEM;
		goto out;
	}
	if (strcmp(keep, "none") != 0) {
		list = strdup(keep);
		if (!list) {
			e = -ENOMEM;
			goto out;
		}
		for (item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
			if (n == (int)(sizeof(vals) / sizeof(vals[0]))) {
				snprintf(err, errlen, "too many capabilities");
				e = -E2BIG;
				goto out;
			}
			e = parse_item(item, &vals[n], err, errlen);
			if (e)
				goto out;
			n++;
		}
		if (n && (cap_set_flag(next, CAP_PERMITTED, n, vals, CAP_SET) ||
			  cap_set_flag(next, CAP_EFFECTIVE, n, vals, CAP_SET))) {
			e = -errno;
			snprintf(err, errlen, "failed to build capability set: %s", strerror(-e));
			goto out;
		}
	}
	next_text = caps_text(next);
	if (cap_set_proc(next) != 0) {
		e = -errno;
		snprintf(err, errlen, "failed to drop capabilities: \"%s\" -> \"%s\": %s",
			 cur_text ? cur_text : "?", next_text ? next_text : "?",
			 e == -EPERM ? "operation not permitted" : strerror(-e));
		goto out;
	}
	log_msg("Dropped capabilities to \"%s\"", next_text ? next_text : "?");
out:
	if (e == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
	cap_free(cur);
	if (next)
		cap_free(next);
	free(cur_text);
	free(next_text);
	free(list);
	return e;
}
