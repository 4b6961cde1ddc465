// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_DECODERS_GOFMT_H
#define EBPF_EXPORTER_DECODERS_GOFMT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Error-message helpers that render values the way upstream's Go messages do. Each appends to
 * the NUL-terminated string already in dst (capacity dstlen bytes, dstlen > 0), truncating
 * silently when full, so a message is built by a sequence of calls without allocating.
 */

/* printf-style append. */
void gofmt_appendf(char *dst, size_t dstlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Go's %q of a string (strconv.Quote): `"a\"b\n\xff"`. */
void gofmt_append_quote(char *dst, size_t dstlen, const void *s, size_t n);

/* Go's %#v of a []byte: `[]byte{0x8, 0x0, 0xff}`, `[]byte{}` when n == 0. */
void gofmt_append_bytes(char *dst, size_t dstlen, const uint8_t *p, size_t n);

/*
 * strconv.Atoi of in[0..n) (decimal, optional sign, 64-bit range): returns 0 and *out, or
 * -EINVAL / -ERANGE with Go's message in err (dst rules as above, err reset first):
 * `strconv.Atoi: parsing "x1": invalid syntax`, `strconv.Atoi: parsing "9223372036854775808":
 * value out of range`.
 */
int gofmt_atoi(const uint8_t *in, size_t n, int64_t *out, char *err, size_t errlen);

/*
 * Appends v as Go's fmt prints it with `%0<width>x`: lower-case hex, zero-padded to width
 * characters, a minus sign first for negative values (counted in the width). Returns 0 or
 * -ENOMEM.
 */
int gofmt_buf_hex(struct buf *out, int64_t v, int width);

/* strconv.ParseUint(s, 10, 64): returns 0 and *out, -EINVAL (syntax) or -ERANGE. */
int gofmt_parse_uint(const uint8_t *in, size_t n, uint64_t *out);

#endif
