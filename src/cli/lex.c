// SPDX-License-Identifier: MIT
/*
 * kingpin's tokenizer (ParseContext): splits "--name=value" and "-abc", expands @file
 * arguments, and keeps kingpin's push-back stack so that the grammar in cli.c sees tokens in
 * the same order kingpin does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"
#include "util/gofmt.h"
#include "util/file.h"
#include "util/gostr.h"
#include "util/utf8.h"

/* Go's bufio.MaxScanTokenSize: @file lines this long make kingpin fail. */
#define ARGS_FILE_MAX_LINE 65536

static char *lx_own(struct cli_lexer *lx, char *s)
{
	if (!s) {
		lx->oom = -ENOMEM;
		return NULL;
	}
	if (array_grow((void **)&lx->owned, &lx->owned_cap, lx->nowned + 1, sizeof(*lx->owned))) {
		free(s);
		lx->oom = -ENOMEM;
		return NULL;
	}
	lx->owned[lx->nowned++] = s;
	return s;
}

static char *lx_strndup(struct cli_lexer *lx, const char *s, size_t n)
{
	return lx_own(lx, strndup(s, n));
}

/* Puts items before the remaining arguments. */
static int lx_prepend(struct cli_lexer *lx, char **items, size_t n)
{
	size_t rest = lx->qlen - lx->qhead;
	char **q;

	if (n <= lx->qhead) {
		lx->qhead -= n;
		memcpy(lx->q + lx->qhead, items, n * sizeof(*items));
		return 0;
	}
	q = reallocarray(NULL, n + rest + 1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	memcpy(q, items, n * sizeof(*items));
	memcpy(q + n, lx->q + lx->qhead, rest * sizeof(*q));
	free(lx->q);
	lx->q = q;
	lx->qhead = 0;
	lx->qlen = n + rest;
	return 0;
}

static struct token tok(enum tok_type type, const char *val)
{
	struct token t = { type, val };

	return t;
}

static void lx_push(struct cli_lexer *lx, struct token t)
{
	/* The grammar never stacks more than three tokens. */
	if (lx->npeek < CLI_PEEK_MAX)
		lx->peek[lx->npeek++] = t;
}

static int expand_args_file(struct cli_lexer *lx, const char *file, struct token *out);

/* ParseContext.Next() */
struct token cli_lex_next(struct cli_lexer *lx)
{
	const char *arg, *eq;
	struct token t;

	for (;;) {
		if (lx->npeek > 0)
			return lx->peek[--lx->npeek];
		if (lx->oom || lx->qhead == lx->qlen)
			return tok(TOK_EOL, "");
		/*
		 * kingpin looks back at rawArgs by position, also after an @file expanded the
		 * argument list; the quirk is kept.
		 */
		if (lx->argi > 0 && lx->argi <= lx->nraw && !strcmp(lx->raw[lx->argi - 1], "--"))
			lx->args_only = true;
		arg = lx->q[lx->qhead++];
		lx->argi++;

		if (lx->args_only)
			return tok(TOK_ARG, arg);
		if (!strcmp(arg, "--"))
			continue;
		if (!strncmp(arg, "--", 2)) {
			eq = strchr(arg + 2, '=');
			if (!eq)
				return tok(TOK_LONG, arg + 2);
			lx_push(lx, tok(TOK_ARG, eq + 1));
			return tok(TOK_LONG, lx_strndup(lx, arg + 2, (size_t)(eq - arg - 2)));
		}
		if (arg[0] == '-') {
			const struct flag_def *f;
			size_t len = strlen(arg), size;
			int32_t r;
			char *sh;

			if (len == 1)
				return tok(TOK_ARG, "");
			/* an invalid first byte becomes the short flag U+FFFD, as in Go */
			r = utf8_decode((const uint8_t *)arg + 1, len - 1, &size);
			sh = r < 0 ? lx_strndup(lx, "\xef\xbf\xbd", 3) :
				     lx_strndup(lx, arg + 1, size);
			if (!sh)
				return tok(TOK_EOL, "");
			f = cli_find_short(sh);
			if (f && f->type != FT_BOOL) {
				/* -fVALUE */
				if (len > size + 1)
					lx_push(lx, tok(TOK_ARG, arg + size + 1));
				return tok(TOK_SHORT, sh);
			}
			if (len > size + 1) {
				/* -abc: the rest goes back as "-bc" */
				char *rest = malloc(len - size + 1);

				if (!rest || !lx_own(lx, rest)) {
					lx->oom = -ENOMEM;
					return tok(TOK_EOL, "");
				}
				rest[0] = '-';
				memcpy(rest + 1, arg + size + 1, len - size - 1);
				rest[len - size] = '\0';
				if (lx_prepend(lx, &rest, 1)) {
					lx->oom = -ENOMEM;
					return tok(TOK_EOL, "");
				}
			}
			return tok(TOK_SHORT, sh);
		}
		if (arg[0] == '@') {
			if (expand_args_file(lx, arg + 1, &t))
				return t;
			continue;
		}
		return tok(TOK_ARG, arg);
	}
}

struct token cli_lex_peek(struct cli_lexer *lx)
{
	if (lx->npeek == 0)
		lx_push(lx, cli_lex_next(lx));
	return lx->npeek ? lx->peek[lx->npeek - 1] : tok(TOK_EOL, "");
}

/*
 * kingpin's ExpandArgsFromFile: one argument per line (bufio.Scanner lines, so a trailing CR
 * is dropped and a line of 64 KiB or more is an error), skipping lines that start with '#' or
 * are blank. Returns 0 after queueing the arguments, or 1 with an error token in *out.
 */
static int expand_args_file(struct cli_lexer *lx, const char *file, struct token *out)
{
	struct buf data = { 0 }, msg = { 0 };
	char **items = NULL;
	size_t nitems = 0, items_cap = 0, pos = 0, len;
	const char *op, *nl, *line;
	int err, rerr;
	char *s;

	if (!file[0]) {
		*out = tok(TOK_ERROR, "expected @ file to expand arguments from");
		return 1;
	}
	rerr = file_read_all(file, 0, &data, &op);
	if (rerr == -ENOMEM)
		goto oom;
	if (rerr) {
		err = buf_puts(&msg, !strcmp(op, "open") ? "failed to open arguments file " :
							   "failed to read arguments from ");
		if (!err)
			err = gofmt_buf_quote(&msg, file);
		if (!err)
			err = buf_puts(&msg, ": ");
		if (!err)
			err = gofmt_buf_path_error(&msg, op, file, -rerr);
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
				err = gofmt_buf_quote(&msg, file);
			if (!err)
				err = buf_puts(&msg, ": bufio.Scanner: token too long");
			goto fail;
		}
		if (len && line[len - 1] == '\r')
			len--;
		if (!len || line[0] == '#' || gostr_is_blank(line, len))
			continue;
		s = lx_strndup(lx, line, len);
		if (!s || array_grow((void **)&items, &items_cap, nitems + 1, sizeof(*items)))
			goto oom;
		items[nitems++] = s;
	}
	if (nitems && lx_prepend(lx, items, nitems))
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
	/* lx_own() takes the string, or frees it on failure. */
	if (!lx_own(lx, msg.data))
		goto oom_out;
	*out = tok(TOK_ERROR, msg.data);
	return 1;
oom:
	free(items);
	buf_free(&data);
	buf_free(&msg);
oom_out:
	lx->oom = -ENOMEM;
	*out = tok(TOK_EOL, "");
	return 1;
}

int cli_lex_init(struct cli_lexer *lx, int argc, char **argv)
{
	memset(lx, 0, sizeof(*lx));
	lx->nraw = argc > 1 ? argc - 1 : 0;
	lx->raw = lx->nraw ? argv + 1 : NULL;
	lx->q = reallocarray(NULL, (size_t)lx->nraw + 1, sizeof(*lx->q));
	if (!lx->q)
		return -ENOMEM;
	if (lx->nraw)
		memcpy(lx->q, lx->raw, (size_t)lx->nraw * sizeof(*lx->q));
	lx->qlen = (size_t)lx->nraw;
	return 0;
}

void cli_lex_free(struct cli_lexer *lx)
{
	size_t i;

	for (i = 0; i < lx->nowned; i++)
		free(lx->owned[i]);
	free(lx->owned);
	free(lx->q);
}
