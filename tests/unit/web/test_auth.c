// SPDX-License-Identifier: MIT
/*
 * Basic authentication against bcrypt hashes (made here with libcrypt, plus one made by Go's
 * bcrypt for the toolkit) and the rate limit as golang.org/x/time/rate's Allow(), with
 * explicit times.
 */
#include <crypt.h>
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
#include <gnutls/gnutls.h>

#include "web/auth.h"
#include "web/web_config.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SEC 1000000000ULL

/* bcrypt("fakepassword") at cost 10, as Go's x/crypto/bcrypt made it. */
#define GO_HASH "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"

/* A bcrypt hash of pass at cost 4 with prefix ($2a$, $2b$ or $2y$). */
static char *bcrypt_hash(const char *prefix, const char *pass)
{
	static const char rnd[16] = "0123456789abcdef";
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data;
	const char *h;

	assert_non_null(crypt_gensalt_rn("$2b$", 4, rnd, sizeof(rnd), setting, sizeof(setting)));
	memcpy(setting, prefix, 4);
	memset(&data, 0, sizeof(data));
	h = crypt_rn(pass, setting, &data, sizeof(data));
	assert_non_null(h);
	assert_int_equal(strlen(h), 60);
	return strdup(h);
}

/* "Basic " and the standard base64 of text (len bytes). */
static char *basic(const char *scheme, const char *text, size_t len)
{
	gnutls_datum_t in = { (unsigned char *)text, (unsigned int)len }, out = { 0 };
	char *s;

	assert_int_equal(gnutls_base64_encode2(&in, &out), 0);
	assert_true(asprintf(&s, "%s%.*s", scheme, (int)out.size, (const char *)out.data) > 0);
	gnutls_free(out.data);
	return s;
}

static bool check(struct web_auth *a, const char *userpass)
{
	char *h = basic("Basic ", userpass, strlen(userpass));
	bool ok = web_auth__check(a, h);

	free(h);
	return ok;
}

struct users {
	struct web_config cfg;
	struct web_user u[4];
};

static struct web_auth *auth_of(struct users *us)
{
	struct web_auth *a = NULL;
	char err[256];

	us->cfg.path = "/w.yml";
	us->cfg.users = us->u;
	assert_int_equal(web_auth__new(&us->cfg, &a, err, sizeof(err)), 0);
	assert_non_null(a);
	return a;
}

static void free_users(struct users *us)
{
	size_t i;

	for (i = 0; i < us->cfg.n_users; i++)
		free(us->u[i].hash);
}

static void test_no_users(void **state)
{
	struct web_config cfg = { .path = "/w.yml" };
	struct web_auth *a = NULL;
	char err[256];

	(void)state;
	assert_int_equal(web_auth__new(&cfg, &a, err, sizeof(err)), 0);
	assert_false(web_auth__enabled(a));
	assert_true(web_auth__check(a, NULL));
	assert_true(web_auth__check(a, "Basic !!"));
	web_auth__free(a);
	web_auth__free(NULL);
	assert_false(web_auth__enabled(NULL));
}

