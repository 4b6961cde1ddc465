// SPDX-License-Identifier: MIT
/* hex: lower-case hex of every byte. */
#include <errno.h>

#include "decoders/decoder_env.h"

static int hex_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
		      struct buf *out, char *err, size_t errlen)
{
	static const char digits[] = "0123456789abcdef";
	char *p;
	int ret;

	if (len > SIZE_MAX / 2)
		return -ENOMEM;
	ret = buf_reserve(out, len * 2);
	if (ret)
		return ret;
	p = out->data + out->len;
	for (size_t i = 0; i < len; i++) {
		*p++ = digits[in[i] >> 4];
		*p++ = digits[in[i] & 0xf];
	}
	out->len += len * 2;
	out->data[out->len] = '\0';
	return 0;
}

const struct decoder decoder_hex = {
	.name = "hex",
	.cheap = true,
	.decode = hex_decode,
};
