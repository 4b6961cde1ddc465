// SPDX-License-Identifier: MIT
/*
 * The live web settings: loads at start, reloads on changes seen by stat, keeps the last good
 * snapshot when a change is bad (counted once per change), refuses to turn TLS on or off, and
 * keeps the rate limiter and the users across loads that do not change them. Real files, a
 * certificate made by openssl at test time.
 */
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

#include "web/web_settings.h"

/* A bcrypt hash (cost 4) of "secret". */
#define HASH "$2y$04$iX8awHbTBVppPHrlE37jB.WyDXA9KJbrXP7mj10YlnKFjgJbRNNRm"

static char dir[64];

static const char *path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
	return out;
}

/* Writes the file in place (same inode), as an editor that truncates does. */
static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f = fopen(path_of(path, sizeof(path), name), "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Past the coarse clock's tick, so that a rewrite gets a later file time. */
static void next_tick(void)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_web_settings_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout server.key -out server.crt -days 2 -subj /CN=localhost "
		 ">openssl.log 2>&1",
		 dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_no_file(void **state)
{
	struct web_settings *s = NULL;
	const struct web_snapshot *a, *b;
	char err[512];

	(void)state;
	assert_int_equal(web_settings__new("", &s, err, sizeof(err)), 0);
	assert_false(web_settings__tls_enabled(s));
	a = web_settings__current(s);
	assert_null(a->cfg);
	assert_null(a->tls);
	assert_null(a->auth);
	assert_null(a->rate);
	b = web_settings__current(s);
	assert_ptr_equal(a, b);
	web_snapshot__put(a);
	web_snapshot__put(b);
	web_settings__free(s);

	assert_int_equal(web_settings__new(NULL, &s, err, sizeof(err)), 0);
	web_settings__free(s);
}

static void test_bad_at_start(void **state)
{
	struct web_settings *s = (void *)1;
	char err[512], path[256];

	(void)state;
	write_file("bad.yml", "tls_server_confg: {}\n");
	assert_int_not_equal(
		web_settings__new(path_of(path, sizeof(path), "bad.yml"), &s, err, sizeof(err)), 0);
	assert_null(s);
	assert_non_null(strstr(err, "bad.yml"));
	assert_non_null(strstr(err, "tls_server_confg"));

	assert_int_not_equal(web_settings__new(path_of(path, sizeof(path), "missing.yml"), &s, err,
					       sizeof(err)),
			     0);
	assert_non_null(strstr(err, "missing.yml"));
}

static void test_reload(void **state)
{
	struct web_settings *s = NULL;
	const struct web_snapshot *a, *b, *c;
	struct web_rate_limit *rate;
	struct web_auth *auth;
	char err[512], path[256];

	(void)state;
	write_file("w.yml", "basic_auth_users:\n  alice: " HASH "\n"
			    "rate_limit:\n  interval: 1s\n  burst: 2\n");
	assert_int_equal(
		web_settings__new(path_of(path, sizeof(path), "w.yml"), &s, err, sizeof(err)), 0);
	a = web_settings__current(s);
	assert_non_null(a->cfg);
	assert_non_null(a->auth);
	assert_non_null(a->rate);
	assert_null(a->tls);
	assert_int_equal(a->cfg->n_headers, 0);
	rate = a->rate;
	auth = a->auth;

	/* unchanged: the same snapshot, also after the tick of the write is over */
	next_tick();
	b = web_settings__current(s);
	assert_ptr_equal(a, b);
	web_snapshot__put(b);
	assert_int_equal(web_settings__reloads(s), 0);

	/* a header more: a new snapshot, the limiter and the users carried over */
	next_tick();
	write_file("w.yml", "basic_auth_users:\n  alice: " HASH "\n"
			    "rate_limit:\n  interval: 1s\n  burst: 2\n"
			    "http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
	b = web_settings__current(s);
	assert_ptr_not_equal(a, b);
	assert_int_equal(b->cfg->n_headers, 1);
	assert_ptr_equal(b->rate, rate);
	assert_ptr_equal(b->auth, auth);
	assert_int_equal(web_settings__reloads(s), 1);
	/* the old snapshot is still whole for whoever holds it */
	assert_int_equal(a->cfg->n_headers, 0);
	web_snapshot__put(a);

	/* a bad change: the last good snapshot stays, one error however often it is asked */
	next_tick();
	write_file("w.yml", "rate_limit: [\n");
	c = web_settings__current(s);
	assert_ptr_equal(c, b);
	web_snapshot__put(c);
	c = web_settings__current(s);
	assert_ptr_equal(c, b);
	web_snapshot__put(c);
	assert_int_equal(web_settings__reload_errors(s), 1);

	/* another bad change is another error */
	next_tick();
	write_file("w.yml", "rate_limit: [[\n");
	c = web_settings__current(s);
	assert_ptr_equal(c, b);
	web_snapshot__put(c);
	assert_int_equal(web_settings__reload_errors(s), 2);

	/* turning TLS on while running is refused like a bad file */
	next_tick();
	write_file("w.yml", "tls_server_config:\n  cert_file: server.crt\n"
			    "  key_file: server.key\n");
	c = web_settings__current(s);
	assert_ptr_equal(c, b);
	assert_null(c->tls);
	web_snapshot__put(c);
	assert_int_equal(web_settings__reload_errors(s), 3);
	assert_false(web_settings__tls_enabled(s));

	/* fixed, with a new burst and other users: a new limiter and new users */
	next_tick();
	write_file("w.yml", "basic_auth_users:\n  bob: " HASH "\n"
			    "rate_limit:\n  interval: 1s\n  burst: 3\n");
	c = web_settings__current(s);
	assert_ptr_not_equal(c, b);
	assert_ptr_not_equal(c->rate, rate);
	assert_ptr_not_equal(c->auth, auth);
	assert_int_equal(c->cfg->rate_burst, 3);
	assert_int_equal(web_settings__reloads(s), 2);
	web_snapshot__put(b);
	web_snapshot__put(c);

	/* the file removed: an error, the settings stay */
	next_tick();
	assert_int_equal(unlink(path), 0);
	c = web_settings__current(s);
	assert_int_equal(c->cfg->rate_burst, 3);
	web_snapshot__put(c);
	assert_int_equal(web_settings__reload_errors(s), 4);
	web_settings__free(s);
}

static void test_tls_files(void **state)
{
	struct web_settings *s = NULL;
	const struct web_snapshot *a, *b;
	char err[512], path[256], cmd[512];

	(void)state;
	write_file("t.yml", "tls_server_config:\n  cert_file: server.crt\n"
			    "  key_file: server.key\n");
	assert_int_equal(
		web_settings__new(path_of(path, sizeof(path), "t.yml"), &s, err, sizeof(err)), 0);
	assert_true(web_settings__tls_enabled(s));
	a = web_settings__current(s);
	assert_non_null(a->tls);

	/* a certificate that no longer matches the key: logged, the old TLS state stays */
	next_tick();
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout other.key -out server.crt -days 2 -subj /CN=localhost "
		 ">>openssl.log 2>&1",
		 dir);
	assert_int_equal(system(cmd), 0);
	b = web_settings__current(s);
	assert_ptr_equal(a, b);
	web_snapshot__put(b);
	assert_int_equal(web_settings__reload_errors(s), 1);

	/* the key rotated too: a new TLS state */
	snprintf(cmd, sizeof(cmd), "cp %s/other.key %s/server.key", dir, dir);
	assert_int_equal(system(cmd), 0);
	b = web_settings__current(s);
	assert_ptr_not_equal(a, b);
	assert_non_null(b->tls);
	assert_ptr_not_equal(a->tls, b->tls);
	web_snapshot__put(a);
	web_snapshot__put(b);

	/* turning TLS off while running is refused */
	next_tick();
	write_file("t.yml", "rate_limit:\n  interval: 1s\n  burst: 1\n");
	b = web_settings__current(s);
	assert_non_null(b->tls);
	assert_null(b->rate);
	web_snapshot__put(b);
	assert_int_equal(web_settings__reload_errors(s), 2);
	web_settings__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_bad_at_start),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_tls_files),
	};

	return cmocka_run_group_tests_name("web_settings", tests, setup, teardown);
}
