// SPDX-License-Identifier: MIT
/*
 * Command-line parsing that behaves like upstream's: kingpin v2 (github.com/alecthomas/kingpin/v2
 * v2.4) with the flags of cmd/ebpf_exporter/main.go. The parser keeps kingpin's shape (a
 * tokenizer with a push-back stack, then set values, pre-actions, help, required checks, in
 * that order) because several observable results depend on it: "--debug=true" is an error
 * ("unexpected true"), "--version" wins over a later unknown flag but not an earlier one, and
 * "--help" wins over a bad --config.dir but not over an unknown flag.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "version.h"

enum flag_type {
	FT_BOOL,
	FT_STRING,
	FT_EXISTING_DIR,
	FT_INT,
};

/* What a flag does beyond storing its value (kingpin's built-in flags). */
enum flag_action {
	FA_NONE,
	FA_HELP,
	FA_HELP_LONG,
	FA_HELP_MAN,
	FA_COMPLETION_BASH,
	FA_SCRIPT_BASH,
	FA_SCRIPT_ZSH,
	FA_VERSION,
};

struct flag_def {
	const char *name;
	const char *help;
	enum flag_type type;
	const char *def; /* NULL when the flag has no Default() */
	bool required;
	bool hidden;
	char short_name;
	enum flag_action action;
	size_t off; /* into struct cli_opts, for FA_NONE flags */
};

#define OPT(field) offsetof(struct cli_opts, field)

/*
 * In kingpin's registration order, which is the order of --help: the application's built-in
 * flags first, then main.go's flags, then --version (kingpin.Version() comes last there).
 */
static const struct flag_def flags[] = {
	{ "help", "Show context-sensitive help (also try --help-long and --help-man).", FT_BOOL,
	  NULL, false, false, 'h', FA_HELP, 0 },
	{ "help-long", "Generate long help.", FT_BOOL, NULL, false, true, 0, FA_HELP_LONG, 0 },
	{ "help-man", "Generate a man page.", FT_BOOL, NULL, false, true, 0, FA_HELP_MAN, 0 },
	{ "completion-bash", "Output possible completions for the given args.", FT_BOOL, NULL,
	  false, true, 0, FA_COMPLETION_BASH, 0 },
	{ "completion-script-bash", "Generate completion script for bash.", FT_BOOL, NULL, false,
	  true, 0, FA_SCRIPT_BASH, 0 },
	{ "completion-script-zsh", "Generate completion script for ZSH.", FT_BOOL, NULL, false,
	  true, 0, FA_SCRIPT_ZSH, 0 },
	{ "config.dir", "Config dir path.", FT_EXISTING_DIR, NULL, true, false, 0, FA_NONE,
	  OPT(config_dir) },
	{ "config.names", "Comma separated names of configs to load.", FT_STRING, NULL, true, false,
	  0, FA_NONE, OPT(config_names) },
	{ "config.check", "Check whether configs attach and exit.", FT_BOOL, NULL, false, false, 0,
	  FA_NONE, OPT(config_check) },
	{ "config.strict", "Make sure every probe registered.", FT_BOOL, NULL, false, false, 0,
	  FA_NONE, OPT(config_strict) },
	{ "debug", "Enable debug.", FT_BOOL, NULL, false, false, 0, FA_NONE, OPT(debug) },
	{ "log.no-timestamps", "Disable timestamps in log.", FT_BOOL, NULL, false, false, 0,
	  FA_NONE, OPT(log_no_timestamps) },
	{ "web.listen-address",
	  "The address to listen on for HTTP requests (fd://0 for systemd activation).", FT_STRING,
	  ":9435", false, false, 0, FA_NONE, OPT(web_listen_address) },
	{ "web.telemetry-path", "Path under which to expose metrics.", FT_STRING, "/metrics", false,
	  false, 0, FA_NONE, OPT(web_telemetry_path) },
	{ "capabilities.keep",
	  "Comma separated list of capabilities to keep (cap_syslog, cap_bpf, etc.), 'all' or 'none'",
	  FT_STRING, "all", false, false, 0, FA_NONE, OPT(capabilities_keep) },
	{ "btf.path", "Optional BTF file path.", FT_STRING, "", false, false, 0, FA_NONE,
	  OPT(btf_path) },
	{ "config.skip-cache-size", "Size of the LRU skip cache", FT_INT, NULL, false, false, 0,
	  FA_NONE, OPT(skip_cache_size) },
	{ "version", "Show application version.", FT_BOOL, NULL, false, false, 0, FA_VERSION, 0 },
};

#define N_FLAGS ((int)(sizeof(flags) / sizeof(flags[0])))

/* Go's bufio.MaxScanTokenSize: @file lines this long make kingpin fail. */
#define ARGS_FILE_MAX_LINE 65536

/* ------------------------------------------------------------------------------------------ */
/* Go text helpers: UTF-8 decoding, strconv.Quote, unicode.IsSpace */

