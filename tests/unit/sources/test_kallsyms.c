// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sources/kallsyms.h"

/* Fixtures live next to this file; tests run from the directory they were compiled in. */
static char fixture_dir[4096];

static const char *fixture(const char *name)
{
	static char path[4096 + 64];
	const char *slash;

	if (!fixture_dir[0]) {
		slash = strrchr(__FILE__, '/');
		snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/../fixtures/decoders",
			 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	}
	snprintf(path, sizeof(path), "%s/%s", fixture_dir, name);
	return path;
}

static struct kallsyms *load_fixture(const char *name)
{
	struct kallsyms *ks = NULL;
	char err[512] = "";

	if (kallsyms__load(fixture(name), &ks, err, sizeof(err)))
		fail_msg("loading %s: %s", name, err);
	return ks;
}

static void test_load_fixture(void **state)
{
	struct kallsyms *ks = load_fixture("kallsyms.txt");

	/* 13 lines: one empty and one with two fields are skipped. */
	assert_int_equal(kallsyms__count(ks), 11);
	assert_true(kallsyms__loaded_at(ks) > 0);
	kallsyms__free(ks);
}

static void test_exact(void **state)
{
	static const struct {
		uint64_t addr;
		const char *name; /* NULL: no symbol */
	} cases[] = {
		{ 0xffffffeb19d90828, NULL },
		{ 0xffffffeb19d90830, "pipe_lock" },
		{ 0xffffffeb19d90870, "pipe_unlock" },
		{ 0xffffffeb19d90878, NULL },
		{ 0xffffffeb19d90800, "dup_sym" },
		{ 0xffffffeb19d90a00, "dup_sym" },
		{ 0xffffffeb19d90b00, NULL }, /* two-field line skipped */
		/* module suffixes stripped */
		{ 0xffffffffc0a01000, "bpf_prog_0123456789abcdef_probe" },
		{ 0xffffffffc0a02000, "nft_do_chain" },
		{ 0xffffffffc0a03000, "pipe_lock" },
		{ 0xffffffffc0201000, "ftrace_trampoline" },
		{ 0x10, "fixed_percpu_data" },
		{ 0, NULL },
		{ UINT64_MAX, NULL },
	};
	struct kallsyms *ks = load_fixture("kallsyms.txt");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = kallsyms__exact(ks, cases[i].addr);

		if (!cases[i].name)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].name);
	}
	/* Aliases at one address: either name. */
	const char *alias = kallsyms__exact(ks, 0xffffffeb19d90900);
	assert_non_null(alias);
	assert_true(!strcmp(alias, "alias_a") || !strcmp(alias, "alias_b"));
	kallsyms__free(ks);
}

static void test_nearest(void **state)
{
	static const struct {
		uint64_t addr;
		const char *name;
		uint64_t sym;
	} cases[] = {
		{ 0x0f, NULL, 0 },
		{ 0x10, "fixed_percpu_data", 0x10 },
		{ 0xffffffeb19d907ff, "fixed_percpu_data", 0x10 },
		{ 0xffffffeb19d90800, "dup_sym", 0xffffffeb19d90800 },
		{ 0xffffffeb19d9082f, "dup_sym", 0xffffffeb19d90800 },
		{ 0xffffffeb19d90831, "pipe_lock", 0xffffffeb19d90830 },
		{ 0xffffffeb19d908ff, "pipe_unlock", 0xffffffeb19d90870 },
		{ 0xffffffeb19d90b00, "dup_sym", 0xffffffeb19d90a00 },
		{ 0xffffffffc0201fff, "ftrace_trampoline", 0xffffffffc0201000 },
		{ 0xffffffffc0a01010, "bpf_prog_0123456789abcdef_probe", 0xffffffffc0a01000 },
		{ UINT64_MAX, "pipe_lock", 0xffffffffc0a03000 }, /* no upper bound */
	};
	struct kallsyms *ks = load_fixture("kallsyms.txt");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t sym = 12345;
		const char *got = kallsyms__nearest(ks, cases[i].addr, &sym);

		if (!cases[i].name) {
			assert_null(got);
			assert_int_equal(sym, 12345);
			continue;
		}
		assert_non_null(got);
		assert_string_equal(got, cases[i].name);
		assert_int_equal(sym, cases[i].sym);
		assert_string_equal(kallsyms__nearest(ks, cases[i].addr, NULL), cases[i].name);
	}
	kallsyms__free(ks);
}

