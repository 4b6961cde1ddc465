// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_ERRNO_TEXT_H
#define EBPF_EXPORTER_UTIL_ERRNO_TEXT_H

#include <stddef.h>

/*
 * An errno value (either sign) as Go's syscall.Errno prints it, for messages that match the
 * Go exporter's: the C library's text with its first letter in lower case unless the second
 * is upper case too ("no such file or directory", "EOF"-like acronyms stay), and "errno 524"
 * for the kernel's ENOTSUPP, which libc does not know. Writes into buf (len bytes) and
 * returns it.
 */
const char *errno_text(int err, char *buf, size_t len);

#endif
