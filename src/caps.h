// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_CAPS_H
#define EBPF_EXPORTER_CAPS_H

#include <stddef.h>

/*
 * Applies --capabilities.keep (SPEC §1.3): logs the starting set, then keeps everything
 * ("all"), nothing ("none") or the listed capabilities (libcap names or decimal numbers) in
 * the permitted and effective sets. Returns 0 or a negative errno with a message in err (the
 * caller prefixes `Error dropping capabilities: `).
 */
int caps_apply(const char *keep, char *err, size_t errlen);

#endif
