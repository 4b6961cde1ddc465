// SPDX-License-Identifier: MIT
/*
 * kingpin's help output for upstream's flags: the --help and --help-long usage templates (help
 * texts re-wrapped with go/doc's algorithm), the --help-man page, and the completion scripts
 * and --completion-bash answers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cli/internal.h"
#include "util/gofmt.h"
#include "util/gostr.h"
#include "util/utf8.h"
#include "util/build_info.h"

struct word {
	const char *s;
	size_t len;
};

struct score {
	int64_t hi, lo;
};

/* Go's int arithmetic wraps; these keep absurd COLUMNS values defined and identical. */
static int64_t wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t wsub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t wmul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int score_cmp(struct score s, struct score t)
{
	if (s.hi != t.hi)
		return s.hi < t.hi ? -1 : 1;
	if (s.lo != t.lo)
		return s.lo < t.lo ? -1 : 1;
	return 0;
}

struct wrapper {
	const struct word *words;
	size_t n;
	int64_t max;
	int64_t *total; /* runes, separating spaces included, in words[:j] */
	struct score *f;
};

static struct score weight(const struct wrapper *w, size_t i, size_t j)
{
	int64_t n = w->total[j] - 1 - w->total[i], d, v, pen;
	const struct word *last = &w->words[j - 1];
	struct score s = { 0, 0 };
	char c;

	if (j == w->n && n <= w->max)
		return s;
	c = last->s[last->len - 1];
	pen = (c == '.' || c == ',' || c == ':' || c == ';') ? 0 : 64;
	d = wsub(w->max, n);
	v = wmul(d, d);
	if (n > w->max) {
		s.hi = v;
		s.lo = pen;
	} else {
		s.lo = wadd(v, pen);
	}
	return s;
}

static struct score g(const struct wrapper *w, size_t i, size_t j)
{
	struct score s = weight(w, i, j);

	s.hi = wadd(s.hi, w->f[i].hi);
	s.lo = wadd(s.lo, w->f[i].lo);
	return s;
}

static bool bridge(const struct wrapper *w, size_t a, size_t b, size_t c)
{
	size_t lo = 0, hi = w->n + 1 - c, h, k;

	/* sort.Search for the first k at which g(a, k) > g(b, k) */
	while (lo < hi) {
		h = (lo + hi) / 2;
		if (score_cmp(g(w, a, h + c), g(w, b, h + c)) <= 0)
			lo = h + 1;
		else
			hi = h;
	}
	k = c + lo;
	if (k > w->n)
		return true;
	return score_cmp(g(w, c, k), g(w, b, k)) <= 0;
}

/*
 * go/doc/comment's wrap(): breaks words into lines of at most max runes, minimising the sum
 * of the squared leftover space plus a penalty of 64 for a line not ending in .,:; (the
 * last line is free), with Hirschberg and Larmore's least weight subsequence algorithm.
 * The same algorithm is used, not just the same objective, so that ties break identically.
 * Fills seq (n + 1 entries) with the index of each line's first word, then n; returns the
 * number of entries used, or -ENOMEM.
 */
static int wrap_words(const struct word *words, size_t n, int64_t max, size_t *seq)
{
	struct wrapper w = { words, n, max, NULL, NULL };
	size_t *d = NULL, dh = 0, dt = 0, m, cnt, pos;
	long *bestleft = NULL;
	int ret = -ENOMEM;
	size_t i;

	w.total = calloc(n + 1, sizeof(*w.total));
	w.f = calloc(n + 1, sizeof(*w.f));
	d = calloc(n + 1, sizeof(*d));
	bestleft = calloc(n + 1, sizeof(*bestleft));
	if (!w.total || !w.f || !d || !bestleft)
		goto out;
	for (i = 0; i < n; i++) {
		size_t runes = 0, off = 0, step;

		while (off < words[i].len) {
			utf8_decode((const uint8_t *)words[i].s + off, words[i].len - off, &step);
			off += step;
			runes++;
		}
		w.total[i + 1] = w.total[i] + (int64_t)runes + 1;
	}

	/* d is a deque of candidate break points: d[dh..dt) */
	d[dt++] = 0;
	bestleft[0] = -1;
	for (m = 1; m < n; m++) {
		w.f[m] = g(&w, d[dh], m);
		bestleft[m] = (long)d[dh];
		while (dt - dh > 1 && score_cmp(g(&w, d[dh + 1], m + 1), g(&w, d[dh], m + 1)) <= 0)
			dh++; /* retire */
		while (dt - dh > 1 && bridge(&w, d[dt - 2], d[dt - 1], m))
			dt--; /* fire */
		if (score_cmp(g(&w, m, n), g(&w, d[dt - 1], n)) < 0) {
			d[dt++] = m; /* hire */
			if (dt - dh == 2 &&
			    score_cmp(g(&w, d[dh + 1], m + 1), g(&w, d[dh], m + 1)) <= 0)
				dh++;
		}
	}
	bestleft[n] = (long)d[dh];

	cnt = 1;
	for (m = n; m > 0; m = (size_t)bestleft[m])
		cnt++;
	pos = cnt;
	for (m = n; m > 0; m = (size_t)bestleft[m])
		seq[--pos] = m;
	seq[0] = 0;
	ret = (int)cnt;
out:
	free(w.total);
	free(w.f);
	free(d);
	free(bestleft);
	return ret;
}

