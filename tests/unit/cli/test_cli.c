// SPDX-License-Identifier: MIT
/*
 * cli: kingpin-compatible flag parsing. Expected texts were taken from a kingpin
 * v2 build with upstream's flag definitions.
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

#include "cli/cli.h"
#include "util/buf.h"
#include "util/build_info.h"

#define MAX_ARGS 16
/* bufio.MaxScanTokenSize: an @file line this long is an error */
#define ARGS_LINE_SIZE 65536

/* A scratch directory holding a config dir, a plain file and @files. */
static char tmpdir[64];

static const char *tmp_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
	return out;
}

static void write_file(const char *name, const char *data, size_t len)
{
	char path[256];
	FILE *f = fopen(tmp_path(path, sizeof(path), name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *name, const char *text)
{
	write_file(name, text, strlen(text));
}

/* Expands "%D" to the scratch directory. */
static char *expand(const char *arg)
{
	struct buf b = { 0 };
	const char *p;

	for (p = arg; *p; p++) {
		if (p[0] == '%' && p[1] == 'D') {
			assert_int_equal(buf_puts(&b, tmpdir), 0);
			p++;
		} else {
			assert_int_equal(buf_putc(&b, *p), 0);
		}
	}
	if (!b.data)
		assert_int_equal(buf_puts(&b, ""), 0);
	return b.data;
}

static char *read_fd_all(int fd)
{
	struct buf b = { 0 };
	char chunk[4096];
	ssize_t n;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(&b, chunk, (size_t)n), 0);
	assert_true(n == 0);
	if (!b.data)
		assert_int_equal(buf_puts(&b, ""), 0);
	return b.data;
}

struct run {
	enum cli_result res;
	struct cli_opts opts;
	char *out; /* stdout */
	char *err; /* stderr */
};

/*
 * Calls cli_parse() with argv0 and the NULL-terminated args (after %D expansion), capturing
 * what it writes to fds 1 and 2.
 */
static void run_as(struct run *r, const char *argv0, const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0, saved_out, saved_err, fd_out, fd_err;
	char out_path[] = "/tmp/test_cli_outXXXXXX", err_path[] = "/tmp/test_cli_errXXXXXX";

	argv[argc++] = argv0 ? strdup(argv0) : NULL;
	for (; args && *args; args++) {
		assert_true(argc <= MAX_ARGS);
		argv[argc++] = expand(*args);
	}
	argv[argc] = NULL;

	fd_out = mkstemp(out_path);
	fd_err = mkstemp(err_path);
	assert_true(fd_out >= 0 && fd_err >= 0);
	unlink(out_path);
	unlink(err_path);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	assert_true(saved_out >= 0 && saved_err >= 0);
	assert_true(dup2(fd_out, STDOUT_FILENO) >= 0);
	assert_true(dup2(fd_err, STDERR_FILENO) >= 0);

	r->res = cli_parse(argc, argv, &r->opts);

	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(saved_out, STDOUT_FILENO) >= 0);
	assert_true(dup2(saved_err, STDERR_FILENO) >= 0);
	close(saved_out);
	close(saved_err);
	r->out = read_fd_all(fd_out);
	r->err = read_fd_all(fd_err);
	close(fd_out);
	close(fd_err);
	while (argc--)
		free(argv[argc]);
}

static void run(struct run *r, const char *const *args)
{
	run_as(r, "ebpf_exporter", args);
}

static void run_free(struct run *r)
{
	cli_opts_free(&r->opts);
	free(r->out);
	free(r->err);
}

