// SPDX-License-Identifier: MIT
#include "bpf/cgroup_id_map.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/errno_text.h"
#include "util/gofmt.h"
#include "bpf/module.h"
#include "util/log.h"

struct cgroup_id_map {
	const struct config *cfg;
	const char *name; /* the map's name, borrowed from cfg */
	bool cgrp_storage;
	int map_fd; /* owned by the object */
	pcre2_code **res;
	pcre2_match_data **mds; /* one per pattern: events arrive one at a time */
	size_t n_res;
	struct cgroup_monitor *mon; /* set once subscribed */
	uint64_t errors; /* atomic */
};

int cgroup_id_map_check_kernel(const struct config *cfg, char *err, size_t errlen)
{
	const struct cgroup_id_map_conf *c = &cfg->cgroup_id_map;

	if (!*c->name || strcmp(c->type, "cgrp_storage") != 0)
		return 0;
	/* 1: supported, 0: not, < 0: libbpf cannot probe it (leave it to the load). */
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_CGRP_STORAGE, NULL) != 0)
		return 0;
	snprintf(err, errlen,
		 "cgroup_id_map \"%s\" of config \"%s\" has type cgrp_storage, but this kernel "
		 "does not support BPF_MAP_TYPE_CGRP_STORAGE maps (Linux 6.2 or later needed); use "
		 "type hash",
		 c->name, cfg->name);
	return -EOPNOTSUPP;
}

static int compile(struct cgroup_id_map *m, const struct cgroup_id_map_conf *c, char *err,
		   size_t errlen)
{
	/* As the regexp decoder runs Go RE2 patterns; paths need not be valid UTF-8. */
	const uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY |
			       PCRE2_NEVER_BACKSLASH_C;
	pcre2_compile_context *cctx;
	size_t i;
	int e = 0;

	m->res = calloc(c->n_regexps + 1, sizeof(*m->res));
	m->mds = calloc(c->n_regexps + 1, sizeof(*m->mds));
	cctx = pcre2_compile_context_create(NULL);
	if (!m->res || !m->mds || !cctx || pcre2_set_newline(cctx, PCRE2_NEWLINE_LF) != 0) {
		e = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c->n_regexps; i++) {
		const char *re = c->regexps[i] ? c->regexps[i] : "";
		PCRE2_UCHAR msg[256];
		PCRE2_SIZE off;
		int code;

		m->res[i] = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, flags, &code, &off,
					  cctx);
		m->n_res = i + 1;
		if (!m->res[i]) {
			if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
				snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", code);
			err[0] = '\0';
			gofmt_appendf(err, errlen, "error compiling regexp ");
			gofmt_append_quote(err, errlen, re, strlen(re));
			gofmt_appendf(err, errlen, ": %s (%s line %d)", (const char *)msg,
				      m->cfg->yaml_path,
				      c->regexp_lines ? c->regexp_lines[i] : c->line);
			e = -EINVAL;
			goto out;
		}
		(void)pcre2_jit_compile(m->res[i], PCRE2_JIT_COMPLETE);
		m->mds[i] = pcre2_match_data_create_from_pattern(m->res[i], NULL);
		if (!m->mds[i]) {
			e = -ENOMEM;
			goto out;
		}
	}
out:
	if (e == -ENOMEM)
		snprintf(err, errlen, "cgroup_id_map \"%s\" of config \"%s\": out of memory",
			 c->name, m->cfg->name);
	pcre2_compile_context_free(cctx);
	return e;
}

int cgroup_id_map__new_target(const struct config *cfg, const struct cgroup_id_map_target *t,
			      struct cgroup_id_map **out, char *err, size_t errlen)
{
	const struct cgroup_id_map_conf *c = &cfg->cgroup_id_map;
	bool storage = strcmp(c->type, "cgrp_storage") == 0;
	struct cgroup_id_map *m;
	uint32_t want_key;
	int e;

