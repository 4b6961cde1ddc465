// SPDX-License-Identifier: MIT
/*
 * pci_device: decimal text of vendor << 16 | device (chain `uint` first) to
 * the device's name in pci.ids (libpci), else `unknown pci device: 0x<8 hex digits>`;
 * `missing pci.ids db` for any input when there is no pci.ids. Text that is not a number is
 * an error.
 */
#include "decoders/decoder_env.h"
#include "decoders/pci_common.h"
#include "sources/pcidb.h"

static int pci_device_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			     struct buf *out, char *err, size_t errlen)
{
	char buf[PCIDB_NAME_MAX];
	const char *name = NULL;
	int64_t n;
	int ret = pci_decode_number(env, in, len, out, &n, err, errlen);

	if (ret)
		return ret < 0 ? ret : 0;
	if (n >= 0 && n <= 0xffffffffll)
		name = pcidb__device(env->pcidb, (uint16_t)(n >> 16), (uint16_t)n, buf);
	return pci_put_name(out, name, "device", n, 8);
}

const struct decoder decoder_pci_device = {
	.name = "pci_device",
	.init = pci_decoder_init,
	.decode = pci_device_decode,
};