static int setup(void **state)
{
	char path[256];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cli_XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (mkdir(tmp_path(path, sizeof(path), "configs"), 0755))
		return -1;
	/* Deterministic help layout whether or not stderr is a terminal. */
	return setenv("COLUMNS", "80", 1);
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------------------------ */

static void test_defaults(void **state)
{
	const char *args[] = { "--config.dir=%D/configs", "--config.names=a", NULL };
	struct run r;
	char *dir = expand("%D/configs");

	run(&r, args);
	assert_int_equal(r.res, CLI_OK);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	assert_string_equal(r.opts.config_dir, dir);
	assert_string_equal(r.opts.config_names, "a");
	assert_false(r.opts.config_check);
	assert_false(r.opts.config_strict);
	assert_int_equal(r.opts.skip_cache_size, 0);
	assert_false(r.opts.debug);
	assert_false(r.opts.log_no_timestamps);
	assert_false(r.opts.web_systemd_socket);
	assert_int_equal(r.opts.n_web_listen_addresses, 1);
	assert_string_equal(r.opts.web_listen_addresses[0], ":9435");
	assert_null(r.opts.web_listen_addresses[1]);
	assert_string_equal(r.opts.web_config_file, "");
	assert_string_equal(r.opts.web_telemetry_path, "/metrics");
	assert_string_equal(r.opts.capabilities_keep, "all");
	assert_string_equal(r.opts.btf_path, "");
	assert_int_equal(r.opts.web_max_connections, 0);
	assert_true(r.opts.web_request_timeout_ns == 10000000000LL);
	assert_true(r.opts.web_idle_timeout_ns == 300000000000LL);
	assert_true(r.opts.tracing_shutdown_timeout_ns == 5000000000LL);
	run_free(&r);
	free(dir);
}

enum field {
	F_DIR,
	F_NAMES,
	F_LISTEN,
	F_PATH,
	F_CAPS,
	F_BTF,
	F_WEB_CONFIG,
};

static const char *string_field(const struct cli_opts *o, enum field f)
{
	switch (f) {
	case F_DIR:
		return o->config_dir;
	case F_NAMES:
		return o->config_names;
	case F_LISTEN:
		/* one address given: the default is gone */
		return o->n_web_listen_addresses == 1 ? o->web_listen_addresses[0] : NULL;
	case F_PATH:
		return o->web_telemetry_path;
	case F_CAPS:
		return o->capabilities_keep;
	case F_BTF:
		return o->btf_path;
	case F_WEB_CONFIG:
		return o->web_config_file;
	}
	return NULL;
}

static void test_string_flags(void **state)
{
	static const struct {
		const char *flag;
		const char *value;
		enum field field;
	} cases[] = {
		{ "config.names", "a,,b", F_NAMES },
		{ "config.names", "", F_NAMES },
		{ "web.listen-address", "127.0.0.1:1234", F_LISTEN },
		{ "web.listen-address", "fd://0", F_LISTEN },
		{ "web.telemetry-path", "/m", F_PATH },
		{ "capabilities.keep", "cap_bpf,cap_perfmon", F_CAPS },
		{ "btf.path", "/sys/kernel/btf/vmlinux", F_BTF },
		{ "btf.path", "a=b", F_BTF },
		{ "web.config.file", "%D/web.yml", F_WEB_CONFIG },
		{ "web.config.file", "", F_WEB_CONFIG },
		{ "config.dir", "%D/configs", F_DIR },
		{ "config.dir", "%D/configs/", F_DIR },
		{ "config.dir", "/", F_DIR },
	};
	size_t i;
	int form;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (form = 0; form < 2; form++) {
			char eq[256];
			const char *args[6];
			struct run r;
			char *want = expand(cases[i].value);
			int n = 0;

			snprintf(eq, sizeof(eq), "--%s=%s", cases[i].flag, cases[i].value);
			snprintf(eq + 128, 128, "--%s", cases[i].flag);
			if (form == 0) {
				args[n++] = eq;
			} else {
				args[n++] = eq + 128;
				args[n++] = cases[i].value;
			}
			if (cases[i].field != F_DIR)
				args[n++] = "--config.dir=%D";
			if (cases[i].field != F_NAMES)
				args[n++] = "--config.names=x";
			args[n] = NULL;
			run(&r, args);
			assert_int_equal(r.res, CLI_OK);
			assert_string_equal(r.err, "");
			assert_string_equal(string_field(&r.opts, cases[i].field), want);
			run_free(&r);
			free(want);
		}
	}
}

/*
 * --web.listen-address is kingpin's Strings(): repeatable, each value appended, the first
 * one given replacing the default; an @file line counts like an argument.
 */
static void test_listen_addresses(void **state)
{
	const char *two[] = { "--config.dir=%D",      "--config.names=x", "--web.listen-address=:1",
			      "--web.listen-address", "fd://0",		  NULL };
	const char *same[] = { "--config.dir=%D", "--config.names=x", "--web.listen-address=:1",
			       "--web.listen-address=:1", NULL };
	const char *at[] = { "--config.dir=%D", "--config.names=x", "@%D/listen",
			     "--web.listen-address=[::1]:3", NULL };
	struct run r;

	run(&r, two);
	assert_int_equal(r.res, CLI_OK);
	assert_string_equal(r.err, "");
	assert_int_equal(r.opts.n_web_listen_addresses, 2);
	assert_string_equal(r.opts.web_listen_addresses[0], ":1");
	assert_string_equal(r.opts.web_listen_addresses[1], "fd://0");
	assert_null(r.opts.web_listen_addresses[2]);
	run_free(&r);

	run(&r, same);
	assert_int_equal(r.res, CLI_OK);
	assert_int_equal(r.opts.n_web_listen_addresses, 2);
	assert_string_equal(r.opts.web_listen_addresses[0], ":1");
	assert_string_equal(r.opts.web_listen_addresses[1], ":1");
	run_free(&r);

	write_text("listen", "--web.listen-address\n127.0.0.1:2\n");
	run(&r, at);
	assert_int_equal(r.res, CLI_OK);
	assert_int_equal(r.opts.n_web_listen_addresses, 2);
	assert_string_equal(r.opts.web_listen_addresses[0], "127.0.0.1:2");
	assert_string_equal(r.opts.web_listen_addresses[1], "[::1]:3");
	run_free(&r);
}

