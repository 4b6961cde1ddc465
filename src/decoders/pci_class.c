// SPDX-License-Identifier: MIT
/*
 * pci_class: decimal text of a base class (chain `uint` first) to its name in
 * pci.ids (libpci), else `unknown pci class: 0x<2 hex digits>`; `missing pci.ids db` for any
 * input when there is no pci.ids. Text that is not a number is an error.
 */
#include "decoders/decoder_env.h"
#include "decoders/pci_common.h"
#include "sources/pcidb.h"

static int pci_class_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			    struct buf *out, char *err, size_t errlen)
{
	char buf[PCIDB_NAME_MAX];
	const char *name = NULL;
	int64_t n;
	int ret = pci_decode_number(env, in, len, out, &n, err, errlen);

	if (ret)
		return ret < 0 ? ret : 0;
	if (n >= 0 && n <= 0xff)
		name = pcidb__class(env->pcidb, (uint8_t)n, buf);
	return pci_put_name(out, name, "class", n, 2);
}

const struct decoder decoder_pci_class = {
	.name = "pci_class",
	.init = pci_decoder_init,
	.decode = pci_class_decode,
};
