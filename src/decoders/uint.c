// SPDX-License-Identifier: MIT
/* uint: 1, 2, 4 or 8 bytes, host order, as decimal text. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decoders/decoder_env.h"
#include "util/gofmt.h"

static int uint_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
		       struct buf *out, char *err, size_t errlen)
{
	char digits[24], *p = digits + sizeof(digits);
	uint64_t v;
	uint32_t v32;
	uint16_t v16;

	switch (len) {
	case 1:
		v = in[0];
		break;
	case 2:
		memcpy(&v16, in, 2);
		v = v16;
		break;
	case 4:
		memcpy(&v32, in, 4);
		v = v32;
		break;
	case 8:
		memcpy(&v, in, 8);
		break;
	default:
		err[0] = '\0';
		gofmt_appendf(err, errlen, "unknown value length %zu for ", len);
		gofmt_append_bytes(err, errlen, in, len);
		return -EINVAL;
	}
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_append(out, p, (size_t)(digits + sizeof(digits) - p));
}

const struct decoder decoder_uint = {
	.name = "uint",
	.cheap = true,
	.decode = uint_decode,
};