static void test_bool_flags(void **state)
{
	static const char *const names[] = { "config.check", "config.strict", "debug",
					     "log.no-timestamps", "web.systemd-socket" };
	size_t i;
	int neg;

	for (i = 0; i < 5; i++) {
		for (neg = 0; neg < 2; neg++) {
			char flag[64];
			const char *args[] = { "--config.dir=%D", "--config.names=x", flag, NULL };
			bool got[5];
			struct run r;
			size_t j;

			snprintf(flag, sizeof(flag), "--%s%s", neg ? "no-" : "", names[i]);
			run(&r, args);
			assert_int_equal(r.res, CLI_OK);
			got[0] = r.opts.config_check;
			got[1] = r.opts.config_strict;
			got[2] = r.opts.debug;
			got[3] = r.opts.log_no_timestamps;
			got[4] = r.opts.web_systemd_socket;
			for (j = 0; j < 5; j++)
				assert_int_equal(got[j], j == i && !neg);
			run_free(&r);
		}
	}
}

/* --config.skip-cache-size: kingpin's Int() parses with strconv.ParseFloat and truncates. */
static void test_int_flag(void **state)
{
	static const struct {
		const char *in;
		long long want;
	} ok[] = {
		{ "100", 100 },
		{ "-5", -5 },
		{ "+7", 7 },
		{ "1e3", 1000 },
		{ "1.9", 1 },
		{ "-1.9", -1 },
		{ ".5", 0 },
		{ "5.", 5 },
		{ "0x1p4", 16 },
		{ "0x1.8p1", 3 },
		{ "1_000", 1000 },
		{ "1e-400", 0 },
		{ "9007199254740993", 9007199254740992 },
		{ "inf", INT64_MIN },
		{ "-Infinity", INT64_MIN },
		{ "NaN", INT64_MIN },
		{ "1e19", INT64_MIN },
	};
	static const char *const syntax[] = { "abc",  "",     "0x10", "_1000", "1__0", " 1",
					      "infx", "+nan", "1e",   "0x",    "1.2.3" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char flag[64];
		const char *args[] = { "--config.dir=%D", "--config.names=x", flag, NULL };
		struct run r;

		/* "=" form: a separate "-5" would be taken for a short flag */
		snprintf(flag, sizeof(flag), "--config.skip-cache-size=%s", ok[i].in);
		run(&r, args);
		assert_int_equal(r.res, CLI_OK);
		assert_true(r.opts.skip_cache_size == ok[i].want);
		run_free(&r);
	}
	for (i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		char flag[64], want[160];
		const char *args[] = { "--config.dir=%D", "--config.names=x", flag, NULL };
		struct run r;

		snprintf(flag, sizeof(flag), "--config.skip-cache-size=%s", syntax[i]);
		snprintf(
			want, sizeof(want),
			"ebpf_exporter: error: strconv.ParseFloat: parsing \"%s\": invalid syntax, "
			"try --help\n",
			syntax[i]);
		run(&r, args);
		assert_int_equal(r.res, CLI_ERROR);
		assert_string_equal(r.err, want);
		run_free(&r);
	}
}