static bool is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/*
 * Appends text as go/doc's ToText(w, text, "", "  ", width) prints a one-paragraph help
 * text: the words re-wrapped to width runes (80 when width is 0, no limit when negative),
 * each line ending in '\n'. Continuation lines start with cont.
 */
static int wrap_text(struct buf *b, const char *text, int64_t width, const char *cont)
{
	struct word *words = NULL;
	size_t n = 0, words_cap = 0, *seq = NULL, i, j;
	const char *p = text;
	int cnt, err = 0;

	while (*p) {
		while (*p && is_ascii_space(*p))
			p++;
		if (!*p)
			break;
		if (array_grow((void **)&words, &words_cap, n + 1, sizeof(*words))) {
			err = -ENOMEM;
			goto out;
		}
		words[n].s = p;
		while (*p && !is_ascii_space(*p))
			p++;
		words[n].len = (size_t)(p - words[n].s);
		n++;
	}
	seq = calloc(n + 2, sizeof(*seq));
	if (!seq) {
		err = -ENOMEM;
		goto out;
	}
	if (width == 0)
		width = 80;
	if (width < 0 || n == 0) {
		seq[0] = 0;
		seq[1] = n;
		cnt = 2;
	} else {
		cnt = wrap_words(words, n, width, seq);
		if (cnt < 0) {
			err = cnt;
			goto out;
		}
	}
	for (i = 0; !err && i + 1 < (size_t)cnt; i++) {
		if (i > 0)
			err = buf_puts(b, cont);
		for (j = seq[i]; !err && j < seq[i + 1]; j++) {
			if (j > seq[i])
				err = buf_putc(b, ' ');
			if (!err)
				err = buf_append(b, words[j].s, words[j].len);
		}
		if (!err)
			err = buf_putc(b, '\n');
	}
out:
	free(words);
	free(seq);
	return err;
}

static bool ignore_in_count(const char *name)
{
	return !strcmp(name, "help") || !strcmp(name, "help-long") || !strcmp(name, "help-man") ||
	       !strcmp(name, "completion-bash") || !strcmp(name, "completion-script-bash") ||
	       !strcmp(name, "completion-script-zsh");
}

/*
 * FlagModel.FormatPlaceHolder(): the default (quoted for a String(), not for a repeatable
 * Strings(), whose value is kingpin's accumulator) or the upper-cased name.
 */