static void test_check(void **state)
{
	struct users us = { 0 };
	struct web_auth *a;
	char *h;

	(void)state;
	us.u[0] = (struct web_user){ "alice", bcrypt_hash("$2b$", "secret") };
	us.u[1] = (struct web_user){ "bob", bcrypt_hash("$2a$", "sec:ret") };
	us.u[2] = (struct web_user){ "carol", bcrypt_hash("$2y$", "") };
	us.u[3] = (struct web_user){ "dave", strdup(GO_HASH) };
	us.cfg.n_users = 4;
	a = auth_of(&us);
	assert_true(web_auth__enabled(a));

	assert_true(check(a, "alice:secret"));
	assert_false(check(a, "alice:Secret"));
	assert_false(check(a, "alice:secret "));
	assert_false(check(a, "Alice:secret"));
	assert_false(check(a, "alice"));
	assert_false(check(a, ":secret"));
	assert_false(check(a, "mallory:secret"));
	/* split at the first ':' */
	assert_true(check(a, "bob:sec:ret"));
	assert_false(check(a, "bob:sec"));
	assert_true(check(a, "carol:"));
	assert_false(check(a, "carol:x"));
	assert_true(check(a, "dave:fakepassword"));
	assert_false(check(a, "dave:fakepasswor"));
	/* the fixed hash of unknown users is matched by nothing */
	assert_false(check(a, "nobody:fakepassword"));
	assert_false(check(a, "nobody:"));

	/* a NUL in the password is refused, not cut short */
	h = basic("Basic ", "alice:secret\0more", 17);
	assert_false(web_auth__check(a, h));
	free(h);

	/* the scheme in any case, then one space */
	h = basic("bAsIc ", "alice:secret", 12);
	assert_true(web_auth__check(a, h));
	free(h);
	h = basic("Basic  ", "alice:secret", 12);
	assert_false(web_auth__check(a, h));
	free(h);
	h = basic("Basic", "alice:secret", 12);
	assert_false(web_auth__check(a, h));
	free(h);
	h = basic("Bearer ", "alice:secret", 12);
	assert_false(web_auth__check(a, h));
	free(h);
	assert_false(web_auth__check(a, NULL));
	assert_false(web_auth__check(a, ""));
	assert_false(web_auth__check(a, "Basic"));
	assert_false(web_auth__check(a, "Basic "));

	/* base64 as Go's StdEncoding: padding required, CR and LF skipped, nothing else */
	assert_true(web_auth__check(a, "Basic YWxpY2U6c2VjcmV0")); /* alice:secret */
	assert_true(web_auth__check(a, "Basic YWxpY2U6\r\nc2VjcmV0"));
	assert_false(web_auth__check(a, "Basic YWxpY2U6 c2VjcmV0"));
	assert_false(web_auth__check(a, "Basic YWxpY2U6c2VjcmV0="));
	assert_false(web_auth__check(a, "Basic YWxpY2U6c2VjcmV0\t"));
	assert_true(web_auth__check(a, "Basic Ym9iOnNlYzpyZXQ=")); /* bob:sec:ret */
	/* bits past the end may be set, as Go's non-strict decoding allows */
	assert_true(web_auth__check(a, "Basic Ym9iOnNlYzpyZXR="));
	assert_false(web_auth__check(a, "Basic Ym9iOnNlYzpyZXQ"));
	assert_false(web_auth__check(a, "Basic Ym9iOnNlYzpyZX=Q"));
	assert_false(web_auth__check(a, "Basic Ym9iOnNlYzpyZXQ==="));
	assert_false(web_auth__check(a, "Basic Ym9iOnNlYzpyZXQ-"));
	assert_false(web_auth__check(a, "Basic !!!!"));
	assert_true(web_auth__check(a, "Basic Y2Fyb2w6")); /* carol: */

	web_auth__free(a);
	free_users(&us);
}

static void test_cache(void **state)
{
	struct users us = { 0 };
	struct web_auth *a;
	uint64_t runs;
	char pass[32];
	int i, misses;

	(void)state;
	us.u[0] = (struct web_user){ "alice", bcrypt_hash("$2b$", "secret") };
	us.cfg.n_users = 1;
	a = auth_of(&us);

	runs = web_auth__bcrypt_runs();
	assert_true(check(a, "alice:secret"));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 1);
	/* a known outcome costs no bcrypt run, for good and bad passwords and unknown users */
	assert_true(check(a, "alice:secret"));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 1);
	assert_false(check(a, "alice:wrong"));
	assert_false(check(a, "alice:wrong"));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 2);
	assert_false(check(a, "nobody:secret"));
	assert_false(check(a, "nobody:secret"));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 3);
	/* the user is part of the key: the same password for another name is not cached */
	assert_false(check(a, "alicex:secret"));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 4);
	/* a header that is not Basic credentials runs nothing */
	assert_false(web_auth__check(a, "Basic !!!!"));
	assert_false(web_auth__check(a, NULL));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 4);

	/* the cache is bounded: after 150 new outcomes, some of the first ones are gone */
	for (i = 0; i < 150; i++) {
		snprintf(pass, sizeof(pass), "alice:p%d", i);
		assert_false(check(a, pass));
	}
	runs = web_auth__bcrypt_runs();
	for (i = 0; i < 150; i++) {
		snprintf(pass, sizeof(pass), "alice:p%d", i);
		assert_false(check(a, pass));
	}
	misses = (int)(web_auth__bcrypt_runs() - runs);
	assert_true(misses >= 50);
	assert_true(misses < 150);

	/* another web_auth has its own cache */
	{
		struct web_auth *b = auth_of(&us);

		runs = web_auth__bcrypt_runs();
		assert_true(check(b, "alice:secret"));
		assert_int_equal(web_auth__bcrypt_runs(), runs + 1);
		web_auth__free(b);
	}
	web_auth__free(a);
	free_users(&us);
}