static void test_addr_by_name(void **state)
{
	static const struct {
		const char *name;
		int ret;
		uint64_t addr;
	} cases[] = {
		{ "pipe_unlock", 0, 0xffffffeb19d90870 },
		{ "pipe_lock", 0, 0xffffffffc0a03000 }, /* last duplicate wins: the module's */
		{ "dup_sym", 0, 0xffffffeb19d90a00 }, /* last in the file, not highest-sorted */
		{ "alias_a", 0, 0xffffffeb19d90900 },
		{ "alias_b", 0, 0xffffffeb19d90900 },
		{ "nft_do_chain", 0, 0xffffffffc0a02000 }, /* module symbols match */
		{ "bpf_prog_0123456789abcdef_probe", 0, 0xffffffffc0a01000 },
		{ "nft_do_chain\t[nf_tables]", -ENOENT, 0 },
		{ "pipe", -ENOENT, 0 },
		{ "pipe_lock_", -ENOENT, 0 },
		{ "", -ENOENT, 0 },
		{ "zzz", -ENOENT, 0 },
		{ "a", -ENOENT, 0 },
		{ "only_two_fields", -ENOENT, 0 },
	};
	struct kallsyms *ks = load_fixture("kallsyms.txt");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t addr = 0;

		assert_int_equal(kallsyms__addr(ks, cases[i].name, &addr), cases[i].ret);
		if (!cases[i].ret)
			assert_int_equal(addr, cases[i].addr);
	}
	kallsyms__free(ks);

	/* Later duplicates win even when they sort lower by address. */
	static const char text[] = "ffff0000 T twice\n00001000 T twice\n";
	uint64_t addr;
	char err[256];

	assert_int_equal(kallsyms__parse(text, strlen(text), &ks, err, sizeof(err)), 0);
	assert_int_equal(kallsyms__addr(ks, "twice", &addr), 0);
	assert_int_equal(addr, 0x1000);
	kallsyms__free(ks);
}

