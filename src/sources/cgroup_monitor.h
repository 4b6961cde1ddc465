// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_CGROUP_H
#define EBPF_EXPORTER_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * The cgroup v2 monitor: an index from cgroup id (the inode number of the
 * cgroup's directory, what bpf_get_current_cgroup_id() returns) to the absolute path of that
 * directory, e.g. `/sys/fs/cgroup/unified/system.slice/ssh.service`; the mount point itself is
 * the root cgroup.
 *
 * The v2 hierarchy is found in /proc/self/mountinfo (first `cgroup2` mount), never assumed.
 * The index is built by a walk of the hierarchy, then kept current by fanotify (FAN_CREATE and
 * FAN_DELETE of directories on the whole filesystem, FAN_REPORT_DFID_NAME: kernel >= 6.6 and
 * CAP_SYS_ADMIN) on a thread of its own. Where fanotify is not available the monitor logs
 * `Using on-demand resolution for cgroups (fanotify not available)` and walks again when a
 * lookup misses (at most once per second) and once per GC interval.
 *
 * A deleted cgroup keeps resolving for a grace period (10 minutes by default) after its
 * deletion was seen, then it is forgotten by the GC (every minute); a directory created again
 * with the same inode replaces the old entry. Renames are not tracked.
 *
 * Every function is thread-safe.
 */
struct cgroup_monitor;

struct cgroup_monitor_opts {
	/* Directory to index; NULL: the first cgroup2 mount point in mountinfo_path. */
	const char *root;
	const char *mountinfo_path; /* NULL: /proc/self/mountinfo */
	bool no_fanotify; /* walk on demand even where fanotify works */
	long gc_interval_ms; /* 0: 60 s */
	long grace_ms; /* 0: 10 min; negative: forget at once */
	/* Walker: minimum time between two walks caused by misses; 0: 1 s; negative: none. */
	long rewalk_ms;
};

enum cgroup_event {
	CGROUP_CREATED = 1,
	CGROUP_DELETED = 2,
};

/*
 * A subscriber's callback: cgroup id was created (or found by the initial walk) or deleted,
 * with its absolute path (borrowed for the call). Called with the monitor's lock held, from the
 * subscribing thread for the initial walk and from the monitor's thread afterwards: it must be
 * quick and must not call back into the monitor.
 */
typedef void (*cgroup_event_fn)(void *ctx, uint64_t id, const char *path, enum cgroup_event ev);

/*
 * The mount point of the first cgroup2 filesystem in a mountinfo file (octal escapes undone),
 * malloc'd into *out. Returns 0, or a negative errno with a message: `no cgroup2 mount in
 * /proc/self/mountinfo`, `error opening /x: no such file or directory`.
 */
int cgroup_find_v2_mount(const char *mountinfo, char **out, char *err, size_t errlen);

/*
 * Finds the hierarchy, walks it and starts watching. Returns 0 and *out (free with
 * cgroup_monitor__free()), or a negative errno with a message: `no cgroup2 mount in
 * /proc/self/mountinfo`, `error walking "/x": permission denied`. opts may be NULL.
 */
int cgroup_monitor__new(const struct cgroup_monitor_opts *opts, struct cgroup_monitor **out,
			char *err, size_t errlen);

/* Stops the thread and frees everything. NULL-tolerant. */
void cgroup_monitor__free(struct cgroup_monitor *m);

/* Whether changes arrive by fanotify (else the monitor walks on demand). */
bool cgroup_monitor__uses_fanotify(const struct cgroup_monitor *m);

/* The indexed directory (the v2 mount point), borrowed from m. */
const char *cgroup_monitor__root(const struct cgroup_monitor *m);

/*
 * Appends the path of cgroup id to out. Before answering -ENOENT it takes in the events
 * already queued (fanotify) or walks again (walker, at most once per rewalk_ms). Returns 0,
 * -ENOENT, or -ENOMEM.
 */
int cgroup_monitor__path(struct cgroup_monitor *m, uint64_t id, struct buf *out);

/*
 * A number that moves whenever a known id changed its path or was forgotten: results derived
 * from paths stay valid while it does not move. (New ids do not move it.)
 */
uint64_t cgroup_monitor__generation(struct cgroup_monitor *m);

/* Number of ids indexed, deleted ones in their grace period included. */
size_t cgroup_monitor__count(struct cgroup_monitor *m);

/*
 * Registers fn: it first gets every id currently known as CGROUP_CREATED (deleted ones in
 * their grace period excluded), synchronously, then every later create and delete. Returns 0,
 * -ENOMEM, or -EOPNOTSUPP when the monitor walks on demand (it sees changes too late to
 * report them; cgroup_id_map makes that fatal).
 */
int cgroup_monitor__subscribe(struct cgroup_monitor *m, cgroup_event_fn fn, void *ctx);

/* Removes a subscription (the same fn and ctx); after it returns fn is not called again. */
void cgroup_monitor__unsubscribe(struct cgroup_monitor *m, cgroup_event_fn fn, void *ctx);

/* Takes in every fanotify event queued so far (tests; lookups do it on a miss). */
void cgroup_monitor__sync(struct cgroup_monitor *m);

/* Runs the GC now (tests): forgets entries deleted longer than the grace period ago. */
void cgroup_monitor__gc(struct cgroup_monitor *m);

#endif
