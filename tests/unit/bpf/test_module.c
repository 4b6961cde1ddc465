// SPDX-License-Identifier: MIT
/*
 * The loader's pure parsers: `perf_event/` section items (upstream's messages) and
 * CPU lists as in /sys/devices/system/cpu/online.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bpf/module.h"

static void test_perf_event_ok(void **state)
{
	static const struct {
		const char *spec;
		long long type, config, frequency;
	} cases[] = {
		{ "type=1,config=0,frequency=99", 1, 0, 99 },
		{ "frequency=1", 0, 0, 1 },
		{ "type=0,config=2", 0, 2, 0 },
		{ "config=3,type=0,frequency=1", 0, 3, 1 },
		/* the last duplicate wins */
		{ "type=1,type=2,config=5,config=6", 2, 6, 0 },
		/* Atoi: a sign is allowed */
		{ "type=+1,config=-1,frequency=+10", 1, -1, 10 },
		{ "config=9223372036854775807", 0, 9223372036854775807LL, 0 },
		{ "config=-9223372036854775808", 0, -9223372036854775807LL - 1, 0 },
		{ "type=007", 7, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct perf_event_spec pe;
		char err[256] = "";
		int e;

		e = loader_parse_perf_event(cases[i].spec, &pe, err, sizeof(err));
		if (e)
			fail_msg("%s: unexpected error %d: %s", cases[i].spec, e, err);
		if (pe.type != cases[i].type || pe.config != cases[i].config ||
		    pe.frequency != cases[i].frequency)
			fail_msg("%s: got type=%lld config=%lld frequency=%lld", cases[i].spec,
				 pe.type, pe.config, pe.frequency);
	}
}

static void test_perf_event_errors(void **state)
{
	static const struct {
		const char *spec;
		const char *err;
	} cases[] = {
		{ "type", "invalid perf_event item: \"type\"" },
		{ "", "invalid perf_event item: \"\"" },
		/* strings.Split keeps empty items */
		{ "type=1,,config=2", "invalid perf_event item: \"\"" },
		{ "type=1,", "invalid perf_event item: \"\"" },
		{ ",type=1", "invalid perf_event item: \"\"" },
		{ "type=1,config", "invalid perf_event item: \"config\"" },
		{ "type=x", "error parsing value of item \"type=x\" as integer: strconv.Atoi: "
			    "parsing \"x\": invalid syntax" },
		{ "type=", "error parsing value of item \"type=\" as integer: strconv.Atoi: "
			   "parsing \"\": invalid syntax" },
		{ "frequency=0x10", "error parsing value of item \"frequency=0x10\" as integer: "
				    "strconv.Atoi: parsing \"0x10\": invalid syntax" },
		{ "frequency= 1", "error parsing value of item \"frequency= 1\" as integer: "
				  "strconv.Atoi: parsing \" 1\": invalid syntax" },
		{ "frequency=1 ", "error parsing value of item \"frequency=1 \" as integer: "
				  "strconv.Atoi: parsing \"1 \": invalid syntax" },
		{ "frequency=1_000", "error parsing value of item \"frequency=1_000\" as integer: "
				     "strconv.Atoi: parsing \"1_000\": invalid syntax" },
		{ "type=-", "error parsing value of item \"type=-\" as integer: strconv.Atoi: "
			    "parsing \"-\": invalid syntax" },
		{ "type=1=2", "error parsing value of item \"type=1=2\" as integer: strconv.Atoi: "
			      "parsing \"1=2\": invalid syntax" },
		{ "config=9223372036854775808",
		  "error parsing value of item \"config=9223372036854775808\" as integer: "
		  "strconv.Atoi: parsing \"9223372036854775808\": value out of range" },
		{ "config=-99999999999999999999",
		  "error parsing value of item \"config=-99999999999999999999\" as integer: "
		  "strconv.Atoi: parsing \"-99999999999999999999\": value out of range" },
		/* the value is checked before the key */
		{ "bogus=x", "error parsing value of item \"bogus=x\" as integer: strconv.Atoi: "
			     "parsing \"x\": invalid syntax" },
		{ "bogus=1", "unknown perf_event item \"bogus=1\"" },
		{ "type=1,Type=1", "unknown perf_event item \"Type=1\"" },
		{ "=1", "unknown perf_event item \"=1\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct perf_event_spec pe;
		char err[256] = "";
		int e;

		e = loader_parse_perf_event(cases[i].spec, &pe, err, sizeof(err));
		if (e != -EINVAL || strcmp(err, cases[i].err) != 0)
			fail_msg("%s:\nwant: %s\ngot (%d): %s", cases[i].spec, cases[i].err, e,
				 err);
	}
}

static void test_cpu_list(void **state)
{
	static const struct {
		const char *list;
		int ret; /* count or negative errno */
		int cpus[8];
	} cases[] = {
		{ "0\n", 1, { 0 } },
		{ "0-1\n", 2, { 0, 1 } },
		{ "0-3,5\n", 5, { 0, 1, 2, 3, 5 } },
		{ "0,2,4-6", 5, { 0, 2, 4, 5, 6 } },
		{ "7", 1, { 7 } },
		{ "", 0, { 0 } },
		{ "\n", 0, { 0 } },
		{ "3-1", -EINVAL, { 0 } },
		{ "a", -EINVAL, { 0 } },
		{ "0-", -EINVAL, { 0 } },
		{ "0,,1", -EINVAL, { 0 } },
		{ "0;1", -EINVAL, { 0 } },
		{ "-1", -EINVAL, { 0 } },
		{ "0-8", -E2BIG, { 0 } }, /* more than the 8 slots given */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int cpus[8] = { 0 };
		int n = loader_parse_cpu_list(cases[i].list, cpus, 8);

		if (n != cases[i].ret)
			fail_msg("\"%s\": got %d, want %d", cases[i].list, n, cases[i].ret);
		if (n > 0)
			assert_memory_equal(cpus, cases[i].cpus, (size_t)n * sizeof(int));
	}
}

/* The machine's own list parses and names at least one CPU. */
static void test_cpu_list_online(void **state)
{
	char line[256] = "";
	int cpus[1024];
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");

	if (!f) {
		skip();
		return;
	}
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_true(loader_parse_cpu_list(line, cpus, 1024) >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_event_ok),
		cmocka_unit_test(test_perf_event_errors),
		cmocka_unit_test(test_cpu_list),
		cmocka_unit_test(test_cpu_list_online),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
