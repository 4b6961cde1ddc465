// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_DL_H
#define EBPF_EXPORTER_UTIL_DL_H

#include <stddef.h>

/*
 * Optional libraries loaded at run time (libcurl for tracing, libsystemd under systemd), so
 * that a process that does not need them never maps them.
 */

/*
 * dlopen(soname, RTLD_NOW | RTLD_LOCAL). NULL on failure, with `cannot load SONAME (reason);
 * install the PACKAGE package` in err.
 */
void *dl_open(const char *soname, const char *package, char *err, size_t errlen);

/*
 * Stores the address of lib's symbol name in *slot (the address of a function pointer).
 * Returns 0, or -ENOENT with `SONAME has no symbol NAME` in err.
 */
int dl_sym(void *lib, const char *soname, const char *name, void *slot, char *err, size_t errlen);

#endif
