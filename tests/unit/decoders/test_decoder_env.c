// SPDX-License-Identifier: MIT
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
#include "decoders/internal.h"

#define SM(k, v)                         \
	{                                \
		.key = (k), .value = (v) \
	}

static int setup_env(void **state)
{
	*state = new_env(fixture("kallsyms.txt"), 0);
	return 0;
}

static int teardown_env(void **state)
{
	decoder_env__free(*state);
	return 0;
}

/* --- registry --- */

static void test_registry(void **state)
{
	static const char *const names[] = {
		"cgroup",     "dname",	"errno",      "hex",	   "ifname",	 "inet_ip",
		"kstack",     "ksym",	"majorminor", "pci_class", "pci_device", "pci_subclass",
		"pci_vendor", "regexp", "static_map", "string",	   "syscall",	 "uint",
	};
	static const char *const bogus[] = { "", "foo", "UINT", "uint ", "static-map", "regex" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct decoder *d = decoder_find(names[i]);

		assert_non_null(d);
		assert_string_equal(d->name, names[i]);
		assert_non_null(d->decode);
		assert_true(decoder_name_known(names[i]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(bogus); i++) {
		assert_null(decoder_find(bogus[i]));
		assert_false(decoder_name_known(bogus[i]));
	}
}

/* --- uint --- */

static void test_uint(void **state)
{
	static const struct {
		struct bytes in, out;
	} cases[] = {
		{ B("\x01"), B("1") },
		{ B("\x02\x00"), B("2") },
		{ B("\x04\x00\x00\x00"), B("4") },
		{ B("\x08\x00\x00\x00\x00\x00\x00\x00"), B("8") },
		{ B("\x00\xb6\xc2\x5b\x85\xff\xff\xff"), B("18446743546968061440") },
		{ B("\xff\xff\xff\xff\xff\xff\xff\xff"), B("18446744073709551615") },
		{ B("\x00"), B("0") },
		{ B("\xff\xff"), B("65535") },
		{ B("\xba\xbe\xba\xbe\xde\xad\xbe\xef"), B("17275436392834055866") },
		{ B("\xba\xbe\xba\xbe"), B("3199909562") },
		{ B("\xde\xad\xbe\xef"), B("4022250974") },
	};
	uint16_t one = 1;

	if (*(uint8_t *)&one != 1)
		skip(); /* vectors are little-endian */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_out(*state, "uint", NULL, cases[i].in, cases[i].out);
}

static void test_uint_errors(void **state)
{
	expect_err(*state, "uint", NULL, B("\x01\x02\x03"), -EINVAL,
		   "unknown value length 3 for []byte{0x1, 0x2, 0x3}");
	expect_err(*state, "uint", NULL, B(""), -EINVAL, "unknown value length 0 for []byte{}");
	expect_err(*state, "uint", NULL, B("\x00\x00\x00\x00\xff"), -EINVAL,
		   "unknown value length 5 for []byte{0x0, 0x0, 0x0, 0x0, 0xff}");
	expect_err(*state, "uint", NULL, B("0123456789abcdef"), -EINVAL,
		   "unknown value length 16 for []byte{0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, "
		   "0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66}");
}

/* --- string --- */

static void test_string(void **state)
{
	static const struct {
		struct bytes in, out;
	} cases[] = {
		{ B("regular string"), B("regular string") },
		{ B("null terminated string\0bananas after null"), B("null terminated string") },
		{ B("bananas\0\0\0\0\0\0\0\0\0"), B("bananas") },
		{ B("\0abc"), B("") },
		{ B(""), B("") },
		{ B(" spaces kept \n"), B(" spaces kept \n") },
		{ B("\xff\xfe not utf-8"), B("\xff\xfe not utf-8") },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_out(*state, "string", NULL, cases[i].in, cases[i].out);
}

/* --- hex --- */

static void test_hex(void **state)
{
	static const struct {
		struct bytes in, out;
	} cases[] = {
		{ B("\x01"), B("01") },
		{ B("\x01\x02"), B("0102") },
		{ B("\xde\xad\xbe\xef"), B("deadbeef") },
		{ B("\xbe\xef\0\0\0\0\0\0"), B("beef000000000000") },
		{ B("\0"), B("00") },
		{ B(""), B("") },
		{ B("\xff\x0f\xf0\xab\xcd"), B("ff0ff0abcd") },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_out(*state, "hex", NULL, cases[i].in, cases[i].out);

	/* A long input through a buffer that must grow. */
	static uint8_t big[4096];
	struct buf out = { 0 };
	char err[64];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	assert_int_equal(decoder_hex.decode(NULL, *state, big, sizeof(big), &out, err, sizeof(err)),
			 0);
	assert_int_equal(out.len, 2 * sizeof(big));
	assert_memory_equal(out.data + 2 * 255, "ff0001", 6);
	assert_int_equal(out.data[out.len], '\0');
	buf_free(&out);
}

/* --- static_map --- */

static void test_static_map(void **state)
{
	struct static_map_entry rw[] = { SM("1", "read"), SM("2", "write") };
	struct decoder_conf plain = {
		.name = "static_map", .static_map = rw, .n_static_map = 2, .static_map_set = true
	};
	struct decoder_conf unknown_ok = plain;
	struct decoder_conf none = { .name = "static_map" };
	struct decoder_conf none_allow = { .name = "static_map", .allow_unknown = true };
	struct decoder_conf empty = { .name = "static_map", .static_map_set = true };
	struct static_map_entry tricky[] = {
		SM("0x10", "hex key kept literally"),
		SM("dup", "first"),
		SM("", "empty key"),
		SM("dup", "second"),
		SM("null", NULL),
		SM(NULL, "null key"),
		SM("a\xff", "bytes"),
	};
	struct decoder_conf tricky_conf = { .name = "static_map",
					    .static_map = tricky,
					    .n_static_map = ARRAY_SIZE(tricky),
					    .static_map_set = true };
	const struct {
		struct decoder_conf *conf;
		struct bytes in, out;
	} cases[] = {
		{ &plain, B("1"), B("read") },
		{ &plain, B("2"), B("write") },
		{ &plain, B("3"), B("unknown:3") },
		{ &unknown_ok, B("3"), B("3") },
		{ &unknown_ok, B("1"), B("read") },
		{ &plain, B("1\0"), B("unknown:1\0") }, /* exact bytes, NULs count */
		{ &plain, B("11"), B("unknown:11") },
		{ &plain, B(""), B("unknown:") },
		{ &unknown_ok, B(""), B("") },
		{ &none, B("1"), B("empty mapping") },
		{ &none_allow, B("1"), B("empty mapping") },
		{ &none, B(""), B("empty mapping") },
		{ &empty, B("1"), B("unknown:1") },
		{ &tricky_conf, B("0x10"), B("hex key kept literally") },
		{ &tricky_conf, B("16"), B("unknown:16") },
		{ &tricky_conf, B("dup"), B("second") },
		{ &tricky_conf, B("null"), B("") },
		{ &tricky_conf, B(""), B("null key") }, /* a later "" key wins */
		{ &tricky_conf, B("a\xff"), B("bytes") },
	};

	unknown_ok.allow_unknown = true;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_out(*state, "static_map", cases[i].conf, cases[i].in, cases[i].out);
}

static void test_static_map_many(void **state)
{
	/* Lookups stay correct across a large table (sorted search). */
	enum { N = 2000 };
	struct static_map_entry *e = calloc(N, sizeof(*e));
	char(*keys)[16] = calloc(N, 16), (*vals)[16] = calloc(N, 16);
	struct decoder_conf conf = { .name = "static_map", .static_map_set = true };
	char in[16], want[16];

	assert_non_null(e);
	assert_non_null(keys);
	assert_non_null(vals);
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], 16, "%d", (i * 7919) % N);
		snprintf(vals[i], 16, "v%d", (i * 7919) % N);
		e[i].key = keys[i];
		e[i].value = vals[i];
	}
	conf.static_map = e;
	conf.n_static_map = N;
	for (int i = 0; i < N + 10; i += 37) {
		snprintf(in, sizeof(in), "%d", i);
		snprintf(want, sizeof(want), i < N ? "v%d" : "unknown:%d", i);
		expect_out(*state, "static_map", &conf, (struct bytes){ in, strlen(in) },
			   (struct bytes){ want, strlen(want) });
	}
	free(e);
	free(keys);
	free(vals);
}

/* --- regexp --- */

#define REGEXPS(...)                                                                             \
	((struct decoder_conf){ .name = "regexp",                                                \
				.regexps = (char *[]){ __VA_ARGS__ },                            \
				.n_regexps = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
				.regexps_set = true })

static void test_regexp_spec(void **state)
{
	struct decoder_conf two = REGEXPS("^systemd-journal$", "^syslog-ng$");
	struct decoder_conf group = REGEXPS("^(systemd).*$", "^syslog-ng$");
	struct decoder_conf bananas = REGEXPS("^bananas$", "$is-banana-even-fruit$");
	struct decoder_conf tomato = REGEXPS("^tomato$");

	expect_out(*state, "regexp", &two, B("systemd-journal"), B("systemd-journal"));
	expect_out(*state, "regexp", &two, B("syslog-ng"), B("syslog-ng"));
	expect_err(*state, "regexp", &two, B("systemd-bananad"), DECODER_SKIP, NULL);
	expect_out(*state, "regexp", &group, B("systemd-bananad"), B("systemd"));
	expect_out(*state, "regexp", &bananas, B("bananas"), B("bananas"));
	expect_err(*state, "regexp", &tomato, B("bananas"), DECODER_SKIP, NULL);
}

static void test_regexp_semantics(void **state)
{
	const struct {
		struct decoder_conf conf;
		struct bytes in;
		int ret;
		struct bytes out;
	} cases[] = {
		/* unanchored search, whole match without groups */
		{ REGEXPS("an+a"), B("bananas"), 0, B("ana") },
		{ REGEXPS("(?:an)+a"), B("bananas"), 0, B("anana") },
		/* leftmost-first alternation, like RE2 (not leftmost-longest) */
		{ REGEXPS("a|ab"), B("xab"), 0, B("a") },
		{ REGEXPS("(a+?)"), B("aaa"), 0, B("a") },
		/* one group: its text; a group that did not take part gives "" */
		{ REGEXPS("^x(y)?z$"), B("xz"), 0, B("") },
		{ REGEXPS("^(?P<name>[a-z]+)-\\d+$"), B("kworker-12"), 0, B("kworker") },
		{ REGEXPS("^(?:sys)(log)"), B("syslog"), 0, B("log") },
		/* two or more groups never match; the next pattern is tried */
		{ REGEXPS("^(a)(b)$", "^a(b)$"), B("ab"), 0, B("b") },
		{ REGEXPS("^(a)(b)$"), B("ab"), DECODER_SKIP, B("") },
		/* first matching pattern wins */
		{ REGEXPS("b", "a"), B("ab"), 0, B("b") },
		/* `$` only at the very end, `.` not across LF, (?m) and (?s) work */
		{ REGEXPS("^abc$"), B("abc\n"), DECODER_SKIP, B("") },
		{ REGEXPS("a.c"), B("a\nc"), DECODER_SKIP, B("") },
		{ REGEXPS("(?s)a.c"), B("a\nc"), 0, B("a\nc") },
		{ REGEXPS("(?m)^b$"), B("a\nb\nc"), 0, B("b") },
		{ REGEXPS("\\Aab\\z"), B("ab"), 0, B("ab") },
		/* case folding, UTF-8 runes, classes */
		{ REGEXPS("(?i)^ABC$"), B("abc"), 0, B("abc") },
		{ REGEXPS("^.{2}$"), B("\xc3\xa9x"), 0, B("\xc3\xa9x") },
		{ REGEXPS("^\\pL+$"), B("\xc3\xa9t\xc3\xa9"), 0, B("\xc3\xa9t\xc3\xa9") },
		{ REGEXPS("^[[:digit:]]+$"), B("0123"), 0, B("0123") },
		{ REGEXPS("\\bfoo\\b"), B("a foo b"), 0, B("foo") },
		/* invalid UTF-8: each bad byte is one U+FFFD rune, as in Go */
		{ REGEXPS("^a.b$"),
		  B("a\xff"
		    "b"),
		  0,
		  B("a\xef\xbf\xbd"
		    "b") },
		{ REGEXPS("^(.)(?:.)$"), B("\xff\xfe"), 0, B("\xef\xbf\xbd") },
		{ REGEXPS("^..$"), B("\xed\xa0\x80"), DECODER_SKIP, B("") },
		{ REGEXPS("^...$"), B("\xed\xa0\x80"), 0,
		  B("\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") },
		/* NUL bytes are ordinary input */
		{ REGEXPS("^a\\x00b$"), B("a\0b"), 0, B("a\0b") },
		{ REGEXPS(".*"), B(""), 0, B("") },
		{ REGEXPS("x*"), B("abc"), 0, B("") },
		/* an empty list skips everything */
		{ { .name = "regexp", .regexps_set = true }, B("anything"), DECODER_SKIP, B("") },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct result r;

		run(*state, "regexp", &cases[i].conf, cases[i].in, &r);
		if (r.ret != cases[i].ret)
			fail_msg("case %zu: ret %d, want %d (%s)", i, r.ret, cases[i].ret, r.err);
		if (r.out_len != cases[i].out.n || memcmp(r.out, cases[i].out.p, r.out_len))
			fail_msg("case %zu: got %zu bytes \"%s\"", i, r.out_len, r.out);
	}
}

static void test_regexp_init_errors(void **state)
{
	const struct {
		struct decoder_conf conf;
		const char *err;
	} cases[] = {
		{ { .name = "regexp" }, "no regexps defined in config" },
		{ REGEXPS("ok", "("), "error compiling regexp \"(\": missing closing parenthesis" },
		{ REGEXPS("\\d("),
		  "error compiling regexp \"\\\\d(\": missing closing parenthesis" },
		{ REGEXPS("a\"b["),
		  "error compiling regexp \"a\\\"b[\": missing terminating ] for character class" },
		{ REGEXPS("(a)\\1"), "error compiling regexp \"(a)\\\\1\": backreferences are not "
				     "supported" },
		{ REGEXPS("\\C"), NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct result r;

		run(*state, "regexp", &cases[i].conf, B("x"), &r);
		assert_int_equal(r.ret, -EINVAL);
		if (cases[i].err)
			assert_string_equal(r.err, cases[i].err);
		else
			assert_true(strncmp(r.err, "error compiling regexp ", 23) == 0);
	}
}

/* --- ksym --- */

static void test_ksym(void **state)
{
	static const struct {
		uint64_t addr;
		const char *out;
	} cases[] = {
		{ 0xffffffeb19d90828, "unknown_addr:0xffffffeb19d90828" },
		{ 0xffffffeb19d90830, "pipe_lock" },
		{ 0xffffffeb19d90870, "pipe_unlock" },
		{ 0xffffffeb19d90878, "unknown_addr:0xffffffeb19d90878" },
		{ 0xffffffffc0a01000, "bpf_prog_0123456789abcdef_probe" }, /* suffix stripped */
		{ 0xffffffffc0a02000, "nft_do_chain" },
		{ 0x10, "fixed_percpu_data" },
		{ 0, "unknown_addr:0x0" },
		{ 0x1, "unknown_addr:0x1" },
	};
	char buf[8];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_out(*state, "ksym", NULL, u64_bytes(cases[i].addr, buf),
			   (struct bytes){ cases[i].out, strlen(cases[i].out) });

	/* Only the first 8 bytes count. */
	char longer[16];
	uint64_t a = 0xffffffeb19d90870;

	memcpy(longer, &a, 8);
	memset(longer + 8, 0xff, 8);
	expect_out(*state, "ksym", NULL, (struct bytes){ longer, 16 }, B("pipe_unlock"));

	/* Short input is an error, never a read past the end. */
	expect_err(*state, "ksym", NULL, B("\x30\x08\xd9\x19"), -EINVAL,
		   "need at least 8 bytes for an address, got 4: []byte{0x30, 0x8, 0xd9, 0x19}");
	expect_err(*state, "ksym", NULL, B(""), -EINVAL,
		   "need at least 8 bytes for an address, got 0: []byte{}");
}

static void test_ksym_reload(void **state)
{
	char path[] = "/tmp/test_decoders_kallsyms_XXXXXX", buf[8];
	struct decoder_env *env;
	char err[512];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, "1000 T first\n");

	/* Re-read on every miss. */
	env = new_env(path, -1);
	expect_out(env, "ksym", NULL, u64_bytes(0x2000, buf), B("unknown_addr:0x2000"));
	assert_int_equal(env->kallsyms_reloads, 1);
	write_file(path, "1000 T first\n2000 t second\t[bpf]\n");
	expect_out(env, "ksym", NULL, u64_bytes(0x2000, buf), B("second"));
	assert_int_equal(env->kallsyms_reloads, 2);
	expect_out(env, "ksym", NULL, u64_bytes(0x1000, buf), B("first"));
	assert_int_equal(env->kallsyms_reloads, 2); /* hits never re-read */
	/* A failing re-read keeps the old index (and logs once). */
	assert_int_equal(unlink(path), 0);
	expect_out(env, "ksym", NULL, u64_bytes(0x3000, buf), B("unknown_addr:0x3000"));
	expect_out(env, "ksym", NULL, u64_bytes(0x3000, buf), B("unknown_addr:0x3000"));
	expect_out(env, "ksym", NULL, u64_bytes(0x2000, buf), B("second"));
	assert_true(env->kallsyms_failing);
	assert_int_equal(decoder_env__refresh_kallsyms(env, err, sizeof(err)), -ENOENT);
	assert_true(strncmp(err, "error opening kallsyms at ", 26) == 0);
	decoder_env__free(env);

	/* Default: at most once per second; an explicit refresh always re-reads. */
	write_file(path, "1000 T first\n");
	env = new_env(path, 0);
	write_file(path, "1000 T first\n2000 T second\n");
	expect_out(env, "ksym", NULL, u64_bytes(0x2000, buf), B("unknown_addr:0x2000"));
	assert_int_equal(env->kallsyms_reloads, 0);
	assert_int_equal(decoder_env__refresh_kallsyms(env, err, sizeof(err)), 0);
	expect_out(env, "ksym", NULL, u64_bytes(0x2000, buf), B("second"));
	decoder_env__free(env);

	/* A short interval lets a later miss re-read. */
	write_file(path, "1000 T first\n");
	env = new_env(path, 30);
	write_file(path, "1000 T first\n3000 T third\n");
	expect_out(env, "ksym", NULL, u64_bytes(0x3000, buf), B("unknown_addr:0x3000"));
	usleep(40 * 1000);
	expect_out(env, "ksym", NULL, u64_bytes(0x3000, buf), B("third"));
	assert_int_equal(env->kallsyms_reloads, 1);
	decoder_env__free(env);
	unlink(path);
}

static void test_env_errors(void **state)
{
	struct decoder_env_opts opts = { .kallsyms_path = "/nonexistent/kallsyms" };
	struct decoder_env *env = NULL;
	char err[512];

	assert_int_equal(decoder_env__new(&opts, &env, err, sizeof(err)), -ENOENT);
	assert_null(env);
	assert_string_equal(err, "error creating ksym decoder: error opening kallsyms at "
				 "\"/nonexistent/kallsyms\": open /nonexistent/kallsyms: no such "
				 "file or directory");
	opts.kallsyms_path = fixture("kallsyms-bad.txt");
	assert_int_equal(decoder_env__new(&opts, &env, err, sizeof(err)), -EINVAL);
	assert_true(strncmp(err, "error creating ksym decoder: error parsing kallsyms addr ", 57) ==
		    0);
	decoder_env__free(NULL);

	/* Default path: the real /proc/kallsyms. */
	if (access("/proc/kallsyms", R_OK) == 0) {
		assert_int_equal(decoder_env__new(NULL, &env, err, sizeof(err)), 0);
		assert_true(kallsyms__count(env->kallsyms) > 1000);
		decoder_env__free(env);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_uint_errors),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_static_map),
		cmocka_unit_test(test_static_map_many),
		cmocka_unit_test(test_regexp_spec),
		cmocka_unit_test(test_regexp_semantics),
		cmocka_unit_test(test_regexp_init_errors),
		cmocka_unit_test(test_ksym),
		cmocka_unit_test(test_ksym_reload),
		cmocka_unit_test(test_env_errors),
	};

	return cmocka_run_group_tests(tests, setup_env, teardown_env);
}
