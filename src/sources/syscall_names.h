// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_SYSCALLS_H
#define EBPF_EXPORTER_DECODERS_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Syscall names of the running architecture, from libseccomp (the kernel's own names: 231 is
 * exit_group, 17 pread64). Built once: every number libseccomp knows below SYSCALL_NAMES_MAX
 * is resolved up front, so lookups are an array access.
 */
struct syscall_names;

#define SYSCALL_NAMES_MAX 4096

/* Returns 0 and *out (free with syscall_names__free()), or a negative errno with a message. */
int syscall_names__new(struct syscall_names **out, char *err, size_t errlen);

/* NULL-tolerant. */
void syscall_names__free(struct syscall_names *s);

/* The name of syscall nr, borrowed from s, or NULL when it has none. */
const char *syscall_names__get(const struct syscall_names *s, uint64_t nr);

/* Number of syscalls named. */
size_t syscall_names__count(const struct syscall_names *s);

#endif
