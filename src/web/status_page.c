// SPDX-License-Identifier: MIT
#include "web/status_page.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "scrape/status.h"
#include "util/clock.h"

#define PAGE_NAME "eBPF Exporter"
#define PAGE_DESCRIPTION "Prometheus exporter for custom eBPF metrics and OpenTelemetry traces"
#define PAGE_HEADER_COLOR "#e6522c"

/* The exporter toolkit's stylesheet (its header color, no form), then the status page's own. */
static const char page_style[] =
	"body {\n"
	"  font-family: -apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica Neue,Arial,"
	"Noto Sans,Liberation Sans,sans-serif,Apple Color Emoji,Segoe UI Emoji,Segoe UI Symbol,"
	"Noto Color Emoji;\n"
	"  margin: 0;\n"
	"}\n"
	"header {\n"
	"  background-color: " PAGE_HEADER_COLOR ";\n"
	"  color: #fff;\n"
	"  font-size: 1rem;\n"
	"  padding: 1rem;\n"
	"}\n"
	"main {\n"
	"  padding: 1rem;\n"
	"}\n"
	"label {\n"
	"  display: inline-block;\n"
	"  width: 0.5em;\n"
	"}\n"
	"#pprof {\n"
	"  border: black 2px solid;\n"
	"  padding: 1rem;\n"
	"  width: fit-content;\n"
	"}\n"
	"\n"
	"h2 { font-size: 1.25rem; }\n"
	"main > div:first-of-type { overflow-wrap: anywhere; }\n"
	"h3 { font-size: 1.125rem; margin: 1.5rem 0 0.5rem; }\n"
	"h4 { font-size: 1rem; margin: 1rem 0 0.25rem; }\n"
	"section.config { border-top: 2px solid " PAGE_HEADER_COLOR "; margin-top: 1rem; }\n"
	"section.config > h3 { margin-top: 0.75rem; }\n"
	".scroll { max-width: 100%; overflow-x: auto; }\n"
	"table { border-collapse: collapse; font-size: 0.875rem; margin: 0.25rem 0 0.5rem; }\n"
	"th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; "
	"vertical-align: top; white-space: nowrap; }\n"
	"th { background-color: #f5f5f5; font-weight: 600; }\n"
	"td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
	"td.msg { white-space: normal; min-width: 14rem; overflow-wrap: anywhere; }\n"
	"table.kv td { white-space: normal; overflow-wrap: anywhere; }\n"
	"code { font-family: ui-monospace,SFMono-Regular,Menlo,Consolas,Liberation Mono,"
	"monospace; font-size: 0.8125rem; overflow-wrap: anywhere; }\n"
	".ok { color: #1a7f37; font-weight: 600; }\n"
	".bad { color: #c62828; font-weight: 600; }\n"
	".muted { color: #6a6a6a; }\n"
	"@media (max-width: 600px) {\n"
	"  header, main { padding: 0.75rem; }\n"
	"  h1 { font-size: 1.5rem; margin: 0.25rem 0; }\n"
	"  h2 { font-size: 1.0625rem; }\n"
	"}\n";

int html_escape(struct buf *b, const char *s)
{
	int err = 0;

	for (; !err && *s; s++) {
		switch (*s) {
		case '&':
			err = buf_puts(b, "&amp;");
			break;
		case '<':
			err = buf_puts(b, "&lt;");
			break;
		case '>':
			err = buf_puts(b, "&gt;");
			break;
		case '"':
			err = buf_puts(b, "&#34;");
			break;
		case '\'':
			err = buf_puts(b, "&#39;");
			break;
		default:
			err = buf_putc(b, *s);
		}
	}
	return err;
}

void status_fmt_count(uint64_t n, char *out, size_t len)
{
	char digits[32];
	size_t nd, o = 0;

	nd = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, n);
	for (size_t i = 0; i < nd && o + 1 < len; i++) {
		if (i && (nd - i) % 3 == 0) {
			out[o++] = ',';
			if (o + 1 >= len)
				break;
		}
		out[o++] = digits[i];
	}
	if (len)
		out[o] = '\0';
}

