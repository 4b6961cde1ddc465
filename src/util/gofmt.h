// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_GOFMT_H
#define EBPF_EXPORTER_UTIL_GOFMT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Values written the way upstream's Go messages print them, byte for byte: fmt verbs,
 * strconv.Quote, and syscall.Errno and *fs.PathError texts. Reading text as Go does
 * (strconv parsing, time.ParseDuration, path functions) is in util/gostr.h.
 *
 * Two kinds of destination:
 * - gofmt_append*() append to the NUL-terminated string already in dst (capacity dstlen bytes,
 *   dstlen > 0), truncating silently when full, so a message is built by a sequence of calls
 *   without allocating;
 * - gofmt_buf_*() append to a struct buf and return 0 or -ENOMEM.
 */

/* printf-style append. */
void gofmt_appendf(char *dst, size_t dstlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Go's %q of a string (strconv.Quote): `"a\"b\n\xff"`. Invalid UTF-8 bytes become \xNN, the
 * C escapes are used, and non-printable runes become \xNN, \uNNNN or \UNNNNNNNN (unicode.IsPrint
 * is approximated: controls, spaces other than ' ', format characters, private use and
 * noncharacters are escaped).
 */
void gofmt_append_quote(char *dst, size_t dstlen, const void *s, size_t n);

/* Go's %#v of a []byte: `[]byte{0x8, 0x0, 0xff}`, `[]byte{}` when n == 0. */
void gofmt_append_bytes(char *dst, size_t dstlen, const uint8_t *p, size_t n);

/* Appends the NUL-terminated s quoted as gofmt_append_quote() quotes it. */
int gofmt_buf_quote(struct buf *b, const char *s);

/*
 * Appends v as Go's fmt prints it with `%0<width>x`: lower-case hex, zero-padded to width
 * characters, a minus sign first for negative values (counted in the width).
 */
int gofmt_buf_hex(struct buf *b, int64_t v, int width);

/* Appends syscall.Errno(errnum).Error(), as errno_text() (util/errno_text.h) writes it. */
int gofmt_buf_errno(struct buf *b, int errnum);

/* Appends an *fs.PathError text, "<op> <path>: <errno text>". */
int gofmt_buf_path_error(struct buf *b, const char *op, const char *path, int errnum);

#endif
