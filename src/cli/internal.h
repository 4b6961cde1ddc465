// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_CLI_INTERNAL_H
#define EBPF_EXPORTER_CLI_INTERNAL_H

/*
 * Shared by the parts of the command-line parser, not for other modules: cli.c (the flag
 * table, kingpin's grammar and the public API), cli_lex.c (kingpin's tokenizer with @file
 * expansion) and cli_help.c (--help, --help-long, --help-man and the completion output).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "util/buf.h"

enum flag_type {
	FT_BOOL,
	FT_STRING,
	FT_STRINGS, /* repeatable (kingpin's Strings()): a NULL-terminated char ** and a count */
	FT_EXISTING_DIR,
	FT_INT,
	FT_DURATION, /* Go's time.ParseDuration, stored as int64_t nanoseconds */
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
	/* NULL when the flag has no Default(); a repeatable flag offers it as its completion */
	const char *def;
	bool required;
	bool hidden;
	char short_name;
	enum flag_action action;
	size_t off; /* into struct cli_opts, for FA_NONE flags; FT_STRINGS: the array, its count after */
};

/* keep in sync with the table in cli.c (checked there with _Static_assert) */
#define CLI_N_FLAGS 26

/* Every flag, in kingpin's registration order, which is the order of --help. */
extern const struct flag_def cli_flags[CLI_N_FLAGS];

/* The flag called --name / -s (s one character then NUL), or NULL. */
const struct flag_def *cli_find_long(const char *name);
const struct flag_def *cli_find_short(const char *s);

/* ------------------------------------------------------------------------------------------ */
/* Tokenizer (cli_lex.c): kingpin's ParseContext */

enum tok_type {
	TOK_SHORT,
	TOK_LONG,
	TOK_ARG,
	TOK_ERROR,
	TOK_EOL,
};

struct token {
	enum tok_type type;
	const char *val; /* borrowed from argv or owned by the lexer */
};

#define CLI_PEEK_MAX 8

struct cli_lexer {
	char **q; /* remaining arguments from qhead; borrowed from argv or owned */
	size_t qhead, qlen;
	char **raw; /* argv[1..], never expanded (kingpin's rawArgs) */
	int nraw;
	int argi;
	bool args_only; /* after "--": everything is an argument */
	struct token peek[CLI_PEEK_MAX];
	int npeek;
	char **owned;
	size_t nowned, owned_cap;
	int oom; /* -ENOMEM once an allocation failed; the lexer then returns TOK_EOL */
};

/* Starts on argv[1..argc). Returns 0 or -ENOMEM; free with cli_lex_free() either way. */
int cli_lex_init(struct cli_lexer *lx, int argc, char **argv);
/* Frees what the lexer owns, token texts included. */
void cli_lex_free(struct cli_lexer *lx);
/*
 * ParseContext.Next(): the next token, expanding @file arguments (a file that cannot be read
 * gives a TOK_ERROR token with kingpin's message). TOK_EOL at the end and after lx->oom is set.
 */
struct token cli_lex_next(struct cli_lexer *lx);
/* ParseContext.Peek(): the next token, left in place. */
struct token cli_lex_peek(struct cli_lexer *lx);

/* ------------------------------------------------------------------------------------------ */
/* Help output (cli_help.c); each appends to b and returns 0 or -ENOMEM */

/*
 * kingpin's DefaultUsageTemplate (--help), or LongHelpTemplate (--help-long) when long_help,
 * for an app without commands or args; help texts are wrapped to width as go/doc does.
 */
int cli_help_usage(struct buf *b, const char *prog, int64_t width, bool long_help);
/* ManPageTemplate (--help-man). */
int cli_help_man(struct buf *b, const char *prog);
/* --completion-script-bash and --completion-script-zsh. */
int cli_help_bash_script(struct buf *b, const char *prog);
int cli_help_zsh_script(struct buf *b, const char *prog);
/*
 * --completion-bash: the flags to offer after the raw arguments raw[0..nraw), one a line;
 * args_only is the lexer's state after parsing them.
 */
int cli_help_completion(struct buf *b, char *const *raw, int nraw, bool args_only);
/* kingpin's guessWidth(fd): $COLUMNS when it parses as an int, else the terminal's, else 80. */
int64_t cli_help_width(int fd);

#endif
