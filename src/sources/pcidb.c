// SPDX-License-Identifier: MIT
#include "sources/pcidb.h"

#include <errno.h>
#ifndef EE_STATIC
#include <pci/pci.h>
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#ifndef EE_STATIC
/* Where upstream looks; tried when libpci's own default cannot be read. */
static const char *const fallback_paths[] = {
	"/usr/share/misc/pci.ids",
	"/usr/share/hwdata/pci.ids",
};

#define LOOKUP_FLAGS (PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB)

struct pcidb {
	struct pci_access *pacc;
	bool missing;
};

/*
 * libpci reports a malformed pci.ids through its error callback, which must not return and
 * gets no context pointer: it jumps back to load() through this per-thread slot, set only
 * while load() runs.
 */
static _Thread_local jmp_buf *load_jmp;

static void pci_quiet(char *msg, ...)
{
	(void)msg;
}

__attribute__((noreturn)) static void pci_fatal(char *msg, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, msg);
	vsnprintf(text, sizeof(text), msg, ap);
	va_end(ap);
	log_msg("decoders: error reading pci.ids: %s", text);
	if (load_jmp)
		longjmp(*load_jmp, 1);
	abort(); /* libpci called it outside load(): it cannot be continued */
}

/* Loads the name list from path; false when the file cannot be read or parsed. */
static bool load(struct pcidb *db, const char *path)
{
	jmp_buf jb;
	bool ok;

	if (path)
		pci_set_name_list_path(db->pacc, (char *)path, 0);
	if (setjmp(jb)) {
		load_jmp = NULL;
		/* The parse was abandoned half-way; start over from a fresh handle. */
		return false;
	}
	load_jmp = &jb;
	ok = pci_load_name_list(db->pacc) == 1;
	load_jmp = NULL;
	return ok;
}

static struct pci_access *new_access(void)
{
	struct pci_access *pacc = pci_alloc();

	if (!pacc)
		return NULL;
	pacc->warning = pci_quiet;
	pacc->debug = pci_quiet;
	pacc->error = pci_fatal;
	/* No udev hwdb, no network, no ~/.pciids-cache: the system's pci.ids only. */
	pacc->id_lookup_mode = PCI_LOOKUP_NO_HWDB;
	return pacc;
}

int pcidb__new(const char *path, struct pcidb **out, char *err, size_t errlen)
{
	struct pcidb *db = calloc(1, sizeof(*db));
	bool ok;

	if (!db || !(db->pacc = new_access())) {
		free(db);
		snprintf(err, errlen, "error loading pci.ids: out of memory");
		return -ENOMEM;
	}
	ok = load(db, path);
	for (size_t i = 0; !ok && !path && i < sizeof(fallback_paths) / sizeof(fallback_paths[0]);
	     i++) {
		/* A failed parse may leave the handle half-filled: use a fresh one. */
		pci_cleanup(db->pacc);
		db->pacc = new_access();
		if (!db->pacc) {
			free(db);
			snprintf(err, errlen, "error loading pci.ids: out of memory");
			return -ENOMEM;
		}
		ok = load(db, fallback_paths[i]);
	}
	if (!ok) {
		db->missing = true;
		if (path)
			log_msg("None of the PCI DB paths (%s) are accessible, PCI decoders will "
				"return empty data",
				path);
		else
			log_msg("None of the PCI DB paths (/usr/share/misc/pci.ids, "
				"/usr/share/hwdata/pci.ids) are accessible, PCI decoders will "
				"return empty data");
	}
	*out = db;
	return 0;
}

void pcidb__free(struct pcidb *db)
{
	if (!db)
		return;
	if (db->pacc)
		pci_cleanup(db->pacc);
	free(db);
}

bool pcidb__missing(const struct pcidb *db)
{
	return !db || db->missing;
}

const char *pcidb__vendor(struct pcidb *db, uint16_t vendor, char *buf)
{
	if (pcidb__missing(db))
		return NULL;
	return pci_lookup_name(db->pacc, buf, PCIDB_NAME_MAX, LOOKUP_FLAGS | PCI_LOOKUP_VENDOR,
			       (int)vendor);
}

