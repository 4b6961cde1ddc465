// SPDX-License-Identifier: MIT
/*
 * kstack: host-order u64 kernel addresses, as bpf_get_stack() fills a buffer,
 * read up to the first zero or the end; each becomes the name of the nearest symbol at or below
 * it in the shared kallsyms index (module suffix stripped), `??` below every symbol; joined by
 * `\n`. When a frame is unresolved the index is re-read (at most once per second) and the stack
 * resolved again; a stack still holding `??` is not cached. A length that is not a multiple of
 * 8 is an error (upstream panics).
 */
#include <errno.h>
#include <string.h>

#include "decoders/internal.h"
#include "util/gofmt.h"

/* Appends the stack; returns 0, 1 when a frame was unresolved, or -ENOMEM. */
static int resolve(struct kallsyms *ks, const uint8_t *in, size_t len, struct buf *out)
{
	bool missed = false;
	int ret = 0;

	for (size_t off = 0; off < len && !ret; off += 8) {
		const char *name;
		uint64_t addr;

		memcpy(&addr, in + off, sizeof(addr));
		if (!addr)
			break;
		if (off)
			ret = buf_putc(out, '\n');
		name = kallsyms__nearest(ks, addr, NULL);
		if (!name) {
			missed = true;
			name = "??";
		}
		if (!ret)
			ret = buf_puts(out, name);
	}
	return ret ? ret : missed;
}

static int kstack_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			 struct buf *out, char *err, size_t errlen)
{
	size_t start = out->len;
	int ret;

	if (len % 8) {
		err[0] = '\0';
		gofmt_appendf(err, errlen, "stack of %zu bytes is not a list of 8-byte addresses",
			      len);
		return -EINVAL;
	}
	ret = resolve(env->kallsyms, in, len, out);
	if (ret == 1 && decoder_env__kallsyms_miss(env)) {
		out->len = start;
		out->data[start] = '\0';
		ret = resolve(env->kallsyms, in, len, out);
	}
	if (ret == 1) {
		decoder_env__no_cache(env);
		ret = 0;
	}
	return ret;
}

const struct decoder decoder_kstack = {
	.name = "kstack",
	.sources = DECODER_SRC_KALLSYMS,
	.decode = kstack_decode,
};
