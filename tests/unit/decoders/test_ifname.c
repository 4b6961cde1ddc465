// SPDX-License-Identifier: MIT
/* ifname decoder and the interface name memo behind it. */
#include <errno.h>
#include <sched.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "decoder_harness.h"
#include "decoders/internal.h"
#include "sources/ifaces.h"

static int setup(void **state)
{
	struct decoder_env *env = new_env(NULL, 0);
	char err[128];

	assert_int_equal(decoder_env__use_ifaces(env, err, sizeof(err)), 0);
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	decoder_env__free(*state);
	return 0;
}

static void test_spec_vectors(void **state)
{
	struct decoder_env *env = *state;

	/* the memo pre-seeded with {1: lo, 2734686214: eth42}. */
	assert_int_equal(ifaces__remember(env->ifaces, 1, "lo"), 0);
	assert_int_equal(ifaces__remember(env->ifaces, 2734686214u, "eth42"), 0);
	expect_out(env, "ifname", NULL, B("\x01\x00\x00\x00"), B("lo"));
	expect_out(env, "ifname", NULL, B("\x06\x00\x00\xa3"), B("eth42"));
	expect_out(env, "ifname", NULL, B("\x00\x00\x00\x00"), B("unknown:0"));
	assert_int_equal(ifaces__remember(env->ifaces, 0, "x"), -EINVAL);
}

static void test_kernel(void **state)
{
	struct decoder_env *env = *state;
	char name[IF_NAMESIZE], buf[4];
	unsigned int lo = if_nametoindex("lo");
	struct result r;

	assert_true(lo > 0);
	assert_non_null(if_indextoname(lo, name));
	expect_out(env, "ifname", NULL, u32_bytes(lo, buf), S(name));
	/* An index no interface has: unknown, and not cached. */
	run(env, "ifname", NULL, u32_bytes(0x7ffffff0, buf), &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, "unknown:2147483632");
	assert_true(r.no_cache);
	/* Extra bytes are ignored; short input is an error, never a read past the end. */
	expect_out(env, "ifname", NULL, B("\x06\x00\x00\xa3\xff\xff\xff\xff"), B("eth42"));
	expect_err(env, "ifname", NULL, B("\x01\x00"), -EINVAL,
		   "need at least 4 bytes for an interface index, got 2: []byte{0x1, 0x0}");
}

static void test_memo(void **state)
{
	struct ifaces *ifs = NULL;
	struct buf out = { 0 };
	char err[128];

	assert_int_equal(ifaces__new(&ifs, err, sizeof(err)), 0);
	/* Many entries: the memo grows and keeps every one. */
	for (uint32_t i = 1; i <= 1000; i++) {
		char name[IF_NAMESIZE];

		snprintf(name, sizeof(name), "if%u", i * 7919);
		assert_int_equal(ifaces__remember(ifs, i * 7919, name), 0);
	}
	for (uint32_t i = 1; i <= 1000; i++) {
		char name[IF_NAMESIZE];

		buf_reset(&out);
		snprintf(name, sizeof(name), "if%u", i * 7919);
		assert_int_equal(ifaces__name(ifs, i * 7919, &out), 0);
		assert_string_equal(out.data, name);
	}
	/* A rename of a seeded entry replaces it. */
	assert_int_equal(ifaces__remember(ifs, 7919, "renamed"), 0);
	buf_reset(&out);
	assert_int_equal(ifaces__name(ifs, 7919, &out), 0);
	assert_string_equal(out.data, "renamed");
	buf_free(&out);
	ifaces__free(ifs);
	ifaces__free(NULL);
}

static bool generation_moves(struct decoder_env *env, uint64_t g0)
{
	for (int i = 0; i < 50; i++) {
		bool moved;

		usleep(20 * 1000);
		decoder_env__lock(env);
		env->poll_ns = 0; /* the poll runs at most every 100 ms */
		decoder_env__poll(env);
		moved = decoder_env__generation(env, DECODER_SRC_IFACES) != g0;
		decoder_env__unlock(env);
		if (moved)
			return true;
	}
	return false;
}

/*
 * A rename reported by netlink drops the memo and moves the generation, so the new name shows.
 * Runs in a network namespace of its own (this process stays in it: the last test).
 */
static void test_rename(void **state)
{
	struct decoder_env *env;
	unsigned int index;
	uint64_t g0;
	char err[128], buf[4];

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
		skip();
	env = new_env(NULL, 0);
	assert_int_equal(decoder_env__use_ifaces(env, err, sizeof(err)), 0);
	if (system("ip link add eetest0 type ifb 2>/dev/null") != 0) {
		decoder_env__free(env);
		skip();
	}
	index = if_nametoindex("eetest0");
	assert_true(index > 0);
	expect_out(env, "ifname", NULL, u32_bytes(index, buf), B("eetest0"));
	decoder_env__lock(env);
	g0 = decoder_env__generation(env, DECODER_SRC_IFACES);
	env->poll_ns = 0;
	decoder_env__poll(env); /* the creation's notification */
	g0 = decoder_env__generation(env, DECODER_SRC_IFACES);
	decoder_env__unlock(env);
	assert_int_equal(system("ip link set dev eetest0 name eetest1"), 0);
	assert_true(generation_moves(env, g0));
	expect_out(env, "ifname", NULL, u32_bytes(index, buf), B("eetest1"));
	decoder_env__lock(env);
	g0 = decoder_env__generation(env, DECODER_SRC_IFACES);
	decoder_env__unlock(env);
	assert_int_equal(system("ip link del dev eetest1"), 0);
	assert_true(generation_moves(env, g0));
	char want[32];

	snprintf(want, sizeof(want), "unknown:%u", index);
	expect_out(env, "ifname", NULL, u32_bytes(index, buf), S(want));
	decoder_env__free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_rename),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