static enum web_auth_outcome lookup(struct web_auth *a, const char *userpass)
{
	char *h = basic("Basic ", userpass, strlen(userpass));
	enum web_auth_outcome o = web_auth__lookup(a, h);

	free(h);
	return o;
}

static bool verify(struct web_auth *a, const char *userpass)
{
	char *h = basic("Basic ", userpass, strlen(userpass));
	bool ok = web_auth__verify(a, h);

	free(h);
	return ok;
}

/* The fast lookup answers from the cache alone; verify runs bcrypt and fills the cache. */
static void test_lookup_verify(void **state)
{
	struct web_config none = { .path = "/w.yml" };
	struct users us = { 0 };
	struct web_auth *a;
	uint64_t runs;

	(void)state;
	assert_int_equal(web_auth__new(&none, &a, NULL, 0), 0);
	assert_int_equal(web_auth__lookup(a, NULL), WEB_AUTH_ALLOW);
	assert_true(web_auth__verify(a, NULL));
	web_auth__free(a);
	assert_int_equal(web_auth__lookup(NULL, "Basic !!"), WEB_AUTH_ALLOW);

	us.u[0] = (struct web_user){ "alice", bcrypt_hash("$2b$", "secret") };
	us.cfg.n_users = 1;
	a = auth_of(&us);
	runs = web_auth__bcrypt_runs();

	/* no usable credentials: denied at once, nothing to verify */
	assert_int_equal(web_auth__lookup(a, NULL), WEB_AUTH_DENY);
	assert_int_equal(web_auth__lookup(a, "Bearer x"), WEB_AUTH_DENY);
	assert_int_equal(web_auth__lookup(a, "Basic !!!!"), WEB_AUTH_DENY);
	assert_int_equal(lookup(a, "alice"), WEB_AUTH_DENY);
	assert_false(web_auth__verify(a, NULL));
	assert_false(verify(a, "alice"));
	assert_int_equal(web_auth__bcrypt_runs(), runs);

	/* not verified yet: unknown, however often asked, and no bcrypt run */
	assert_int_equal(lookup(a, "alice:secret"), WEB_AUTH_UNKNOWN);
	assert_int_equal(lookup(a, "alice:secret"), WEB_AUTH_UNKNOWN);
	assert_int_equal(lookup(a, "alice:wrong"), WEB_AUTH_UNKNOWN);
	assert_int_equal(lookup(a, "mallory:secret"), WEB_AUTH_UNKNOWN);
	assert_int_equal(web_auth__bcrypt_runs(), runs);

	/* verify runs bcrypt once per credentials; lookup then knows the outcome */
	assert_true(verify(a, "alice:secret"));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 1);
	assert_int_equal(lookup(a, "alice:secret"), WEB_AUTH_ALLOW);
	assert_false(verify(a, "alice:wrong"));
	assert_int_equal(lookup(a, "alice:wrong"), WEB_AUTH_DENY);
	assert_false(verify(a, "mallory:secret"));
	assert_int_equal(lookup(a, "mallory:secret"), WEB_AUTH_DENY);
	assert_int_equal(web_auth__bcrypt_runs(), runs + 3);
	/* a second verify of known credentials (a queued duplicate) runs nothing */
	assert_true(verify(a, "alice:secret"));
	assert_false(verify(a, "mallory:secret"));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 3);
	/* check is both halves */
	assert_true(check(a, "alice:secret"));
	assert_false(check(a, "alice:other"));
	assert_int_equal(web_auth__bcrypt_runs(), runs + 4);
	assert_int_equal(lookup(a, "alice:other"), WEB_AUTH_DENY);

	web_auth__free(a);
	free_users(&us);
}

