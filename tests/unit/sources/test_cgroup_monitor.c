// SPDX-License-Identifier: MIT
/*
 * The cgroup monitor and the cgroup decoder: mountinfo parsing, the walker on
 * a plain directory tree, and fanotify on this machine's real cgroup v2 hierarchy (as root).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sources/cgroup_monitor.h"
#include "decoder_harness.h"

static char mi_path[4096];

static const char *mountinfo(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');

	snprintf(mi_path, sizeof(mi_path), "%.*s/../fixtures/cgroup/%s",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".", name);
	return mi_path;
}

static uint64_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static void expect_path(struct cgroup_monitor *m, uint64_t id, const char *want)
{
	struct buf out = { 0 };
	int ret = cgroup_monitor__path(m, id, &out);

	if (!want) {
		if (ret != -ENOENT)
			fail_msg("id %llu: want unknown, got %d \"%s\"", (unsigned long long)id,
				 ret, out.data ? out.data : "");
	} else {
		if (ret != 0)
			fail_msg("id %llu: want \"%s\", got %d", (unsigned long long)id, want, ret);
		assert_string_equal(out.data, want);
	}
	buf_free(&out);
}

/* --- mountinfo --- */

static void test_mountinfo(void **state)
{
	char err[256], *root = NULL;

	assert_int_equal(cgroup_find_v2_mount(mountinfo("mountinfo-hybrid.txt"), &root, err,
					      sizeof(err)),
			 0);
	assert_string_equal(root, "/sys/fs/cgroup/unified"); /* the first cgroup2 mount */
	free(root);
	assert_int_equal(cgroup_find_v2_mount(mountinfo("mountinfo-escaped.txt"), &root, err,
					      sizeof(err)),
			 0);
	assert_string_equal(root, "/mnt/my cgroup\\v2");
	free(root);
	assert_int_equal(cgroup_find_v2_mount(mountinfo("mountinfo-v1.txt"), &root, err,
					      sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "no cgroup2 mount in "));
	assert_int_equal(cgroup_find_v2_mount("/nonexistent/mountinfo", &root, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "error opening /nonexistent/mountinfo: No such file or directory");
	/* This machine's own, when it has cgroup v2. */
	if (cgroup_find_v2_mount("/proc/self/mountinfo", &root, err, sizeof(err)) == 0) {
		assert_true(root[0] == '/');
		free(root);
	}
}

/* --- walker, on a directory tree of our own --- */

struct tree {
	char root[64];
};

static void tree_mkdir(struct tree *t, const char *rel, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", t->root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void tree_rm(struct tree *t)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
}

static void test_walker(void **state)
{
	struct cgroup_monitor_opts opts = { .no_fanotify = true,
					    .rewalk_ms = -1,
					    .grace_ms = 60000 };
	struct tree t = { .root = "/tmp/test_cgroup_XXXXXX" };
	char a[128], b[128], c[128], moved[128], err[256];
	struct cgroup_monitor *m = NULL;
	uint64_t ia, ib, ic, g;

	assert_non_null(mkdtemp(t.root));
	tree_mkdir(&t, "a", a, sizeof(a));
	tree_mkdir(&t, "a/b", b, sizeof(b));
	/* Files are not cgroups. */
	snprintf(c, sizeof(c), "%s/a/file", t.root);
	write_file(c, "x");
	opts.root = t.root;
	assert_int_equal(cgroup_monitor__new(&opts, &m, err, sizeof(err)), 0);
	assert_false(cgroup_monitor__uses_fanotify(m));
	assert_string_equal(cgroup_monitor__root(m), t.root);
	ia = inode_of(a);
	ib = inode_of(b);
	expect_path(m, inode_of(t.root), t.root);
	expect_path(m, ia, a);
	expect_path(m, ib, b);
	expect_path(m, inode_of(c), NULL);
	assert_int_equal(cgroup_monitor__count(m), 3);

	/* Created after start: a miss walks again. */
	tree_mkdir(&t, "a/b/c", c, sizeof(c));
	ic = inode_of(c);
	expect_path(m, ic, c);

	/* A move keeps the inode: the new path replaces the old one and survives the GC. */
	g = cgroup_monitor__generation(m);
	snprintf(moved, sizeof(moved), "%s/moved", t.root);
	assert_int_equal(rename(b, moved), 0);
	cgroup_monitor__gc(m);
	assert_int_not_equal(cgroup_monitor__generation(m), g);
	snprintf(c, sizeof(c), "%s/moved/c", t.root);
	expect_path(m, ib, moved);
	expect_path(m, ic, c);

	/* Removed: still resolves in the grace period. */
	assert_int_equal(rmdir(c), 0);
	cgroup_monitor__gc(m);
	expect_path(m, ic, c);
	assert_int_equal(cgroup_monitor__count(m), 4);

	/* Subscriptions need fanotify. */
	assert_int_equal(cgroup_monitor__subscribe(m, NULL, NULL), -EOPNOTSUPP);
	cgroup_monitor__free(m);

	/* No grace: forgotten at the next GC, and the generation moves. */
	opts.grace_ms = -1;
	assert_int_equal(cgroup_monitor__new(&opts, &m, err, sizeof(err)), 0);
	expect_path(m, ib, moved);
	g = cgroup_monitor__generation(m);
	assert_int_equal(rmdir(moved), 0);
	cgroup_monitor__gc(m);
	expect_path(m, ib, NULL);
	assert_int_not_equal(cgroup_monitor__generation(m), g);
	expect_path(m, ia, a);
	cgroup_monitor__free(m);
	cgroup_monitor__free(NULL);

	/* Errors name what failed. */
	opts.root = "/nonexistent/cgroup";
	assert_int_equal(cgroup_monitor__new(&opts, &m, err, sizeof(err)), -ENOENT);
	assert_string_equal(err,
			    "error opening \"/nonexistent/cgroup\": No such file or directory");
	opts.root = NULL;
	opts.mountinfo_path = mountinfo("mountinfo-v1.txt");
	assert_int_equal(cgroup_monitor__new(&opts, &m, err, sizeof(err)), -ENOENT);
	tree_rm(&t);
}

/* --- the decoder --- */

static void test_decoder(void **state)
{
	struct cgroup_monitor_opts copts = { .no_fanotify = true, .rewalk_ms = -1 };
	struct decoder_env_opts opts = { .cgroup_opts = &copts };
	struct tree t = { .root = "/tmp/test_cgroup_XXXXXX" };
	struct decoder_env *env;
	char a[128], in[32], want[64];
	struct result r;

	assert_non_null(mkdtemp(t.root));
	copts.root = t.root;
	env = new_env_opts(&opts);
	assert_non_null(decoder_env__cgroups(env));

	/* Known ids, after a uint decoder's decimal text. */
	snprintf(in, sizeof(in), "%llu", (unsigned long long)inode_of(t.root));
	expect_out(env, "cgroup", NULL, S(in), S(t.root));
	tree_mkdir(&t, "system.slice", a, sizeof(a));
	snprintf(in, sizeof(in), "%llu", (unsigned long long)inode_of(a));
	run(env, "cgroup", NULL, S(in), &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, a);
	assert_false(r.no_cache);

	/* Unknown: not an error, not cached. */
	run(env, "cgroup", NULL, B("123456789012"), &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, "unknown_cgroup_id:123456789012");
	assert_true(r.no_cache);
	expect_out(env, "cgroup", NULL, B("-5"), B("unknown_cgroup_id:-5"));

	/* Not a number. */
	expect_err(env, "cgroup", NULL, B("abc"), -EINVAL,
		   "strconv.Atoi: parsing \"abc\": invalid syntax");
	expect_err(env, "cgroup", NULL, B(""), -EINVAL,
		   "strconv.Atoi: parsing \"\": invalid syntax");
	expect_err(env, "cgroup", NULL, B("18446744073709551615"), -ERANGE,
		   "strconv.Atoi: parsing \"18446744073709551615\": value out of range");
	decoder_env__free(env);

	/* Without a monitor every id is unknown. */
	struct decoder_env_opts none = { .no_cgroups = true };

	env = new_env_opts(&none);
	snprintf(want, sizeof(want), "unknown_cgroup_id:%s", in);
	expect_out(env, "cgroup", NULL, S(in), S(want));
	decoder_env__free(env);
	tree_rm(&t);
}

/* --- fanotify on the real cgroup v2 hierarchy --- */

struct events {
	int created, deleted, root_seen;
	uint64_t last_id;
	char last_path[256];
	enum cgroup_event last_ev;
	const char *root;
};

static void on_event(void *ctx, uint64_t id, const char *path, enum cgroup_event ev)
{
	struct events *e = ctx;

	if (ev == CGROUP_CREATED)
		e->created++;
	else
		e->deleted++;
	if (strcmp(path, e->root) == 0)
		e->root_seen++;
	e->last_id = id;
	e->last_ev = ev;
	snprintf(e->last_path, sizeof(e->last_path), "%s", path);
}

static void test_fanotify(void **state)
{
	struct cgroup_monitor_opts opts = { .grace_ms = 60000 };
	struct cgroup_monitor *m = NULL;
	struct events ev = { 0 };
	char base[256], child[300], err[256];
	uint64_t ibase, ichild, g;
	int i, initial;

	if (geteuid() != 0 || cgroup_monitor__new(&opts, &m, err, sizeof(err)) != 0)
		skip();
	if (!cgroup_monitor__uses_fanotify(m)) {
		cgroup_monitor__free(m);
		skip();
	}
	ev.root = cgroup_monitor__root(m);
	assert_int_equal(cgroup_monitor__subscribe(m, on_event, &ev), 0);
	initial = ev.created;
	assert_int_equal(ev.root_seen, 1); /* the initial walk includes the root */
	assert_int_equal((size_t)initial, cgroup_monitor__count(m));

	/* Created after start: known once the event is in, without a walk. */
	snprintf(base, sizeof(base), "%s/ee-unit-%d", cgroup_monitor__root(m), (int)getpid());
	assert_int_equal(mkdir(base, 0755), 0);
	snprintf(child, sizeof(child), "%s/child", base);
	assert_int_equal(mkdir(child, 0755), 0);
	ibase = inode_of(base);
	ichild = inode_of(child);
	cgroup_monitor__sync(m);
	assert_int_equal(ev.created, initial + 2);
	assert_int_equal(ev.last_id, ichild);
	assert_string_equal(ev.last_path, child);
	expect_path(m, ibase, base);
	expect_path(m, ichild, child);

	/* The monitor's thread takes events in by itself too. */
	rmdir(child);
	for (i = 0; i < 100 && ev.deleted == 0; i++)
		usleep(10 * 1000);
	assert_int_equal(ev.deleted, 1);
	assert_int_equal(ev.last_ev, CGROUP_DELETED);
	assert_int_equal(ev.last_id, ichild);
	/* Deleted: resolves in the grace period, the GC keeps it. */
	g = cgroup_monitor__generation(m);
	cgroup_monitor__gc(m);
	expect_path(m, ichild, child);
	assert_int_equal(cgroup_monitor__generation(m), g);

	cgroup_monitor__unsubscribe(m, on_event, &ev);
	assert_int_equal(rmdir(base), 0);
	cgroup_monitor__sync(m);
	assert_int_equal(ev.deleted, 1); /* unsubscribed */
	cgroup_monitor__free(m);

	/* No grace: gone at the next GC, and the generation moves. */
	opts.grace_ms = -1;
	assert_int_equal(cgroup_monitor__new(&opts, &m, err, sizeof(err)), 0);
	assert_int_equal(mkdir(base, 0755), 0);
	ibase = inode_of(base);
	expect_path(m, ibase, base); /* a miss takes the queued events in */
	assert_int_equal(rmdir(base), 0);
	cgroup_monitor__sync(m);
	g = cgroup_monitor__generation(m);
	cgroup_monitor__gc(m);
	expect_path(m, ibase, NULL);
	assert_int_not_equal(cgroup_monitor__generation(m), g);
	cgroup_monitor__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_walker),
		cmocka_unit_test(test_decoder),
		cmocka_unit_test(test_fanotify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
