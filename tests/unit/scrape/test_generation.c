// SPDX-License-Identifier: MIT
/*
 * The parts of scrape/generation.c that need no kernel: --config.names resolution (plain names
 * kept as written, glob items expanded over NAME.yaml files, sorted, without repeats; patterns
 * matching nothing and unreadable dirs are errors naming them), generation__parse() sharing a
 * unit whose files hash the same and reading a changed one anew, and the reload families.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scrape/generation.h"

#define YAML "metrics:\n  counters:\n    - name: x_total\n      help: x\n"

static char dir[64];

static void touch(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_generation.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	touch("b.yaml", YAML);
	touch("a.yaml", YAML);
	touch("ab.yaml", "metrics: {}\n");
	touch("c.yml", "metrics: {}\n");
	touch("a.bpf.o", "x");
	touch("b.bpf.o", "x");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *joined(char **v, size_t n)
{
	static char out[256];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "|" : "", v[i]);
	assert_null(v[n]);
	return out;
}

static void test_resolve(void **state)
{
	static const struct {
		const char *names, *want;
	} cases[] = {
		{ "b,a", "b|a" }, { "a,a", "a|a" }, /* plain repeats kept: the duplicate check names them */
		{ "", "" },	  { "x,", "x|" },    { "*", "a|ab|b" },	    { "b,a*", "b|a|ab" },
		{ "a?", "ab" },	  { "[ab]", "a|b" }, { "*,a", "a|ab|b|a" }, { "a*,*", "a|ab|b" },
	};
	char err[256], **v;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (generation_resolve_names(dir, cases[i].names, &v, &n, err, sizeof(err)))
			fail_msg("%s: %s", cases[i].names, err);
		assert_string_equal(joined(v, n), cases[i].want);
		generation_names_free(v);
	}
}

static void test_resolve_errors(void **state)
{
	char err[512], want[512], **v = (char **)1;
	size_t n = 7;

	assert_int_equal(generation_resolve_names(dir, "a,c*", &v, &n, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want),
		 "pattern \"c*\" matches no NAME.yaml file in config dir \"%s\"", dir);
	assert_string_equal(err, want);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_int_equal(generation_resolve_names("/nonexistent/dir", "a*", &v, &n, err,
						  sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "pattern \"a*\": reading config dir \"/nonexistent/dir\": no "
				 "such file or directory");
	assert_true(generation_is_pattern("a[b]"));
	assert_false(generation_is_pattern("a/b.c"));
}

static void test_parse_shares_unchanged(void **state)
{
	struct generation_opts o = { .config_dir = dir, .config_names = "a,b" };
	struct generation *g1 = NULL, *g2 = NULL;
	char err[512] = "";

	if (generation__parse(&o, NULL, &g1, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(g1->n, 2);
	assert_int_equal(g1->n_reused, 0);
	/* not loaded: a unit without a module is never shared */
	assert_int_equal(generation__parse(&o, g1, &g2, err, sizeof(err)), 0);
	assert_int_equal(g2->n_reused, 0);
	assert_false(generation__same(g2, g1));
	generation__free(g2, NULL, NULL);

	o.config_names = "a,a";
	assert_int_equal(generation__parse(&o, NULL, &g2, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "multiple configs with name \"a\"");
	assert_null(g2);
	o.config_names = "a,zz";
	assert_int_equal(generation__parse(&o, NULL, &g2, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "zz.yaml"));
	generation__free(g1, NULL, NULL);
}

static void test_reload_families(void **state)
{
	struct reload_status rs;
	struct reload_families rf;

	assert_int_equal(reload_status_families(NULL, &rf), 0);
	reload_status_init(&rs);
	assert_int_equal(reload_status_families(&rs, &rf), RELOAD_FAMILIES);
	assert_string_equal(rf.fams[0].name, "ebpf_exporter_config_last_reload_successful");
	assert_true(rf.fams[0].samples[0].value == 1);
	assert_true(rf.fams[1].samples[0].value > 1.7e9);
	assert_true(rf.fams[2].samples[0].value == 0 && rf.fams[2].samples[1].value == 0);
	reload_status_record(&rs, "error parsing \"x\"", 0.5);
	reload_status_families(&rs, &rf);
	assert_true(rf.fams[0].samples[0].value == 0);
	assert_string_equal(rf.fams[2].samples[0].values[0], "failure");
	assert_true(rf.fams[2].samples[0].value == 1);
	assert_string_equal(rs.error, "error parsing \"x\"");
	reload_status_record(&rs, NULL, 0.1);
	reload_status_families(&rs, &rf);
	assert_true(rf.fams[0].samples[0].value == 1);
	assert_string_equal(rf.fams[2].samples[1].values[0], "success");
	assert_true(rf.fams[2].samples[1].value == 1);
	assert_string_equal(rs.error, "");
	reload_status_destroy(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_parse_shares_unchanged),
		cmocka_unit_test(test_reload_families),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
