// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_FILE_H
#define EBPF_EXPORTER_UTIL_FILE_H

#include <stddef.h>

#include "util/buf.h"

/*
 * Appends the whole content of the file at path to out (NUL-terminated past out->len),
 * retrying reads interrupted by signals. With limit > 0, the read stops with -EFBIG as soon
 * as out->len reaches limit, so a file of limit bytes or more is refused.
 * Returns 0 or a negative errno; on failure *op is the system call that failed ("open" or
 * "read", for a *fs.PathError-style message) or NULL when the failure is -ENOMEM from out or
 * -EFBIG from limit. out may hold part of the file after a failure; the caller frees it.
 */
int file_read_all(const char *path, size_t limit, struct buf *out, const char **op);

/*
 * The file descriptors this process has open, not counting the one used to list them.
 * Returns 0 and *out, or a negative errno.
 */
int file_count_open_fds(long *out);

#endif
