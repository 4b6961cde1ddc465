// SPDX-License-Identifier: MIT
/* majorminor decoder and the partitions index behind it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "decoder_harness.h"
#include "sources/partitions.h"

/* The kernel's new_encode_dev(). */
static uint32_t encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static struct decoder_env *parts_env(const char *path, long reload_ms, long refresh_ms)
{
	struct decoder_env_opts opts = { .partitions_path = path,
					 .kallsyms_reload_ms = reload_ms,
					 .partitions_refresh_ms = refresh_ms,
					 .no_cgroups = true };

	return new_env_opts(&opts);
}

static void test_spec_vectors(void **state)
{
	struct decoder_env *env = parts_env(fixture("partitions.txt"), 0, 0);

	expect_out(env, "majorminor", NULL, B("\x00\x08\x00\x00"), B("sda"));
	expect_out(env, "majorminor", NULL, B("\x10\x08\x00\x00"), B("sdb"));
	expect_out(env, "majorminor", NULL, B("\x10\x88\x00\x00"), B("unknown:136:16"));
	decoder_env__free(env);
}

static void test_encoding(void **state)
{
	static const struct {
		uint32_t major, minor;
		const char *out;
		bool miss;
	} cases[] = {
		{ 8, 1, "sda1", false },
		{ 8, 256, "sdq", false }, /* minor above 255: bits 20+ of the value */
		{ 259, 0, "nvme0n1", false },
		{ 259, 1, "nvme0n1p1", false },
		{ 254, 0, "vda", false },
		{ 8, 16, "sdb", false }, /* the first of two equal lines wins */
		{ 9, 0, "unknown:9:0", true }, /* five fields: not a device line */
		{ 0, 0, "unknown:0:0", true },
		{ 4095, 1048575, "unknown:4095:1048575", true },
	};
	struct decoder_env *env = parts_env(fixture("partitions.txt"), 0, 0);
	char buf[4];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct result r;

		run(env, "majorminor", NULL,
		    u32_bytes(encode_dev(cases[i].major, cases[i].minor), buf), &r);
		assert_int_equal(r.ret, 0);
		assert_string_equal(r.out, cases[i].out);
		/* Misses are not cached: the device may appear later. */
		assert_int_equal(r.no_cache, cases[i].miss);
	}
	/* Extra bytes are ignored; short input is an error, never a read past the end. */
	expect_out(env, "majorminor", NULL, B("\x00\x08\x00\x00\xff\xff"), B("sda"));
	expect_err(env, "majorminor", NULL, B("\x00\x08"), -EINVAL,
		   "need at least 4 bytes for a device number, got 2: []byte{0x0, 0x8}");
	expect_err(env, "majorminor", NULL, B(""), -EINVAL,
		   "need at least 4 bytes for a device number, got 0: []byte{}");
	decoder_env__free(env);
}

static void test_missing_file(void **state)
{
	struct decoder_env *env = parts_env("/nonexistent/partitions", 0, 0);

	expect_err(env, "majorminor", NULL, B("\x00\x08\x00\x00"), -ENOENT,
		   "open /nonexistent/partitions: no such file or directory");
	decoder_env__free(env);
}

static void test_reload_and_refresh(void **state)
{
	char path[] = "/tmp/test_majorminor_XXXXXX";
	struct decoder_env *env;
	uint64_t g0;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, "major minor  #blocks  name\n 8 0 1 sda\n");

	/* A miss re-reads the file (here on every miss). */
	env = parts_env(path, -1, -1);
	expect_out(env, "majorminor", NULL, B("\x10\x08\x00\x00"), B("unknown:8:16"));
	write_file(path, " 8 0 1 sda\n 8 16 1 sdb\n");
	expect_out(env, "majorminor", NULL, B("\x10\x08\x00\x00"), B("sdb"));
	/* A failed re-read keeps the old index. */
	assert_int_equal(unlink(path), 0);
	expect_out(env, "majorminor", NULL, B("\x20\x08\x00\x00"), B("unknown:8:32"));
	expect_out(env, "majorminor", NULL, B("\x10\x08\x00\x00"), B("sdb"));
	decoder_env__free(env);

	/* Misses re-read at most once per interval. */
	write_file(path, " 8 0 1 sda\n");
	env = parts_env(path, 60000, -1);
	expect_out(env, "majorminor", NULL, B("\x00\x08\x00\x00"), B("sda"));
	write_file(path, " 8 0 1 sda\n 8 16 1 sdb\n");
	expect_out(env, "majorminor", NULL, B("\x10\x08\x00\x00"), B("unknown:8:16"));
	decoder_env__free(env);

	/* The poll notices a renamed device and moves the generation; same content does not. */
	write_file(path, " 8 0 1 sda\n");
	env = parts_env(path, 60000, 1);
	expect_out(env, "majorminor", NULL, B("\x00\x08\x00\x00"), B("sda"));
	decoder_env__lock(env);
	g0 = decoder_env__generation(env, DECODER_SRC_PARTITIONS);
	usleep(120 * 1000);
	decoder_env__poll(env);
	assert_int_equal(decoder_env__generation(env, DECODER_SRC_PARTITIONS), g0);
	write_file(path, " 8 0 1 sdz\n");
	usleep(120 * 1000);
	decoder_env__poll(env);
	assert_int_not_equal(decoder_env__generation(env, DECODER_SRC_PARTITIONS), g0);
	/* Other sources did not move. */
	assert_int_equal(decoder_env__generation(env, DECODER_SRC_KALLSYMS), 0);
	decoder_env__unlock(env);
	expect_out(env, "majorminor", NULL, B("\x00\x08\x00\x00"), B("sdz"));
	decoder_env__free(env);
	unlink(path);
}

static void test_parse(void **state)
{
	static const char text[] = "major minor  #blocks  name\r\n"
				   "\t8\t0\t1\tsda\n"
				   "8 1 2 sda1"; /* no final newline */
	struct partitions *p = NULL, *q = NULL;
	char err[128];

	assert_int_equal(partitions__parse(text, sizeof(text) - 1, &p, err, sizeof(err)), 0);
	assert_int_equal(partitions__count(p), 2);
	assert_string_equal(partitions__find(p, 8, 0), "sda");
	assert_string_equal(partitions__find(p, 8, 1), "sda1");
	assert_null(partitions__find(p, 8, 2));
	assert_int_equal(partitions__parse("", 0, &q, err, sizeof(err)), 0);
	assert_int_equal(partitions__count(q), 0);
	assert_null(partitions__find(q, 8, 0));
	assert_false(partitions__equal(p, q));
	assert_true(partitions__equal(p, p));
	assert_true(partitions__equal(NULL, NULL));
	assert_false(partitions__equal(p, NULL));
	partitions__free(p);
	partitions__free(q);
	partitions__free(NULL);

	/* The real file parses, and every device in it resolves. */
	if (partitions__load("/proc/partitions", &p, err, sizeof(err)) == 0) {
		assert_true(partitions__count(p) >= 1);
		partitions__free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors), cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_missing_file), cmocka_unit_test(test_reload_and_refresh),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