static void test_duration_flags(void **state)
{
	static const struct {
		const char *flag;
		int64_t want;
	} ok[] = {
		{ "--web.request-timeout=1.5s", 1500000000LL },
		{ "--web.idle-timeout=1h2m", 3720000000000LL },
		{ "--tracing.shutdown-timeout=0", 0 },
		{ "--tracing.shutdown-timeout=250ms", 250000000LL },
	};
	static const struct {
		const char *flag, *msg;
	} range[] = {
		{ "--web.request-timeout=0s", "--web.request-timeout must be positive" },
		{ "--web.request-timeout=-1s", "--web.request-timeout must be positive" },
		{ "--web.idle-timeout=500ms", "--web.idle-timeout must be at least 1s" },
		{ "--tracing.shutdown-timeout=-1s",
		  "--tracing.shutdown-timeout must be between 0 and 596h" },
		{ "--web.max-connections=-1", "--web.max-connections must not be negative" },
	};
	static const char *const bad[] = { "10", "abc", "5x", "" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *args[] = { "--config.dir=%D", "--config.names=x", ok[i].flag, NULL };
		struct run r;
		int64_t got;

		run(&r, args);
		assert_int_equal(r.res, CLI_OK);
		got = i == 0 ? r.opts.web_request_timeout_ns :
		      i == 1 ? r.opts.web_idle_timeout_ns :
			       r.opts.tracing_shutdown_timeout_ns;
		assert_true(got == ok[i].want);
		run_free(&r);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char flag[64], want[160];
		const char *args[] = { "--config.dir=%D", "--config.names=x", flag, NULL };
		struct run r;

		snprintf(flag, sizeof(flag), "--web.request-timeout=%s", bad[i]);
		snprintf(want, sizeof(want),
			 "ebpf_exporter: error: time: invalid duration \"%s\", try --help\n",
			 bad[i]);
		run(&r, args);
		assert_int_equal(r.res, CLI_ERROR);
		assert_string_equal(r.err, want);
		run_free(&r);
	}
	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		char want[160];
		const char *args[] = { "--config.dir=%D", "--config.names=x", range[i].flag, NULL };
		struct run r;

		snprintf(want, sizeof(want), "ebpf_exporter: error: %s, try --help\n",
			 range[i].msg);
		run(&r, args);
		assert_int_equal(r.res, CLI_ERROR);
		assert_string_equal(r.err, want);
		run_free(&r);
	}
}

static void test_at_file(void **state)
{
	const char *args1[] = { "@%D/args1", NULL };
	const char *args2[] = { "@%D/nested", "--config.names=last", NULL };
	const char *args3[] = { "--config.dir=%D", "--config.names", "@%D/value", NULL };
	const char *args4[] = { "@%D/empty", "--config.dir=%D", "--config.names=e", NULL };
	struct run r;
	char *dir = expand("%D");

	/* one argument per line: comments, blank lines and CRs dropped, spaces kept */
	{
		struct buf b = { 0 };

		assert_int_equal(
			buf_printf(&b,
				   "# comment\n\n  \t\n--config.dir\r\n%s\n--config.names\n"
				   " a b \n--debug",
				   tmpdir),
			0);
		write_file("args1", b.data, b.len);
		buf_free(&b);
	}
	run(&r, args1);
	assert_int_equal(r.res, CLI_OK);
	assert_string_equal(r.opts.config_dir, dir);
	assert_string_equal(r.opts.config_names, " a b ");
	assert_true(r.opts.debug);
	run_free(&r);

	/* @files nest, and the arguments after one still count */
	{
		struct buf b = { 0 };

		assert_int_equal(buf_printf(&b, "--config.dir=%s\n", tmpdir), 0);
		write_file("dirarg", b.data, b.len);
		buf_reset(&b);
		assert_int_equal(buf_printf(&b, "@%s/dirarg\n--log.no-timestamps\n", tmpdir), 0);
		write_file("nested", b.data, b.len);
		buf_free(&b);
	}
	run(&r, args2);
	assert_int_equal(r.res, CLI_OK);
	assert_string_equal(r.opts.config_dir, dir);
	assert_string_equal(r.opts.config_names, "last");
	assert_true(r.opts.log_no_timestamps);
	run_free(&r);

	/* a flag's value may come from an @file */
	write_text("value", "from-file\n--debug\n");
	run(&r, args3);
	assert_int_equal(r.res, CLI_OK);
	assert_string_equal(r.opts.config_names, "from-file");
	assert_true(r.opts.debug);
	run_free(&r);

	write_text("empty", "");
	run(&r, args4);
	assert_int_equal(r.res, CLI_OK);
	assert_string_equal(r.opts.config_names, "e");
	run_free(&r);
	free(dir);
}

