// SPDX-License-Identifier: MIT
/*
 * The decoded-label cache of labels.c: hits without decoding or allocating, the LRU
 * byte budget, the skip cache, refresh when a source changes, misses and errors never cached,
 * decoder chains through label sets, the error log rate limit, and concurrent use.
 */
#include <errno.h>
#include <pthread.h>
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
#include "util/gofmt.h"
#include "labels/label_set.h"

/*
 * Allocation counting: this test binary replaces malloc and friends with the C library's own
 * (glibc supports that), counting calls while `counting` is set. Not under AddressSanitizer,
 * which replaces them itself.
 */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#else
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static volatile int counting;
static volatile long allocs;

void *malloc(size_t n)
{
	if (counting)
		allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (counting)
		allocs++;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (counting)
		allocs++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}
#endif

#define DEC(n)              \
	{                   \
		.name = (n) \
	}
#define DECS(...)               \
	(struct decoder_conf[]) \
	{                       \
		__VA_ARGS__     \
	}
#define N_DECS(...) (sizeof((struct decoder_conf[]){ __VA_ARGS__ }) / sizeof(struct decoder_conf))
#define LABEL(nm, sz, pad, ...)                                                              \
	{                                                                                    \
		.name = (nm), .size = (sz), .padding = (pad), .decoders = DECS(__VA_ARGS__), \
		.n_decoders = N_DECS(__VA_ARGS__)                                            \
	}
#define REGEXP(...)                                                              \
	{                                                                        \
		.name = "regexp", .regexps = (char *[]){ __VA_ARGS__ },          \
		.n_regexps = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
		.regexps_set = true                                              \
	}

static struct label_cache_stats stats(struct decoder_env *env)
{
	struct label_cache_stats s;

	label_cache__stats(env, &s);
	return s;
}

static struct decoder_env *env_with(long long cache_bytes, long long skips, const char *partitions)
{
	struct decoder_env_opts opts = { .cache_bytes = cache_bytes,
					 .skip_cache_size = skips,
					 .partitions_path = partitions,
					 .kallsyms_reload_ms = -1,
					 .partitions_refresh_ms = -1,
					 .no_cgroups = true,
					 .cache_cheap = true };

	return new_env_opts(&opts);
}

static struct label_set *new_set(struct decoder_env *env, const struct label_conf *labels, size_t n)
{
	struct label_set *ls = NULL;
	char err[1024] = "";

	if (label_set__new(labels, n, env, &ls, err, sizeof(err)))
		fail_msg("label_set__new: %s", err);
	return ls;
}

/* Decodes key and compares the values joined by `|`; "SKIP" for a skip, "ERR:<msg>". */
static void expect(struct label_set *ls, const void *key, size_t len, const char *want)
{
	const char *values[8];
	struct buf out = { 0 };
	char err[1024] = "", got[4096] = "";
	int ret;

	assert_int_equal(buf_puts(&out, "pre"), 0);
	ret = label_set__decode(ls, key, len, &out, values, err, sizeof(err));
	if (ret == DECODER_SKIP) {
		snprintf(got, sizeof(got), "SKIP");
	} else if (ret) {
		snprintf(got, sizeof(got), "ERR:%s", err);
	} else {
		for (size_t i = 0; i < label_set__count(ls); i++)
			gofmt_appendf(got, sizeof(got), "%s%s", i ? "|" : "", values[i]);
		/* Values live in out, after what was there. */
		assert_ptr_equal(values[0], out.data + 3);
	}
	assert_string_equal(got, want);
	if (ret)
		assert_string_equal(out.data, "pre");
	buf_free(&out);
}

/*
 * By default a label set of cheap decoders only (uint, string, hex, ...) is decoded every
 * time and holds no cache memory; one with a costlier decoder in a chain is cached.
 */
