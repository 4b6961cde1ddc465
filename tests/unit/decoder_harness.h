// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the decoder tests (include after <cmocka.h>): fixtures, a decoder run
 * through init/decode/free as a label set does it, and expectations on its output.
 */
#ifndef EBPF_EXPORTER_TESTS_DECODER_HARNESS_H
#define EBPF_EXPORTER_TESTS_DECODER_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "decoders/decoder_env.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Bytes written as a C string literal, with explicit length (may hold NULs). */
struct bytes {
	const char *p;
	size_t n;
};
#define B(s) ((struct bytes){ (s), sizeof(s) - 1 })
#define S(s) ((struct bytes){ (s), strlen(s) })

struct result {
	int ret;
	char out[8192];
	size_t out_len;
	char err[512];
	bool no_cache; /* the decoder asked for its result not to be cached */
};

static char harness_fixture_paths[8][4096];
static unsigned int harness_fixture_next;

/* Path of tests/unit/fixtures/decoders/<name>; the last 8 results stay valid. */
static inline const char *fixture(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	char *path = harness_fixture_paths[harness_fixture_next++ % 8];

	snprintf(path, sizeof(harness_fixture_paths[0]), "%.*s/fixtures/decoders/%s",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".", name);
	return path;
}

/* An env on fixtures, without a cgroup monitor unless opts asks for one. */
static inline struct decoder_env *new_env_opts(struct decoder_env_opts *opts)
{
	struct decoder_env *env = NULL;
	char err[512] = "";

	if (!opts->kallsyms_path)
		opts->kallsyms_path = fixture("kallsyms.txt");
	if (decoder_env__new(opts, &env, err, sizeof(err)))
		fail_msg("decoder_env__new: %s", err);
	return env;
}

static inline struct decoder_env *new_env(const char *kallsyms_path, long reload_ms)
{
	struct decoder_env_opts opts = { .kallsyms_path = kallsyms_path,
					 .kallsyms_reload_ms = reload_ms,
					 .no_cgroups = true };

	return new_env_opts(&opts);
}

/* Runs one decoder through init/decode/free as a label set would, under the env's lock. */
static inline void run(struct decoder_env *env, const char *name, const struct decoder_conf *conf,
		       struct bytes in, struct result *r)
{
	const struct decoder *d = decoder_find(name);
	struct decoder_conf empty = { .name = (char *)name };
	struct buf out = { 0 };
	void *st = NULL;

	assert_non_null(d);
	assert_string_equal(d->name, name);
	memset(r, 0, sizeof(*r));
	if (!conf)
		conf = &empty;
	if (d->init) {
		r->ret = d->init(conf, env, &st, r->err, sizeof(r->err));
		if (r->ret)
			return;
	}
	/* Pre-existing content must be kept: decoders append. */
	assert_int_equal(buf_puts(&out, "pre:"), 0);
	decoder_env__lock(env);
	decoder_env__take_no_cache(env);
	r->ret = d->decode(st, env, (const uint8_t *)in.p, in.n, &out, r->err, sizeof(r->err));
	r->no_cache = decoder_env__take_no_cache(env);
	decoder_env__unlock(env);
	assert_true(out.len >= 4);
	assert_memory_equal(out.data, "pre:", 4);
	r->out_len = out.len - 4;
	assert_true(r->out_len < sizeof(r->out));
	memcpy(r->out, out.data + 4, r->out_len);
	r->out[r->out_len] = '\0';
	if (r->ret)
		assert_int_equal(r->out_len, 0);
	if (d->free)
		d->free(st);
	buf_free(&out);
}

static inline void expect_out(struct decoder_env *env, const char *name,
			      const struct decoder_conf *conf, struct bytes in, struct bytes want)
{
	struct result r;

	run(env, name, conf, in, &r);
	if (r.ret)
		fail_msg("%s: unexpected ret %d: %s", name, r.ret, r.err);
	if (r.out_len != want.n || memcmp(r.out, want.p, want.n) != 0)
		fail_msg("%s: got \"%s\" (%zu bytes), want \"%.*s\" (%zu bytes)", name, r.out,
			 r.out_len, (int)want.n, want.p, want.n);
}

static inline void expect_err(struct decoder_env *env, const char *name,
			      const struct decoder_conf *conf, struct bytes in, int ret,
			      const char *err)
{
	struct result r;

	run(env, name, conf, in, &r);
	if (r.ret != ret)
		fail_msg("%s: ret %d, want %d (err \"%s\", out \"%s\")", name, r.ret, ret, r.err,
			 r.out);
	if (err)
		assert_string_equal(r.err, err);
}

/* Host-order bytes of an integer. */
static inline struct bytes u32_bytes(uint32_t v, char buf[4])
{
	memcpy(buf, &v, 4);
	return (struct bytes){ buf, 4 };
}

static inline struct bytes u64_bytes(uint64_t v, char buf[8])
{
	memcpy(buf, &v, 8);
	return (struct bytes){ buf, 8 };
}

static inline void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

#endif