/* Every error kingpin reports, as "<prog>: error: <msg>, try --help". */
static void test_errors(void **state)
{
	static const struct {
		const char *args[6];
		const char *msg; /* %D is expanded */
	} cases[] = {
		{ { NULL }, "required flag(s) '--config.dir', '--config.names' not provided" },
		{ { "--config.dir=%D" }, "required flag(s) '--config.names' not provided" },
		{ { "--config.names=a" }, "required flag(s) '--config.dir' not provided" },
		{ { "--config.dir=%D/nowhere", "--config.names=a" },
		  "path '%D/nowhere' does not exist" },
		{ { "--config.dir=", "--config.names=a" }, "path '' does not exist" },
		{ { "--config.dir=%D/file", "--config.names=a" }, "'file' is a file" },
		{ { "--config.dir=%D/file/x", "--config.names=a" },
		  "stat %D/file/x: not a directory" },
		{ { "--config.dir=%D", "--config.names=a", "--bogus" },
		  "unknown long flag '--bogus'" },
		{ { "--config.dir=%D", "--config.names=a", "--bogus=1" },
		  "unknown long flag '--bogus'" },
		{ { "--no-config.dir=%D" }, "unknown long flag '--no-config.dir'" },
		{ { "-x" }, "unknown short flag '-x'" },
		{ { "-hx" }, "unknown short flag '-x'" },
		{ { "--config.dir=%D", "--config.names=a", "pos" }, "unexpected pos" },
		{ { "--config.dir=%D", "--config.names=a", "-" }, "unexpected " },
		{ { "--config.dir=%D", "--config.names=a", "--", "--debug" },
		  "unexpected --debug" },
		{ { "--config.dir=%D", "--config.names=a", "--debug=true" }, "unexpected true" },
		{ { "--config.dir" }, "expected argument for flag '--config.dir'" },
		{ { "--config.names", "--debug" }, "expected argument for flag '--config.names'" },
		{ { "--config.dir=%D", "--config.names=a", "--debug", "--debug" },
		  "flag 'debug' cannot be repeated" },
		{ { "--config.dir=%D", "--config.names=a", "--debug", "--no-debug" },
		  "flag 'debug' cannot be repeated" },
		{ { "--config.dir=%D", "--config.names=a", "--config.names=b" },
		  "flag 'config.names' cannot be repeated" },
		{ { "--config.dir=%D", "--config.names=a", "--config.skip-cache-size=1e400" },
		  "strconv.ParseFloat: parsing \"1e400\": value out of range" },
		{ { "--config.dir=%D", "--config.names=a", "--config.skip-cache-size=\t\"\xff" },
		  "strconv.ParseFloat: parsing \"\\t\\\"\\xff\": invalid syntax" },
		{ { "--config.dir=%D", "--config.names=a", "--config.skip-cache-size" },
		  "expected argument for flag '--config.skip-cache-size'" },
		{ { "--config.dir=%D", "--config.names=a", "--config.skip-cache-size", "-5" },
		  "expected argument for flag '--config.skip-cache-size'" },
		{ { "@" }, "expected @ file to expand arguments from" },
		{ { "@%D/missing" },
		  "failed to open arguments file \"%D/missing\": open %D/missing: no such file or "
		  "directory" },
		{ { "@%D" }, "failed to read arguments from \"%D\": read %D: is a directory" },
		{ { "@%D/long" },
		  "failed to read arguments from \"%D/long\": bufio.Scanner: token too long" },
		{ { "--config.dir", "@%D/missing" }, "expected argument for flag '--config.dir'" },
		/* help does not hide a parse error, nor does a later --version */
		{ { "--help", "--bogus" }, "unknown long flag '--bogus'" },
		{ { "--bogus", "--version" }, "unknown long flag '--bogus'" },
	};
	char *line = malloc(ARGS_LINE_SIZE + 2);
	size_t i;

	assert_non_null(line);
	write_text("file", "");
	/* bufio.Scanner's 64 KiB limit: a 65536-byte line is too long */
	memset(line, 'a', ARGS_LINE_SIZE);
	write_file("long", line, ARGS_LINE_SIZE);
	free(line);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;
		char *msg = expand(cases[i].msg);
		struct buf want = { 0 };

		assert_int_equal(buf_printf(&want, "ebpf_exporter: error: %s, try --help\n", msg),
				 0);
		run(&r, cases[i].args);
		assert_int_equal(r.res, CLI_ERROR);
		assert_string_equal(r.err, want.data);
		assert_string_equal(r.out, "");
		/* nothing to release after an error, and freeing again is harmless */
		assert_null(r.opts.web_listen_addresses);
		run_free(&r);
		buf_free(&want);
		free(msg);
	}
}

static void test_prog_name(void **state)
{
	static const struct {
		const char *argv0;
		const char *prefix;
	} cases[] = {
		{ "/usr/local/bin/my-exporter", "my-exporter: error: " },
		{ "./x/", "x: error: " },
		{ "", ".: error: " },
		{ NULL, "ebpf_exporter: error: " },
	};
	const char *args[] = { "--bogus", NULL };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;
		char want[128];

		snprintf(want, sizeof(want), "%sunknown long flag '--bogus', try --help\n",
			 cases[i].prefix);
		run_as(&r, cases[i].argv0, args);
		assert_int_equal(r.res, CLI_ERROR);
		assert_string_equal(r.err, want);
		run_free(&r);
	}
}

