// SPDX-License-Identifier: MIT
#include "util/gofmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

/* Appends raw bytes; returns false once the buffer is full. */
static bool append_raw(char *dst, size_t dstlen, size_t *used, const char *s, size_t n)
{
	size_t room = dstlen - *used - 1;

	if (n > room) {
		memcpy(dst + *used, s, room);
		*used += room;
		dst[*used] = '\0';
		return false;
	}
	memcpy(dst + *used, s, n);
	*used += n;
	dst[*used] = '\0';
	return true;
}

/* An approximation of Go's unicode.IsPrint for non-ASCII code points. */
static bool go_isprint(int32_t r)
{
	if (r >= 0x80 && r <= 0xa0)
		return false; /* C1 controls and no-break space */
	switch (r) {
	case 0xad:
	case 0x2028:
	case 0x2029:
	case 0xfeff:
		return false;
	}
	if (r >= 0x200b && r <= 0x200f)
		return false;
	if (r >= 0xe000 && r <= 0xf8ff)
		return false; /* private use */
	return true;
}

void gofmt_append_quote(char *dst, size_t dstlen, const void *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = s;
	size_t used = strnlen(dst, dstlen), off = 0, w;
	char tmp[12];
	int32_t r;

	if (used + 1 >= dstlen)
		return;
	if (!append_raw(dst, dstlen, &used, "\"", 1))
		return;
	while (off < n) {
		const char *out = tmp;
		size_t len = 2;

		r = utf8_decode(p + off, n - off, &w);
		tmp[0] = '\\';
		if (r < 0) {
			tmp[1] = 'x';
			tmp[2] = hex[p[off] >> 4];
			tmp[3] = hex[p[off] & 0xf];
			len = 4;
		} else if (r == '"' || r == '\\') {
			tmp[1] = (char)r;
		} else if (r >= 0x20 && r < 0x7f) {
			out = (const char *)p + off;
			len = 1;
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
				tmp[2] = hex[(r >> 4) & 0xf];
				tmp[3] = hex[r & 0xf];
				len = 4;
			}
		} else if (go_isprint(r)) {
			out = (const char *)p + off;
			len = w;
		} else if (r < 0x10000) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)r);
			len = 6;
		} else {
			snprintf(tmp, sizeof(tmp), "\\U%08x", (unsigned)r);
			len = 10;
		}
		if (!append_raw(dst, dstlen, &used, out, len))
			return;
		off += w;
	}
	append_raw(dst, dstlen, &used, "\"", 1);
}

void gofmt_append_bytes(char *dst, size_t dstlen, const uint8_t *p, size_t n)
{
	size_t used = strnlen(dst, dstlen), i;
	char tmp[8];
	int len;

	if (used + 1 >= dstlen)
		return;
	if (!append_raw(dst, dstlen, &used, "[]byte{", 7))
		return;
	for (i = 0; i < n; i++) {
		len = snprintf(tmp, sizeof(tmp), "%s0x%x", i ? ", " : "", p[i]);
		if (!append_raw(dst, dstlen, &used, tmp, (size_t)len))
			return;
	}
	append_raw(dst, dstlen, &used, "}", 1);
}

int gofmt_parse_uint(const uint8_t *in, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	/* Go reports whichever problem comes first, digit by digit. */
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)in[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int gofmt_atoi(const uint8_t *in, size_t n, int64_t *out, char *err, size_t errlen)
{
	bool neg = n > 0 && in[0] == '-';
	size_t skip = n > 0 && (in[0] == '-' || in[0] == '+');
	uint64_t v, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	int ret = gofmt_parse_uint(in + skip, n - skip, &v);

	if (!ret && v > limit)
		ret = -ERANGE;
	if (ret) {
		err[0] = '\0';
		gofmt_appendf(err, errlen, "strconv.Atoi: parsing ");
		gofmt_append_quote(err, errlen, in, n);
		gofmt_appendf(err, errlen, ": %s",
			      ret == -ERANGE ? "value out of range" : "invalid syntax");
		return ret;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int gofmt_buf_hex(struct buf *out, int64_t v, int width)
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
	return buf_append(out, p, (size_t)(text + sizeof(text) - p));
}