static void test_zero_addresses(void **state)
{
	struct kallsyms *ks = load_fixture("kallsyms-zero.txt");
	uint64_t addr = 1;
	const char *name;

	assert_int_equal(kallsyms__count(ks), 3);
	name = kallsyms__exact(ks, 0);
	assert_non_null(name);
	assert_int_equal(kallsyms__addr(ks, "zero_mod", &addr), 0);
	assert_int_equal(addr, 0);
	assert_non_null(kallsyms__nearest(ks, 0xffffffff81000000, NULL));
	kallsyms__free(ks);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "zz T foo\n",
		  "error parsing kallsyms addr \"zz\": strconv.ParseUint: parsing \"zz\": invalid "
		  "syntax" },
		{ " T foo\n",
		  "error parsing kallsyms addr \"\": strconv.ParseUint: parsing \"\": invalid syntax" },
		{ "0x10 T foo\n",
		  "error parsing kallsyms addr \"0x10\": strconv.ParseUint: parsing "
		  "\"0x10\": invalid syntax" },
		{ "1ffffffffffffffff T foo\n",
		  "error parsing kallsyms addr \"1ffffffffffffffff\": strconv.ParseUint: parsing "
		  "\"1ffffffffffffffff\": value out of range" },
		{ "10 T a\nq\"\t T b\n",
		  "error parsing kallsyms addr \"q\\\"\\t\": strconv.ParseUint: parsing "
		  "\"q\\\"\\t\": invalid syntax" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kallsyms *ks = NULL;
		char err[512] = "";

		assert_int_equal(kallsyms__parse(cases[i].text, strlen(cases[i].text), &ks, err,
						 sizeof(err)),
				 -EINVAL);
		assert_null(ks);
		assert_string_equal(err, cases[i].err);
	}

	struct kallsyms *ks = NULL;
	char err[512] = "";

	assert_int_equal(kallsyms__load(fixture("kallsyms-bad.txt"), &ks, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "error parsing kallsyms addr \"fffffffg81000010\": "
				 "strconv.ParseUint: parsing \"fffffffg81000010\": invalid syntax");
	assert_int_equal(kallsyms__load("/nonexistent/kallsyms", &ks, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "error opening kallsyms at \"/nonexistent/kallsyms\": open "
				 "/nonexistent/kallsyms: no such file or directory");
	/* Truncated messages stay NUL-terminated. */
	assert_int_equal(kallsyms__load("/nonexistent/kallsyms", &ks, err, 10), -ENOENT);
	assert_string_equal(err, "error ope");
}

static void test_odd_lines(void **state)
{
	/*
	 * Empty input, no trailing newline, CRLF, extra fields (upstream takes field 3), empty
	 * names skipped, leading zeros, upper-case hex.
	 */
	static const char text[] = "\n\nabc\n0000000000000000000000001 T one\r\n"
				   "00000002 T two extra fields\n3 T \nA b upper\n"
				   "ffffffffffffffff T last";
	struct kallsyms *ks = NULL;
	char err[256];

	assert_int_equal(kallsyms__parse("", 0, &ks, err, sizeof(err)), 0);
	assert_int_equal(kallsyms__count(ks), 0);
	assert_null(kallsyms__exact(ks, 0));
	assert_null(kallsyms__nearest(ks, UINT64_MAX, NULL));
	uint64_t addr;
	assert_int_equal(kallsyms__addr(ks, "x", &addr), -ENOENT);
	kallsyms__free(ks);

	assert_int_equal(kallsyms__parse(text, strlen(text), &ks, err, sizeof(err)), 0);
	assert_int_equal(kallsyms__count(ks), 4);
	assert_string_equal(kallsyms__exact(ks, 1), "one");
	assert_string_equal(kallsyms__exact(ks, 2), "two");
	assert_null(kallsyms__exact(ks, 3));
	assert_string_equal(kallsyms__exact(ks, 10), "upper");
	assert_string_equal(kallsyms__exact(ks, UINT64_MAX), "last");
	assert_string_equal(kallsyms__nearest(ks, 5, NULL), "two");
	kallsyms__free(ks);
	kallsyms__free(NULL);
}

/* The kstack decoder's vectors exercise nearest lookups on a tiny table. */
static void test_kstack_vectors(void **state)
{
	static const char text[] = "4 t one\n6 t two\naa t three\n";
	static const struct {
		uint64_t addr;
		const char *name;
	} cases[] = {
		{ 4, "one" },	 { 5, "one" }, { 6, "two" },	  { 0xab, "three" },
		{ 0x10, "two" }, { 1, NULL },  { 0xac, "three" }, { 3, NULL },
	};
	struct kallsyms *ks;
	char err[256];

	assert_int_equal(kallsyms__parse(text, strlen(text), &ks, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = kallsyms__nearest(ks, cases[i].addr, NULL);

		if (cases[i].name)
			assert_string_equal(got, cases[i].name);
		else
			assert_null(got);
	}
	kallsyms__free(ks);
}

static void test_large_unsorted(void **state)
{
	/* 100k symbols in reverse address order must come out sorted and searchable. */
	const size_t n = 100000;
	char *text = malloc(n * 32);
	size_t len = 0;
	struct kallsyms *ks;
	char err[256], want[32];
	uint64_t addr;

	assert_non_null(text);
	for (size_t i = n; i > 0; i--)
		len += (size_t)snprintf(text + len, 32, "%zx T sym_%zu\n", i * 16, i);
	assert_int_equal(kallsyms__parse(text, len, &ks, err, sizeof(err)), 0);
	free(text);
	assert_int_equal(kallsyms__count(ks), n);
	for (size_t i = 1; i <= n; i += 997) {
		snprintf(want, sizeof(want), "sym_%zu", i);
		assert_string_equal(kallsyms__exact(ks, i * 16), want);
		assert_string_equal(kallsyms__nearest(ks, i * 16 + 15, NULL), want);
		assert_int_equal(kallsyms__addr(ks, want, &addr), 0);
		assert_int_equal(addr, i * 16);
	}
	kallsyms__free(ks);
}

static void test_blocks_and_gaps(void **state)
{
	/*
	 * Addresses more than 4 GiB apart start a new block; blocks hold at most 128 symbols;
	 * a duplicate name resolves to its last line in the file even when the file is unsorted.
	 */
	static const char text[] = "ffffffffc0000000 t mod_fn\t[mod]\n"
				   "1000 T low\n"
				   "100002000 T high\n"
				   "ffffffff81000000 T dup\n"
				   "2000 T dup\n";
	char buf[64 * 300], want[32], err[256];
	struct kallsyms *ks;
	uint64_t addr;
	size_t len = 0;

	assert_int_equal(kallsyms__parse(text, sizeof(text) - 1, &ks, err, sizeof(err)), 0);
	assert_string_equal(kallsyms__exact(ks, 0x1000), "low");
	assert_string_equal(kallsyms__nearest(ks, 0x100001fff, NULL), "dup");
	assert_string_equal(kallsyms__nearest(ks, 0x100002001, NULL), "high");
	assert_string_equal(kallsyms__nearest(ks, 0xffffffff80000000, NULL), "high");
	assert_string_equal(kallsyms__exact(ks, 0xffffffffc0000000), "mod_fn");
	assert_int_equal(kallsyms__addr(ks, "dup", &addr), 0);
	assert_int_equal(addr, 0x2000);
	assert_int_equal(kallsyms__addr(ks, "mod_fn", &addr), 0);
	assert_int_equal(addr, 0xffffffffc0000000);
	kallsyms__free(ks);

	/* 300 symbols: three blocks; every name and boundary resolves. */
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%x T name_%d\n",
					0x100 + i * 8, i);
	assert_int_equal(kallsyms__parse(buf, len, &ks, err, sizeof(err)), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(want, sizeof(want), "name_%d", i);
		assert_string_equal(kallsyms__exact(ks, (uint64_t)(0x100 + i * 8)), want);
		assert_string_equal(kallsyms__nearest(ks, (uint64_t)(0x100 + i * 8 + 7), NULL),
				    want);
	}
	assert_null(kallsyms__exact(ks, 0x101));
	assert_null(kallsyms__nearest(ks, 0xff, NULL));
	kallsyms__free(ks);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Every 7th line of /proc/kallsyms: its address is a symbol that the index resolves exactly. */
static void check_against_file(struct kallsyms *ks)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[1024];
	size_t checked = 0, lineno = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		uint64_t got = 1;

		if (lineno++ % 7 || sscanf(line, "%llx", &a) != 1)
			continue;
		assert_non_null(kallsyms__nearest(ks, a, &got));
		assert_int_equal(got, a);
		assert_non_null(kallsyms__exact(ks, a));
		checked++;
	}
	fclose(f);
	assert_true(checked > 100);
}

