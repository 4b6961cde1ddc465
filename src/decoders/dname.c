// SPDX-License-Identifier: MIT
/*
 * dname: a DNS name in wire format (length-prefixed labels) as dotted text. Each
 * length byte becomes a `.` followed by that many bytes verbatim, and the first `.` is dropped;
 * a zero length byte is just a `.` (so an unstripped terminator gives a trailing dot). Empty
 * input → `.`. A label running past the end returns the input unchanged. No compression
 * pointers (0xc0 reads as length 192), no escaping: upstream's behaviour, byte for byte.
 */
#include <errno.h>

#include "decoders/decoder_env.h"

static int dname_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			struct buf *out, char *err, size_t errlen)
{
	size_t off = 0;
	int ret;

	if (len == 0)
		return buf_putc(out, '.');
	/* The result is as long as the input: check first, then write without re-checking. */
	while (off < len) {
		size_t n = in[off];

		if (n > len - off - 1)
			return buf_append(out, in, len);
		off += n + 1;
	}
	ret = buf_reserve(out, len);
	if (ret)
		return ret;
	for (off = 0; off < len;) {
		size_t n = in[off];

		if (off > 0)
			out->data[out->len++] = '.';
		for (size_t i = 1; i <= n; i++)
			out->data[out->len++] = (char)in[off + i];
		off += n + 1;
	}
	out->data[out->len] = '\0';
	return 0;
}

const struct decoder decoder_dname = {
	.name = "dname",
	.cheap = true,
	.decode = dname_decode,
};
