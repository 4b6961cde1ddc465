// SPDX-License-Identifier: MIT
/*
 * cgroup_id_map.c: validation messages in upstream's words, and monitor events
 * applied to a real BPF hash map (created when the test may; skipped otherwise).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "bpf/cgroup_id_map.h"
#include "config/config.h"

static struct config *parse(const char *yaml)
{
	struct config *cfg = NULL;
	char err[1024] = "";

	if (config_parse(yaml, strlen(yaml), "/dir/c.yaml", "c", &cfg, err, sizeof(err)))
		fail_msg("config_parse: %s\n%s", err, yaml);
	return cfg;
}

#define CONFIG(map_lines) "metrics:\n  counters: []\ncgroup_id_map:\n" map_lines

static void test_no_map(void **state)
{
	struct config *cfg = parse("metrics:\n  counters: []\n");
	struct cgroup_id_map_target t = { .fd = -1 };
	struct cgroup_id_map *m = (struct cgroup_id_map *)1;
	char err[256] = "";

	assert_int_equal(cgroup_id_map__new_target(cfg, &t, &m, err, sizeof(err)), 0);
	assert_null(m);
	assert_int_equal(cgroup_id_map_check_kernel(cfg, err, sizeof(err)), 0);
	assert_int_equal(cgroup_id_map__start(NULL, NULL, err, sizeof(err)), 0);
	cgroup_id_map__free(NULL);
	config_free(cfg);
}

static void test_validation(void **state)
{
	static const struct {
		const char *yaml;
		struct cgroup_id_map_target t;
		int ret;
		const char *err; /* prefix */
	} cases[] = {
		{ CONFIG("  name: ids\n"),
		  { -1, 0, 8, 8 },
		  -ENOENT,
		  "failed to get map \"ids\": no map named \"ids\" in \"/dir/c.bpf.o\" (cgroup_id_map "
		  "of config \"c\", /dir/c.yaml line 3)" },
		{ CONFIG("  name: ids\n"),
		  { 100, 1, 4, 8 },
		  -EINVAL,
		  /* empty type as written, as upstream prints it */
		  "key size for map \"ids\" is not expected 8 bytes for map type , it is 4 bytes" },
		{ CONFIG("  name: ids\n  type: hash\n"),
		  { 100, 1, 16, 8 },
		  -EINVAL,
		  "key size for map \"ids\" is not expected 8 bytes for map type hash, it is 16 bytes" },
		{ CONFIG("  name: ids\n  type: cgrp_storage\n"),
		  { 100, BPF_MAP_TYPE_CGRP_STORAGE, 8, 8 },
		  -EINVAL,
		  "key size for map \"ids\" is not expected 4 bytes for map type cgrp_storage, it is 8 "
		  "bytes" },
		{ CONFIG("  name: ids\n  type: hash\n"),
		  { 100, 1, 8, 4 },
		  -EINVAL,
		  "value size for map \"ids\" is not expected 8 bytes (u64), it is 4 bytes" },
		{ CONFIG("  name: ids\n  type: cgrp_storage\n"),
		  { 100, 1, 4, 8 },
		  -EINVAL,
		  "map \"ids\" of config \"c\" is not a BPF_MAP_TYPE_CGRP_STORAGE map, as "
		  "cgroup_id_map type cgrp_storage needs (/dir/c.yaml line 3)" },
		{ CONFIG("  name: ids\n  regexps:\n    - ^ok$\n    - (unclosed\n"),
		  { 100, 1, 8, 8 },
		  -EINVAL,
		  "error compiling regexp \"(unclosed\": " },
		{ CONFIG("  name: ids\n  regexps:\n    - a\\\n"),
		  { 100, 1, 8, 8 },
		  -EINVAL,
		  "error compiling regexp \"a\\\\\": " },
		{ CONFIG("  name: ids\n  regexps:\n    - ^/sys/.*(system.slice/.*)$\n"),
		  { 100, 1, 8, 8 },
		  0,
		  "" },
		{ CONFIG("  name: ids\n  type: cgrp_storage\n"),
		  { 100, BPF_MAP_TYPE_CGRP_STORAGE, 4, 8 },
		  0,
		  "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *cfg = parse(cases[i].yaml);
		struct cgroup_id_map *m = NULL;
		char err[512] = "";
		int ret;

		ret = cgroup_id_map__new_target(cfg, &cases[i].t, &m, err, sizeof(err));
		if (ret != cases[i].ret || strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("case %zu: want %d \"%s\", got %d \"%s\"", i, cases[i].ret,
				 cases[i].err, ret, err);
		if (ret)
			assert_null(m);
		else
			assert_non_null(m);
		cgroup_id_map__free(m);
		config_free(cfg);
	}
}

/* This kernel has cgroup local storage, so the check passes here. */
static void test_check_kernel(void **state)
{
	struct config *cfg = parse(CONFIG("  name: ids\n  type: cgrp_storage\n"));
	char err[256] = "";

	if (geteuid() != 0) {
		config_free(cfg);
		skip();
	}
	assert_int_equal(cgroup_id_map_check_kernel(cfg, err, sizeof(err)), 0);
	config_free(cfg);
}

static int lookup(int fd, uint64_t id)
{
	uint64_t v = 0;

	if (bpf_map_lookup_elem(fd, &id, &v) != 0)
		return -1;
	return (int)v;
}

/* Events applied to a real hash map: matches are written, deletions removed. */
static void test_hash_events(void **state)
{
	struct config *cfg =
		parse(CONFIG("  name: ids\n  regexps:\n    - ^.*(system.slice/.*)$\n    - /ee$\n"));
	struct cgroup_id_map_target t = { .type = BPF_MAP_TYPE_HASH,
					  .key_size = 8,
					  .value_size = 8 };
	struct cgroup_id_map *m = NULL;
	char err[256] = "";

	t.fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ee_test_ids", 8, 8, 16, NULL);
	if (t.fd < 0) {
		config_free(cfg);
		skip(); /* needs CAP_BPF */
	}
	assert_int_equal(cgroup_id_map__new_target(cfg, &t, &m, err, sizeof(err)), 0);

	cgroup_id_map__on_event(m, 10, "/sys/fs/cgroup/system.slice/ssh.service", CGROUP_CREATED);
	cgroup_id_map__on_event(m, 11, "/sys/fs/cgroup/user.slice", CGROUP_CREATED);
	cgroup_id_map__on_event(m, 12, "/sys/fs/cgroup/a/ee", CGROUP_CREATED);
	cgroup_id_map__on_event(m, 13, "/sys/fs/cgroup/a/ee/b", CGROUP_CREATED);
	/* not valid UTF-8: matched as bytes all the same */
	cgroup_id_map__on_event(m, 14, "/sys/fs/cgroup/\xff\xfe/ee", CGROUP_CREATED);
	assert_int_equal(lookup(t.fd, 10), 1);
	assert_int_equal(lookup(t.fd, 11), -1);
	assert_int_equal(lookup(t.fd, 12), 1);
	assert_int_equal(lookup(t.fd, 13), -1);
	assert_int_equal(lookup(t.fd, 14), 1);

	cgroup_id_map__on_event(m, 10, "/sys/fs/cgroup/system.slice/ssh.service", CGROUP_DELETED);
	/* deleting what is not there (never matched, or deleted twice) is no error */
	cgroup_id_map__on_event(m, 11, "/sys/fs/cgroup/user.slice", CGROUP_DELETED);
	cgroup_id_map__on_event(m, 10, "/sys/fs/cgroup/system.slice/ssh.service", CGROUP_DELETED);
	assert_int_equal(lookup(t.fd, 10), -1);
	assert_int_equal(lookup(t.fd, 12), 1);
	assert_int_equal(cgroup_id_map__errors(m), 0);

	cgroup_id_map__free(m);
	close(t.fd);
	config_free(cfg);
}

/* Without any regexp nothing matches. */
static void test_no_regexps(void **state)
{
	struct config *cfg = parse(CONFIG("  name: ids\n"));
	struct cgroup_id_map_target t = { .type = BPF_MAP_TYPE_HASH,
					  .key_size = 8,
					  .value_size = 8 };
	struct cgroup_id_map *m = NULL;
	char err[256] = "";

	t.fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ee_test_ids", 8, 8, 16, NULL);
	if (t.fd < 0) {
		config_free(cfg);
		skip();
	}
	assert_int_equal(cgroup_id_map__new_target(cfg, &t, &m, err, sizeof(err)), 0);
	cgroup_id_map__on_event(m, 10, "/sys/fs/cgroup/system.slice/x", CGROUP_CREATED);
	assert_int_equal(lookup(t.fd, 10), -1);
	cgroup_id_map__free(m);
	close(t.fd);
	config_free(cfg);
}

/* cgrp_storage needs the cgroup's directory: a path that is gone is an error, logged. */
static void test_storage_open_error(void **state)
{
	struct config *cfg = parse(CONFIG("  name: ids\n  type: cgrp_storage\n  regexps: [x]\n"));
	struct cgroup_id_map_target t = {
		.fd = 1000000, .type = BPF_MAP_TYPE_CGRP_STORAGE, .key_size = 4, .value_size = 8
	};
	struct cgroup_id_map *m = NULL;
	char err[256] = "";

	assert_int_equal(cgroup_id_map__new_target(cfg, &t, &m, err, sizeof(err)), 0);
	cgroup_id_map__on_event(m, 10, "/nonexistent/x", CGROUP_CREATED);
	assert_int_equal(cgroup_id_map__errors(m), 1);
	/* the kernel frees cgroup storage itself: deletions do nothing */
	cgroup_id_map__on_event(m, 10, "/nonexistent/x", CGROUP_DELETED);
	assert_int_equal(cgroup_id_map__errors(m), 1);
	/* no monitor (no cgroup v2 hierarchy): the subscription fails as upstream words it */
	assert_int_equal(cgroup_id_map__start(m, NULL, err, sizeof(err)), -EOPNOTSUPP);
	assert_string_equal(err, "cgroup change subscription failed (fanotify not available)");
	cgroup_id_map__free(m);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_map),	     cmocka_unit_test(test_validation),
		cmocka_unit_test(test_check_kernel), cmocka_unit_test(test_hash_events),
		cmocka_unit_test(test_no_regexps),   cmocka_unit_test(test_storage_open_error),
	};

	return cmocka_run_group_tests_name("cgroup_id_map", tests, NULL, NULL);
}
