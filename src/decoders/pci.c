// SPDX-License-Identifier: MIT
/*
 * The four PCI decoders, on decimal text (chain `uint` first), with names from pci.ids
 * (libpci, loaded once for the decoder set):
 *   pci_vendor    a vendor id, else `unknown pci vendor: 0x<4 hex digits>`
 *   pci_device    vendor << 16 | device, else `unknown pci device: 0x<8 hex digits>`
 *   pci_class     a base class, else `unknown pci class: 0x<2 hex digits>`
 *   pci_subclass  class << 8 | subclass: an unknown class gives `unknown pci class: 0x<cc>`,
 *                 a known class without that subclass `unknown pci subclass: 0x<ss> (class
 *                 0x<cc>)`
 * Each gives `missing pci.ids db` for any input when there is no pci.ids; text that is not a
 * number is an error.
 */
#include <errno.h>

#include "decoders/internal.h"
#include "sources/pcidb.h"
#include "util/gofmt.h"
#include "util/gostr.h"

static int pci_decoder_init(const struct decoder_conf *conf, struct decoder_env *env, void **state,
			    char *err, size_t errlen)
{
	return decoder_env__use_pcidb(env, err, errlen);
}

/*
 * The start of every decode: without a database writes `missing pci.ids db` (for any input,
 * before parsing) and returns 1; else parses the decimal text into *n and returns 0, or a
 * negative errno with a message (text that is not a number).
 */
static int pci_decode_number(struct decoder_env *env, const uint8_t *in, size_t len,
			     struct buf *out, int64_t *n, char *err, size_t errlen)
{
	int ret;

	if (pcidb__missing(env->pcidb)) {
		ret = buf_puts(out, "missing pci.ids db");
		return ret ? ret : 1;
	}
	return gostr_atoi(in, len, n, err, errlen);
}

/* Appends name, or `unknown pci <what>: 0x<n as hex, at least width digits>` when NULL. */
static int pci_put_name(struct buf *out, const char *name, const char *what, int64_t n, int width)
{
	int ret;

	if (name)
		return buf_puts(out, name);
	ret = buf_printf(out, "unknown pci %s: 0x", what);
	return ret ? ret : gofmt_buf_hex(out, n, width);
}

/* Which of the three lookups by one number a decoder is. */
enum pci_kind {
	PCI_VENDOR,
	PCI_DEVICE,
	PCI_CLASS,
};

static int pci_lookup_decode(enum pci_kind kind, struct decoder_env *env, const uint8_t *in,
			     size_t len, struct buf *out, char *err, size_t errlen)
{
	static const struct {
		const char *what;
		int width;
		int64_t max;
	} kinds[] = {
		[PCI_VENDOR] = { "vendor", 4, 0xffff },
		[PCI_DEVICE] = { "device", 8, 0xffffffffll },
		[PCI_CLASS] = { "class", 2, 0xff },
	};
	char buf[PCIDB_NAME_MAX];
	const char *name = NULL;
	int64_t n;
	int ret = pci_decode_number(env, in, len, out, &n, err, errlen);

	if (ret)
		return ret < 0 ? ret : 0;
	if (n >= 0 && n <= kinds[kind].max) {
		if (kind == PCI_VENDOR)
			name = pcidb__vendor(env->pcidb, (uint16_t)n, buf);
		else if (kind == PCI_DEVICE)
			name = pcidb__device(env->pcidb, (uint16_t)(n >> 16), (uint16_t)n, buf);
		else
			name = pcidb__class(env->pcidb, (uint8_t)n, buf);
	}
	return pci_put_name(out, name, kinds[kind].what, n, kinds[kind].width);
}

static int pci_vendor_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			     struct buf *out, char *err, size_t errlen)
{
	return pci_lookup_decode(PCI_VENDOR, env, in, len, out, err, errlen);
}

static int pci_device_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			     struct buf *out, char *err, size_t errlen)
{
	return pci_lookup_decode(PCI_DEVICE, env, in, len, out, err, errlen);
}

static int pci_class_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			    struct buf *out, char *err, size_t errlen)
{
	return pci_lookup_decode(PCI_CLASS, env, in, len, out, err, errlen);
}

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

const struct decoder decoder_pci_vendor = {
	.name = "pci_vendor",
	.init = pci_decoder_init,
	.decode = pci_vendor_decode,
};

const struct decoder decoder_pci_device = {
	.name = "pci_device",
	.init = pci_decoder_init,
	.decode = pci_device_decode,
};

const struct decoder decoder_pci_class = {
	.name = "pci_class",
	.init = pci_decoder_init,
	.decode = pci_class_decode,
};

const struct decoder decoder_pci_subclass = {
	.name = "pci_subclass",
	.init = pci_decoder_init,
	.decode = pci_subclass_decode,
};