static const char help_80[] =
	"usage: ebpf_exporter --config.dir=CONFIG.DIR --config.names=CONFIG.NAMES [<flags>]\n"
	"\n"
	"\n"
	"Flags:\n"
	"  -h, --[no-]help                Show context-sensitive help (also try\n"
	"                                 --help-long and --help-man).\n"
	"      --config.dir=CONFIG.DIR    Config dir path.\n"
	"      --config.names=CONFIG.NAMES  \n"
	"                                 Comma separated names of configs to load.\n"
	"      --[no-]config.check        Check whether configs attach and exit.\n"
	"      --[no-]config.strict       Make sure every probe registered.\n"
	"      --[no-]debug               Enable debug.\n"
	"      --[no-]log.no-timestamps   Disable timestamps in log.\n"
	"      --[no-]web.systemd-socket  Use systemd socket activation listeners instead\n"
	"                                 of port listeners (Linux only).\n"
	"      --web.listen-address=:9435 ...  \n"
	"                                 Addresses on which to expose metrics and web\n"
	"                                 interface. Repeatable for multiple addresses.\n"
	"                                 Examples: `:9100` or `[::1]:9100` for http\n"
	"      --web.config.file=\"\"       Path to configuration file that can\n"
	"                                 enable TLS or authentication. See:\n"
	"                                 https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md\n"
	"      --web.telemetry-path=\"/metrics\"  \n"
	"                                 Path under which to expose metrics.\n"
	"      --capabilities.keep=\"all\"  Comma separated list of capabilities to keep\n"
	"                                 (cap_syslog, cap_bpf, etc.), 'all' or 'none'\n"
	"      --btf.path=\"\"              Optional BTF file path.\n"
	"      --config.skip-cache-size=CONFIG.SKIP-CACHE-SIZE  \n"
	"                                 Size of the LRU skip cache\n"
	"      --web.max-connections=0    Most HTTP connections open at once; 0 derives\n"
	"                                 it from the open file limit.\n"
	"      --web.request-timeout=10s  Time a client has to send a whole request,\n"
	"                                 from its connection or its first byte.\n"
	"      --web.idle-timeout=5m      Time an idle keep-alive connection stays open.\n"
	"      --tracing.shutdown-timeout=5s  \n"
	"                                 Time the exporter may spend sending queued\n"
	"                                 spans when it stops.\n"
	"      --[no-]web.enable-lifecycle  \n"
	"                                 Enable reload via HTTP request.\n"
	"      --[no-]web.enable-openmetrics  \n"
	"                                 Serve OpenMetrics 1.0.0 text to scrapers\n"
	"                                 that ask for it. Counters are then named\n"
	"                                 <name>_total.\n"
	"      --[no-]version             Show application version.\n"
	"\n";

/* go/doc's wrapping prefers line ends at punctuation: see "Comma separated list". */
static const char help_60[] =
	"usage: ebpf_exporter --config.dir=CONFIG.DIR --config.names=CONFIG.NAMES [<flags>]\n"
	"\n"
	"\n"
	"Flags:\n"
	"  -h, --[no-]help                Show context-sensitive help\n"
	"                                 (also try --help-long and\n"
	"                                 --help-man).\n"
	"      --config.dir=CONFIG.DIR    Config dir path.\n"
	"      --config.names=CONFIG.NAMES  \n"
	"                                 Comma separated names of\n"
	"                                 configs to load.\n"
	"      --[no-]config.check        Check whether configs\n"
	"                                 attach and exit.\n"
	"      --[no-]config.strict       Make sure every probe\n"
	"                                 registered.\n"
	"      --[no-]debug               Enable debug.\n"
	"      --[no-]log.no-timestamps   Disable timestamps in log.\n"
	"      --[no-]web.systemd-socket  Use systemd socket\n"
	"                                 activation listeners\n"
	"                                 instead of port listeners\n"
	"                                 (Linux only).\n"
	"      --web.listen-address=:9435 ...  \n"
	"                                 Addresses on which to\n"
	"                                 expose metrics and web\n"
	"                                 interface. Repeatable\n"
	"                                 for multiple addresses.\n"
	"                                 Examples: `:9100` or\n"
	"                                 `[::1]:9100` for http\n"
	"      --web.config.file=\"\"       Path to configuration\n"
	"                                 file that can enable TLS\n"
	"                                 or authentication. See:\n"
	"                                 https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md\n"
	"      --web.telemetry-path=\"/metrics\"  \n"
	"                                 Path under which to expose\n"
	"                                 metrics.\n"
	"      --capabilities.keep=\"all\"  Comma separated list\n"
	"                                 of capabilities to keep\n"
	"                                 (cap_syslog, cap_bpf,\n"
	"                                 etc.), 'all' or 'none'\n"
	"      --btf.path=\"\"              Optional BTF file path.\n"
	"      --config.skip-cache-size=CONFIG.SKIP-CACHE-SIZE  \n"
	"                                 Size of the LRU skip cache\n"
	"      --web.max-connections=0    Most HTTP connections open\n"
	"                                 at once; 0 derives it from\n"
	"                                 the open file limit.\n"
	"      --web.request-timeout=10s  Time a client has to\n"
	"                                 send a whole request,\n"
	"                                 from its connection or its\n"
	"                                 first byte.\n"
	"      --web.idle-timeout=5m      Time an idle keep-alive\n"
	"                                 connection stays open.\n"
	"      --tracing.shutdown-timeout=5s  \n"
	"                                 Time the exporter may spend\n"
	"                                 sending queued spans when\n"
	"                                 it stops.\n"
	"      --[no-]web.enable-lifecycle  \n"
	"                                 Enable reload via HTTP\n"
	"                                 request.\n"
	"      --[no-]web.enable-openmetrics  \n"
	"                                 Serve OpenMetrics 1.0.0\n"
	"                                 text to scrapers that ask\n"
	"                                 for it. Counters are then\n"
	"                                 named <name>_total.\n"
	"      --[no-]version             Show application version.\n"
	"\n";

