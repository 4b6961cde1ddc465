// SPDX-License-Identifier: MIT
/*
 * Command-line parsing that behaves like upstream's: kingpin v2 (github.com/alecthomas/kingpin/v2
 * v2.4) with the flags of cmd/ebpf_exporter/main.go. The parser keeps kingpin's shape (a
 * tokenizer with a push-back stack, then set values, pre-actions, help, required checks, in
 * that order) because several observable results depend on it: "--debug=true" is an error
 * ("unexpected true"), "--version" wins over a later unknown flag but not an earlier one, and
 * "--help" wins over a bad --config.dir but not over an unknown flag.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/internal.h"
#include "util/buf.h"
#include "util/gofmt.h"
#include "util/gostr.h"
#include "util/build_info.h"

#define OPT(field) offsetof(struct cli_opts, field)

/*
 * In kingpin's registration order, which is the order of --help: the application's built-in
 * flags first, then main.go's flags, then --version (kingpin.Version() comes last there).
 */
const struct flag_def cli_flags[] = {
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
	/* The exporter toolkit's flags (kingpinflag.AddFlags), without vsock addresses. */
	{ "web.systemd-socket",
	  "Use systemd socket activation listeners instead of port listeners (Linux only).",
	  FT_BOOL, NULL, false, false, 0, FA_NONE, OPT(web_systemd_socket) },
	{ "web.listen-address",
	  "Addresses on which to expose metrics and web interface. Repeatable for multiple "
	  "addresses. Examples: `:9100` or `[::1]:9100` for http",
	  FT_STRINGS, ":9435", false, false, 0, FA_NONE, OPT(web_listen_addresses) },
	{ "web.config.file",
	  "Path to configuration file that can enable TLS or authentication. See: "
	  "https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md",
	  FT_STRING, "", false, false, 0, FA_NONE, OPT(web_config_file) },
	{ "web.telemetry-path", "Path under which to expose metrics.", FT_STRING, "/metrics", false,
	  false, 0, FA_NONE, OPT(web_telemetry_path) },
	{ "capabilities.keep",
	  "Comma separated list of capabilities to keep (cap_syslog, cap_bpf, etc.), 'all' or 'none'",
	  FT_STRING, "all", false, false, 0, FA_NONE, OPT(capabilities_keep) },
	{ "btf.path", "Optional BTF file path.", FT_STRING, "", false, false, 0, FA_NONE,
	  OPT(btf_path) },
	{ "config.skip-cache-size", "Size of the LRU skip cache", FT_INT, NULL, false, false, 0,
	  FA_NONE, OPT(skip_cache_size) },
	/* This exporter's own flags. */
	{ "web.max-connections",
	  "Most HTTP connections open at once; 0 derives it from the open file limit.", FT_INT, "0",
	  false, false, 0, FA_NONE, OPT(web_max_connections) },
	{ "web.request-timeout",
	  "Time a client has to send a whole request, from its connection or its first byte.",
	  FT_DURATION, "10s", false, false, 0, FA_NONE, OPT(web_request_timeout_ns) },
	{ "web.idle-timeout", "Time an idle keep-alive connection stays open.", FT_DURATION, "5m",
	  false, false, 0, FA_NONE, OPT(web_idle_timeout_ns) },
	{ "tracing.shutdown-timeout",
	  "Time the exporter may spend sending queued spans when it stops.", FT_DURATION, "5s",
	  false, false, 0, FA_NONE, OPT(tracing_shutdown_timeout_ns) },
	{ "web.enable-lifecycle", "Enable reload via HTTP request.", FT_BOOL, NULL, false, false, 0,
	  FA_NONE, OPT(web_enable_lifecycle) },
	{ "web.enable-openmetrics",
	  "Serve OpenMetrics 1.0.0 text to scrapers that ask for it. Counters are then named <name>_total.",
	  FT_BOOL, NULL, false, false, 0, FA_NONE, OPT(web_enable_openmetrics) },
	{ "version", "Show application version.", FT_BOOL, NULL, false, false, 0, FA_VERSION, 0 },
};

_Static_assert(sizeof(cli_flags) / sizeof(cli_flags[0]) == CLI_N_FLAGS, "CLI_N_FLAGS");
_Static_assert(OPT(n_web_listen_addresses) == OPT(web_listen_addresses) + sizeof(char **),
	       "a repeatable flag's count follows its array");

const struct flag_def *cli_find_long(const char *name)
{
	int i;

	for (i = 0; i < CLI_N_FLAGS; i++)
		if (!strcmp(cli_flags[i].name, name))
			return &cli_flags[i];
	return NULL;
}

