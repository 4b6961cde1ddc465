// SPDX-License-Identifier: MIT
/*
 * pci_vendor: decimal text of a vendor id (chain `uint` first) to its name in
 * pci.ids (libpci), else `unknown pci vendor: 0x<id as 4 hex digits>`; `missing pci.ids db`
 * for any input when there is no pci.ids. Text that is not a number is an error.
 */
#include "decoders/decoder_env.h"
#include "decoders/pci_common.h"
#include "sources/pcidb.h"

static int pci_vendor_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			     struct buf *out, char *err, size_t errlen)
{
	char buf[PCIDB_NAME_MAX];
	const char *name = NULL;
	int64_t n;
	int ret = pci_decode_number(env, in, len, out, &n, err, errlen);

	if (ret)
		return ret < 0 ? ret : 0;
	if (n >= 0 && n <= 0xffff)
		name = pcidb__vendor(env->pcidb, (uint16_t)n, buf);
	return pci_put_name(out, name, "vendor", n, 4);
}

const struct decoder decoder_pci_vendor = {
	.name = "pci_vendor",
	.init = pci_decoder_init,
	.decode = pci_vendor_decode,
};