static void test_real_proc_kallsyms(void **state)
{
	struct kallsyms *ks = NULL;
	struct timespec t0;
	char err[512];
	double best = 1e9, ms;
	uint64_t addr;
	const char *name;

	if (access("/proc/kallsyms", R_OK) != 0)
		skip();
	for (int i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (kallsyms__load("/proc/kallsyms", &ks, err, sizeof(err)))
			fail_msg("%s", err);
		ms = ms_since(&t0);
		if (ms < best)
			best = ms;
		if (i < 4)
			kallsyms__free(ks);
	}
	print_message("/proc/kallsyms: %zu symbols, best of 5 loads %.1f ms, %zu bytes held\n",
		      kallsyms__count(ks), best, kallsyms__bytes(ks));
	/* Compressed: well under the 16 bytes a symbol of a plain address + offset table. */
	assert_true(kallsyms__bytes(ks) < kallsyms__count(ks) * 16);
	assert_true(kallsyms__count(ks) > 1000);
	/* _stext exists on every kernel; whatever it resolves to shares its address. */
	assert_int_equal(kallsyms__addr(ks, "_stext", &addr), 0);
	name = kallsyms__exact(ks, addr);
	assert_non_null(name);
	assert_int_equal(kallsyms__addr(ks, name, &addr), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100000; i++)
		(void)kallsyms__nearest(ks, addr + (uint64_t)i, NULL);
	print_message("100000 nearest lookups: %.1f ms\n", ms_since(&t0));
	/* Scattered over the kernel text: a different block almost every time. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 20000; i++)
		(void)kallsyms__nearest(ks, addr + ((uint64_t)i * 2654435761u) % (32u << 20), NULL);
	print_message("20000 scattered nearest lookups: %.1f ms\n", ms_since(&t0));
	check_against_file(ks);
	kallsyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_fixture),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_addr_by_name),
		cmocka_unit_test(test_zero_addresses),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_odd_lines),
		cmocka_unit_test(test_kstack_vectors),
		cmocka_unit_test(test_large_unsorted),
		cmocka_unit_test(test_blocks_and_gaps),
		cmocka_unit_test(test_real_proc_kallsyms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