struct slow {
	struct web_auth *a;
	volatile int done;
};

static void *slow_verify(void *arg)
{
	struct slow *sl = arg;
	char *h = basic("Basic ", "eve:guess", 9);

	assert_false(web_auth__verify(sl->a, h));
	free(h);
	sl->done = 1;
	return NULL;
}

/* A lookup does not wait for a bcrypt run in progress: they have separate locks. */
static void test_lookup_during_bcrypt(void **state)
{
	struct users us = { 0 };
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	static const char rnd[16] = "fedcba9876543210";
	struct crypt_data data;
	struct slow sl = { 0 };
	uint64_t runs;
	pthread_t th;
	int i, during = 0;

	(void)state;
	/* cost 12: one run takes about a quarter of a second */
	assert_non_null(crypt_gensalt_rn("$2b$", 12, rnd, sizeof(rnd), setting, sizeof(setting)));
	memset(&data, 0, sizeof(data));
	us.u[0] = (struct web_user){ "alice", bcrypt_hash("$2b$", "secret") };
	us.u[1] = (struct web_user){ "slow", strdup(crypt_rn("x", setting, &data, sizeof(data))) };
	assert_non_null(us.u[1].hash);
	us.cfg.n_users = 2;
	sl.a = auth_of(&us);
	assert_true(check(sl.a, "alice:secret"));
	runs = web_auth__bcrypt_runs();
	/* the unknown user eve is checked against a cost-12 hash */
	assert_int_equal(pthread_create(&th, NULL, slow_verify, &sl), 0);
	for (i = 0; i < 200 && !sl.done; i++) {
		assert_int_equal(lookup(sl.a, "alice:secret"), WEB_AUTH_ALLOW);
		assert_int_equal(lookup(sl.a, "eve:guess"),
				 sl.done ? WEB_AUTH_DENY : WEB_AUTH_UNKNOWN);
		during += !sl.done;
		usleep(1000);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	/* lookups were answered while the run was going on */
	assert_true(during > 10);
	assert_int_equal(web_auth__bcrypt_runs(), runs + 1);
	assert_int_equal(lookup(sl.a, "eve:guess"), WEB_AUTH_DENY);
	web_auth__free(sl.a);
	free_users(&us);
}

struct worker {
	struct web_auth *a;
	int good, bad;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < 50; i++) {
		w->good += check(w->a, "alice:secret");
		w->bad += !check(w->a, i % 2 ? "alice:nope" : "eve:secret");
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct users us = { 0 };
	struct worker w[4];
	pthread_t th[4];
	size_t i;

	(void)state;
	us.u[0] = (struct web_user){ "alice", bcrypt_hash("$2y$", "secret") };
	us.cfg.n_users = 1;
	for (i = 0; i < 4; i++)
		w[i] = (struct worker){ .a = auth_of(&us) };
	/* the threads share one web_auth */
	for (i = 1; i < 4; i++) {
		web_auth__free(w[i].a);
		w[i].a = w[0].a;
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].good, 50);
		assert_int_equal(w[i].bad, 50);
	}
	web_auth__free(w[0].a);
	free_users(&us);
}

/* ---- rate limit ---- */

static void test_rate_off(void **state)
{
	struct web_rate_limit *r = (struct web_rate_limit *)1;
	int i;

	(void)state;
	assert_int_equal(web_rate_limit__new(0, 5, &r), 0);
	assert_null(r);
	r = (struct web_rate_limit *)1;
	assert_int_equal(web_rate_limit__new(-1000000000, 0, &r), 0);
	assert_null(r);
	for (i = 0; i < 1000; i++)
		assert_true(web_rate_limit__allow(NULL, (uint64_t)i));
	web_rate_limit__free(NULL);
}

