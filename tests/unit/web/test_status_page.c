// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scrape/status.h"
#include "web/status_page.h"

#define SEC 1000000000ULL
/* 2024-05-01 12:34:56 UTC */
#define T0 (1714566896ULL * SEC)

static void test_escape(void **state)
{
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(html_escape(&b, "<script>alert(\"x\" & 'y')</script> é"), 0);
	assert_string_equal(b.data, "&lt;script&gt;alert(&#34;x&#34; &amp; &#39;y&#39;)"
				    "&lt;/script&gt; é");
	buf_free(&b);
	assert_int_equal(html_escape(&b, ""), 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_fmt_count(void **state)
{
	static const struct {
		uint64_t n;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ 7, "7" },
		{ 999, "999" },
		{ 1000, "1,000" },
		{ 10240, "10,240" },
		{ 123456, "123,456" },
		{ 1234567, "1,234,567" },
		{ UINT64_MAX, "18,446,744,073,709,551,615" },
	};
	char out[64], small[4];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		status_fmt_count(cases[i].n, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	/* cut short, still terminated */
	status_fmt_count(1234567, small, sizeof(small));
	assert_string_equal(small, "1,2");
}

static void test_fmt_age(void **state)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
		{ 0, "0s" },
		{ SEC - 1, "0s" },
		{ 59 * SEC + SEC / 2, "59s" },
		{ 60 * SEC, "1m 0s" },
		{ 3599 * SEC, "59m 59s" },
		{ 3600 * SEC, "1h 0m" },
		{ (2 * 3600 + 3 * 60 + 4) * SEC, "2h 3m" },
		{ 86400 * SEC, "1d 0h" },
		{ (4 * 86400 + 5 * 3600 + 59) * SEC, "4d 5h" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		status_fmt_age(cases[i].ns, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
}

static void test_fmt_ns(void **state)
{
	static const struct {
		double ns;
		const char *want;
	} cases[] = {
		{ 0, "0 ns" },	       { 1, "1 ns" },	     { 999, "999 ns" },
		{ 999.4, "999 ns" },   { 999.5, "1.00 µs" }, { 1000, "1.00 µs" },
		{ 1500, "1.50 µs" },   { 9994, "9.99 µs" },  { 12345, "12.3 µs" },
		{ 123456, "123 µs" },  { 999499, "999 µs" }, { 999500, "1.00 ms" },
		{ 12.5e6, "12.5 ms" }, { 4e9, "4.00 s" },    { 3600e9, "3600 s" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		status_fmt_ns(cases[i].ns, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
}

static void test_fmt_time(void **state)
{
	char out[64];

	(void)state;
	status_fmt_time(0, out, sizeof(out));
	assert_string_equal(out, "1970-01-01 00:00:00 UTC");
	status_fmt_time(T0 + SEC - 1, out, sizeof(out));
	assert_string_equal(out, "2024-05-01 12:34:56 UTC");
}

/* Every '<' of the page opens or closes one of the tags the page uses: no markup from data. */
static void assert_only_page_tags(const char *html)
{
	static const char *const tags[] = { "!DOCTYPE", "html", "head",	   "meta",  "title",
					    "style",	"body", "header",  "h1",    "h2",
					    "h3",	"h4",	"main",	   "div",   "ul",
					    "li",	"a",	"section", "table", "tr",
					    "th",	"td",	"span",	   "code",  "p" };

	for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
		const char *name = p + 1 + (p[1] == '/');
		size_t n = 0, i;

		while (name[n] && (isalnum((unsigned char)name[n]) || name[n] == '!'))
			n++;
		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
			if (strlen(tags[i]) == n && strncmp(tags[i], name, n) == 0)
				break;
		if (i == sizeof(tags) / sizeof(tags[0]))
			fail_msg("unexpected markup at: %.40s", p);
		if (name[n] != '>' && name[n] != ' ')
			fail_msg("unexpected markup at: %.40s", p);
	}
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A view as status_view__take() makes it, with hostile strings wherever data goes. */
static struct status_view *hostile_view(void)
{
	struct status_view *v = calloc(1, sizeof(*v));
	struct status_config *c;

	assert_non_null(v);
	v->version = strdup("(version=1.<2>, branch=b&r, revision=\"r\")");
	v->now_ns = T0 + 3723 * SEC;
	v->started_ns = T0;
	v->n_cfgs = 2;
	v->cfgs = calloc(2, sizeof(*v->cfgs));
	assert_non_null(v->cfgs);

	c = &v->cfgs[0];
	c->name = strdup("timers<i>");
	c->yaml_path = strdup("/etc/x/timers<i>.yaml");
	c->obj_path = strdup("/etc/x/timers\"'.bpf.o");
	c->loaded_at_ns = T0 + 60 * SEC;
	c->decoder_errors = 1234;
	c->n_progs = 2;
	c->progs = calloc(2, sizeof(*c->progs));
	assert_non_null(c->progs);
	c->progs[0].name = strdup("hrtimer_start");
	c->progs[0].section = strdup("tracepoint/timer/hrtimer_start");
	c->progs[0].attached = true;
	c->progs[0].id = 42;
	c->progs[0].run_cnt = 1234567;
	c->progs[0].run_time_ns = 2469134000ULL; /* 2 µs per run */
	c->progs[1].name = strdup("bad<b>");
	c->progs[1].section = strdup("kprobe/<x>");
	c->progs[1].error = strdup("failed to attach program: <img src=x onerror=alert(1)>");
	c->progs[1].id = 43;
	c->n_maps = 2;
	c->maps = calloc(2, sizeof(*c->maps));
	assert_non_null(c->maps);
	c->maps[0].name = strdup("starts<m>");
	c->maps[0].type = strdup("hash");
	c->maps[0].key_size = 8;
	c->maps[0].value_size = 16;
	c->maps[0].max_entries = 10240;
	c->maps[0].entries = 512;
	c->maps[1].name = strdup("counts");
	c->maps[1].type = strdup("percpu_array");
	c->maps[1].key_size = 4;
	c->maps[1].value_size = 8;
	c->maps[1].max_entries = 1;
	c->maps[1].entries = -1;

	c = &v->cfgs[1];
	c->name = strdup("empty");
	c->yaml_path = strdup("/e.yaml");
	c->obj_path = strdup("/e.bpf.o");
	return v;
}

static char *page(const struct status_view *v, const char *telemetry_path, bool debug)
{
	struct buf b = { 0 };

	assert_int_equal(status_page_write(&b, v, telemetry_path, debug), 0);
	assert_non_null(b.data);
	return b.data;
}

/* The toolkit's look, then the status tables, every string escaped. */
static void test_page(void **state)
{
	struct status_view *v = hostile_view();
	char *h;

	(void)state;
	h = page(v, "/custom/m<x>", false);
	assert_only_page_tags(h);
	assert_int_equal(strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">\n", 32), 0);
	assert_int_equal(strcmp(h + strlen(h) - 8, "</html>\n"), 0);
	assert_non_null(strstr(h, "<meta name=\"viewport\" content=\"width=device-width, "
				  "initial-scale=1.0\">"));
	assert_non_null(strstr(h, "    <title>eBPF Exporter</title>\n"));
	assert_non_null(strstr(h, "      <h1>eBPF Exporter</h1>\n"));
	assert_non_null(strstr(h, "  background-color: #e6522c;\n"));
	assert_non_null(strstr(h, "@media (max-width: 600px)"));
	assert_non_null(strstr(h, "      <div>Version: (version=1.&lt;2&gt;, branch=b&amp;r, "
				  "revision=&#34;r&#34;)</div>\n"));
	assert_non_null(
		strstr(h, "\n          <li><a href=\"/custom/m&lt;x&gt;\">Metrics</a></li>\n"));
	assert_null(strstr(h, "Maps</a>"));
	/* the overview */
	assert_non_null(strstr(h, "<tr><th>Uptime</th><td>1h 2m <span class=\"muted\">(started "
				  "2024-05-01 12:34:56 UTC)</span></td></tr>"));
	assert_non_null(strstr(h, "<tr><th>Configs</th><td>2</td></tr>"));
	assert_non_null(strstr(h, "<tr><th>Programs attached</th><td><span class=\"bad\">1 of 2"
				  "</span></td></tr>"));
	assert_non_null(strstr(h, "stats off (kernel.bpf_stats_enabled=0)"));
	assert_non_null(strstr(h, "<span class=\"muted\">no reload yet</span>"));
	/* the first config, escaped */
	assert_non_null(strstr(h, "<h3>timers&lt;i&gt;</h3>"));
	assert_non_null(strstr(h, "<tr><th>YAML</th><td><code>/etc/x/timers&lt;i&gt;.yaml</code>"));
	assert_non_null(strstr(h, "<td><code>/etc/x/timers&#34;&#39;.bpf.o</code>"));
	assert_non_null(strstr(h, "<tr><th>Loaded at</th><td>2024-05-01 12:35:56 UTC <span "
				  "class=\"muted\">(1h 1m ago)</span></td></tr>"));
	assert_non_null(strstr(h, "<th>Decoder errors</th><td class=\"bad\">1,234</td>"));
	assert_non_null(strstr(h, "<tr><td><code>hrtimer_start</code></td><td><code>tracepoint/"
				  "timer/hrtimer_start</code></td><td><span class=\"ok\">attached"
				  "</span></td><td class=\"num\">42</td><td colspan=\"3\" "
				  "class=\"muted\">stats off</td></tr>"));
	assert_non_null(strstr(h,
			       "<tr><td><code>bad&lt;b&gt;</code></td><td><code>kprobe/&lt;x&gt;"
			       "</code></td><td class=\"msg\"><span class=\"bad\">failed to "
			       "attach program: &lt;img src=x onerror=alert(1)&gt;</span></td>"));
	assert_non_null(strstr(h,
			       "<tr><td><code>starts&lt;m&gt;</code></td><td>hash</td><td "
			       "class=\"num\">8 B</td><td class=\"num\">16 B</td><td "
			       "class=\"num\">512 of 10,240</td><td class=\"num\">5.0%</td></tr>"));
	assert_non_null(strstr(h, "<td class=\"num\"><span class=\"muted\">&#8212;</span> of 1</td>"
				  "<td class=\"num\"></td></tr>"));
	/* the second config: nothing loaded */
	assert_non_null(strstr(h, "<h3>empty</h3>"));
	assert_non_null(strstr(h, "<span class=\"muted\">not loaded</span>"));
	assert_non_null(strstr(h, "<td colspan=\"7\" class=\"muted\">no programs</td>"));
	assert_non_null(strstr(h, "<td colspan=\"6\" class=\"muted\">no maps</td>"));
	assert_non_null(strstr(h, "<th>Decoder errors</th><td>0</td>"));
	/* structure: each table in its scrolling box, balanced */
	assert_int_equal(count(h, "<table"), 7);
	assert_int_equal(count(h, "</table></div>"), 7);
	assert_int_equal(count(h, "<div class=\"scroll\"><table"), 7);
	assert_int_equal(count(h, "<section class=\"config\">"), 2);
	assert_int_equal(count(h, "</section>"), 2);
	assert_int_equal(count(h, "<tr>"), count(h, "</tr>"));
	assert_int_equal(count(h, "<td"), count(h, "</td>"));
	assert_int_equal(count(h, "<div"), count(h, "</div>"));
	free(h);

	/* run statistics on, a failed reload, /maps with debug */
	v->stats_enabled = true;
	v->reload.happened = true;
	v->reload.time_ns = T0 + 3600 * SEC;
	v->reload.seconds = 0.0123;
	v->reload.error = strdup("error parsing \"/c/<x>.yaml\": line 3: a & b");
	h = page(v, "/metrics", true);
	assert_only_page_tags(h);
	assert_non_null(strstr(h, "<li><a href=\"/metrics\">Metrics</a></li>\n"
				  "          \n"
				  "          <li><a href=\"/maps\">Maps</a></li>\n"));
	assert_non_null(strstr(h, "on (kernel.bpf_stats_enabled=1)"));
	assert_non_null(strstr(h, "<td class=\"num\">42</td><td class=\"num\">1,234,567</td><td "
				  "class=\"num\">2.47 s</td><td class=\"num\">2.00 µs</td></tr>"));
	/* no runs: no time per run */
	assert_non_null(strstr(h, "<td class=\"num\">43</td><td class=\"num\">0</td><td "
				  "class=\"num\">0 ns</td><td class=\"num\"></td></tr>"));
	assert_non_null(strstr(
		h, "2024-05-01 13:34:56 UTC <span class=\"muted\">(2m 3s ago)"
		   "</span>: <span class=\"bad\">failed</span> in 12.3 ms: <code>error parsing "
		   "&#34;/c/&lt;x&gt;.yaml&#34;: line 3: a &amp; b</code>"));
	free(h);

	v->reload.ok = true;
	free(v->reload.error);
	v->reload.error = NULL;
	h = page(v, "/metrics", false);
	assert_non_null(strstr(
		h, "(2m 3s ago)</span>: <span class=\"ok\">successful</span> in 12.3 ms</td>"));
	free(h);
	status_view__free(v);
}

/* A view of no collector: the build's version, a start time, no configs. */
static void test_view_without_collector(void **state)
{
	struct status_view *v = NULL;
	char *h;

	(void)state;
	assert_int_equal(status_view__take(NULL, &v), 0);
	assert_non_null(v);
	assert_int_equal(strncmp(v->version, "(version=", 9), 0);
	assert_int_equal(v->n_cfgs, 0);
	assert_true(v->started_ns > 0 && v->started_ns <= v->now_ns);
	h = page(v, "/metrics", false);
	assert_only_page_tags(h);
	assert_non_null(strstr(h, "<p class=\"muted\">no configs</p>"));
	assert_non_null(strstr(h, "<tr><th>Programs attached</th><td><span class=\"ok\">0 of 0"));
	free(h);
	status_view__free(v);
	status_view__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_fmt_count),
		cmocka_unit_test(test_fmt_age),
		cmocka_unit_test(test_fmt_ns),
		cmocka_unit_test(test_fmt_time),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_view_without_collector),
	};

	return cmocka_run_group_tests_name("status_page", tests, NULL, NULL);
}
