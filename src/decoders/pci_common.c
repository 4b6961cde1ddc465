// SPDX-License-Identifier: MIT
#include "decoders/pci_common.h"

#include "util/gofmt.h"
#include "sources/pcidb.h"

int pci_decoder_init(const struct decoder_conf *conf, struct decoder_env *env, void **state,
		     char *err, size_t errlen)
{
	return decoder_env__use_pcidb(env, err, errlen);
}

int pci_decode_number(struct decoder_env *env, const uint8_t *in, size_t len, struct buf *out,
		      int64_t *n, char *err, size_t errlen)
{
	int ret;

	if (pcidb__missing(env->pcidb)) {
		ret = buf_puts(out, "missing pci.ids db");
		return ret ? ret : 1;
	}
	return gofmt_atoi(in, len, n, err, errlen);
}

int pci_put_name(struct buf *out, const char *name, const char *what, int64_t n, int width)
{
	int ret;

	if (name)
		return buf_puts(out, name);
	ret = buf_printf(out, "unknown pci %s: 0x", what);
	return ret ? ret : gofmt_buf_hex(out, n, width);
}
