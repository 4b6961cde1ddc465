// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_CGROUP_ID_MAP_H
#define EBPF_EXPORTER_CGROUP_ID_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "sources/cgroup_monitor.h"
#include "config/config.h"

struct bpf_object;

/*
 * cgroup_id_map: keeps a BPF map of the config's object in step with the cgroups
 * whose absolute paths match any of the config's regexps (unanchored, Go RE2 syntax run by
 * PCRE2), so BPF programs can filter by cgroup cheaply. Type `hash` (the default): key = the
 * u64 cgroup id, value = u64 1; deleted cgroups are deleted from the map. Type `cgrp_storage`
 * (a BPF_MAP_TYPE_CGRP_STORAGE map): value u64 1 stored on the cgroup itself, keyed by an fd of
 * its directory; the kernel drops the storage with the cgroup. The map is not cleared at start
 * and renames are not followed, as upstream.
 */
struct cgroup_id_map;

#ifndef BPF_MAP_TYPE_CGRP_STORAGE
/* Linux 6.2; libbpf 1.1's uapi headers may predate it. */
#define BPF_MAP_TYPE_CGRP_STORAGE 32
#endif

/*
 * For a config whose cgroup_id_map has type cgrp_storage: checks, before its object is
 * loaded, that the kernel has BPF_MAP_TYPE_CGRP_STORAGE (else loading would fail with a bare
 * "invalid argument"). Returns 0 (also for other configs, and when libbpf cannot tell), or
 * -EOPNOTSUPP with a message naming the config, the map and the missing map type.
 */
int cgroup_id_map_check_kernel(const struct config *cfg, char *err, size_t errlen);

/*
 * Validates the config's cgroup_id_map against its loaded object, in upstream's words: `failed
 * to get map "m": ...`, `key size for map "m" is not expected 8 bytes for map type hash, it is
 * 4 bytes` (the type as written, 4 bytes expected for cgrp_storage), `value size for map "m"
 * is not expected 8 bytes (u64), it is 4 bytes`, `error compiling regexp "(": ...`; a
 * cgrp_storage map must also be of that map type. Returns 0 and *out (NULL when the config has
 * no cgroup_id_map), or a negative errno with the message in err. cfg and obj are borrowed and
 * must outlive the map object.
 */
int cgroup_id_map__new(const struct config *cfg, struct bpf_object *obj, struct cgroup_id_map **out,
		       char *err, size_t errlen);

/*
 * What cgroup_id_map__new() finds in the object, for tests that bring a map of their own:
 * fd < 0 means the object has no map of that name.
 */
struct cgroup_id_map_target {
	int fd;
	uint32_t type; /* enum bpf_map_type */
	uint32_t key_size;
	uint32_t value_size;
};

/* Same as cgroup_id_map__new(), on a map described by t (fd borrowed). */
int cgroup_id_map__new_target(const struct config *cfg, const struct cgroup_id_map_target *t,
			      struct cgroup_id_map **out, char *err, size_t errlen);

/*
 * Subscribes to mon: every cgroup it knows now is written first (before this returns), then
 * creations and deletions as they happen, from the monitor's thread. Update errors are logged
 * (`Error updating CgroupIDMap: ...`, `Error deleting key from CgroupIDMap <m>: ...`), never
 * fatal. Returns 0, or a negative errno with `cgroup change subscription failed (fanotify not
 * available)` (mon walks on demand, or is NULL: no cgroup v2 hierarchy) in err. NULL m: 0.
 */
int cgroup_id_map__start(struct cgroup_id_map *m, struct cgroup_monitor *mon, char *err,
			 size_t errlen);

/*
 * The event callback the subscription uses (exposed for tests): applies one monitor event to
 * the map. ctx is the struct cgroup_id_map.
 */
void cgroup_id_map__on_event(void *ctx, uint64_t id, const char *path, enum cgroup_event ev);

/* Number of map writes and deletes that failed so far (tests). */
uint64_t cgroup_id_map__errors(const struct cgroup_id_map *m);

/* Unsubscribes and frees; the BPF map is left as it is. NULL-tolerant. */
void cgroup_id_map__free(struct cgroup_id_map *m);

#endif
