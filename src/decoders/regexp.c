// SPDX-License-Identifier: MIT
/*
 * regexp: the first of the configured patterns that matches selects the output:
 * group 1 for a pattern with exactly one capture group (empty when the group did not take
 * part), the whole match for a pattern without groups; patterns with two or more groups never
 * match (upstream quirk). No match → DECODER_SKIP. An empty list skips everything.
 *
 * Patterns are Go RE2 syntax, run by PCRE2 configured to behave like RE2 where the two agree on
 * syntax: UTF-8 mode, leftmost-first (backtracking) semantics, `$` only at the very end
 * (PCRE2_DOLLAR_ENDONLY), `.` excluding only LF, no `\C`, no backreferences (RE2 rejects them).
 * Go reads invalid UTF-8 in the subject as one U+FFFD per bad byte; such input is matched as a
 * copy with exactly that substitution, so the same runes match (the output then carries the
 * U+FFFD, as the exposition would show it anyway).
 *
 * Deliberate differences from upstream (config mistakes are startup errors): patterns
 * are compiled in init, and a missing (null) list fails init with `no regexps defined in
 * config`; upstream reports both on every decode.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "decoders/decoder_env.h"
#include "util/gofmt.h"
#include "util/utf8.h"

struct re_pattern {
	pcre2_code *code;
	pcre2_match_data *md; /* one per pattern; decodes are serialized by the env lock */
	uint32_t groups;
	char *text;
};

struct re_state {
	size_t n;
	struct re_pattern *pats;
	struct buf scratch; /* the subject with invalid UTF-8 replaced */
};

static void re_free(void *state)
{
	struct re_state *st = state;

	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++) {
		pcre2_match_data_free(st->pats[i].md);
		pcre2_code_free(st->pats[i].code);
		free(st->pats[i].text);
	}
	free(st->pats);
	buf_free(&st->scratch);
	free(st);
}

static void compile_error(char *err, size_t errlen, const char *pattern, const char *msg)
{
	err[0] = '\0';
	gofmt_appendf(err, errlen, "error compiling regexp ");
	gofmt_append_quote(err, errlen, pattern, strlen(pattern));
	gofmt_appendf(err, errlen, ": %s", msg);
}

static int compile_one(struct re_pattern *p, const char *pattern, pcre2_compile_context *cctx,
		       char *err, size_t errlen)
{
	const uint32_t flags = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroff;
	uint32_t backrefs = 0;
	int code;

	p->text = strdup(pattern);
	if (!p->text)
		goto nomem;
	p->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, flags, &code, &erroff,
				cctx);
	if (!p->code) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", code);
		compile_error(err, errlen, pattern, (const char *)msg);
		return -EINVAL;
	}
	if (pcre2_pattern_info(p->code, PCRE2_INFO_BACKREFMAX, &backrefs) == 0 && backrefs) {
		compile_error(err, errlen, pattern, "backreferences are not supported");
		return -EINVAL;
	}
	if (pcre2_pattern_info(p->code, PCRE2_INFO_CAPTURECOUNT, &p->groups) != 0) {
		compile_error(err, errlen, pattern, "cannot count capture groups");
		return -EINVAL;
	}
	/* JIT is an optimisation only: the interpreter runs the pattern if it is unavailable. */
	(void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
	p->md = pcre2_match_data_create_from_pattern(p->code, NULL);
	if (!p->md)
		goto nomem;
	return 0;
nomem:
	compile_error(err, errlen, pattern, "out of memory");
	return -ENOMEM;
}

static int re_init(const struct decoder_conf *conf, struct decoder_env *env, void **state,
		   char *err, size_t errlen)
{
	pcre2_compile_context *cctx = NULL;
	struct re_state *st;
	int ret = 0;

	if (!conf->regexps_set) {
		snprintf(err, errlen, "no regexps defined in config");
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		goto nomem;
	st->pats = calloc(conf->n_regexps ? conf->n_regexps : 1, sizeof(*st->pats));
	cctx = pcre2_compile_context_create(NULL);
	if (!st->pats || !cctx)
		goto nomem;
	/* Go's `.` excludes only "\n", and `(?m)` anchors only at "\n". */
	if (pcre2_set_newline(cctx, PCRE2_NEWLINE_LF) != 0)
		goto nomem;
	for (size_t i = 0; i < conf->n_regexps; i++) {
		st->n = i + 1;
		ret = compile_one(&st->pats[i], conf->regexps[i] ? conf->regexps[i] : "", cctx, err,
				  errlen);
		if (ret)
			goto fail;
	}
	pcre2_compile_context_free(cctx);
	*state = st;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	ret = -ENOMEM;
fail:
	pcre2_compile_context_free(cctx);
	re_free(st);
	return ret;
}

/* Copies in[0..len) into b, each byte of an invalid UTF-8 sequence becoming U+FFFD. */
static int sanitize_utf8(struct buf *b, const uint8_t *in, size_t len)
{
	size_t off = 0, w;
	int ret = 0;

	buf_reset(b);
	while (off < len && !ret) {
		if (utf8_decode(in + off, len - off, &w) < 0) {
			ret = buf_append(b, "\xef\xbf\xbd", 3);
			w = 1;
		} else {
			ret = buf_append(b, in + off, w);
		}
		off += w;
	}
	return ret;
}

static int re_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
		     struct buf *out, char *err, size_t errlen)
{
	struct re_state *st = state;
	const uint8_t *subject = in ? in : (const uint8_t *)"";
	PCRE2_UCHAR msg[256];
	int ret;

	if (utf8_valid_prefix(subject, len) != len) {
		ret = sanitize_utf8(&st->scratch, subject, len);
		if (ret)
			return ret;
		subject = (const uint8_t *)st->scratch.data;
		len = st->scratch.len;
	}
	for (size_t i = 0; i < st->n; i++) {
		struct re_pattern *p = &st->pats[i];
		PCRE2_SIZE *ov, start, end;
		int rc;

		if (p->groups >= 2)
			continue;
		rc = pcre2_match(p->code, subject, len, 0, PCRE2_NO_UTF_CHECK, p->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0) {
			/* RE2 cannot fail here; PCRE2 can (match limits on pathological patterns). */
			if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
				snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", rc);
			err[0] = '\0';
			gofmt_appendf(err, errlen, "error matching regexp ");
			gofmt_append_quote(err, errlen, p->text, strlen(p->text));
			gofmt_appendf(err, errlen, ": %s", (const char *)msg);
			return -EINVAL;
		}
		ov = pcre2_get_ovector_pointer(p->md);
		start = ov[2 * p->groups];
		end = ov[2 * p->groups + 1];
		if ((uint32_t)rc <= p->groups || start == PCRE2_UNSET || end < start)
			return buf_append(out, "", 0);
		return buf_append(out, subject + start, end - start);
	}
	return DECODER_SKIP;
}

const struct decoder decoder_regexp = {
	.name = "regexp",
	.init = re_init,
	.free = re_free,
	.decode = re_decode,
};
