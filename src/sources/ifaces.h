// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_IFACES_H
#define EBPF_EXPORTER_DECODERS_IFACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Interface index → name, from the kernel (if_indextoname) with a memo of the
 * names found. A netlink socket subscribed to link changes (RTMGRP_LINK) tells when the memo
 * is stale: a rename, a deleted interface, a reused index. Without netlink the memo is
 * dropped once a minute instead. Not thread-safe: use under the env's lock.
 */
struct ifaces;

/* Returns 0 and *out (free with ifaces__free()), or -ENOMEM with a message. */
int ifaces__new(struct ifaces **out, char *err, size_t errlen);

/* NULL-tolerant. */
void ifaces__free(struct ifaces *ifs);

/* Appends the name of interface index to out. Returns 0, -ENOENT (no such interface), or
 * -ENOMEM. */
int ifaces__name(struct ifaces *ifs, uint32_t index, struct buf *out);

/*
 * Remembers index's name as a lookup does (tests seed it this way). Returns 0, -EINVAL for
 * index 0, or -ENOMEM.
 */
int ifaces__remember(struct ifaces *ifs, uint32_t index, const char *name);

/*
 * Takes in the link change notifications queued so far (non-blocking). Returns true when
 * names may have changed since the last call; the memo is then dropped.
 */
bool ifaces__poll(struct ifaces *ifs);

#endif