void status_fmt_age(uint64_t ns, char *out, size_t len)
{
	uint64_t s = (uint64_t)(ns / NS_PER_SEC);
	uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d)
		snprintf(out, len, "%" PRIu64 "d %" PRIu64 "h", d, h);
	else if (h)
		snprintf(out, len, "%" PRIu64 "h %" PRIu64 "m", h, m);
	else if (m)
		snprintf(out, len, "%" PRIu64 "m %" PRIu64 "s", m, s % 60);
	else
		snprintf(out, len, "%" PRIu64 "s", s);
}

void status_fmt_ns(double ns, char *out, size_t len)
{
	static const char *const units[] = { "µs", "ms", "s" };
	double v = ns;
	size_t u = 0;

	if (ns < 999.5) {
		snprintf(out, len, "%.0f ns", ns);
		return;
	}
	v /= 1000;
	/* from 999.5 on "%.0f" prints "1000": the next unit takes it */
	while (u + 1 < sizeof(units) / sizeof(units[0]) && v >= 999.5) {
		v /= 1000;
		u++;
	}
	snprintf(out, len,
		 v >= 99.95 ? "%.0f %s" :
		 v >= 9.995 ? "%.1f %s" :
			      "%.2f %s",
		 v, units[u]);
}

void status_fmt_time(uint64_t ns, char *out, size_t len)
{
	time_t t = (time_t)(ns / NS_PER_SEC);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, len, "%" PRIu64, (uint64_t)(ns / NS_PER_SEC));
}

/* A page being written: the first error sticks and ends the writing. */
struct page {
	struct buf *b;
	int err;
	const struct status_view *v;
};

static void put(struct page *p, const char *s)
{
	if (!p->err)
		p->err = buf_puts(p->b, s);
}

static void esc(struct page *p, const char *s)
{
	if (!p->err)
		p->err = html_escape(p->b, s ? s : "");
}

__attribute__((format(printf, 2, 3))) static void putf(struct page *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err)
		return;
	va_start(ap, fmt);
	p->err = buf_vprintf(p->b, fmt, ap);
	va_end(ap);
}

static void put_count(struct page *p, uint64_t n)
{
	char s[40];

	status_fmt_count(n, s, sizeof(s));
	put(p, s);
}

/* A time and how long ago it was: "2024-05-01 12:34:56 UTC (3m 2s ago)". */
static void put_time_ago(struct page *p, uint64_t ns)
{
	char t[64], age[64];

	status_fmt_time(ns, t, sizeof(t));
	status_fmt_age(p->v->now_ns > ns ? p->v->now_ns - ns : 0, age, sizeof(age));
	putf(p, "%s <span class=\"muted\">(%s ago)</span>", t, age);
}

/* One link of the list, as the toolkit writes it: the route prefix "/" and the address. */
static void put_link(struct page *p, const char *address, const char *text)
{
	while (*address == '/')
		address++;
	put(p, "\n          <li><a href=\"/");
	esc(p, address);
	putf(p, "\">%s</a></li>\n          ", text);
}