	*out = NULL;
	if (!*c->name)
		return 0;
	if (t->fd < 0) {
		snprintf(err, errlen,
			 "failed to get map \"%s\": no map named \"%s\" in \"%s\" (cgroup_id_map "
			 "of config \"%s\", %s line %d)",
			 c->name, c->name, cfg->obj_path, cfg->name, cfg->yaml_path, c->line);
		return -ENOENT;
	}
	/* Any type other than these two is a config error (config.c); upstream expects 0. */
	want_key = storage ? 4 : (!*c->type || strcmp(c->type, "hash") == 0) ? 8 : 0;
	if (t->key_size != want_key) {
		snprintf(err, errlen,
			 "key size for map \"%s\" is not expected %u bytes for map type %s, it is "
			 "%u bytes",
			 c->name, want_key, c->type, t->key_size);
		return -EINVAL;
	}
	if (t->value_size != 8) {
		snprintf(err, errlen,
			 "value size for map \"%s\" is not expected 8 bytes (u64), it is %u bytes",
			 c->name, t->value_size);
		return -EINVAL;
	}
	if (storage && t->type != BPF_MAP_TYPE_CGRP_STORAGE) {
		snprintf(err, errlen,
			 "map \"%s\" of config \"%s\" is not a BPF_MAP_TYPE_CGRP_STORAGE map, as "
			 "cgroup_id_map type cgrp_storage needs (%s line %d)",
			 c->name, cfg->name, cfg->yaml_path, c->line);
		return -EINVAL;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = cfg;
	m->name = c->name;
	m->cgrp_storage = storage;
	m->map_fd = t->fd;
	e = compile(m, c, err, errlen);
	if (e) {
		cgroup_id_map__free(m);
		return e;
	}
	*out = m;
	return 0;
}

int cgroup_id_map__new(const struct config *cfg, struct bpf_object *obj, struct cgroup_id_map **out,
		       char *err, size_t errlen)
{
	const struct bpf_map *map = NULL;
	struct cgroup_id_map_target t = { .fd = -1 };

	*out = NULL;
	if (!*cfg->cgroup_id_map.name)
		return 0;
	map = bpf_object__find_map_by_name(obj, cfg->cgroup_id_map.name);
	if (map) {
		t.fd = bpf_map__fd(map);
		t.type = bpf_map__type(map);
		t.key_size = bpf_map__key_size(map);
		t.value_size = bpf_map__value_size(map);
	}
	return cgroup_id_map__new_target(cfg, &t, out, err, errlen);
}

static bool matches(struct cgroup_id_map *m, const char *path)
{
	size_t len = strlen(path), i;

	for (i = 0; i < m->n_res; i++)
		if (pcre2_match(m->res[i], (PCRE2_SPTR)path, len, 0, 0, m->mds[i], NULL) >= 0)
			return true;
	return false;
}

static void update(struct cgroup_id_map *m, uint64_t id, const char *path)
{
	const uint64_t one = 1;
	char et[128];
	int fd, e;

	if (!matches(m, path))
		return;
	if (!m->cgrp_storage) {
		if (bpf_map_update_elem(m->map_fd, &id, &one, BPF_ANY) == 0)
			return;
		e = -errno;
		__atomic_add_fetch(&m->errors, 1, __ATOMIC_RELAXED);
		log_msg("Error updating CgroupIDMap: failed to update map %s: %s", m->name,
			errno_text(e, et, sizeof(et)));
		return;
	}
	/* Cgroup local storage is keyed by an open fd of the cgroup's directory. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		__atomic_add_fetch(&m->errors, 1, __ATOMIC_RELAXED);
		log_msg("Error opening cgroup path %s: open %s: %s", path, path,
			errno_text(e, et, sizeof(et)));
		log_msg("Error updating CgroupIDMap: open %s: %s", path,
			errno_text(e, et, sizeof(et)));
		return;
	}
	if (bpf_map_update_elem(m->map_fd, &fd, &one, BPF_ANY) != 0) {
		e = -errno;
		__atomic_add_fetch(&m->errors, 1, __ATOMIC_RELAXED);
		log_msg("Error updating CgroupIDMap: failed to update map %s: %s", m->name,
			errno_text(e, et, sizeof(et)));
	}
	close(fd);
}

static void remove_id(struct cgroup_id_map *m, uint64_t id)
{
	char et[128];
	int e;

	/* The kernel frees a cgroup's local storage with the cgroup. */
	if (m->cgrp_storage)
		return;
	if (bpf_map_delete_elem(m->map_fd, &id) == 0)
		return;
	e = -errno;
	if (e == -ENOENT)
		return;
	__atomic_add_fetch(&m->errors, 1, __ATOMIC_RELAXED);
	log_msg("Error deleting key from CgroupIDMap %s: failed to delete key %llu from map %s: %s",
		m->name, (unsigned long long)id, m->name, errno_text(e, et, sizeof(et)));
}

void cgroup_id_map__on_event(void *ctx, uint64_t id, const char *path, enum cgroup_event ev)
{
	struct cgroup_id_map *m = ctx;

	if (ev == CGROUP_DELETED)
		remove_id(m, id);
	else
		update(m, id, path);
}

int cgroup_id_map__start(struct cgroup_id_map *m, struct cgroup_monitor *mon, char *err,
			 size_t errlen)
{
	int e;

	if (!m)
		return 0;
	e = mon ? cgroup_monitor__subscribe(mon, cgroup_id_map__on_event, m) : -EOPNOTSUPP;
	if (e == -EOPNOTSUPP) {
		snprintf(err, errlen, "cgroup change subscription failed (fanotify not available)");
		return e;
	}
	if (e) {
		snprintf(err, errlen,
			 "cgroup change subscription failed for cgroup_id_map \"%s\" of config "
			 "\"%s\": out of memory",
			 m->name, m->cfg->name);
		return e;
	}
	m->mon = mon;
	return 0;
}

uint64_t cgroup_id_map__errors(const struct cgroup_id_map *m)
{
	return m ? __atomic_load_n(&m->errors, __ATOMIC_RELAXED) : 0;
}

void cgroup_id_map__free(struct cgroup_id_map *m)
{
	size_t i;

	if (!m)
		return;
	if (m->mon)
		cgroup_monitor__unsubscribe(m->mon, cgroup_id_map__on_event, m);
	for (i = 0; i < m->n_res; i++) {
		pcre2_match_data_free(m->mds[i]);
		pcre2_code_free(m->res[i]);
	}
	free(m->res);
	free(m->mds);
	free(m);
}