static void test_rate(void **state)
{
	struct web_rate_limit *r;

	(void)state;
	/* burst 0: nothing is ever allowed */
	assert_int_equal(web_rate_limit__new((int64_t)SEC, 0, &r), 0);
	assert_non_null(r);
	assert_false(web_rate_limit__allow(r, 0));
	assert_false(web_rate_limit__allow(r, 10 * SEC));
	assert_false(web_rate_limit__allow(r, 1000 * SEC));
	web_rate_limit__free(r);

	/* a negative burst neither */
	assert_int_equal(web_rate_limit__new((int64_t)SEC, -1, &r), 0);
	assert_false(web_rate_limit__allow(r, 5 * SEC));
	web_rate_limit__free(r);

	/* full at the start, one token a second, at most burst */
	assert_int_equal(web_rate_limit__new((int64_t)SEC, 2, &r), 0);
	assert_true(web_rate_limit__allow(r, 100 * SEC));
	assert_true(web_rate_limit__allow(r, 100 * SEC));
	assert_false(web_rate_limit__allow(r, 100 * SEC));
	assert_false(web_rate_limit__allow(r, 100 * SEC + SEC / 2));
	assert_false(web_rate_limit__allow(r, 100 * SEC + SEC - 2));
	/* as in Go, a wait of less than a nanosecond truncates to none */
	assert_true(web_rate_limit__allow(r, 100 * SEC + SEC - 1));
	assert_false(web_rate_limit__allow(r, 101 * SEC));
	assert_true(web_rate_limit__allow(r, 102 * SEC));
	assert_false(web_rate_limit__allow(r, 102 * SEC));
	/* a long pause refills up to burst only */
	assert_true(web_rate_limit__allow(r, 200 * SEC));
	assert_true(web_rate_limit__allow(r, 200 * SEC));
	assert_false(web_rate_limit__allow(r, 200 * SEC));
	/* tokens accrue in fractions: half a second twice is one token */
	assert_false(web_rate_limit__allow(r, 200 * SEC + SEC / 2));
	assert_true(web_rate_limit__allow(r, 201 * SEC));
	web_rate_limit__free(r);

	/* a refused request does not move the clock; time going back earns nothing */
	assert_int_equal(web_rate_limit__new((int64_t)SEC, 1, &r), 0);
	assert_true(web_rate_limit__allow(r, 10 * SEC));
	assert_false(web_rate_limit__allow(r, 5 * SEC));
	assert_false(web_rate_limit__allow(r, 10 * SEC + SEC / 2));
	assert_true(web_rate_limit__allow(r, 11 * SEC));
	web_rate_limit__free(r);

	/* 250ms per token */
	assert_int_equal(web_rate_limit__new((int64_t)SEC / 4, 1, &r), 0);
	assert_true(web_rate_limit__allow(r, 0));
	assert_false(web_rate_limit__allow(r, SEC / 8));
	assert_true(web_rate_limit__allow(r, SEC / 4));
	assert_false(web_rate_limit__allow(r, SEC / 4 + 1));
	assert_true(web_rate_limit__allow(r, SEC));
	web_rate_limit__free(r);

	/* 1ns per token: a token a nanosecond */
	assert_int_equal(web_rate_limit__new(1, 1, &r), 0);
	assert_true(web_rate_limit__allow(r, 5));
	assert_false(web_rate_limit__allow(r, 5));
	assert_true(web_rate_limit__allow(r, 6));
	web_rate_limit__free(r);

	/* a big burst */
	assert_int_equal(web_rate_limit__new(3600 * (int64_t)SEC, 1000, &r), 0);
	{
		int i;

		for (i = 0; i < 1000; i++)
			assert_true(web_rate_limit__allow(r, 7));
		assert_false(web_rate_limit__allow(r, 7));
		assert_false(web_rate_limit__allow(r, 7 + 3599 * SEC));
		assert_true(web_rate_limit__allow(r, 7 + 3600 * SEC));
	}
	web_rate_limit__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_users),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_lookup_verify),
		cmocka_unit_test(test_lookup_during_bcrypt),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_rate_off),
		cmocka_unit_test(test_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
