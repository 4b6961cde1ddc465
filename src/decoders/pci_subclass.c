// SPDX-License-Identifier: MIT
/*
 * pci_subclass: decimal text of class << 8 | subclass (chain `uint` first) to the
 * subclass's name in pci.ids (libpci). An unknown class gives `unknown pci class: 0x<cc>`, a
 * known class without that subclass `unknown pci subclass: 0x<ss> (class 0x<cc>)`; `missing
 * pci.ids db` for any input when there is no pci.ids. Text that is not a number is an error.
 */
#include <errno.h>

#include "decoders/decoder_env.h"
#include "decoders/pci_common.h"
#include "sources/pcidb.h"

static int pci_subclass_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			       struct buf *out, char *err, size_t errlen)
{
	char buf[PCIDB_NAME_MAX];
	int64_t n, cls, sub;
	int ret, found = -ENOENT;

	ret = pci_decode_number(env, in, len, out, &n, err, errlen);
	if (ret)
		return ret < 0 ? ret : 0;
	/* Go's >> on a negative int keeps the sign; & 0xff gives the low byte. */
	cls = n >> 8;
	sub = n & 0xff;
	if (cls >= 0 && cls <= 0xff)
		found = pcidb__subclass(env->pcidb, (uint8_t)cls, (uint8_t)sub, buf);
	if (found == 0)
		return buf_puts(out, buf);
	if (found == -ESRCH)
		return buf_printf(out, "unknown pci subclass: 0x%02x (class 0x%02x)",
				  (unsigned int)sub, (unsigned int)cls);
	return pci_put_name(out, NULL, "class", cls, 2);
}

const struct decoder decoder_pci_subclass = {
	.name = "pci_subclass",
	.init = pci_decoder_init,
	.decode = pci_subclass_decode,
};