static void test_cheap_sets_uncached(void **state)
{
	struct decoder_env_opts opts = { .kallsyms_reload_ms = -1,
					 .partitions_refresh_ms = -1,
					 .no_cgroups = true };
	struct decoder_env *env = new_env_opts(&opts);
	struct label_conf cheap[] = {
		LABEL("number", 4, 0, DEC("uint")),
		LABEL("fruit", 8, 0, DEC("string")),
		LABEL("raw", 2, 0, DEC("hex")),
	};
	struct label_conf costly[] = { LABEL("n", 4, 0, DEC("uint"), DEC("syscall")) };
	struct label_set *a = new_set(env, cheap, 3), *b = new_set(env, costly, 1);
	const uint8_t key[14] = { 8, 0, 0, 0, 'a', 'p', 'p', 'l', 'e', 0, 0, 0, 0xbe, 0xef };
	const uint32_t nr = 39; /* getpid on x86-64 */

	expect(a, key, sizeof(key), "8|apple|beef");
	expect(a, key, sizeof(key), "8|apple|beef");
	assert_int_equal(label_set__cache_count(a), 0);
	assert_int_equal(stats(env).hits + stats(env).misses, 0);
	assert_int_equal(stats(env).bytes, 0);
	expect(b, &nr, sizeof(nr), "getpid");
	expect(b, &nr, sizeof(nr), "getpid");
	assert_int_equal(label_set__cache_count(b), 1);
	assert_int_equal(stats(env).hits, 1);
	label_set__free(a);
	label_set__free(b);
	decoder_env__free(env);
}

static void test_hits(void **state)
{
	struct decoder_env *env = env_with(0, 0, NULL);
	struct label_conf labels[] = {
		LABEL("number", 4, 0, DEC("uint")),
		LABEL("fruit", 8, 0, DEC("string")),
		LABEL("raw", 2, 0, DEC("hex")),
	};
	struct label_set *ls = new_set(env, labels, 3);
	const uint8_t key[14] = { 8, 0, 0, 0, 'a', 'p', 'p', 'l', 'e', 0, 0, 0, 0xbe, 0xef };

	expect(ls, key, sizeof(key), "8|apple|beef");
	assert_int_equal(stats(env).misses, 1);
	assert_int_equal(stats(env).hits, 0);
	expect(ls, key, sizeof(key), "8|apple|beef");
	expect(ls, key, sizeof(key), "8|apple|beef");
	assert_int_equal(stats(env).hits, 2);
	assert_int_equal(label_set__cache_count(ls), 1);
	assert_true(stats(env).bytes > 0);

	/* Empty values are values too. */
	const uint8_t key2[14] = { 0, 0, 0, 0, 0, 'x', 0, 0, 0, 0, 0, 0, 0, 0 };

	expect(ls, key2, sizeof(key2), "0||0000");
	expect(ls, key2, sizeof(key2), "0||0000");
	assert_int_equal(label_set__cache_count(ls), 2);
	label_set__free(ls);
	assert_int_equal(stats(env).bytes, 0); /* a freed set gives its budget back */
	decoder_env__free(env);
}

/* A vector: the same raw key under two metrics must not collide. */
static void test_sets_do_not_collide(void **state)
{
	struct decoder_env *env = env_with(0, 0, NULL);
	struct label_conf one[] = { LABEL("single_u64", 8, 0, DEC("uint")) };
	struct label_conf two[] = { LABEL("u32_one", 4, 0, DEC("uint")),
				    LABEL("u32_two", 4, 0, DEC("uint")) };
	struct label_set *a = new_set(env, one, 1), *b = new_set(env, two, 2);
	const uint8_t key[8] = { 0xba, 0xbe, 0xba, 0xbe, 0xde, 0xad, 0xbe, 0xef };

	for (int i = 0; i < 2; i++) {
		expect(a, key, 8, "17275436392834055866");
		expect(b, key, 8, "3199909562|4022250974");
	}
	label_set__free(a);
	label_set__free(b);
	decoder_env__free(env);
}

static void test_no_allocation_on_hit(void **state)
{
	struct label_conf labels[] = {
		LABEL("number", 4, 0, DEC("uint"), DEC("errno")),
		LABEL("name", 16, 0, DEC("string"), REGEXP("^(keep.*)$")),
	};
	uint8_t hit[20] = { 32, 0, 0, 0, 'k', 'e', 'e', 'p', 'e', 'r' };
	uint8_t skip[20] = { 32, 0, 0, 0, 'd', 'r', 'o', 'p' };
	struct decoder_env *env;
	struct label_set *ls;
	const char *values[2];
	struct buf out = { 0 };
	char err[256];

	if (!COUNT_ALLOCS)
		skip();
	env = env_with(0, 100, NULL);
	ls = new_set(env, labels, 2);
	assert_int_equal(label_set__decode(ls, hit, 20, &out, values, err, sizeof(err)), 0);
	assert_int_equal(label_set__decode(ls, skip, 20, &out, values, err, sizeof(err)),
			 DECODER_SKIP);
	buf_reset(&out);
#if COUNT_ALLOCS
	counting = 1;
	allocs = 0;
	for (int i = 0; i < 1000; i++) {
		buf_reset(&out);
		assert_int_equal(label_set__decode(ls, hit, 20, &out, values, err, sizeof(err)), 0);
		assert_int_equal(label_set__decode(ls, skip, 20, &out, values, err, sizeof(err)),
				 DECODER_SKIP);
	}
	counting = 0;
	assert_int_equal(allocs, 0);
#endif
	assert_string_equal(values[0], "EPIPE");
	assert_string_equal(values[1], "keeper");
	assert_int_equal(stats(env).hits, 2000);
	buf_free(&out);
	label_set__free(ls);
	decoder_env__free(env);
}

