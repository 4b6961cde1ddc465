// SPDX-License-Identifier: MIT
/* The tracing's counters shared across reloads: adoption by name, references, overlap. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tracing/counts.h"

static uint64_t get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void add(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

/* A set for configs[0..n) and services[0..m), the way tracing__new() builds one. */
static struct span_counts *build(const struct span_counts *prev, const char *const *cfgs, size_t n,
				 const char *const *svcs, size_t m)
{
	struct span_counts *c = NULL;
	uint32_t idx;
	size_t i;

	assert_int_equal(span_counts__new(prev, &c), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(span_counts__add_config(c, prev, cfgs[i]), 0);
	for (i = 0; i < m; i++) {
		assert_int_equal(span_counts__service(c, prev, svcs[i], &idx), 0);
		assert_int_equal(idx, i);
	}
	return c;
}

/* Without a previous set everything starts at 0; a service is added once. */
static void test_fresh(void **state)
{
	static const char *const cfgs[] = { "a", "b" };
	static const char *const svcs[] = { "s0", "s1" };
	struct span_counts *c = build(NULL, cfgs, 2, svcs, 2);
	uint32_t idx = 99;

	(void)state;
	assert_int_equal(c->n_cfgs, 2);
	assert_string_equal(c->cfgs[0]->name, "a");
	assert_string_equal(c->cfgs[1]->name, "b");
	assert_int_equal(c->cfgs[0]->received, 0);
	assert_int_equal(c->cfgs[1]->decoder_errors, 0);
	assert_int_equal(span_counts__service(c, NULL, "s0", &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(span_counts__service(c, NULL, "s1", &idx), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(c->n_svcs, 2);
	assert_string_equal(c->svcs[1]->name, "s1");
	assert_int_equal(c->svcs[0]->st.exported, 0);
	assert_non_null(c->errors);
	assert_int_equal(c->errors->n, 0);
	span_counts__free(c);
	span_counts__free(NULL);
}

/*
 * A new set takes the previous one's entries of the names both have, in its own order; other
 * names start at 0. What the old set still counts after the new one exists shows in the new one.
 */
static void test_adopt(void **state)
{
	static const char *const cfgs1[] = { "a", "b" };
	static const char *const svcs1[] = { "x", "y" };
	static const char *const cfgs2[] = { "c", "b" };
	static const char *const svcs2[] = { "z", "y" };
	struct span_counts *c1 = build(NULL, cfgs1, 2, svcs1, 2), *c2;

	(void)state;
	add(&c1->cfgs[0]->received, 5);
	add(&c1->cfgs[1]->received, 7);
	add(&c1->cfgs[1]->decoder_errors, 2);
	add(&c1->svcs[1]->st.exported, 11);
	add(&c1->svcs[1]->st.dropped[DROP_QUEUE_FULL], 3);
	add(&c1->svcs[0]->st.exported, 13);
	add(&c1->errors->n, 4);

	c2 = build(c1, cfgs2, 2, svcs2, 2);
	assert_ptr_equal(c2->cfgs[1], c1->cfgs[1]);
	assert_ptr_not_equal(c2->cfgs[0], c1->cfgs[0]);
	assert_int_equal(get(&c2->cfgs[0]->received), 0);
	assert_int_equal(get(&c2->cfgs[1]->received), 7);
	assert_int_equal(get(&c2->cfgs[1]->decoder_errors), 2);
	assert_ptr_equal(c2->svcs[1], c1->svcs[1]);
	assert_int_equal(get(&c2->svcs[0]->st.exported), 0);
	assert_int_equal(get(&c2->svcs[1]->st.exported), 11);
	assert_int_equal(get(&c2->svcs[1]->st.dropped[DROP_QUEUE_FULL]), 3);
	assert_ptr_equal(c2->errors, c1->errors);
	assert_int_equal(get(&c2->errors->n), 4);

	/* the old set flushing after the swap */
	add(&c1->cfgs[1]->received, 1);
	add(&c1->svcs[1]->st.dropped[DROP_SHUTDOWN], 2);
	add(&c1->errors->n, 1);
	assert_int_equal(get(&c2->cfgs[1]->received), 8);
	assert_int_equal(get(&c2->svcs[1]->st.dropped[DROP_SHUTDOWN]), 2);
	assert_int_equal(get(&c2->errors->n), 5);

	/* the old set goes; the shared entries stay with the new one (ASan checks the rest) */
	span_counts__free(c1);
	add(&c2->cfgs[1]->received, 1);
	add(&c2->svcs[1]->st.exported, 1);
	assert_int_equal(get(&c2->cfgs[1]->received), 9);
	assert_int_equal(get(&c2->svcs[1]->st.exported), 12);
	assert_string_equal(c2->cfgs[1]->name, "b");
	assert_string_equal(c2->svcs[1]->name, "y");
	span_counts__free(c2);
}

/* A name gone from one set is gone for good: the set after it starts that name at 0. */
static void test_gone_name_restarts(void **state)
{
	static const char *const a[] = { "a" };
	static const char *const b[] = { "b" };
	struct span_counts *c1 = build(NULL, a, 1, a, 1), *c2, *c3;

	(void)state;
	add(&c1->cfgs[0]->received, 5);
	add(&c1->svcs[0]->st.exported, 5);
	c2 = build(c1, b, 1, b, 1);
	span_counts__free(c1);
	c3 = build(c2, a, 1, a, 1);
	assert_int_equal(get(&c3->cfgs[0]->received), 0);
	assert_int_equal(get(&c3->svcs[0]->st.exported), 0);
	span_counts__free(c2);
	span_counts__free(c3);
}

/* A new set freed first (a reload that fails) leaves the previous one's counters as they were. */
static void test_new_freed_first(void **state)
{
	static const char *const cfgs[] = { "a" };
	static const char *const svcs[] = { "s" };
	struct span_counts *c1 = build(NULL, cfgs, 1, svcs, 1), *c2;

	(void)state;
	add(&c1->cfgs[0]->received, 3);
	c2 = build(c1, cfgs, 1, svcs, 1);
	add(&c2->cfgs[0]->received, 1);
	span_counts__free(c2);
	assert_int_equal(c1->cfgs[0]->refs, 1);
	assert_int_equal(c1->svcs[0]->refs, 1);
	assert_int_equal(c1->errors->refs, 1);
	assert_int_equal(get(&c1->cfgs[0]->received), 4);
	assert_string_equal(c1->svcs[0]->name, "s");
	span_counts__free(c1);
}

#define PER_THREAD 100000

static void *bump(void *arg)
{
	struct span_counts *c = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		add(&c->cfgs[0]->received, 1);
		add(&c->svcs[0]->st.exported, 1);
		add(&c->errors->n, 1);
	}
	return NULL;
}

/* Both sets counting at once (the old one's threads still running) lose nothing. */
static void test_overlap_threads(void **state)
{
	static const char *const cfgs[] = { "a" };
	static const char *const svcs[] = { "s" };
	struct span_counts *c1 = build(NULL, cfgs, 1, svcs, 1), *c2;
	pthread_t t1, t2;

	(void)state;
	c2 = build(c1, cfgs, 1, svcs, 1);
	assert_int_equal(pthread_create(&t1, NULL, bump, c1), 0);
	assert_int_equal(pthread_create(&t2, NULL, bump, c2), 0);
	assert_int_equal(pthread_join(t1, NULL), 0);
	assert_int_equal(pthread_join(t2, NULL), 0);
	span_counts__free(c1);
	assert_int_equal(get(&c2->cfgs[0]->received), 2 * PER_THREAD);
	assert_int_equal(get(&c2->svcs[0]->st.exported), 2 * PER_THREAD);
	assert_int_equal(get(&c2->errors->n), 2 * PER_THREAD);
	span_counts__free(c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_gone_name_restarts),
		cmocka_unit_test(test_new_freed_first),
		cmocka_unit_test(test_overlap_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