static void put_overview(struct page *p)
{
	const struct status_view *v = p->v;
	size_t progs = 0, attached = 0;
	char age[64];

	for (size_t i = 0; i < v->n_cfgs; i++) {
		progs += v->cfgs[i].n_progs;
		for (size_t j = 0; j < v->cfgs[i].n_progs; j++)
			attached += v->cfgs[i].progs[j].attached;
	}
	put(p, "      <h3>Status</h3>\n"
	       "      <div class=\"scroll\"><table class=\"kv\" id=\"overview\">\n"
	       "        <tr><th>Uptime</th><td>");
	if (v->started_ns && v->now_ns >= v->started_ns) {
		status_fmt_age(v->now_ns - v->started_ns, age, sizeof(age));
		put(p, age);
		put(p, " <span class=\"muted\">(started ");
		{
			char t[64];

			status_fmt_time(v->started_ns, t, sizeof(t));
			put(p, t);
		}
		put(p, ")</span>");
	} else {
		put(p, "<span class=\"muted\">unknown</span>");
	}
	put(p, "</td></tr>\n        <tr><th>Configs</th><td>");
	put_count(p, v->n_cfgs);
	put(p, "</td></tr>\n        <tr><th>Programs attached</th><td>");
	putf(p, "<span class=\"%s\">%zu of %zu</span>", attached == progs ? "ok" : "bad", attached,
	     progs);
	put(p, "</td></tr>\n        <tr><th>Run statistics</th><td>");
	put(p, v->stats_enabled ?
		       "on (kernel.bpf_stats_enabled=1)" :
		       "<span class=\"muted\">stats off (kernel.bpf_stats_enabled=0)</span>");
	put(p, "</td></tr>\n        <tr><th>Last reload</th><td class=\"msg\" id=\"reload\">");
	if (!v->reload.happened) {
		put(p, "<span class=\"muted\">no reload yet</span>");
	} else {
		char t[64];

		put_time_ago(p, v->reload.time_ns);
		status_fmt_ns(v->reload.seconds * 1e9, t, sizeof(t));
		if (v->reload.ok) {
			putf(p, ": <span class=\"ok\">successful</span> in %s", t);
		} else {
			putf(p, ": <span class=\"bad\">failed</span> in %s", t);
			if (v->reload.error) {
				put(p, ": <code>");
				esc(p, v->reload.error);
				put(p, "</code>");
			}
		}
	}
	put(p, "</td></tr>\n      </table></div>\n");
}

static void put_progs(struct page *p, const struct status_config *sc)
{
	bool stats = p->v->stats_enabled;

	put(p, "        <h4>Programs</h4>\n"
	       "        <div class=\"scroll\"><table class=\"progs\">\n"
	       "          <tr><th>Program</th><th>Section</th><th>State</th><th>ID</th>"
	       "<th>Runs</th><th>Run time</th><th>Per run</th></tr>\n");
	for (size_t i = 0; i < sc->n_progs; i++) {
		const struct status_prog *sp = &sc->progs[i];
		char t[64];

		put(p, "          <tr><td><code>");
		esc(p, sp->name);
		put(p, "</code></td><td><code>");
		esc(p, sp->section);
		put(p, "</code></td>");
		if (sp->attached) {
			put(p, "<td><span class=\"ok\">attached</span></td>");
		} else {
			put(p, "<td class=\"msg\"><span class=\"bad\">");
			esc(p, sp->error ? sp->error : "not attached");
			put(p, "</span></td>");
		}
		put(p, "<td class=\"num\">");
		if (sp->id)
			putf(p, "%u", sp->id);
		put(p, "</td>");
		if (!stats) {
			put(p, "<td colspan=\"3\" class=\"muted\">stats off</td></tr>\n");
			continue;
		}
		put(p, "<td class=\"num\">");
		put_count(p, sp->run_cnt);
		put(p, "</td><td class=\"num\">");
		status_fmt_ns((double)sp->run_time_ns, t, sizeof(t));
		put(p, t);
		put(p, "</td><td class=\"num\">");
		if (sp->run_cnt) {
			status_fmt_ns((double)sp->run_time_ns / (double)sp->run_cnt, t, sizeof(t));
			put(p, t);
		}
		put(p, "</td></tr>\n");
	}
	if (!sc->n_progs)
		put(p, "          <tr><td colspan=\"7\" class=\"muted\">no programs</td></tr>\n");
	put(p, "        </table></div>\n");
}

