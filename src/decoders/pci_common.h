// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_PCI_COMMON_H
#define EBPF_EXPORTER_DECODERS_PCI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "decoders/decoder_env.h"

/* What the four pci_* decoders share. */

/* Their init: loads the PCI database once for the whole decoder set. */
int pci_decoder_init(const struct decoder_conf *conf, struct decoder_env *env, void **state,
		     char *err, size_t errlen);

/*
 * The start of every pci_* decode: without a database writes `missing pci.ids db` (for any
 * input, before parsing) and returns 1; else parses the decimal text into *n and returns 0,
 * or a negative errno with a message (text that is not a number).
 */
int pci_decode_number(struct decoder_env *env, const uint8_t *in, size_t len, struct buf *out,
		      int64_t *n, char *err, size_t errlen);

/* Appends name, or `unknown pci <what>: 0x<n as hex, at least width digits>` when NULL. */
int pci_put_name(struct buf *out, const char *name, const char *what, int64_t n, int width);

#endif
