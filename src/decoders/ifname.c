// SPDX-License-Identifier: MIT
/*
 * ifname: the first 4 bytes as a host-order u32 interface index, named by the
 * kernel; unknown → `unknown:<index>` (not cached). Names found are remembered until netlink
 * reports a link change, so renames and reused indexes are noticed. Input shorter than 4 bytes
 * is an error (upstream panics); extra bytes are ignored.
 */
#include <errno.h>
#include <string.h>

#include "decoders/internal.h"
#include "util/gofmt.h"
#include "sources/ifaces.h"

static int ifname_init(const struct decoder_conf *conf, struct decoder_env *env, void **state,
		       char *err, size_t errlen)
{
	return decoder_env__use_ifaces(env, err, errlen);
}

static int ifname_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			 struct buf *out, char *err, size_t errlen)
{
	uint32_t index;
	int ret;

	if (len < sizeof(index)) {
		err[0] = '\0';
		gofmt_appendf(err, errlen,
			      "need at least 4 bytes for an interface index, got %zu: ", len);
		gofmt_append_bytes(err, errlen, in, len);
		return -EINVAL;
	}
	memcpy(&index, in, sizeof(index));
	ret = ifaces__name(env->ifaces, index, out);
	if (ret != -ENOENT)
		return ret;
	decoder_env__no_cache(env);
	return buf_printf(out, "unknown:%u", index);
}

const struct decoder decoder_ifname = {
	.name = "ifname",
	.sources = DECODER_SRC_IFACES,
	.init = ifname_init,
	.decode = ifname_decode,
};