const struct flag_def *cli_find_short(const char *s)
{
	int i;

	for (i = 0; i < CLI_N_FLAGS; i++)
		if (cli_flags[i].short_name && s[0] == cli_flags[i].short_name && s[1] == '\0')
			return &cli_flags[i];
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Parser (kingpin's parse() and flagGroup.parse()) */

struct element {
	int flag;
	const char *val;
};

struct parser {
	struct cli_lexer lx;
	struct element *elems; /* the flags in the order given, with their values */
	size_t nelems, elems_cap;
};

static int p_match(struct parser *p, int flag, const char *val)
{
	if (array_grow((void **)&p->elems, &p->elems_cap, p->nelems + 1, sizeof(*p->elems)))
		return -ENOMEM;
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
	struct token ft = cli_lex_peek(&p->lx), vt;
	const struct flag_def *f;
	const char *name = ft.val, *val;
	bool invert = false;
	int err;

	if (ft.type == TOK_LONG) {
		f = cli_find_long(name);
		if (!f && !strncmp(name, "no-", 3)) {
			invert = true;
			f = cli_find_long(name + 3);
		}
		if (!f)
			goto unknown;
	} else {
		f = cli_find_short(name);
		if (!f) {
			err = buf_puts(msg, "unknown short flag '");
			goto quote_tok;
		}
	}
	cli_lex_next(&p->lx);
	if (f->type == FT_BOOL) {
		val = invert ? "false" : "true";
	} else {
		if (invert)
			goto unknown;
		vt = cli_lex_peek(&p->lx);
		if (vt.type != TOK_ARG) {
			err = buf_puts(msg, "expected argument for flag '");
			goto quote_tok;
		}
		cli_lex_next(&p->lx);
		val = vt.val;
	}
	return p_match(p, (int)(f - cli_flags), val);
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
		t = cli_lex_peek(&p->lx);
		if (p->lx.oom)
			return p->lx.oom;
		if (t.type != TOK_LONG && t.type != TOK_SHORT)
			break;
		err = parse_flag(p, msg);
		if (p->lx.oom)
			return p->lx.oom;
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
	struct stat st;
	int err;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		/*
		 * Go's FileInfo.Name(), os.basename(), differs from filepath.Base() only for ""
		 * and paths ending in '/', which stat() never finds to be a file.
		 */
		err = buf_putc(msg, '\'');
		if (!err)
			err = gostr_path_base(msg, path);
		if (!err)
			err = buf_puts(msg, "' is a file");
		return err ? err : 1;
	}
	if (errno == ENOENT)
		err = buf_printf(msg, "path '%s' does not exist", path);
	else
		err = gofmt_buf_path_error(msg, "stat", path, errno);
	return err ? err : 1;
}

/* A repeatable flag's values: the NULL-terminated array at field, its count after it. */
static char ***strings_array(char *field)
{
	return (char ***)field;
}

static size_t *strings_count(char *field)
{
	return (size_t *)(field + sizeof(char **));
}

static void strings_clear(char *field)
{
	char **a = *strings_array(field);

	for (size_t i = 0; a && a[i]; i++)
		free(a[i]);
	free(a);
	*strings_array(field) = NULL;
	*strings_count(field) = 0;
}

static int strings_append(char *field, const char *val)
{
	size_t n = *strings_count(field);
	char **a = reallocarray(*strings_array(field), n + 2, sizeof(*a));

	if (!a)
		return -ENOMEM;
	*strings_array(field) = a;
	a[n] = strdup(val);
	if (!a[n]) {
		a[n] = NULL;
		return -ENOMEM;
	}
	a[n + 1] = NULL;
	*strings_count(field) = n + 1;
	return 0;
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

		err = gostr_parse_float(val, &v);
		if (err == -ENOMEM)
			return err;
		if (!err) {
			*(long long *)field = gostr_float_to_int(v);
			return 0;
		}
		if (buf_puts(msg, "strconv.ParseFloat: parsing ") || gofmt_buf_quote(msg, val) ||
		    buf_puts(msg, err == -ERANGE ? ": value out of range" : ": invalid syntax"))
			return -ENOMEM;
		return 1;
	}
	case FT_DURATION: {
		int64_t ns;

		err = gostr_parse_duration(val, strlen(val), &ns);
		if (!err) {
			*(int64_t *)field = ns;
			return 0;
		}
		if (buf_puts(msg, "time: invalid duration ") || gofmt_buf_quote(msg, val))
			return -ENOMEM;
		return 1;
	}
	case FT_STRINGS:
		/* kingpin's accumulator: each value appends */
		return strings_append(field, val);
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

/* The ranges of this exporter's own flags, which their types do not check. 1: msg says. */
static int check_ranges(const struct cli_opts *o, struct buf *msg)
{
	const char *what = NULL;

	if (o->web_request_timeout_ns <= 0)
		what = "--web.request-timeout must be positive";
	else if (o->web_idle_timeout_ns < 1000000000LL)
		what = "--web.idle-timeout must be at least 1s";
	else if (o->tracing_shutdown_timeout_ns < 0 ||
		 o->tracing_shutdown_timeout_ns / 1000000 > INT32_MAX)
		what = "--tracing.shutdown-timeout must be between 0 and 596h";
	else if (o->web_max_connections < 0)
		what = "--web.max-connections must not be negative";
	if (!what)
		return 0;
	return buf_puts(msg, what) ? -ENOMEM : 1;
}

/* filepath.Base(os.Args[0]) */
static int prog_name(struct buf *b, const char *argv0)
{
	return argv0 ? gostr_path_base(b, argv0) : buf_puts(b, "ebpf_exporter");
}

static void emit(FILE *f, const struct buf *b)
{
	if (b->len)
		fwrite(b->data, 1, b->len, f);
	fflush(f);
}

/* ------------------------------------------------------------------------------------------ */
/* Actions and the public API */

static int set_defaults(struct cli_opts *opts)
{
	int i;

	memset(opts, 0, sizeof(*opts));
	for (i = 0; i < CLI_N_FLAGS; i++) {
		char **field = (char **)((char *)opts + cli_flags[i].off);
		struct buf msg = { 0 };
		bool completion = false;
		int err;

		if (cli_flags[i].action != FA_NONE || !cli_flags[i].def)
			continue;
		if (cli_flags[i].type == FT_INT || cli_flags[i].type == FT_DURATION ||
		    cli_flags[i].type == FT_STRINGS) {
			/* the table's defaults are valid: only memory can fail */
			err = set_value(&cli_flags[i], cli_flags[i].def, opts, &msg, &completion);
			buf_free(&msg);
			if (err)
				return -ENOMEM;
			continue;
		}
		*field = strdup(cli_flags[i].def);
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
		err = cli_help_usage(&out, prog, cli_help_width(STDOUT_FILENO), true);
		break;
	case FA_HELP_MAN:
		err = cli_help_man(&out, prog);
		break;
	case FA_SCRIPT_BASH:
		err = cli_help_bash_script(&out, prog);
		break;
	case FA_SCRIPT_ZSH:
		err = cli_help_zsh_script(&out, prog);
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
	cli_lex_free(&p->lx);
	free(p->elems);
}

enum cli_result cli_parse(int argc, char **argv, struct cli_opts *opts)
{
	struct buf prog = { 0 }, msg = { 0 }, out = { 0 };
	struct parser p = { 0 };
	bool seen[CLI_N_FLAGS] = { false };
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

	if (cli_lex_init(&p.lx, argc, argv))
		goto oom;

	perr = parse(&p, &msg);
	if (perr < 0)
		goto oom;

	/* setValues(): in order, stopping at the first bad value; reported after help. */
	for (e = 0; e < p.nelems; e++) {
		const struct flag_def *f = &cli_flags[p.elems[e].flag];

		if (seen[p.elems[e].flag] && f->type != FT_STRINGS) {
			if (buf_printf(&serr_msg, "flag '%s' cannot be repeated", f->name))
				goto oom;
			serr = 1;
			break;
		}
		/* kingpin sets a default only for a flag not given: the first value replaces it */
		if (!seen[p.elems[e].flag] && f->type == FT_STRINGS)
			strings_clear((char *)opts + f->off);
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
			err = pre_action(&cli_flags[p.elems[e].flag], prog.data);
			if (err < 0)
				goto oom;
			if (err) {
				res = CLI_EXIT;
				goto out;
			}
		}
	} else {
		if (cli_help_completion(&out, p.lx.raw, p.lx.nraw, p.lx.args_only))
			goto oom;
		emit(stdout, &out);
		res = CLI_EXIT;
		goto out;
	}

	if (perr)
		goto error;

	for (e = 0; e < p.nelems; e++)
		if (cli_flags[p.elems[e].flag].action == FA_HELP)
			help = true;
	if (help) {
		if (cli_help_usage(&out, prog.data, cli_help_width(STDERR_FILENO), false))
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
	for (i = 0; i < CLI_N_FLAGS; i++) {
		if (!cli_flags[i].required || cli_flags[i].def || seen[i])
			continue;
		if (buf_printf(&msg, "%s'--%s'", missing ? ", " : "required flag(s) ",
			       cli_flags[i].name))
			goto oom;
		missing = true;
	}
	if (missing) {
		if (buf_puts(&msg, " not provided"))
			goto oom;
		goto error;
	}
	err = check_ranges(opts, &msg);
	if (err < 0)
		goto oom;
	if (err)
		goto error;
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
	strings_clear((char *)&opts->web_listen_addresses);
	free(opts->web_config_file);
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
