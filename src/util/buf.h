// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_BUF_H
#define EBPF_EXPORTER_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A growable byte buffer with an upper bound (in the manner of curl's dynbuf). The contents
 * are always NUL-terminated past len, so text can be used as a C string. A zeroed struct is a
 * valid empty buffer with the default maximum size.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 means BUF_DEFAULT_MAX */
};

#define BUF_DEFAULT_MAX ((size_t)1 << 31)

/* Makes room for at least extra more bytes. Returns 0 or -ENOMEM (also past max). */
int buf_reserve(struct buf *b, size_t extra);
/* Appends len bytes. Returns 0 or -ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Forgets the contents but keeps the memory for reuse. */
void buf_reset(struct buf *b);
/*
 * Grows the array *p of *cap elements of size bytes to hold at least want elements,
 * doubling from 64 (overflow-checked). Returns 0 or -ENOMEM (then *p and *cap are unchanged).
 */
int array_grow(void **p, size_t *cap, size_t want, size_t size);

/* Releases the memory; the buffer may be reused afterwards. NULL-tolerant. */
void buf_free(struct buf *b);

#endif
