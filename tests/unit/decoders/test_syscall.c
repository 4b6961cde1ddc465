// SPDX-License-Identifier: MIT
/* syscall decoder (the kernel's names, from libseccomp). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "decoder_harness.h"
#include "sources/syscall_names.h"

static int setup(void **state)
{
	*state = new_env(NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	decoder_env__free(*state);
	return 0;
}

static void test_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
#if defined(__x86_64__)
		/* amd64 */
		{ "0", "read" },
		{ "1", "write" },
		{ "293", "pipe2" },
		{ "447", "memfd_secret" },
		/* the kernel's names where strace's differ */
		{ "231", "exit_group" },
		{ "17", "pread64" },
		{ "18", "pwrite64" },
		{ "7", "poll" },
		{ "35", "nanosleep" },
		{ "40", "sendfile" },
		{ "94", "lchown" },
		{ "155", "pivot_root" },
		{ "214", "epoll_ctl_old" },
		{ "228", "clock_gettime" },
		{ "60", "exit" },
		{ "335", "unknown_syscall:335" }, /* the gap before the common range */
		{ "424", "pidfd_send_signal" },
#elif defined(__aarch64__)
		/* arm64 */
		{ "0", "io_setup" },
		{ "1", "io_destroy" },
		{ "293", "rseq" },
		{ "447", "memfd_secret" },
#endif
		{ "-1", "unknown_syscall:18446744073709551615" },
		{ "100000", "unknown_syscall:100000" },
		{ "4096", "unknown_syscall:4096" },
		{ "+1", "write" }, /* Atoi takes a sign */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
#if !defined(__x86_64__)
		if (strcmp(cases[i].in, "+1") == 0)
			continue;
#endif
		expect_out(*state, "syscall", NULL, S(cases[i].in), S(cases[i].out));
	}
}

static void test_errors(void **state)
{
	expect_err(*state, "syscall", NULL, B("abc"), -EINVAL,
		   "strconv.Atoi: parsing \"abc\": invalid syntax");
	expect_err(*state, "syscall", NULL, B(""), -EINVAL,
		   "strconv.Atoi: parsing \"\": invalid syntax");
	expect_err(*state, "syscall", NULL, B("-"), -EINVAL,
		   "strconv.Atoi: parsing \"-\": invalid syntax");
	expect_err(*state, "syscall", NULL, B("1 "), -EINVAL,
		   "strconv.Atoi: parsing \"1 \": invalid syntax");
	expect_err(*state, "syscall", NULL, B("9223372036854775808"), -ERANGE,
		   "strconv.Atoi: parsing \"9223372036854775808\": value out of range");
	expect_out(*state, "syscall", NULL, B("-9223372036854775808"),
		   B("unknown_syscall:9223372036854775808"));
}

/* The table agrees with the C library's __NR_ constants, which are the kernel's. */
static void test_kernel_numbers(void **state)
{
	struct syscall_names *s = NULL;
	char err[128];

	assert_int_equal(syscall_names__new(&s, err, sizeof(err)), 0);
	assert_true(syscall_names__count(s) > 300);
	assert_string_equal(syscall_names__get(s, SYS_getpid), "getpid");
	assert_string_equal(syscall_names__get(s, SYS_exit_group), "exit_group");
	assert_string_equal(syscall_names__get(s, SYS_openat), "openat");
	assert_string_equal(syscall_names__get(s, SYS_bpf), "bpf");
	assert_string_equal(syscall_names__get(s, SYS_clone3), "clone3");
	assert_null(syscall_names__get(s, UINT64_MAX));
	assert_null(syscall_names__get(s, SYSCALL_NAMES_MAX));
	syscall_names__free(s);
	syscall_names__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_kernel_numbers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
