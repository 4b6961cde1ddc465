// SPDX-License-Identifier: MIT
/*
 * ksym: the first 8 bytes as a host-order kernel address, resolved to the
 * symbol at exactly that address in the shared kallsyms index (module suffix stripped). On a
 * miss the index is re-read at most once per second and the lookup retried; still missing →
 * `unknown_addr:0x<hex>`. Input shorter than 8 bytes is an error (upstream panics).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "decoders/internal.h"
#include "util/gofmt.h"

static int ksym_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
		       struct buf *out, char *err, size_t errlen)
{
	const char *name;
	uint64_t addr;

	if (len < sizeof(addr)) {
		err[0] = '\0';
		gofmt_appendf(err, errlen, "need at least 8 bytes for an address, got %zu: ", len);
		gofmt_append_bytes(err, errlen, in, len);
		return -EINVAL;
	}
	memcpy(&addr, in, sizeof(addr));
	name = kallsyms__exact(env->kallsyms, addr);
	if (!name && decoder_env__kallsyms_miss(env))
		name = kallsyms__exact(env->kallsyms, addr);
	if (name)
		return buf_puts(out, name);
	decoder_env__no_cache(env);
	return buf_printf(out, "unknown_addr:0x%" PRIx64, addr);
}

const struct decoder decoder_ksym = {
	.name = "ksym",
	.sources = DECODER_SRC_KALLSYMS,
	.decode = ksym_decode,
};
