// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_KALLSYMS_H
#define EBPF_EXPORTER_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An immutable index of a kallsyms file, module symbols included: lines
 * `<hex addr> <type> <name>[\t[module]]`, split on single spaces; lines with fewer than three
 * fields or an empty name are skipped; the `\t[module]` suffix is stripped from names. Zero
 * addresses (no CAP_SYSLOG) are kept. Entries are sorted by address (file order among equal
 * addresses); names are kept compressed in blocks (about 10 bytes a symbol in all).
 *
 * Lookups decompress into a buffer inside the index: serialize every call on one index, and
 * copy a returned name before the next call on the same index.
 */
struct kallsyms;

/*
 * Reads and indexes path. Returns 0 and a new index in *out (free with kallsyms__free()), or a
 * negative errno with a message in err, in upstream's words: `error opening kallsyms at
 * "<p>": open <p>: no such file or directory`, `error parsing kallsyms addr "zz":
 * strconv.ParseUint: parsing "zz": invalid syntax`.
 */
int kallsyms__load(const char *path, struct kallsyms **out, char *err, size_t errlen);

/* Same, from text in memory (not NUL-terminated). */
int kallsyms__parse(const char *text, size_t len, struct kallsyms **out, char *err, size_t errlen);

/* NULL-tolerant. */
void kallsyms__free(struct kallsyms *ks);

/* Number of symbols indexed. */
size_t kallsyms__count(const struct kallsyms *ks);

/*
 * True when both index the same symbols at the same addresses, in the same order (NULL equals
 * only NULL): a re-read that changed nothing.
 */
bool kallsyms__equal(const struct kallsyms *a, const struct kallsyms *b);

/* Heap bytes the index holds. */
size_t kallsyms__bytes(const struct kallsyms *ks);

/* CLOCK_MONOTONIC time in ns when the index was built. */
uint64_t kallsyms__loaded_at(const struct kallsyms *ks);

/*
 * Name of a symbol at exactly addr, or NULL (also when its block cannot be decompressed). Of
 * several symbols at one address, the last in the file. The string is borrowed from ks until
 * the next call on ks.
 */
const char *kallsyms__exact(struct kallsyms *ks, uint64_t addr);

/*
 * Name of the symbol with the greatest address <= addr (no upper bound), or NULL when addr is
 * below every symbol. If sym_addr is not NULL, the symbol's address is stored there. Borrowed
 * like kallsyms__exact()'s.
 */
const char *kallsyms__nearest(struct kallsyms *ks, uint64_t addr, uint64_t *sym_addr);

/*
 * Address of the symbol called name (module symbols by their bare name); when the name occurs
 * more than once, the last one in the file wins. Returns 0, -ENOENT, or negative errno when a
 * block cannot be decompressed. Scans the whole index: meant for a few names at start-up.
 */
int kallsyms__addr(struct kallsyms *ks, const char *name, uint64_t *addr);

#endif
