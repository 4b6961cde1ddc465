// SPDX-License-Identifier: MIT
/* series.c: counts per label-value tuple (perf_event_array counters). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "labels/series_table.h"

#define MAX_LABELS 3

struct seen {
	char joined[64][128]; /* values joined with '|' for comparison, then " = count" */
	size_t n;
	size_t n_labels;
};

static int collect(const struct series_entry *e, void *arg)
{
	struct seen *s = arg;
	const char *v = e->values;
	char *out = s->joined[s->n];
	size_t i, off = 0;

	for (i = 0; i < s->n_labels; i++) {
		off += (size_t)snprintf(out + off, 128 - off, "%s%s", i ? "|" : "", v);
		v += strlen(v) + 1;
	}
	snprintf(out + off, 128 - off, " = %llu", (unsigned long long)e->count);
	s->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Every series as "v1|v2 = count", sorted, one per line. */
static void dump(struct series_table *t, size_t n_labels, char *out, size_t len)
{
	struct seen s = { .n_labels = n_labels };
	size_t i, off = 0;

	assert_int_equal(series_table__each(t, collect, &s), 0);
	qsort(s.joined, s.n, sizeof(s.joined[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < s.n; i++)
		off += (size_t)snprintf(out + off, len - off, "%s\n", s.joined[i]);
}

/* Sorts the lines of text (each ending in LF) into out. */
static void sort_lines(const char *text, char *out, size_t len)
{
	char lines[8][128], tmp[1024], *p, *save = NULL;
	size_t n = 0, off = 0, k;

	snprintf(tmp, sizeof(tmp), "%s", text);
	for (p = strtok_r(tmp, "\n", &save); p && n < 8; p = strtok_r(NULL, "\n", &save))
		snprintf(lines[n++], sizeof(lines[0]), "%s", p);
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	out[0] = '\0';
	for (k = 0; k < n; k++)
		off += (size_t)snprintf(out + off, len - off, "%s\n", lines[k]);
}

static void test_table(void **state)
{
	static const struct {
		size_t n_labels;
		size_t n_adds;
		const char *adds[4][MAX_LABELS];
		uint64_t by[4];
		const char *want; /* "v1|v2 = count" lines, any order */
		size_t len;
	} cases[] = {
		{ 1, 3, { { "a" }, { "b" }, { "a" } }, { 1, 1, 1 }, "a = 2\nb = 1\n", 2 },
		/* compared value by value, not joined with '|' */
		{ 2,
		  3,
		  { { "a", "b|c" }, { "a|b", "c" }, { "a", "b|c" } },
		  { 1, 1, 5 },
		  "a|b|c = 1\na|b|c = 6\n",
		  2 },
		{ 2,
		  3,
		  { { "", "" }, { "", "x" }, { "x", "" } },
		  { 1, 1, 1 },
		  "x| = 1\n| = 1\n|x = 1\n",
		  3 },
		/* no labels: one series */
		{ 0, 2, { { NULL }, { NULL } }, { 3, 4 }, " = 7\n", 1 },
		/* adding 0 keeps the series' count */
		{ 3, 2, { { "1", "2", "3" }, { "1", "2", "3" } }, { 1, 0 }, "1|2|3 = 1\n", 1 },
	};
	size_t c, i;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct series_table *t = series_table__new(cases[c].n_labels);
		char got[1024], want[1024];

		assert_non_null(t);
		for (i = 0; i < cases[c].n_adds; i++)
			assert_int_equal(series_table__add(t, cases[c].adds[i], cases[c].by[i]), 0);
		dump(t, cases[c].n_labels, got, sizeof(got));
		sort_lines(cases[c].want, want, sizeof(want));
		if (strcmp(got, want) != 0)
			fail_msg("case %zu:\nwant:\n%sgot:\n%s", c, want, got);
		assert_int_equal(series_table__len(t), cases[c].len);
		series_table__free(t);
	}
}

static void test_value_bytes_and_clear(void **state)
{
	struct series_table *t = series_table__new(2);
	const char *a[] = { "ab", "c" }, *b[] = { "", "" };
	char got[256];

	assert_int_equal(series_table__add(t, a, 1), 0);
	assert_int_equal(series_table__add(t, a, 1), 0);
	assert_int_equal(series_table__add(t, b, 1), 0);
	/* "ab\0c\0" + "\0\0" */
	assert_int_equal(series_table__value_bytes(t), 7);
	series_table__clear(t);
	assert_int_equal(series_table__len(t), 0);
	assert_int_equal(series_table__value_bytes(t), 0);
	dump(t, 2, got, sizeof(got));
	assert_string_equal(got, "");
	/* usable after a clear */
	assert_int_equal(series_table__add(t, b, 2), 0);
	dump(t, 2, got, sizeof(got));
	assert_string_equal(got, "| = 2\n");
	series_table__free(t);
	series_table__free(NULL);
}

static int sum_counts(const struct series_entry *e, void *arg)
{
	*(uint64_t *)arg += e->count;
	return 0;
}

static int stop_at_first(const struct series_entry *e, void *arg)
{
	(*(int *)arg)++;
	return 7;
}

/* Many series (the index grows) and values longer than the on-stack key buffer. */
static void test_many_and_long(void **state)
{
	struct series_table *t = series_table__new(2);
	char big[2000], num[32];
	const char *v[2] = { num, big };
	uint64_t total = 0;
	int i, calls = 0;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 5000; i++) {
		snprintf(num, sizeof(num), "%d", i % 2500);
		assert_int_equal(series_table__add(t, v, (uint64_t)i), 0);
	}
	assert_int_equal(series_table__len(t), 2500);
	assert_int_equal(series_table__each(t, sum_counts, &total), 0);
	assert_int_equal(total, (uint64_t)4999 * 5000 / 2);
	assert_int_equal(series_table__each(t, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	series_table__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_value_bytes_and_clear),
		cmocka_unit_test(test_many_and_long),
	};

	return cmocka_run_group_tests_name("series", tests, NULL, NULL);
}
