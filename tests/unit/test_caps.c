// SPDX-License-Identifier: MIT
/*
 * Capability drop: every thread ends with exactly the kept set, and a thread the drop did not
 * reach is reported. Each case runs in a child process (a drop cannot be undone) and needs
 * root; without it the cases are skipped.
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
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "caps.h"

/* The unwrapped pthread_create(): a thread libpsx does not know about, as a library's own. */
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

#define THREADS 3

struct shared {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int phase; /* 1: the drop is done, the threads check themselves */
	int good; /* threads whose own set was the expected one */
	int done;
	const char *want; /* cap_to_text() of the expected set */
};

static void *worker(void *arg)
{
	struct shared *s = arg;
	cap_t c;
	char *t;

	pthread_mutex_lock(&s->lock);
	while (s->phase == 0)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	c = cap_get_proc();
	t = c ? cap_to_text(c, NULL) : NULL;
	pthread_mutex_lock(&s->lock);
	if (t && strcmp(t, s->want) == 0)
		s->good++;
	s->done++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	cap_free(t);
	cap_free(c);
	return NULL;
}

/* Runs fn in a child and returns its exit status (0 when every check there held). */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Threads started with `create` before the drop; 0 when caps_apply() returned want_rc. */
static int drop_with_threads(int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
					   void *),
			     const char *keep, const char *want_text, uint64_t want_mask,
			     int want_rc, int want_good)
{
	struct shared s = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, want_text
	};
	pthread_t th[THREADS];
	char err[1024] = "";
	int rc, i, n;

	for (i = 0; i < THREADS; i++)
		if (create(&th[i], NULL, worker, &s) != 0)
			return 10;
	rc = caps_apply(keep, err, sizeof(err));
	if (rc != want_rc) {
		fprintf(stderr, "caps_apply(%s) = %d: %s\n", keep, rc, err);
		return 11;
	}
	if (rc && !strstr(err, "still holds capabilities after the drop")) {
		fprintf(stderr, "unexpected message: %s\n", err);
		return 12;
	}
	pthread_mutex_lock(&s.lock);
	s.phase = 1;
	pthread_cond_broadcast(&s.cond);
	while (s.done < THREADS)
		pthread_cond_wait(&s.cond, &s.lock);
	pthread_mutex_unlock(&s.lock);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	if (s.good != want_good) {
		fprintf(stderr, "%d of %d threads hold %s\n", s.good, THREADS, want_text);
		return 13;
	}
	if (rc == 0) {
		n = caps_verify_threads(want_mask, true, err, sizeof(err));
		if (n != 1) { /* only the main thread is left */
			fprintf(stderr, "caps_verify_threads: %d: %s\n", n, err);
			return 14;
		}
	}
	return 0;
}

static int child_none(void)
{
	return drop_with_threads(pthread_create, "none", "=", 0, 0, THREADS);
}

static int child_list(void)
{
	/* cap_perfmon is 38, cap_bpf 39 */
	return drop_with_threads(pthread_create, "cap_bpf,cap_perfmon", "cap_perfmon,cap_bpf=ep",
				 (1ULL << 38) | (1ULL << 39), 0, THREADS);
}

static int child_numbers(void)
{
	return drop_with_threads(pthread_create, "39", "cap_bpf=ep", 1ULL << 39, 0, THREADS);
}

static int child_unregistered(void)
{
	/* The drop cannot reach these threads: the check must say so. */
	return drop_with_threads(__real_pthread_create, "none", "=", 0, -EPERM, 0);
}

static void skip_unless_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void test_every_thread_none(void **state)
{
	skip_unless_root();
	assert_int_equal(in_child(child_none), 0);
}

static void test_every_thread_list(void **state)
{
	skip_unless_root();
	assert_int_equal(in_child(child_list), 0);
}

static void test_every_thread_numbers(void **state)
{
	skip_unless_root();
	assert_int_equal(in_child(child_numbers), 0);
}

static void test_unreached_thread_is_an_error(void **state)
{
	skip_unless_root();
	assert_int_equal(in_child(child_unregistered), 0);
}

static void test_bad_names(void **state)
{
	char err[256];

	assert_int_equal(caps_apply("cap_bpf,cap_nosuch", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "error parsing capability \"cap_nosuch\": strconv.Atoi: parsing "
				 "\"cap_nosuch\": invalid syntax");
	assert_int_equal(caps_apply("-1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "error parsing capability \"-1\": strconv.Atoi: parsing \"-1\": "
				 "invalid syntax");
}

static void test_verify_reports_the_thread(void **state)
{
	char err[512];
	cap_t c = cap_get_proc();
	cap_flag_value_t f = CAP_CLEAR;

	assert_non_null(c);
	assert_int_equal(cap_get_flag(c, CAP_BPF, CAP_EFFECTIVE, &f), 0);
	cap_free(c);
	if (f != CAP_SET)
		skip();
	/* This process still holds cap_bpf: a check for "none" must fail and name the thread. */
	assert_int_equal(caps_verify_threads(0, true, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "still holds capabilities after the drop (CapEff "));
	assert_non_null(strstr(err, "expected 0000000000000000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_thread_none),
		cmocka_unit_test(test_every_thread_list),
		cmocka_unit_test(test_every_thread_numbers),
		cmocka_unit_test(test_unreached_thread_is_an_error),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_verify_reports_the_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