static void test_help(void **state)
{
	static const char *const variants[][4] = {
		{ "--help", NULL },
		{ "-h", NULL },
		/* help wins over a value error and over missing required flags */
		{ "--config.dir=/nonexistent", "--help", NULL },
		{ "--help", "--help", NULL },
		{ "--no-help", NULL },
	};
	const char *narrow[] = { "--help", NULL };
	const char *long_help[] = { "--help-long", NULL };
	size_t i;
	struct run r;

	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		run(&r, variants[i]);
		assert_int_equal(r.res, CLI_EXIT);
		assert_string_equal(r.err, help_80);
		assert_string_equal(r.out, "");
		run_free(&r);
	}

	assert_int_equal(setenv("COLUMNS", "60", 1), 0);
	run(&r, narrow);
	assert_int_equal(setenv("COLUMNS", "80", 1), 0);
	assert_int_equal(r.res, CLI_EXIT);
	assert_string_equal(r.err, help_60);
	run_free(&r);

	/* --help-long: the same flags to stdout, one blank line after the usage line */
	run(&r, long_help);
	assert_int_equal(r.res, CLI_EXIT);
	assert_string_equal(r.err, "");
	assert_int_equal(strncmp(r.out, help_80, 83), 0);
	assert_string_equal(r.out + 83, help_80 + 84);
	run_free(&r);
}

static void test_hidden_flags(void **state)
{
	const char *man[] = { "--help-man", NULL };
	const char *bash[] = { "--completion-script-bash", NULL };
	const char *zsh[] = { "--completion-script-zsh", NULL };
	const char *comp_all[] = { "--completion-bash", "--con", NULL };
	const char *comp_exact[] = { "--completion-bash", "--config.dir", NULL };
	const char *comp_none[] = { "--completion-bash", "x", NULL };
	static const struct {
		const char *args[4];
		const char *out;
	} comp_hint[] = {
		{ { "--completion-bash", "--web.listen-address", NULL }, ":9435" },
		{ { "--completion-bash", "--web.listen-address", ":94", NULL }, ":9435" },
		{ { "--completion-bash", "--web.listen-address", "x", NULL }, ":9435" },
		{ { "--completion-bash", "--web.listen-address", ":9435", NULL }, "" },
		{ { "--completion-bash", "--web.config.file", NULL }, "" },
	};
	struct run r;

	run(&r, man);
	assert_int_equal(r.res, CLI_EXIT);
	assert_non_null(strstr(r.out, ".SH \"SYNOPSIS\"\n.TP\n\\fBebpf_exporter "
				      "--config.dir=CONFIG.DIR --config.names=CONFIG.NAMES "
				      "[<flags>]\\fR\n"));
	assert_non_null(strstr(r.out, ".TP\n\\fB-h, --help\\fR\nShow context-sensitive help"));
	/* a repeatable flag's default is not quoted, and the man page has no " ..." */
	assert_non_null(
		strstr(r.out, ".TP\n\\fB--web.listen-address=:9435\\fR\nAddresses on which"));
	assert_non_null(
		strstr(r.out, ".TP\n\\fB--web.config.file=\"\"\\fR\nPath to configuration"));
	assert_int_equal(strncmp(r.out, ".TH ebpf_exporter 1 ebpf_exporter, version ", 43), 0);
	run_free(&r);

	run(&r, bash);
	assert_int_equal(r.res, CLI_EXIT);
	assert_non_null(strstr(r.out, "complete -F _ebpf_exporter_bash_autocomplete -o default "
				      "ebpf_exporter\n"));
	run_free(&r);

	run(&r, zsh);
	assert_int_equal(r.res, CLI_EXIT);
	assert_int_equal(strncmp(r.out, "#compdef ebpf_exporter\n", 23), 0);
	run_free(&r);

	run(&r, comp_all);
	assert_int_equal(r.res, CLI_EXIT);
	assert_string_equal(
		r.out, "--help\n--config.dir\n--config.names\n--config.check\n"
		       "--config.strict\n--debug\n--log.no-timestamps\n"
		       "--web.systemd-socket\n--web.listen-address\n--web.config.file\n"
		       "--web.telemetry-path\n--capabilities.keep\n"
		       "--btf.path\n--config.skip-cache-size\n--web.max-connections\n"
		       "--web.request-timeout\n--web.idle-timeout\n--tracing.shutdown-timeout\n"
		       "--web.enable-lifecycle\n--web.enable-openmetrics\n--version");
	run_free(&r);

	run(&r, comp_exact);
	assert_int_equal(r.res, CLI_EXIT);
	assert_string_equal(r.out, "");
	run_free(&r);

	/* the toolkit's HintOptions(":9435"): offered until the value is exactly it */
	for (size_t i = 0; i < sizeof(comp_hint) / sizeof(comp_hint[0]); i++) {
		run(&r, comp_hint[i].args);
		assert_int_equal(r.res, CLI_EXIT);
		assert_string_equal(r.out, comp_hint[i].out);
		run_free(&r);
	}

	run(&r, comp_none);
	assert_int_equal(r.res, CLI_EXIT);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	run_free(&r);
}