/* Decodes one rune as Go's utf8.DecodeRuneInString does: invalid input is U+FFFD, width 1. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
	uint32_t c;
	size_t w, i;

	if (!n) {
		*r = 0xfffd;
		return 0;
	}
	if (s[0] < 0x80) {
		*r = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		w = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		w = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		w = 4;
		c = s[0] & 0x07;
	} else {
		goto invalid;
	}
	if (n < w)
		goto invalid;
	for (i = 1; i < w; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto invalid;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((w == 3 && c < 0x800) || (w == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto invalid;
	*r = c;
	return w;
invalid:
	*r = 0xfffd;
	return 1;
}

/*
 * An approximation of Go's unicode.IsPrint for non-ASCII runes: the controls, spaces, format
 * characters, private use and noncharacters that strconv.Quote escapes.
 */
static bool go_is_print(uint32_t r)
{
	if (r < 0x80)
		return r >= 0x20 && r < 0x7f;
	if (r <= 0xa0 || r == 0xad || r == 0x61c || r == 0x6dd || r == 0x70f || r == 0x180e ||
	    r == 0x1680 || r == 0x3000 || r == 0xfeff || r == 0x202f || r == 0x205f)
		return false;
	if ((r >= 0x600 && r <= 0x605) || (r >= 0x2000 && r <= 0x200f) ||
	    (r >= 0x2028 && r <= 0x202e) || (r >= 0x2060 && r <= 0x206f) ||
	    (r >= 0xe000 && r <= 0xf8ff) || (r >= 0xfff9 && r <= 0xfffb) || r >= 0xf0000 ||
	    (r & 0xfffe) == 0xfffe)
		return false;
	return true;
}

/* Appends s quoted as Go's strconv.Quote (and so fmt's %q) writes it. */
static int go_quote(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, w;
	uint32_t r;
	int err = buf_putc(b, '"');

	while (!err && i < n) {
		w = utf8_decode(p + i, n - i, &r);
		if (w == 1 && r == 0xfffd) {
			err = buf_printf(b, "\\x%c%c", hex[p[i] >> 4], hex[p[i] & 15]);
		} else if (r == '"' || r == '\\') {
			err = buf_printf(b, "\\%c", (char)r);
		} else if (go_is_print(r)) {
			err = buf_append(b, p + i, w);
		} else {
			switch (r) {
			case '\a':
				err = buf_puts(b, "\\a");
				break;
			case '\b':
				err = buf_puts(b, "\\b");
				break;
			case '\f':
				err = buf_puts(b, "\\f");
				break;
			case '\n':
				err = buf_puts(b, "\\n");
				break;
			case '\r':
				err = buf_puts(b, "\\r");
				break;
			case '\t':
				err = buf_puts(b, "\\t");
				break;
			case '\v':
				err = buf_puts(b, "\\v");
				break;
			default:
				if (r < ' ' || r == 0x7f)
					err = buf_printf(b, "\\x%c%c", hex[r >> 4], hex[r & 15]);
				else if (r < 0x10000)
					err = buf_printf(b, "\\u%04x", (unsigned int)r);
				else
					err = buf_printf(b, "\\U%08x", (unsigned int)r);
			}
		}
		i += w;
	}
	return err ? err : buf_putc(b, '"');
}

/* Go's unicode.IsSpace. */
static bool go_is_space(uint32_t r)
{
	switch (r) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return true;
	}
	return r >= 0x2000 && r <= 0x200a;
}

/* strings.TrimSpace(s) == "" */
static bool go_all_space(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w;
	uint32_t r;

	while (i < n) {
		w = utf8_decode(p + i, n - i, &r);
		if (w == 1 && r == 0xfffd)
			return false;
		if (!go_is_space(r))
			return false;
		i += w;
	}
	return true;
}