const char *pcidb__device(struct pcidb *db, uint16_t vendor, uint16_t device, char *buf)
{
	if (pcidb__missing(db))
		return NULL;
	return pci_lookup_name(db->pacc, buf, PCIDB_NAME_MAX, LOOKUP_FLAGS | PCI_LOOKUP_DEVICE,
			       (int)vendor, (int)device);
}

/*
 * libpci looks classes up as a class-subclass pair: the subclass name when both are known,
 * `<class name> [ccss]` when only the class is, NULL when the class is unknown. The result is
 * left in buf (suffix cut).
 */
static const char *lookup_pair(struct pcidb *db, uint8_t cls, uint8_t sub, char *buf,
			       bool *class_only)
{
	char suffix[16];
	const char *name;
	size_t n, sl;

	*class_only = false;
	name = pci_lookup_name(db->pacc, buf, PCIDB_NAME_MAX, LOOKUP_FLAGS | PCI_LOOKUP_CLASS,
			       (int)(cls << 8 | sub));
	if (!name)
		return NULL;
	if (name != buf)
		snprintf(buf, PCIDB_NAME_MAX, "%s", name);
	sl = (size_t)snprintf(suffix, sizeof(suffix), " [%02x%02x]", cls, sub);
	n = strlen(buf);
	if (n >= sl && strcmp(buf + n - sl, suffix) == 0) {
		*class_only = true;
		buf[n - sl] = '\0';
	}
	return buf;
}

const char *pcidb__class(struct pcidb *db, uint8_t cls, char *buf)
{
	const char *name;
	bool class_only;

	if (pcidb__missing(db))
		return NULL;
	/* Ask for a subclass the class does not define (most define no 0xff) to get its name. */
	for (int sub = 0xff; sub >= 0; sub--) {
		name = lookup_pair(db, cls, (uint8_t)sub, buf, &class_only);
		if (!name)
			return NULL;
		if (class_only)
			return name;
	}
	return NULL;
}

int pcidb__subclass(struct pcidb *db, uint8_t cls, uint8_t sub, char *buf)
{
	bool class_only;

	if (pcidb__missing(db) || !lookup_pair(db, cls, sub, buf, &class_only))
		return -ENOENT;
	return class_only ? -ESRCH : 0;
}

#else /* EE_STATIC */

/*
 * The statically linked build: Debian ships no static libpci, so there are no PCI names.
 * The database is always missing, and says why once.
 */
struct pcidb {
	bool missing;
};

int pcidb__new(const char *path, struct pcidb **out, char *err, size_t errlen)
{
	struct pcidb *db = calloc(1, sizeof(*db));

	(void)path;
	if (!db) {
		snprintf(err, errlen, "error loading pci.ids: out of memory");
		return -ENOMEM;
	}
	db->missing = true;
	log_msg("PCI decoders will return empty data: this statically linked build has no libpci "
		"(Debian ships no static libpci); use the dynamically linked build for PCI names");
	*out = db;
	return 0;
}

void pcidb__free(struct pcidb *db)
{
	free(db);
}

bool pcidb__missing(const struct pcidb *db)
{
	(void)db;
	return true;
}

const char *pcidb__vendor(struct pcidb *db, uint16_t vendor, char *buf)
{
	(void)db, (void)vendor, (void)buf;
	return NULL;
}

const char *pcidb__device(struct pcidb *db, uint16_t vendor, uint16_t device, char *buf)
{
	(void)db, (void)vendor, (void)device, (void)buf;
	return NULL;
}

const char *pcidb__class(struct pcidb *db, uint8_t cls, char *buf)
{
	(void)db, (void)cls, (void)buf;
	return NULL;
}

int pcidb__subclass(struct pcidb *db, uint8_t cls, uint8_t sub, char *buf)
{
	(void)db, (void)cls, (void)sub, (void)buf;
	return -ENOENT;
}
#endif
