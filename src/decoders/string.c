// SPDX-License-Identifier: MIT
/* string: the bytes before the first NUL, or all of them. */
#include <string.h>

#include "decoders/decoder_env.h"

static int string_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			 struct buf *out, char *err, size_t errlen)
{
	const uint8_t *nul = memchr(in, '\0', len);

	return buf_append(out, in, nul ? (size_t)(nul - in) : len);
}

const struct decoder decoder_string = {
	.name = "string",
	.cheap = true,
	.decode = string_decode,
};
