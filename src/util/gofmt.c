// SPDX-License-Identifier: MIT
#include "util/gofmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/errno_text.h"
#include "util/utf8.h"

void gofmt_appendf(char *dst, size_t dstlen, const char *fmt, ...)
{
	size_t used = strnlen(dst, dstlen);
	va_list ap;

	if (used + 1 >= dstlen)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + used, dstlen - used, fmt, ap);
	va_end(ap);
}

/* A gofmt_append*() destination: the string at dst, used bytes long, capacity dstlen. */
struct fixed {
	char *dst;
	size_t dstlen, used;
};

/* Appends raw bytes; once the buffer is full, what fits and -ENOSPC. */
static int put_fixed(void *sink, const char *s, size_t n)
{
	struct fixed *f = sink;
	size_t room = f->dstlen - f->used - 1;
	int ret = 0;

	if (n > room) {
		n = room;
		ret = -ENOSPC;
	}
	memcpy(f->dst + f->used, s, n);
	f->used += n;
	f->dst[f->used] = '\0';
	return ret;
}

static int put_buf(void *sink, const char *s, size_t n)
{
	return buf_append(sink, s, n);
}

/* Where quote() writes each piece; a nonzero return stops it. */
typedef int (*put_fn)(void *sink, const char *s, size_t n);

/*
 * An approximation of Go's unicode.IsPrint: the controls, spaces, format characters, private
 * use and noncharacters are the runes strconv.Quote escapes.
 */
static bool is_print(int32_t r)
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

/* strconv.Quote of p[0..n), quotes included, piece by piece; returns the first put() error. */
static int quote(const uint8_t *p, size_t n, put_fn put, void *sink)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0, w;
	int ret = put(sink, "\"", 1);

	while (!ret && off < n) {
		int32_t r = utf8_decode(p + off, n - off, &w);
		char tmp[12];
		const char *out = tmp;
		size_t len = 2;

		tmp[0] = '\\';
		if (r < 0) {
			tmp[1] = 'x';
			tmp[2] = hex[p[off] >> 4];
			tmp[3] = hex[p[off] & 0xf];
			len = 4;
		} else if (r == '"' || r == '\\') {
			tmp[1] = (char)r;
		} else if (is_print(r)) {
			out = (const char *)p + off;
			len = w;
		} else if (r < 0x80) {
			switch (r) {
			case '\a':
				tmp[1] = 'a';
				break;
			case '\b':
				tmp[1] = 'b';
				break;
			case '\f':
				tmp[1] = 'f';
				break;
			case '\n':
				tmp[1] = 'n';
				break;
			case '\r':
				tmp[1] = 'r';
				break;
			case '\t':
				tmp[1] = 't';
				break;
			case '\v':
				tmp[1] = 'v';
				break;
			default:
				tmp[1] = 'x';
				tmp[2] = hex[r >> 4];
				tmp[3] = hex[r & 0xf];
				len = 4;
			}
		} else if (r < 0x10000) {
			len = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned int)r);
		} else {
			len = (size_t)snprintf(tmp, sizeof(tmp), "\\U%08x", (unsigned int)r);
		}
		ret = put(sink, out, len);
		off += w;
	}
	return ret ? ret : put(sink, "\"", 1);
}

void gofmt_append_quote(char *dst, size_t dstlen, const void *s, size_t n)
{
	struct fixed f = { dst, dstlen, strnlen(dst, dstlen) };

	if (f.used + 1 >= dstlen)
		return;
	quote(s, n, put_fixed, &f);
}

int gofmt_buf_quote(struct buf *b, const char *s)
{
	return quote((const uint8_t *)s, strlen(s), put_buf, b);
}

void gofmt_append_bytes(char *dst, size_t dstlen, const uint8_t *p, size_t n)
{
	struct fixed f = { dst, dstlen, strnlen(dst, dstlen) };
	char tmp[8];
	int len;

	if (f.used + 1 >= dstlen)
		return;
	if (put_fixed(&f, "[]byte{", 7))
		return;
	for (size_t i = 0; i < n; i++) {
		len = snprintf(tmp, sizeof(tmp), "%s0x%x", i ? ", " : "", p[i]);
		if (len < 0 || (size_t)len >= sizeof(tmp) || put_fixed(&f, tmp, (size_t)len))
			return;
	}
	put_fixed(&f, "}", 1);
}

int gofmt_buf_hex(struct buf *b, int64_t v, int width)
{
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char text[96], *p = text + sizeof(text);
	int digits = 0;

	do {
		*--p = "0123456789abcdef"[mag & 0xf];
		mag >>= 4;
		digits++;
	} while (mag);
	if (width > 64)
		width = 64;
	for (; digits + (v < 0) < width; digits++)
		*--p = '0';
	if (v < 0)
		*--p = '-';
	return buf_append(b, p, (size_t)(text + sizeof(text) - p));
}

int gofmt_buf_errno(struct buf *b, int errnum)
{
	char et[128];

	return buf_puts(b, errno_text(errnum, et, sizeof(et)));
}

int gofmt_buf_path_error(struct buf *b, const char *op, const char *path, int errnum)
{
	int err = buf_printf(b, "%s %s: ", op, path);

	return err ? err : gofmt_buf_errno(b, errnum);
}