static void test_lru_budget(void **state)
{
	struct label_conf labels[] = { LABEL("n", 4, 0, DEC("uint")) };
	struct decoder_env *env = env_with(1, 0, NULL);
	struct label_set *ls = new_set(env, labels, 1);
	uint32_t k;
	size_t per_entry;

	/* A budget too small for one entry: nothing is kept, everything still decodes. */
	k = 1;
	expect(ls, &k, 4, "1");
	expect(ls, &k, 4, "1");
	assert_int_equal(label_set__cache_count(ls), 0);
	label_set__free(ls);
	decoder_env__free(env);

	/* Measure one entry, then allow exactly three. */
	env = env_with(0, 0, NULL);
	ls = new_set(env, labels, 1);
	k = 7;
	expect(ls, &k, 4, "7");
	per_entry = stats(env).bytes;
	label_set__free(ls);
	decoder_env__free(env);

	env = env_with((long long)(3 * per_entry), 0, NULL);
	ls = new_set(env, labels, 1);
	for (k = 1; k <= 3; k++)
		expect(ls, &k, 4, k == 1 ? "1" : k == 2 ? "2" : "3");
	assert_int_equal(label_set__cache_count(ls), 3);
	/* Use 1 again, then add 4: the least recently used, 2, goes. */
	k = 1;
	expect(ls, &k, 4, "1");
	k = 4;
	expect(ls, &k, 4, "4");
	assert_int_equal(label_set__cache_count(ls), 3);
	assert_int_equal(stats(env).evictions, 1);
	assert_true(stats(env).bytes <= 3 * per_entry);
	uint64_t hits = stats(env).hits;

	k = 1;
	expect(ls, &k, 4, "1");
	k = 3;
	expect(ls, &k, 4, "3");
	assert_int_equal(stats(env).hits, hits + 2);
	k = 2;
	expect(ls, &k, 4, "2"); /* a miss: it was evicted */
	assert_int_equal(stats(env).hits, hits + 2);

	/* Many keys through a small budget: bounded, and always right. */
	for (uint32_t i = 0; i < 20000; i++) {
		char want[16];

		k = i % 5000;
		snprintf(want, sizeof(want), "%u", k);
		expect(ls, &k, 4, want);
		assert_true(stats(env).bytes <= 3 * per_entry);
	}
	label_set__free(ls);
	decoder_env__free(env);

	/* Caching off: nothing kept. */
	env = env_with(-1, 0, NULL);
	ls = new_set(env, labels, 1);
	k = 1;
	expect(ls, &k, 4, "1");
	expect(ls, &k, 4, "1");
	assert_int_equal(label_set__cache_count(ls), 0);
	assert_int_equal(stats(env).hits, 0);
	label_set__free(ls);
	decoder_env__free(env);
}

/* Eviction across sets: one set's inserts may evict another's entries. */
static void test_shared_budget(void **state)
{
	struct label_conf labels[] = { LABEL("n", 4, 0, DEC("uint")) };
	struct decoder_env *env = env_with(0, 0, NULL);
	struct label_set *a = new_set(env, labels, 1), *b;
	uint32_t k = 1;
	size_t per_entry;

	expect(a, &k, 4, "1");
	per_entry = stats(env).bytes;
	label_set__free(a);
	decoder_env__free(env);

	env = env_with((long long)(2 * per_entry), 0, NULL);
	a = new_set(env, labels, 1);
	b = new_set(env, labels, 1);
	for (k = 0; k < 2; k++)
		expect(a, &k, 4, k ? "1" : "0");
	for (k = 0; k < 10; k++) {
		char want[16];

		snprintf(want, sizeof(want), "%u", k);
		expect(b, &k, 4, want);
	}
	assert_int_equal(label_set__cache_count(a), 0);
	assert_int_equal(label_set__cache_count(b), 2);
	label_set__free(b); /* entries of a freed set leave the shared list */
	k = 5;
	expect(a, &k, 4, "5");
	assert_int_equal(label_set__cache_count(a), 1);
	label_set__free(a);
	decoder_env__free(env);
}