static void test_version(void **state)
{
	static const char *const variants[][3] = {
		{ "--version", NULL },
		{ "--no-version", NULL },
		/* --version runs before errors are reported, if the parser reached it */
		{ "--version", "--bogus", NULL },
		{ "--config.dir=/nonexistent", "--version", NULL },
		{ "--version", "--help", NULL },
	};
	const struct build_info *bi = build_info_get();
	struct buf want = { 0 };
	size_t i;

	assert_string_equal(bi->goos, "linux");
	assert_string_equal(bi->tags, "unknown");
#if defined(__x86_64__)
	assert_string_equal(bi->goarch, "amd64");
#elif defined(__aarch64__)
	assert_string_equal(bi->goarch, "arm64");
#endif
	assert_true(!strncmp(bi->goversion, "gcc ", 4) || !strncmp(bi->goversion, "clang ", 6));

	assert_int_equal(buf_printf(&want,
				    "ebpf_exporter, version %s (branch: %s, revision: %s)\n"
				    "  build user:       %s\n"
				    "  build date:       %s\n"
				    "  go version:       %s\n"
				    "  platform:         linux/%s\n"
				    "  tags:             unknown\n",
				    bi->version, bi->branch, bi->revision, bi->build_user,
				    bi->build_date, bi->goversion, bi->goarch),
			 0);
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct run r;

		/* the program name in the version text is fixed, whatever argv[0] is */
		run_as(&r, "/opt/other-name", variants[i]);
		assert_int_equal(r.res, CLI_EXIT);
		assert_string_equal(r.err, want.data);
		assert_string_equal(r.out, "");
		run_free(&r);
	}
	buf_free(&want);
}

static void test_split_names(void **state)
{
	static const struct {
		const char *in;
		int n;
		const char *items[4];
	} cases[] = {
		{ "a", 1, { "a" } },
		{ "a,b", 2, { "a", "b" } },
		{ "a,,b", 3, { "a", "", "b" } },
		{ "", 1, { "" } },
		{ "a,", 2, { "a", "" } },
		{ ",", 2, { "", "" } },
		{ " a , b", 2, { " a ", " b" } },
	};
	size_t i;
	int j, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char **names = cli_split_names(cases[i].in, &n);

		assert_non_null(names);
		assert_int_equal(n, cases[i].n);
		for (j = 0; j < n; j++)
			assert_string_equal(names[j], cases[i].items[j]);
		assert_null(names[n]);
		cli_names_free(names);
	}
	assert_null(cli_split_names(NULL, &n));
	assert_int_equal(errno, EINVAL);
	cli_names_free(NULL);
	cli_opts_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_string_flags),
		cmocka_unit_test(test_listen_addresses), cmocka_unit_test(test_bool_flags),
		cmocka_unit_test(test_int_flag),	 cmocka_unit_test(test_duration_flags),
		cmocka_unit_test(test_at_file),		 cmocka_unit_test(test_errors),
		cmocka_unit_test(test_prog_name),	 cmocka_unit_test(test_help),
		cmocka_unit_test(test_hidden_flags),	 cmocka_unit_test(test_version),
		cmocka_unit_test(test_split_names),
	};

	return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