static void put_maps(struct page *p, const struct status_config *sc)
{
	put(p, "        <h4>Maps</h4>\n"
	       "        <div class=\"scroll\"><table class=\"maps\">\n"
	       "          <tr><th>Map</th><th>Type</th><th>Key</th><th>Value</th>"
	       "<th>Entries</th><th>Fill</th></tr>\n");
	for (size_t i = 0; i < sc->n_maps; i++) {
		const struct status_map *sm = &sc->maps[i];

		put(p, "          <tr><td><code>");
		esc(p, sm->name);
		put(p, "</code></td><td>");
		esc(p, sm->type);
		putf(p,
		     "</td><td class=\"num\">%u B</td><td class=\"num\">%u B</td><td class=\"num\">",
		     sm->key_size, sm->value_size);
		if (sm->entries >= 0)
			put_count(p, (uint64_t)sm->entries);
		else
			put(p, "<span class=\"muted\">&#8212;</span>");
		put(p, " of ");
		put_count(p, sm->max_entries);
		put(p, "</td><td class=\"num\">");
		if (sm->entries >= 0 && sm->max_entries)
			putf(p, "%.1f%%", 100.0 * (double)sm->entries / (double)sm->max_entries);
		put(p, "</td></tr>\n");
	}
	if (!sc->n_maps)
		put(p, "          <tr><td colspan=\"6\" class=\"muted\">no maps</td></tr>\n");
	put(p, "        </table></div>\n");
}

static void put_config(struct page *p, const struct status_config *sc)
{
	put(p, "      <section class=\"config\">\n        <h3>");
	esc(p, sc->name);
	put(p, "</h3>\n        <div class=\"scroll\"><table class=\"kv files\">\n"
	       "          <tr><th>YAML</th><td><code>");
	esc(p, sc->yaml_path);
	put(p, "</code></td></tr>\n          <tr><th>BPF object</th><td><code>");
	esc(p, sc->obj_path);
	put(p, "</code></td></tr>\n          <tr><th>Loaded at</th><td>");
	if (sc->loaded_at_ns)
		put_time_ago(p, sc->loaded_at_ns);
	else
		put(p, "<span class=\"muted\">not loaded</span>");
	put(p, "</td></tr>\n          <tr><th>Decoder errors</th>");
	put(p, sc->decoder_errors ? "<td class=\"bad\">" : "<td>");
	put_count(p, sc->decoder_errors);
	put(p, "</td></tr>\n        </table></div>\n");
	put_progs(p, sc);
	put_maps(p, sc);
	put(p, "      </section>\n");
}

int status_page_write(struct buf *b, const struct status_view *v, const char *telemetry_path,
		      bool debug)
{
	struct page p = { .b = b, .v = v };

	put(&p, "<!DOCTYPE html>\n"
		"<html lang=\"en\">\n"
		"  <head>\n"
		"    <meta charset=\"UTF-8\">\n"
		"    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
		"    <title>" PAGE_NAME "</title>\n"
		"    <style>");
	put(&p, page_style);
	put(&p, "</style>\n"
		"  </head>\n"
		"  <body>\n"
		"    <header>\n"
		"      <h1>" PAGE_NAME "</h1>\n"
		"    </header>\n"
		"    <main>\n"
		"      <h2>" PAGE_DESCRIPTION "</h2>\n"
		"      <div>Version: ");
	/* common/version's Info(), as exporters give it to the toolkit */
	esc(&p, v->version);
	put(&p, "</div>\n"
		"      <div>\n"
		"        <ul>\n"
		"          ");
	put_link(&p, telemetry_path, "Metrics");
	if (debug)
		put_link(&p, "/maps", "Maps");
	put(&p, "\n        </ul>\n      </div>\n");
	put_overview(&p);
	put(&p, "      <h3>Configs</h3>\n");
	if (!v->n_cfgs)
		put(&p, "      <p class=\"muted\">no configs</p>\n");
	for (size_t i = 0; i < v->n_cfgs; i++)
		put_config(&p, &v->cfgs[i]);
	put(&p, "    </main>\n"
		"  </body>\n"
		"</html>\n");
	return p.err;
}