/* skips are cached with --config.skip-cache-size, keyed by the whole key. */
static void test_skip_cache(void **state)
{
	struct label_conf labels[] = {
		LABEL("number", 4, 0, DEC("uint")),
		LABEL("fruit", 32, 0, DEC("string"), REGEXP("^tomato$")),
	};
	uint8_t key[36] = { 8 };
	struct decoder_env *env;
	struct label_set *ls;

	memcpy(key + 4, "bananas", 7);
	/* Off (the default): skips are decoded every time. */
	env = env_with(0, 0, NULL);
	ls = new_set(env, labels, 2);
	expect(ls, key, 36, "SKIP");
	expect(ls, key, 36, "SKIP");
	assert_int_equal(stats(env).hits, 0);
	assert_int_equal(label_set__cache_count(ls), 0);
	label_set__free(ls);
	decoder_env__free(env);

	/* Size 100: the whole key is remembered, and the next lookup hits. */
	env = env_with(0, 100, NULL);
	ls = new_set(env, labels, 2);
	expect(ls, key, 36, "SKIP");
	assert_int_equal(stats(env).skips, 1);
	expect(ls, key, 36, "SKIP");
	assert_int_equal(stats(env).hits, 1);
	/* Another number, same fruit: another key. */
	key[0] = 9;
	expect(ls, key, 36, "SKIP");
	assert_int_equal(stats(env).skips, 2);
	assert_int_equal(stats(env).hits, 1);
	/* Skips do not use the result budget. */
	assert_int_equal(stats(env).bytes, 0);
	/* Bounded by its size: LRU beyond 100 keys. */
	for (int i = 0; i < 300; i++) {
		key[0] = (uint8_t)i;
		key[1] = (uint8_t)(i >> 8);
		expect(ls, key, 36, "SKIP");
	}
	assert_int_equal(stats(env).skips, 100);
	label_set__free(ls);
	assert_int_equal(stats(env).skips, 0);
	decoder_env__free(env);
}

/* Errors are never cached: counted (decoded) every time. */
static void test_errors_not_cached(void **state)
{
	struct decoder_env *env = env_with(0, 100, NULL);
	struct label_conf labels[] = { LABEL("e", 3, 0, DEC("uint")) };
	struct label_set *ls = new_set(env, labels, 1);
	const uint8_t key[3] = { 1, 2, 3 };

	for (int i = 0; i < 3; i++)
		expect(ls, key, 3,
		       "ERR:error decoding with decoder \"uint\": unknown value length 3 for "
		       "[]byte{0x1, 0x2, 0x3}");
	expect(ls, key, 2,
	       "ERR:error decoding labels: total size of key []byte{0x1, 0x2} is 2 bytes, but we "
	       "have labels to decode 3");
	assert_int_equal(label_set__cache_count(ls), 0);
	assert_int_equal(stats(env).hits, 0);
	label_set__free(ls);
	decoder_env__free(env);
}

