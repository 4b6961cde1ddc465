// SPDX-License-Identifier: MIT
#include "util/utf8.h"

#include <string.h>

int32_t utf8_decode(const uint8_t *p, size_t n, size_t *width)
{
	size_t w = utf8_seq_len(p, n);
	int32_t r;

	switch (w) {
	case 1:
		r = p[0];
		break;
	case 2:
		r = (int32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		break;
	case 3:
		r = (int32_t)(p[0] & 0x0f) << 12 | (int32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		break;
	case 4:
		r = (int32_t)(p[0] & 0x07) << 18 | (int32_t)(p[1] & 0x3f) << 12 |
		    (int32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
		break;
	default:
		*width = 1;
		return -1;
	}
	*width = w;
	return r;
}

size_t utf8_valid_prefix(const uint8_t *p, size_t n)
{
	size_t off = 0, w;

	while (off < n) {
		if (p[off] < 0x80) {
			off++;
			continue;
		}
		w = utf8_seq_len(p + off, n - off);
		if (!w)
			break;
		off += w;
	}
	return off;
}

size_t utf8_invalid_run(const uint8_t *p, size_t n)
{
	size_t i = 1;

	while (i < n && p[i] >= 0x80 && !utf8_seq_len(p + i, n - i))
		i++;
	return i;
}

size_t utf8_repaired_len(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t off = 0, out = len, n;

	while ((off += utf8_valid_prefix(p + off, len - off)) < len) {
		n = utf8_invalid_run(p + off, len - off);
		off += n;
		out = out - n + 3;
	}
	return out;
}

char *utf8_repair(char *dst, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t off = 0, valid;

	for (;;) {
		valid = utf8_valid_prefix(p + off, len - off);
		memcpy(dst, s + off, valid);
		dst += valid;
		off += valid;
		if (off == len)
			return dst;
		off += utf8_invalid_run(p + off, len - off);
		memcpy(dst, "\xef\xbf\xbd", 3);
		dst += 3;
	}
}
