// SPDX-License-Identifier: MIT
/*
 * majorminor: the first 4 bytes as a host-order u32 in the kernel's new_encode_dev()
 * form, major = (v >> 8) & 0xfff, minor = (v & 0xff) | ((v >> 12) & 0xfff00), named from
 * /proc/partitions; unknown → `unknown:<major>:<minor>` (not cached: the disk may appear). The
 * file is read once and re-read at most once per second on a miss, and polled while in use so
 * that renamed or replaced devices are noticed. Input shorter than 4 bytes is an
 * error (upstream panics); extra bytes are ignored.
 */
#include <errno.h>
#include <string.h>

#include "decoders/decoder_env.h"
#include "util/gofmt.h"

static int majorminor_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			     struct buf *out, char *err, size_t errlen)
{
	uint32_t v, major, minor;
	const char *name;
	int ret;

	if (len < sizeof(v)) {
		err[0] = '\0';
		gofmt_appendf(err, errlen,
			      "need at least 4 bytes for a device number, got %zu: ", len);
		gofmt_append_bytes(err, errlen, in, len);
		return -EINVAL;
	}
	memcpy(&v, in, sizeof(v));
	major = (v >> 8) & 0xfff;
	minor = (v & 0xff) | ((v >> 12) & 0xfff00);
	ret = decoder_env__partition(env, major, minor, &name, err, errlen);
	if (ret)
		return ret;
	if (name)
		return buf_puts(out, name);
	decoder_env__no_cache(env);
	return buf_printf(out, "unknown:%u:%u", major, minor);
}

const struct decoder decoder_majorminor = {
	.name = "majorminor",
	.sources = DECODER_SRC_PARTITIONS,
	.decode = majorminor_decode,
};