/* A source change re-decodes cached entries; lookups that missed are not cached. */
static void test_refresh_on_source_change(void **state)
{
	char path[] = "/tmp/test_label_cache_parts_XXXXXX";
	struct label_conf labels[] = { LABEL("dev", 4, 0, DEC("majorminor")),
				       LABEL("n", 4, 0, DEC("uint")) };
	const uint8_t sda[8] = { 0x00, 0x08, 0, 0, 1 }, sdb[8] = { 0x10, 0x08, 0, 0, 2 };
	struct decoder_env *env;
	struct label_set *ls;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, " 8 0 1 sda\n");
	env = env_with(0, 0, path);
	ls = new_set(env, labels, 2);
	expect(ls, sda, 8, "sda|1");
	expect(ls, sdb, 8, "unknown:8:16|2");
	assert_int_equal(label_set__cache_count(ls), 1); /* the miss is not kept */

	/*
	 * The disk appears: the miss resolves on the next decode (the file is re-read). That
	 * decode changed the source under it, so its result is kept only from the next one.
	 */
	write_file(path, " 8 0 1 sda\n 8 16 1 sdb\n");
	expect(ls, sdb, 8, "sdb|2");
	assert_int_equal(label_set__cache_count(ls), 1);
	expect(ls, sdb, 8, "sdb|2");
	assert_int_equal(label_set__cache_count(ls), 2);

	/* A rename noticed by the poll: cached entries are decoded again. */
	write_file(path, " 8 0 1 sdx\n 8 16 1 sdb\n");
	expect(ls, sda, 8, "sda|1"); /* not polled yet: the cache answers */
	decoder_env__lock(env);
	env->partitions_refresh_ns = 0;
	env->poll_ns = 0;
	decoder_env__poll(env);
	env->partitions_refresh_ns = -1;
	decoder_env__unlock(env);
	uint64_t misses = stats(env).misses;

	expect(ls, sda, 8, "sdx|1");
	expect(ls, sdb, 8, "sdb|2");
	assert_int_equal(stats(env).misses, misses + 2);
	expect(ls, sdb, 8, "sdb|2");
	assert_int_equal(stats(env).misses, misses + 2);
	label_set__free(ls);

	/* Sets whose decoders read no changing source are not disturbed. */
	struct label_conf plain[] = { LABEL("n", 4, 0, DEC("uint")) };

	ls = new_set(env, plain, 1);
	expect(ls, sda, 4, "2048");
	decoder_env__lock(env);
	env->gen[3]++; /* partitions moved */
	decoder_env__unlock(env);
	misses = stats(env).misses;
	expect(ls, sda, 4, "2048");
	assert_int_equal(stats(env).misses, misses);
	label_set__free(ls);
	decoder_env__free(env);
	unlink(path);
}

/*
 * label_set__generation(): stable while nothing changes, new after decodes whose lookups
 * missed (they may hit next time without any source's generation moving), stable again once
 * they hit.
 */
static void test_generation(void **state)
{
	char path[] = "/tmp/test_label_cache_gen_XXXXXX";
	struct label_conf labels[] = { LABEL("dev", 4, 0, DEC("majorminor")) };
	const uint8_t sdb[4] = { 0x10, 0x08, 0, 0 };
	struct decoder_env *env;
	struct label_set *ls;
	uint64_t g;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_file(path, " 8 0 1 sda\n");
	env = env_with(0, 0, path);
	ls = new_set(env, labels, 1);
	g = label_set__generation(ls);
	assert_int_equal(label_set__generation(ls), g);
	expect(ls, sdb, 4, "unknown:8:16");
	assert_int_not_equal(label_set__generation(ls), g);
	g = label_set__generation(ls);
	assert_int_equal(label_set__generation(ls), g); /* no decode since: stable */
	write_file(path, " 8 0 1 sda\n 8 16 1 sdb\n");
	expect(ls, sdb, 4, "sdb");
	g = label_set__generation(ls); /* the re-read moved the partitions' generation */
	expect(ls, sdb, 4, "sdb");
	assert_int_equal(label_set__generation(ls), g);
	label_set__free(ls);
	decoder_env__free(env);
	unlink(path);
}

/* Decoder chains as the README describes them, through label sets. */
static void test_chains(void **state)
{
	struct decoder_env *env = env_with(0, 0, NULL);
	struct label_conf labels[] = {
		LABEL("errno", 4, 0, DEC("uint"), DEC("errno")),
		LABEL("syscall", 8, 0, DEC("uint"), DEC("syscall")),
		LABEL("qname", 16, 0, DEC("string"), DEC("dname")),
		LABEL("addr", 4, 0, DEC("inet_ip")),
		LABEL("op", 1, 3, DEC("uint"), DEC("static_map")), /* no map: `empty mapping` */
		LABEL("vendor", 2, 6, DEC("uint"), DEC("pci_vendor")),
		LABEL("cg", 8, 0, DEC("uint"), DEC("cgroup")),
	};
	struct label_set *ls;
	uint8_t key[52] = { 0 };
	uint64_t sc = 1;
	uint16_t vendor = 0x8086;
	uint64_t cg = 77;

	ls = new_set(env, labels, ARRAY_SIZE(labels));
	key[0] = 104;
	memcpy(key + 4, &sc, 8);
	memcpy(key + 12,
	       "\x07"
	       "example\x03"
	       "com",
	       12);
	memcpy(key + 28, "\x0a\x00\x00\x01", 4);
	key[32] = 1;
	memcpy(key + 36, &vendor, 2);
	memcpy(key + 44, &cg, 8);
	for (int i = 0; i < 2; i++)
		expect(ls, key, sizeof(key),
		       "ECONNRESET|write|example.com|10.0.0.1|empty mapping|Intel "
		       "Corporation|unknown_cgroup_id:77");
	label_set__free(ls);
	decoder_env__free(env);
}