/* Go's error text for an errno: the C library's message with a lowercase first letter. */
static int go_errno(struct buf *b, int errnum)
{
	char tmp[128];
	const char *msg = strerror_r(errnum, tmp, sizeof(tmp));
	int err;

	if (!msg)
		return buf_printf(b, "errno %d", errnum);
	err = buf_puts(b, msg);
	if (!err && msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z'))
		b->data[b->len - strlen(msg)] = (char)(msg[0] - 'A' + 'a');
	return err;
}

/* ------------------------------------------------------------------------------------------ */
/* Go number parsing: strconv.Atoi and strconv.ParseFloat(s, 64) */

static bool go_atoi(const char *s, long long *out)
{
	const char *p = s;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static char lower(char c)
{
	return (char)(c | 0x20);
}

/* strconv's underscoreOK: '_' only between digits, or between a base prefix and a digit. */
static bool underscore_ok(const char *s, size_t n)
{
	char saw = '^';
	bool hex = false;
	size_t i = 0;

	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	if (n >= 2 && s[0] == '0' &&
	    (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		if ((s[i] >= '0' && s[i] <= '9') ||
		    (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return false;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return false;
		saw = '!';
	}
	return saw != '_';
}

/* Length of the common prefix of s and the lowercase word, ignoring ASCII case. */
static size_t prefix_len_icase(const char *s, const char *word)
{
	size_t n = 0;

	while (s[n] && word[n] && lower(s[n]) == word[n])
		n++;
	return n;
}

/*
 * strconv.ParseFloat(s, 64): Go's float syntax (decimal or hex with a 'p' exponent, '_'
 * separators, inf/infinity/nan), checked here and converted by strtod(), which rounds the
 * same way. Returns 0, -EINVAL (invalid syntax) or -ERANGE (overflow to ±Inf).
 */
static int go_parse_float(const char *s, double *out)
{
	size_t len = strlen(s), i = 0, n, j;
	bool sawdot = false, sawdigits = false, underscores = false, hex = false;
	char exp_char = 'e';
	char *copy, *end;
	double v;

	/* special(): [+-]inf, [+-]infinity, nan */
	if (len && (s[0] == '+' || s[0] == '-' || lower(s[0]) == 'i')) {
		size_t sign = (s[0] == '+' || s[0] == '-');

		n = prefix_len_icase(s + sign, "infinity");
		if (n > 3 && n < 8)
			n = 3;
		if (n == 3 || n == 8) {
			if (sign + n != len)
				return -EINVAL;
			*out = s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
	} else if (len && lower(s[0]) == 'n' && prefix_len_icase(s, "nan") == 3) {
		if (len != 3)
			return -EINVAL;
		*out = NAN;
		return 0;
	}

	/* readFloat() */
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i + 2 < len && s[i] == '0' && lower(s[i + 1]) == 'x') {
		hex = true;
		exp_char = 'p';
		i += 2;
	}
	for (; i < len; i++) {
		char c = s[i];

		if (c == '_') {
			underscores = true;
		} else if (c == '.') {
			if (sawdot)
				break;
			sawdot = true;
		} else if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
			sawdigits = true;
		} else {
			break;
		}
	}
	if (!sawdigits)
		return -EINVAL;
	if (i < len && lower(s[i]) == exp_char) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return -EINVAL;
		for (; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			if (s[i] == '_')
				underscores = true;
	} else if (hex) {
		return -EINVAL;
	}
	if (underscores && !underscore_ok(s, i))
		return -EINVAL;
	if (i != len)
		return -EINVAL;

	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	for (i = 0, j = 0; i < len; i++)
		if (s[i] != '_')
			copy[j++] = s[i];
	copy[j] = '\0';
	errno = 0;
	v = strtod(copy, &end);
	n = (size_t)(end - copy);
	free(copy);
	if (n != j)
		return -EINVAL;
	if (isinf(v))
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * Go's int(float64) on amd64 (CVTTSD2SI): truncation, and the "integer indefinite" value
 * INT64_MIN for NaN and anything outside the int64 range.
 */
static long long go_float_to_int(double v)
{
	if (isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0)
		return INT64_MIN;
	return (long long)v;
}

/* ------------------------------------------------------------------------------------------ */
/* Tokenizer (kingpin's ParseContext) */

enum tok_type {
	TOK_SHORT,
	TOK_LONG,
	TOK_ARG,
	TOK_ERROR,
	TOK_EOL,
};

struct token {
	enum tok_type type;
	const char *val;
};

struct element {
	int flag;
	const char *val;
};

#define PEEK_MAX 8

struct parser {
	char **q; /* remaining arguments from qhead; borrowed from argv or owned */
	size_t qhead, qlen;
	char **raw; /* argv[1..], never expanded (kingpin's rawArgs) */
	int nraw;
	int argi;
	bool args_only;
	struct token peek[PEEK_MAX];
	int npeek;
	char **owned;
	size_t nowned;
	struct element *elems;
	size_t nelems;
	int oom;
};

static char *p_own(struct parser *p, char *s)
{
	char **o;

	if (!s) {
		p->oom = -ENOMEM;
		return NULL;
	}
	o = reallocarray(p->owned, p->nowned + 1, sizeof(*o));
	if (!o) {
		free(s);
		p->oom = -ENOMEM;
		return NULL;
	}
	p->owned = o;
	p->owned[p->nowned++] = s;
	return s;
}

static char *p_strndup(struct parser *p, const char *s, size_t n)
{
	return p_own(p, strndup(s, n));
}

/* Puts items before the remaining arguments. */
static int p_prepend(struct parser *p, char **items, size_t n)
{
	size_t rest = p->qlen - p->qhead;
	char **q;

	if (n <= p->qhead) {
		p->qhead -= n;
		memcpy(p->q + p->qhead, items, n * sizeof(*items));
		return 0;
	}
	q = reallocarray(NULL, n + rest + 1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	memcpy(q, items, n * sizeof(*items));
	memcpy(q + n, p->q + p->qhead, rest * sizeof(*q));
	free(p->q);
	p->q = q;
	p->qhead = 0;
	p->qlen = n + rest;
	return 0;
}

static struct token tok(enum tok_type type, const char *val)
{
	struct token t = { type, val };

	return t;
}

static void p_push(struct parser *p, struct token t)
{
	/* The grammar never stacks more than three tokens. */
	if (p->npeek < PEEK_MAX)
		p->peek[p->npeek++] = t;
}

static const struct flag_def *find_long(const char *name)
{
	int i;

	for (i = 0; i < N_FLAGS; i++)
		if (!strcmp(flags[i].name, name))
			return &flags[i];
	return NULL;
}

static const struct flag_def *find_short(const char *s)
{
	int i;

	for (i = 0; i < N_FLAGS; i++)
		if (flags[i].short_name && s[0] == flags[i].short_name && s[1] == '\0')
			return &flags[i];
	return NULL;
}

static int expand_args_file(struct parser *p, const char *file, struct token *out);

/* ParseContext.Next() */
static struct token p_next(struct parser *p)
{
	const char *arg, *eq;
	struct token t;

	for (;;) {
		if (p->npeek > 0)
			return p->peek[--p->npeek];
		if (p->oom || p->qhead == p->qlen)
			return tok(TOK_EOL, "");
		/*
		 * kingpin looks back at rawArgs by position, also after an @file expanded the
		 * argument list; the quirk is kept.
		 */
		if (p->argi > 0 && p->argi <= p->nraw && !strcmp(p->raw[p->argi - 1], "--"))
			p->args_only = true;
		arg = p->q[p->qhead++];
		p->argi++;

		if (p->args_only)
			return tok(TOK_ARG, arg);
		if (!strcmp(arg, "--"))
			continue;
		if (!strncmp(arg, "--", 2)) {
			eq = strchr(arg + 2, '=');
			if (!eq)
				return tok(TOK_LONG, arg + 2);
			p_push(p, tok(TOK_ARG, eq + 1));
			return tok(TOK_LONG, p_strndup(p, arg + 2, (size_t)(eq - arg - 2)));
		}
		if (arg[0] == '-') {
			const struct flag_def *f;
			size_t len = strlen(arg), size;
			uint32_t r;
			char *sh;

			if (len == 1)
				return tok(TOK_ARG, "");
			size = utf8_decode((const unsigned char *)arg + 1, len - 1, &r);
			sh = size == 1 && r == 0xfffd ? p_strndup(p, "\xef\xbf\xbd", 3) :
							p_strndup(p, arg + 1, size);
			if (!sh)
				return tok(TOK_EOL, "");
			f = find_short(sh);
			if (f && f->type != FT_BOOL) {
				/* -fVALUE */
				if (len > size + 1)
					p_push(p, tok(TOK_ARG, arg + size + 1));
				return tok(TOK_SHORT, sh);
			}
			if (len > size + 1) {
				/* -abc: the rest goes back as "-bc" */
				char *rest = malloc(len - size + 1);

				if (!rest || !p_own(p, rest)) {
					p->oom = -ENOMEM;
					return tok(TOK_EOL, "");
				}
				rest[0] = '-';
				memcpy(rest + 1, arg + size + 1, len - size - 1);
				rest[len - size] = '\0';
				if (p_prepend(p, &rest, 1)) {
					p->oom = -ENOMEM;
					return tok(TOK_EOL, "");
				}
			}
			return tok(TOK_SHORT, sh);
		}
		if (arg[0] == '@') {
			if (expand_args_file(p, arg + 1, &t))
				return t;
			continue;
		}
		return tok(TOK_ARG, arg);
	}
}

static struct token p_peek(struct parser *p)
{
	if (p->npeek == 0)
		p_push(p, p_next(p));
	return p->npeek ? p->peek[p->npeek - 1] : tok(TOK_EOL, "");
}

/* Go's os.Open/os.File.Read error text, "<op> <path>: <errno text>". */
static int path_error(struct buf *b, const char *op, const char *path, int errnum)
{
	int err = buf_printf(b, "%s %s: ", op, path);

	return err ? err : go_errno(b, errnum);
}

/* Reads the whole file; on failure *op names the failing step for the error text. */
static int read_all(const char *file, struct buf *data, const char **op)
{
	int fd, err = 0;
	ssize_t n;

	*op = "open";
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*op = "read";
	for (;;) {
		err = buf_reserve(data, 65536);
		if (err)
			break;
		n = read(fd, data->data + data->len, 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		data->len += (size_t)n;
		data->data[data->len] = '\0';
	}
	close(fd);
	return err;
}

/*
 * kingpin's ExpandArgsFromFile: one argument per line (bufio.Scanner lines, so a trailing CR
 * is dropped and a line of 64 KiB or more is an error), skipping lines that start with '#' or
 * are blank. Returns 0 after queueing the arguments, or 1 with an error token in *out.
 */
static int expand_args_file(struct parser *p, const char *file, struct token *out)
{
	struct buf data = { 0 }, msg = { 0 };
	char **items = NULL, **grown;
	size_t nitems = 0, pos = 0, len;
	const char *op, *nl, *line;
	int err, rerr;
	char *s;

	if (!file[0]) {
		*out = tok(TOK_ERROR, "expected @ file to expand arguments from");
		return 1;
	}
	rerr = read_all(file, &data, &op);
	if (rerr == -ENOMEM)
		goto oom;
	if (rerr) {
		err = buf_puts(&msg, !strcmp(op, "open") ? "failed to open arguments file " :
							   "failed to read arguments from ");
		if (!err)
			err = go_quote(&msg, file);
		if (!err)
			err = buf_puts(&msg, ": ");
		if (!err)
			err = path_error(&msg, op, file, -rerr);
		goto fail;
	}
	while (pos < data.len) {
		line = data.data + pos;
		nl = memchr(line, '\n', data.len - pos);
		len = nl ? (size_t)(nl - line) : data.len - pos;
		pos += len + (nl ? 1 : 0);
		if (len >= ARGS_FILE_MAX_LINE) {
			err = buf_puts(&msg, "failed to read arguments from ");
			if (!err)
				err = go_quote(&msg, file);
			if (!err)
				err = buf_puts(&msg, ": bufio.Scanner: token too long");
			goto fail;
		}
		if (len && line[len - 1] == '\r')
			len--;
		if (!len || line[0] == '#' || go_all_space(line, len))
			continue;
		s = p_strndup(p, line, len);
		grown = s ? reallocarray(items, nitems + 1, sizeof(*items)) : NULL;
		if (!grown)
			goto oom;
		items = grown;
		items[nitems++] = s;
	}
	if (nitems && p_prepend(p, items, nitems))
		goto oom;
	free(items);
	buf_free(&data);
	return 0;
fail:
	free(items);
	buf_free(&data);
	if (err) {
		buf_free(&msg);
		goto oom_out;
	}
	/* p_own() takes the string, or frees it on failure. */
	if (!p_own(p, msg.data))
		goto oom_out;
	*out = tok(TOK_ERROR, msg.data);
	return 1;
oom:
	free(items);
	buf_free(&data);
	buf_free(&msg);
oom_out:
	p->oom = -ENOMEM;
	*out = tok(TOK_EOL, "");
	return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Parser (kingpin's parse() and flagGroup.parse()) */

static int p_match(struct parser *p, int flag, const char *val)
{
	struct element *e = reallocarray(p->elems, p->nelems + 1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	p->elems = e;
	p->elems[p->nelems].flag = flag;
	p->elems[p->nelems].val = val;
	p->nelems++;
	return 0;
}

static int tok_string(struct buf *b, struct token t)
{
	switch (t.type) {
	case TOK_SHORT:
		return buf_printf(b, "-%s", t.val);
	case TOK_LONG:
		return buf_printf(b, "--%s", t.val);
	case TOK_ERROR:
		return buf_printf(b, "error: %s", t.val);
	case TOK_EOL:
		return buf_puts(b, "<EOL>");
	default:
		return buf_puts(b, t.val);
	}
}

/* One flag and its value. Returns 0, 1 with the error in msg, or -ENOMEM. */
static int parse_flag(struct parser *p, struct buf *msg)
{
	struct token ft = p_peek(p), vt;
	const struct flag_def *f;
	const char *name = ft.val, *val;
	bool invert = false;
	int err;

	if (ft.type == TOK_LONG) {
		f = find_long(name);
		if (!f && !strncmp(name, "no-", 3)) {
			invert = true;
			f = find_long(name + 3);
		}
		if (!f)
			goto unknown;
	} else {
		f = find_short(name);
		if (!f) {
			err = buf_puts(msg, "unknown short flag '");
			goto quote_tok;
		}
	}
	p_next(p);
	if (f->type == FT_BOOL) {
		val = invert ? "false" : "true";
	} else {
		if (invert)
			goto unknown;
		vt = p_peek(p);
		if (vt.type != TOK_ARG) {
			err = buf_puts(msg, "expected argument for flag '");
			goto quote_tok;
		}
		p_next(p);
		val = vt.val;
	}
	return p_match(p, (int)(f - flags), val);
unknown:
	err = buf_puts(msg, "unknown long flag '");
quote_tok:
	if (!err)
		err = tok_string(msg, ft);
	if (!err)
		err = buf_putc(msg, '\'');
	return err ? err : 1;
}

/* Returns 0, 1 with a parse error in msg, or -ENOMEM. */
static int parse(struct parser *p, struct buf *msg)
{
	struct token t;
	int err;

	for (;;) {
		t = p_peek(p);
		if (p->oom)
			return p->oom;
		if (t.type != TOK_LONG && t.type != TOK_SHORT)
			break;
		err = parse_flag(p, msg);
		if (p->oom)
			return p->oom;
		if (err)
			return err;
	}
	/* No commands and no positional arguments: any argument left is unexpected. */
	if (t.type == TOK_ERROR)
		err = buf_puts(msg, t.val);
	else if (t.type == TOK_EOL)
		return 0;
	else if (!(err = buf_puts(msg, "unexpected ")))
		err = tok_string(msg, t);
	return err ? err : 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Values */

/* kingpin's ExistingDir value: os.Stat() and IsDir(); the file case names the base name. */
static int check_dir(const char *path, struct buf *msg)
{
	const char *base;
	struct stat st;
	size_t len;
	int err;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		/* Go's FileInfo.Name(): the last element, trailing slashes dropped. */
		len = strlen(path);
		while (len > 1 && path[len - 1] == '/')
			len--;
		base = path + len;
		while (base > path && base[-1] != '/')
			base--;
		err = buf_printf(msg, "'%.*s' is a file", (int)(path + len - base), base);
		return err ? err : 1;
	}
	if (errno == ENOENT)
		err = buf_printf(msg, "path '%s' does not exist", path);
	else
		err = path_error(msg, "stat", path, errno);
	return err ? err : 1;
}

/* Stores one parsed value. Returns 0, 1 with the error in msg, or -ENOMEM. */
static int set_value(const struct flag_def *f, const char *val, struct cli_opts *opts,
		     struct buf *msg, bool *completion)
{
	char *field = (char *)opts + f->off;
	char *copy;
	int err;

	if (f->action == FA_COMPLETION_BASH)
		*completion = !strcmp(val, "true");
	if (f->action != FA_NONE)
		return 0;
	switch (f->type) {
	case FT_BOOL:
		*(bool *)field = !strcmp(val, "true");
		return 0;
	case FT_INT: {
		double v;

		err = go_parse_float(val, &v);
		if (err == -ENOMEM)
			return err;
		if (!err) {
			*(long long *)field = go_float_to_int(v);
			return 0;
		}
		if (buf_puts(msg, "strconv.ParseFloat: parsing ") || go_quote(msg, val) ||
		    buf_puts(msg, err == -ERANGE ? ": value out of range" : ": invalid syntax"))
			return -ENOMEM;
		return 1;
	}
	case FT_EXISTING_DIR:
		err = check_dir(val, msg);
		if (err)
			return err;
		break;
	case FT_STRING:
		break;
	}
	copy = strdup(val);
	if (!copy)
		return -ENOMEM;
	free(*(char **)field);
	*(char **)field = copy;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Help text (kingpin's templates, with Go's go/doc text wrapping) */

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
		uint32_t r;
		size_t runes = 0, off = 0, step;

		while (off < words[i].len) {
			step = utf8_decode((const unsigned char *)words[i].s + off,
					   words[i].len - off, &r);
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
	struct word *words = NULL, *grown;
	size_t n = 0, *seq = NULL, i, j;
	const char *p = text;
	int cnt, err = 0;

	while (*p) {
		while (*p && is_ascii_space(*p))
			p++;
		if (!*p)
			break;
		grown = reallocarray(words, n + 1, sizeof(*words));
		if (!grown) {
			err = -ENOMEM;
			goto out;
		}
		words = grown;
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

/* FlagModel.FormatPlaceHolder(): the default (quoted for strings) or the upper-cased name. */
static int placeholder(struct buf *b, const struct flag_def *f)
{
	const char *c;
	int err = 0;

	if (f->def)
		return f->type == FT_STRING ? go_quote(b, f->def) : buf_puts(b, f->def);
	for (c = f->name; !err && *c; c++)
		err = buf_putc(b, (*c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : *c);
	return err;
}

/* FlagGroupModel.FlagSummary(), with the leading space the templates put before it. */
static int flag_summary(struct buf *b)
{
	int i, count = 0, nout = 0, err = 0;

	for (i = 0; !err && i < N_FLAGS; i++) {
		if (!ignore_in_count(flags[i].name))
			count++;
		if (!flags[i].required)
			continue;
		nout++;
		if (flags[i].type == FT_BOOL) {
			err = buf_printf(b, " --[no-]%s", flags[i].name);
		} else {
			err = buf_printf(b, " --%s=", flags[i].name);
			if (!err)
				err = placeholder(b, &flags[i]);
		}
	}
	if (!err && count != nout)
		err = buf_puts(b, " [<flags>]");
	return err;
}

/* formatFlag(): "-h, --[no-]help", "    --config.dir=CONFIG.DIR", ... */
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
	struct buf col[N_FLAGS], cont = { 0 };
	bool have_short = false;
	size_t s = 0, len;
	int i, err = 0;

	memset(col, 0, sizeof(col));
	for (i = 0; i < N_FLAGS; i++)
		if (flags[i].short_name)
			have_short = true;
	for (i = 0; !err && i < N_FLAGS; i++) {
		if (flags[i].hidden)
			continue;
		err = format_flag(&col[i], &flags[i], have_short);
		if (!err && col[i].len > s && col[i].len < 30)
			s = col[i].len;
	}
	if (!err)
		err = spaces(&cont, indent + s + padding);
	for (i = 0; !err && i < N_FLAGS; i++) {
		if (flags[i].hidden)
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
			err = wrap_text(b, flags[i].help,
					wsub(wsub(wsub(width, (int64_t)s), (int64_t)padding),
					     (int64_t)indent),
					cont.data);
	}
	for (i = 0; i < N_FLAGS; i++)
		buf_free(&col[i]);
	buf_free(&cont);
	return err;
}

/* DefaultUsageTemplate (long_help: LongHelpTemplate) for an app without commands or args. */
static int render_usage(struct buf *b, const char *prog, int64_t width, bool long_help)
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
static int render_man(struct buf *b, const char *prog)
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
	for (i = 0; !err && i < N_FLAGS; i++) {
		if (flags[i].hidden)
			continue;
		err = buf_puts(b, ".TP\n\\fB");
		if (!err && flags[i].short_name)
			err = buf_printf(b, "-%c, ", flags[i].short_name);
		if (!err)
			err = buf_printf(b, "--%s", flags[i].name);
		if (!err && flags[i].type != FT_BOOL) {
			err = buf_putc(b, '=');
			if (!err)
				err = placeholder(b, &flags[i]);
		}
		if (!err)
			err = buf_printf(b, "\\fR\n%s\n", flags[i].help);
	}
	return err;
}

static int render_bash_script(struct buf *b, const char *prog)
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

static int render_zsh_script(struct buf *b, const char *prog)
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
 * After a "--word", every visible flag is offered unless the word names a flag exactly.
 */
static int render_completion(struct buf *b, const struct parser *p)
{
	const char *curr = "", *prev = "", *name = NULL;
	int i, err = 0, nout = 0;

	if (p->nraw > 1)
		curr = p->raw[p->nraw - 1];
	if (p->nraw > 2)
		prev = p->raw[p->nraw - 2];
	if (!(curr[0] && !strncmp(curr, "--", 2)) && strncmp(prev, "--", 2))
		return 0;
	if (p->args_only)
		return 0;
	if (!strncmp(prev, "--", 2) && strncmp(curr, "--", 2))
		name = prev + 2;
	else
		name = curr + 2;
	for (i = 0; i < N_FLAGS; i++)
		if (!strcmp(flags[i].name, name))
			return 0;
	for (i = 0; !err && i < N_FLAGS; i++) {
		if (flags[i].hidden)
			continue;
		err = buf_printf(b, "%s--%s", nout++ ? "\n" : "", flags[i].name);
	}
	return err;
}

/* kingpin's guessWidth(): $COLUMNS when it parses as an int, else the terminal, else 80. */
static int64_t guess_width(int fd)
{
	const char *cols = getenv("COLUMNS");
	struct winsize ws;
	long long v;

	if (cols && cols[0] && go_atoi(cols, &v))
		return v;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
		return ws.ws_col;
	return 80;
}

/* filepath.Base(os.Args[0]) */
static int prog_name(struct buf *b, const char *argv0)
{
	size_t len;
	const char *base;

	if (!argv0)
		return buf_puts(b, "ebpf_exporter");
	len = strlen(argv0);
	if (!len)
		return buf_puts(b, ".");
	while (len > 0 && argv0[len - 1] == '/')
		len--;
	if (!len)
		return buf_puts(b, "/");
	base = argv0 + len;
	while (base > argv0 && base[-1] != '/')
		base--;
	return buf_append(b, base, (size_t)(argv0 + len - base));
}

static void emit(FILE *f, const struct buf *b)
{
	if (b->len)
		fwrite(b->data, 1, b->len, f);
	fflush(f);
}

/* ------------------------------------------------------------------------------------------ */

static int set_defaults(struct cli_opts *opts)
{
	int i;

	memset(opts, 0, sizeof(*opts));
	for (i = 0; i < N_FLAGS; i++) {
		char **field = (char **)((char *)opts + flags[i].off);

		if (flags[i].action != FA_NONE || !flags[i].def)
			continue;
		*field = strdup(flags[i].def);
		if (!*field)
			return -ENOMEM;
	}
	return 0;
}

/* Runs a pre-action flag (kingpin exits from it). Returns 1 if it ran, 0, or -ENOMEM. */
static int pre_action(const struct flag_def *f, const char *prog)
{
	struct buf out = { 0 };
	FILE *stream = stdout;
	int err;

	switch (f->action) {
	case FA_HELP_LONG:
		err = render_usage(&out, prog, guess_width(STDOUT_FILENO), true);
		break;
	case FA_HELP_MAN:
		err = render_man(&out, prog);
		break;
	case FA_SCRIPT_BASH:
		err = render_bash_script(&out, prog);
		break;
	case FA_SCRIPT_ZSH:
		err = render_zsh_script(&out, prog);
		break;
	case FA_VERSION:
		stream = stderr;
		err = build_info_format(&out, "ebpf_exporter");
		if (!err)
			err = buf_putc(&out, '\n');
		break;
	default:
		return 0;
	}
	if (!err)
		emit(stream, &out);
	buf_free(&out);
	return err ? err : 1;
}

static void parser_free(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->nowned; i++)
		free(p->owned[i]);
	free(p->owned);
	free(p->q);
	free(p->elems);
}

enum cli_result cli_parse(int argc, char **argv, struct cli_opts *opts)
{
	struct buf prog = { 0 }, msg = { 0 }, out = { 0 };
	struct parser p = { 0 };
	bool seen[N_FLAGS] = { false };
	bool completion = false, help = false, missing = false;
	enum cli_result res = CLI_ERROR;
	int perr, serr = 0, err, i;
	struct buf serr_msg = { 0 };
	size_t e;

	err = prog_name(&prog, argc > 0 ? argv[0] : NULL);
	if (!err)
		err = set_defaults(opts);
	if (err)
		goto oom;

	p.nraw = argc > 1 ? argc - 1 : 0;
	p.raw = p.nraw ? argv + 1 : NULL;
	p.q = reallocarray(NULL, (size_t)p.nraw + 1, sizeof(*p.q));
	if (!p.q)
		goto oom;
	if (p.nraw)
		memcpy(p.q, p.raw, (size_t)p.nraw * sizeof(*p.q));
	p.qlen = (size_t)p.nraw;

	perr = parse(&p, &msg);
	if (perr < 0)
		goto oom;

	/* setValues(): in order, stopping at the first bad value; reported after help. */
	for (e = 0; e < p.nelems; e++) {
		const struct flag_def *f = &flags[p.elems[e].flag];

		if (seen[p.elems[e].flag]) {
			if (buf_printf(&serr_msg, "flag '%s' cannot be repeated", f->name))
				goto oom;
			serr = 1;
			break;
		}
		serr = set_value(f, p.elems[e].val, opts, &serr_msg, &completion);
		if (serr < 0)
			goto oom;
		if (serr)
			break;
		seen[p.elems[e].flag] = true;
	}

	/* Pre-actions (--version, --help-long, ...) run before any error is reported. */
	if (!completion) {
		for (e = 0; e < p.nelems; e++) {
			err = pre_action(&flags[p.elems[e].flag], prog.data);
			if (err < 0)
				goto oom;
			if (err) {
				res = CLI_EXIT;
				goto out;
			}
		}
	} else {
		if (render_completion(&out, &p))
			goto oom;
		emit(stdout, &out);
		res = CLI_EXIT;
		goto out;
	}

	if (perr)
		goto error;

	for (e = 0; e < p.nelems; e++)
		if (flags[p.elems[e].flag].action == FA_HELP)
			help = true;
	if (help) {
		if (render_usage(&out, prog.data, guess_width(STDERR_FILENO), false))
			goto oom;
		emit(stderr, &out);
		res = CLI_EXIT;
		goto out;
	}

	if (serr) {
		buf_free(&msg);
		msg = serr_msg;
		memset(&serr_msg, 0, sizeof(serr_msg));
		goto error;
	}

	/* validateRequired(): every missing one, in definition order */
	for (i = 0; i < N_FLAGS; i++) {
		if (!flags[i].required || flags[i].def || seen[i])
			continue;
		if (buf_printf(&msg, "%s'--%s'", missing ? ", " : "required flag(s) ",
			       flags[i].name))
			goto oom;
		missing = true;
	}
	if (missing) {
		if (buf_puts(&msg, " not provided"))
			goto oom;
		goto error;
	}
	res = CLI_OK;
	goto out;

oom:
	buf_free(&msg);
	if (buf_puts(&msg, "cannot allocate memory"))
		goto out;
error:
	if (!buf_printf(&out, "%s: error: %s, try --help\n", prog.data ? prog.data : "",
			msg.data ? msg.data : ""))
		emit(stderr, &out);
	res = CLI_ERROR;
out:
	if (res != CLI_OK)
		cli_opts_free(opts);
	parser_free(&p);
	buf_free(&prog);
	buf_free(&msg);
	buf_free(&serr_msg);
	buf_free(&out);
	return res;
}

void cli_opts_free(struct cli_opts *opts)
{
	if (!opts)
		return;
	free(opts->config_dir);
	free(opts->config_names);
	free(opts->web_listen_address);
	free(opts->web_telemetry_path);
	free(opts->capabilities_keep);
	free(opts->btf_path);
	memset(opts, 0, sizeof(*opts));
}

char **cli_split_names(const char *names, int *n)
{
	const char *p, *comma;
	char **out;
	size_t count = 1, i = 0;

	if (!names || !n) {
		errno = EINVAL;
		return NULL;
	}
	for (p = names; *p; p++)
		if (*p == ',')
			count++;
	if (count > INT32_MAX) {
		errno = E2BIG;
		return NULL;
	}
	out = calloc(count + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (p = names;; p = comma + 1) {
		comma = strchr(p, ',');
		out[i] = strndup(p, comma ? (size_t)(comma - p) : strlen(p));
		if (!out[i]) {
			cli_names_free(out);
			errno = ENOMEM;
			return NULL;
		}
		i++;
		if (!comma)
			break;
	}
	*n = (int)count;
	return out;
}

void cli_names_free(char **names)
{
	char **p;

	if (!names)
		return;
	for (p = names; *p; p++)
		free(*p);
	free(names);
}