static int placeholder(struct buf *b, const struct flag_def *f)
{
	const char *c;
	int err = 0;

	if (f->def)
		return f->type == FT_STRING ? gofmt_buf_quote(b, f->def) : buf_puts(b, f->def);
	for (c = f->name; !err && *c; c++)
		err = buf_putc(b, (*c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : *c);
	return err;
}

/* FlagGroupModel.FlagSummary(), with the leading space the templates put before it. */
static int flag_summary(struct buf *b)
{
	int i, count = 0, nout = 0, err = 0;

	for (i = 0; !err && i < CLI_N_FLAGS; i++) {
		if (!ignore_in_count(cli_flags[i].name))
			count++;
		if (!cli_flags[i].required)
			continue;
		nout++;
		if (cli_flags[i].type == FT_BOOL) {
			err = buf_printf(b, " --[no-]%s", cli_flags[i].name);
		} else {
			err = buf_printf(b, " --%s=", cli_flags[i].name);
			if (!err)
				err = placeholder(b, &cli_flags[i]);
		}
	}
	if (!err && count != nout)
		err = buf_puts(b, " [<flags>]");
	return err;
}

/*
 * formatFlag(): "-h, --[no-]help", "    --config.dir=CONFIG.DIR", ...; a repeatable flag ends
 * in " ...".
 */
static int format_flag(struct buf *b, const struct flag_def *f, bool have_short)
{
	const char *no = f->type == FT_BOOL ? "[no-]" : "";
	int err;

	if (f->short_name)
		err = buf_printf(b, "-%c, --%s%s", f->short_name, no, f->name);
	else
		err = buf_printf(b, "%s--%s%s", have_short ? "    " : "", no, f->name);
	if (!err && f->type != FT_BOOL) {
		err = buf_putc(b, '=');
		if (!err)
			err = placeholder(b, f);
	}
	if (!err && f->type == FT_STRINGS)
		err = buf_puts(b, " ...");
	return err;
}

static int spaces(struct buf *b, size_t n)
{
	int err = 0;

	while (!err && n--)
		err = buf_putc(b, ' ');
	return err;
}

/* The "Flags:" rows: formatTwoColumns() with indent and padding 2 over the visible flags. */
static int flag_columns(struct buf *b, int64_t width)
{
	const size_t indent = 2, padding = 2;
	struct buf col[CLI_N_FLAGS], cont = { 0 };
	bool have_short = false;
	size_t s = 0, len;
	int i, err = 0;

	memset(col, 0, sizeof(col));
	for (i = 0; i < CLI_N_FLAGS; i++)
		if (cli_flags[i].short_name)
			have_short = true;
	for (i = 0; !err && i < CLI_N_FLAGS; i++) {
		if (cli_flags[i].hidden)
			continue;
		err = format_flag(&col[i], &cli_flags[i], have_short);
		if (!err && col[i].len > s && col[i].len < 30)
			s = col[i].len;
	}
	if (!err)
		err = spaces(&cont, indent + s + padding);
	for (i = 0; !err && i < CLI_N_FLAGS; i++) {
		if (cli_flags[i].hidden)
			continue;
		len = col[i].len;
		err = spaces(b, indent);
		if (!err)
			err = buf_append(b, col[i].data, len);
		if (!err)
			err = spaces(b, (len < s ? s - len : 0) + padding);
		/* a long first column pushes the help text to the next line */
		if (!err && len >= 30)
			err = buf_putc(b, '\n');
		if (!err && len >= 30)
			err = buf_append(b, cont.data, cont.len);
		if (!err)
			err = wrap_text(b, cli_flags[i].help,
					wsub(wsub(wsub(width, (int64_t)s), (int64_t)padding),
					     (int64_t)indent),
					cont.data);
	}
	for (i = 0; i < CLI_N_FLAGS; i++)
		buf_free(&col[i]);
	buf_free(&cont);
	return err;
}

/* DefaultUsageTemplate (long_help: LongHelpTemplate) for an app without commands or args. */
int cli_help_usage(struct buf *b, const char *prog, int64_t width, bool long_help)
{
	int err = buf_printf(b, "usage: %s", prog);

	if (!err)
		err = flag_summary(b);
	if (!err)
		err = buf_puts(b, long_help ? "\n\nFlags:\n" : "\n\n\nFlags:\n");
	if (!err)
		err = flag_columns(b, width);
	if (!err)
		err = buf_putc(b, '\n');
	return err;
}

/* ManPageTemplate. App.Version is the whole --version text, as kingpin.Version() set it. */
int cli_help_man(struct buf *b, const char *prog)
{
	int i, err = buf_printf(b, ".TH %s 1 ", prog);

	if (!err)
		err = build_info_format(b, "ebpf_exporter");
	if (!err)
		err = buf_printf(b, " \"\"\n.SH \"NAME\"\n%s\n.SH \"SYNOPSIS\"\n.TP\n\\fB%s", prog,
				 prog);
	if (!err)
		err = flag_summary(b);
	if (!err)
		err = buf_puts(b, "\\fR\n\n.SH \"DESCRIPTION\"\n\n.SH \"OPTIONS\"\n");
	for (i = 0; !err && i < CLI_N_FLAGS; i++) {
		if (cli_flags[i].hidden)
			continue;
		err = buf_puts(b, ".TP\n\\fB");
		if (!err && cli_flags[i].short_name)
			err = buf_printf(b, "-%c, ", cli_flags[i].short_name);
		if (!err)
			err = buf_printf(b, "--%s", cli_flags[i].name);
		if (!err && cli_flags[i].type != FT_BOOL) {
			err = buf_putc(b, '=');
			if (!err)
				err = placeholder(b, &cli_flags[i]);
		}
		if (!err)
			err = buf_printf(b, "\\fR\n%s\n", cli_flags[i].help);
	}
	return err;
}

int cli_help_bash_script(struct buf *b, const char *prog)
{
	return buf_printf(
		b,
		"\n_%s_bash_autocomplete() {\n"
		"    local cur prev opts base\n"
		"    COMPREPLY=()\n"
		"    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
		"    opts=$( ${COMP_WORDS[0]} --completion-bash \"${COMP_WORDS[@]:1:$COMP_CWORD}\" )\n"
		"    COMPREPLY=( $(compgen -W \"${opts}\" -- ${cur}) )\n"
		"    return 0\n"
		"}\n"
		"complete -F _%s_bash_autocomplete -o default %s\n\n",
		prog, prog, prog);
}

int cli_help_zsh_script(struct buf *b, const char *prog)
{
	return buf_printf(
		b,
		"#compdef %s\n\n"
		"_%s() {\n"
		"    local matches=($(${words[1]} --completion-bash \"${(@)words[2,$CURRENT]}\"))\n"
		"    compadd -a matches\n\n"
		"    if [[ $compstate[nmatches] -eq 0 && $words[$CURRENT] != -* ]]; then\n"
		"        _files\n"
		"    fi\n"
		"}\n\n"
		"if [[ \"$(basename -- ${(%%):-%%x})\" != \"_%s\" ]]; then\n"
		"    compdef _%s %s\n"
		"fi\n",
		prog, prog, prog, prog, prog);
}

/*
 * --completion-bash: kingpin's completionOptions() for an app without commands or args.
 * After a "--word", every visible flag is offered unless the word names a flag exactly; a
 * flag named exactly offers its hints (a repeatable flag's default, as the toolkit gives
 * HintOptions()), unless its value is typed out already.
 */
int cli_help_completion(struct buf *b, char *const *raw, int nraw, bool args_only)
{
	const char *curr = "", *prev = "", *name = NULL, *value = "";
	const struct flag_def *f;
	int i, err = 0, nout = 0;

	if (nraw > 1)
		curr = raw[nraw - 1];
	if (nraw > 2)
		prev = raw[nraw - 2];
	if (!(curr[0] && !strncmp(curr, "--", 2)) && strncmp(prev, "--", 2))
		return 0;
	if (args_only)
		return 0;
	if (!strncmp(prev, "--", 2) && strncmp(curr, "--", 2)) {
		name = prev + 2;
		value = curr;
	} else {
		name = curr + 2;
	}
	f = cli_find_long(name);
	if (f) {
		const char *hint = f->type == FT_STRINGS ? f->def : NULL;

		/* FlagCompletion(): offered while the value is not exactly a hint, or is a prefix */
		if (!hint || !strcmp(hint, value))
			return 0;
		return buf_puts(b, hint);
	}
	for (i = 0; !err && i < CLI_N_FLAGS; i++) {
		if (cli_flags[i].hidden)
			continue;
		err = buf_printf(b, "%s--%s", nout++ ? "\n" : "", cli_flags[i].name);
	}
	return err;
}

int64_t cli_help_width(int fd)
{
	const char *cols = getenv("COLUMNS");
	char ignored[128] = "";
	struct winsize ws;
	int64_t v;

	/* strconv.Atoi */
	if (cols && !gostr_atoi((const uint8_t *)cols, strlen(cols), &v, ignored, sizeof(ignored)))
		return v;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
		return ws.ws_col;
	return 80;
}