static void test_error_log_rate(void **state)
{
	struct decoder_env *env = env_with(0, 0, NULL);
	struct label_conf labels[] = { LABEL("n", 4, 0, DEC("uint"), DEC("errno")) };
	struct label_conf other[] = { LABEL("n", 4, 0, DEC("uint"), DEC("syscall")) };
	struct label_set *a = new_set(env, labels, 1), *b = new_set(env, labels, 1),
			 *c = new_set(env, other, 1);

	/* The first error of (config, decoder) is due, the next ones in the minute are not. */
	assert_true(label_set__error_log_due(a, "biolatency"));
	assert_false(label_set__error_log_due(a, "biolatency"));
	assert_false(label_set__error_log_due(b, "biolatency")); /* same config and kind */
	assert_true(label_set__error_log_due(a, "other_config"));
	expect(a, "\x01\x02", 2,
	       "ERR:error decoding labels: total size of key []byte{0x1, 0x2} is 2 bytes, but we "
	       "have labels to decode 4");
	assert_false(label_set__error_log_due(a, "biolatency")); /* outside a decoder: kind "" */
	expect(c, "\x01\x02\x03\x04", 4, "unknown_syscall:67305985");
	{
		/* A decoder error: due once for its decoder. */
		struct label_conf bad[] = { LABEL("n", 3, 0, DEC("uint")) };
		struct label_set *d = new_set(env, bad, 1);

		expect(d, "\x01\x02\x03", 3,
		       "ERR:error decoding with decoder \"uint\": unknown value length 3 for "
		       "[]byte{0x1, 0x2, 0x3}");
		assert_true(label_set__error_log_due(d, "biolatency"));
		assert_false(label_set__error_log_due(d, "biolatency"));
		label_set__free(d);
	}
	label_set__free(a);
	label_set__free(b);
	label_set__free(c);
	decoder_env__free(env);
}

struct worker {
	struct label_set *ls;
	int id;
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct buf out = { 0 };
	const char *values[2];
	char err[512], want[32];

	for (uint32_t i = 0; i < 5000; i++) {
		uint32_t key[2] = { (i * 31 + (uint32_t)w->id) % 700, 104 };
		int ret;

		buf_reset(&out);
		ret = label_set__decode(w->ls, (const uint8_t *)key, 8, &out, values, err,
					sizeof(err));
		snprintf(want, sizeof(want), "%u", key[0]);
		if (ret || strcmp(values[0], want) || strcmp(values[1], "ECONNRESET"))
			w->failures++;
	}
	buf_free(&out);
	return NULL;
}

/* Threads decoding through sets that evict each other's entries. */
static void test_concurrency(void **state)
{
	enum { THREADS = 8 };
	struct label_conf labels[] = { LABEL("n", 4, 0, DEC("uint")),
				       LABEL("e", 4, 0, DEC("uint"), DEC("errno")) };
	struct decoder_env *env = env_with(64 * 1024, 0, NULL);
	struct label_set *sets[2] = { new_set(env, labels, 2), new_set(env, labels, 2) };
	struct worker w[THREADS];
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .ls = sets[i % 2], .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_true(stats(env).evictions > 0);
	assert_true(stats(env).bytes <= 64 * 1024);
	label_set__free(sets[0]);
	label_set__free(sets[1]);
	decoder_env__free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hits),
		cmocka_unit_test(test_sets_do_not_collide),
		cmocka_unit_test(test_no_allocation_on_hit),
		cmocka_unit_test(test_lru_budget),
		cmocka_unit_test(test_shared_budget),
		cmocka_unit_test(test_skip_cache),
		cmocka_unit_test(test_errors_not_cached),
		cmocka_unit_test(test_refresh_on_source_change),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_error_log_rate),
		cmocka_unit_test(test_concurrency),
		cmocka_unit_test(test_cheap_sets_uncached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
