// SPDX-License-Identifier: MIT
/* util/buf.c: array growth. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"

static void test_array_grow(void **state)
{
	uint32_t *a = NULL, *before;
	size_t cap = 0;

	/* Nothing asked: nothing allocated. */
	assert_int_equal(array_grow((void **)&a, &cap, 0, sizeof(*a)), 0);
	assert_null(a);
	assert_int_equal(cap, 0);
	/* The first allocation holds 64, then the capacity doubles past what is wanted. */
	assert_int_equal(array_grow((void **)&a, &cap, 1, sizeof(*a)), 0);
	assert_non_null(a);
	assert_int_equal(cap, 64);
	for (uint32_t i = 0; i < 64; i++)
		a[i] = i;
	assert_int_equal(array_grow((void **)&a, &cap, 64, sizeof(*a)), 0);
	assert_int_equal(cap, 64);
	assert_int_equal(array_grow((void **)&a, &cap, 65, sizeof(*a)), 0);
	assert_int_equal(cap, 128);
	assert_int_equal(array_grow((void **)&a, &cap, 1000, sizeof(*a)), 0);
	assert_int_equal(cap, 1024);
	for (uint32_t i = 0; i < 64; i++)
		assert_int_equal(a[i], i); /* the contents move along */
	/* Too much: -ENOMEM, the array and its capacity unchanged. */
	before = a;
	assert_int_equal(array_grow((void **)&a, &cap, SIZE_MAX, sizeof(*a)), -ENOMEM);
	assert_ptr_equal(a, before);
	assert_int_equal(cap, 1024);
	free(a);
}

/* Growth from a capacity the caller set (an exact-size first allocation). */
static void test_array_grow_from_cap(void **state)
{
	char *p = malloc(100);
	size_t cap = 100;

	assert_non_null(p);
	memset(p, 'x', 100);
	assert_int_equal(array_grow((void **)&p, &cap, 100, 1), 0);
	assert_int_equal(cap, 100);
	assert_int_equal(array_grow((void **)&p, &cap, 101, 1), 0);
	assert_int_equal(cap, 200);
	assert_int_equal(array_grow((void **)&p, &cap, 1000, 1), 0);
	assert_int_equal(cap, 1600);
	assert_int_equal(p[99], 'x');
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_grow),
		cmocka_unit_test(test_array_grow_from_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
