// SPDX-License-Identifier: MIT
/* kstack decoder: nearest-symbol stacks from the shared kallsyms index. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "decoder_harness.h"

#define MAX_FRAMES 20

/* A bpf_get_stack()-style buffer: the frames, then zeros up to MAX_FRAMES. */
struct stack {
	uint64_t f[MAX_FRAMES];
};

static struct bytes frames(struct stack *s, size_t n_bytes, const uint64_t *f, size_t n)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->f, f, n * sizeof(*f));
	return (struct bytes){ (const char *)s->f, n_bytes };
}

/* Vectors: kallsyms `4 one`, `6 two`, `aa three`, then `2 zero` added. */
static void test_spec_vectors(void **state)
{
	char path[] = "/tmp/test_kstack_XXXXXX";
	struct decoder_env *env;
	struct stack s;
	struct result r;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, "4 T one\n6 T two\naa T three\n");
	env = new_env(path, -1); /* re-read on every miss, as upstream does */
	expect_out(env, "kstack", NULL, frames(&s, 16, (uint64_t[]){ 0, 0 }, 2), B(""));
	expect_out(env, "kstack", NULL, frames(&s, 32, (uint64_t[]){ 4, 5, 6, 0 }, 4),
		   B("one\none\ntwo"));
	expect_out(env, "kstack", NULL, frames(&s, 32, (uint64_t[]){ 0xab, 0x10, 6, 0 }, 4),
		   B("three\ntwo\ntwo"));
	write_file(path, "4 T one\n6 T two\naa T three\n2 T zero\n");
	run(env, "kstack", NULL, frames(&s, 24, (uint64_t[]){ 0xab, 3, 0 }, 3), &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, "three\nzero"); /* 3 missed: the re-read finds zero */
	assert_false(r.no_cache);
	run(env, "kstack", NULL, frames(&s, 32, (uint64_t[]){ 1, 0xac, 1, 0 }, 4), &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, "??\nthree\n??");
	assert_true(r.no_cache); /* still unresolved after the re-read: not cached */
	decoder_env__free(env);
	unlink(path);
}

static void test_real_stack(void **state)
{
	struct decoder_env *env = new_env(fixture("kallsyms-stack.txt"), 0);
	const uint64_t stack[] = {
		0xffffffffc0a01052, /* bpf_prog_..._ee_stack+0x52 */
		0xffffffff814b8386, /* bpf_trace_run2+0x56 */
		0xffffffff81415690, /* __bpf_trace_sys_enter+0x10 */
		0xffffffff81415af0, /* syscall_trace_enter+0x100 */
		0xffffffff821ecc3c, /* do_syscall_64+0x5c */
		0xffffffff81000130, /* entry_SYSCALL_64_after_hwframe+0x76 */
	};
	struct stack s;

	/* The usual 20-frame buffer (160 bytes), zero-filled after the last frame. */
	expect_out(env, "kstack", NULL, frames(&s, sizeof(s), stack, ARRAY_SIZE(stack)),
		   B("bpf_prog_5a3e8c1fbc2d7e90_ee_stack\n"
		     "bpf_trace_run2\n"
		     "__bpf_trace_sys_enter\n"
		     "syscall_trace_enter\n"
		     "do_syscall_64\n"
		     "entry_SYSCALL_64_after_hwframe"));
	/* Every frame of a full buffer counts; no upper bound past the last symbol. */
	uint64_t full[MAX_FRAMES];

	for (size_t i = 0; i < MAX_FRAMES; i++)
		full[i] = i % 2 ? 0xffffffff81377c10 : 0xfffffffffffff000;
	struct result r;

	run(env, "kstack", NULL, frames(&s, sizeof(s), full, MAX_FRAMES), &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.out_len,
			 10 * strlen("nft_do_chain\n") + 10 * strlen("__x64_sys_getppid\n") - 1);
	assert_memory_equal(r.out, "nft_do_chain\n__x64_sys_getppid\nnft_do_chain\n", 44);
	/* A symbol's own address and the byte before the next one. */
	expect_out(env, "kstack", NULL,
		   frames(&s, 16, (uint64_t[]){ 0xffffffff821ecbe0, 0xffffffff821ecd3f }, 2),
		   B("do_syscall_64\ndo_syscall_64"));
	/* Several symbols at one address: any of them (here the last in the file). */
	expect_out(env, "kstack", NULL, frames(&s, 8, (uint64_t[]){ 0xffffffff81000010 }, 1),
		   B("_text"));
	/* Shorter than a full buffer, without a terminating zero. */
	expect_out(env, "kstack", NULL, frames(&s, 8, (uint64_t[]){ 0xffffffff8159d240 }, 1),
		   B("mark_page_accessed"));
	decoder_env__free(env);
}

static void test_malformed(void **state)
{
	struct decoder_env *env = new_env(fixture("kallsyms-stack.txt"), 0);

	expect_out(env, "kstack", NULL, B(""), B(""));
	expect_err(env, "kstack", NULL, B("\x01\x02\x03"), -EINVAL,
		   "stack of 3 bytes is not a list of 8-byte addresses");
	expect_err(env, "kstack", NULL, B("\x40\x20\x25\x81\xff\xff\xff\xff\x00"), -EINVAL,
		   "stack of 9 bytes is not a list of 8-byte addresses");
	decoder_env__free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_real_stack),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
