// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_PCIDB_H
#define EBPF_EXPORTER_DECODERS_PCIDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * PCI names from libpci and the system's pci.ids. Loaded once; when no
 * pci.ids can be read, the database is "missing": the message upstream logs is logged once
 * and the decoders answer `missing pci.ids db`. Not thread-safe: use under the env's lock.
 */
struct pcidb;

/* Name lengths are bounded by libpci's buffers; names longer than this are cut. */
#define PCIDB_NAME_MAX 256

/*
 * Loads path (NULL: libpci's default, then the other usual places). A missing or unreadable
 * file is not an error (the database is then missing). Returns 0 and *out (free with
 * pcidb__free()), or -ENOMEM with a message.
 */
int pcidb__new(const char *path, struct pcidb **out, char *err, size_t errlen);

/* NULL-tolerant. */
void pcidb__free(struct pcidb *db);

/* True when no pci.ids could be loaded. */
bool pcidb__missing(const struct pcidb *db);

/*
 * Lookups: the name (in buf, of PCIDB_NAME_MAX bytes) or NULL when the database does not have
 * it. pcidb__subclass() returns 0 with the name in buf, -ENOENT when the class is unknown,
 * -ESRCH when the class is known but the subclass is not.
 */
const char *pcidb__vendor(struct pcidb *db, uint16_t vendor, char *buf);
const char *pcidb__device(struct pcidb *db, uint16_t vendor, uint16_t device, char *buf);
const char *pcidb__class(struct pcidb *db, uint8_t cls, char *buf);
int pcidb__subclass(struct pcidb *db, uint8_t cls, uint8_t sub, char *buf);

#endif
