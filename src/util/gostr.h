// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_GOSTR_H
#define EBPF_EXPORTER_UTIL_GOSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Go standard-library behaviours that upstream's parsing and messages depend on, reproduced
 * byte for byte: strconv.Quote and strconv.ParseFloat, strings.TrimSpace, syscall.Errno and
 * *fs.PathError texts, time.ParseDuration, path.Clean and filepath.Base. UTF-8 is decoded by
 * util/utf8.h, by utf8.DecodeRune's rules.
 */

/*
 * Appends the NUL-terminated s quoted as strconv.Quote (and so fmt's %q) writes it: invalid
 * UTF-8 bytes as \xNN, the C escapes, and non-printable runes as \xNN, \uNNNN or \UNNNNNNNN
 * (unicode.IsPrint is approximated: controls, spaces other than ' ', format characters,
 * private use and noncharacters are escaped). Returns 0 or -ENOMEM.
 */
int gostr_quote(struct buf *b, const char *s);

/* strings.TrimSpace(s[0..n)) == "": every rune is a unicode.IsSpace space (invalid UTF-8 is not). */
bool gostr_is_blank(const char *s, size_t n);

/*
 * Appends syscall.Errno(errnum).Error(): the C library's message, its first letter lowercased
 * unless the second is a capital too ("No such file or directory" -> "no such file or
 * directory"). Returns 0 or -ENOMEM.
 */
int gostr_errno(struct buf *b, int errnum);

/* Appends an *fs.PathError text, "<op> <path>: <errno text>". Returns 0 or -ENOMEM. */
int gostr_path_error(struct buf *b, const char *op, const char *path, int errnum);

/*
 * strconv.ParseFloat(s, 64): Go's float syntax (decimal or hex with a 'p' exponent, '_'
 * separators, inf/infinity/nan in any case). Returns 0 and *out, -EINVAL (invalid syntax),
 * -ERANGE (overflow to +-Inf; *out untouched) or -ENOMEM.
 */
int gostr_parse_float(const char *s, double *out);

/*
 * Go's int(v) for a float64 on amd64 (CVTTSD2SI): truncation toward zero, and the "integer
 * indefinite" value INT64_MIN for NaN and anything outside the int64 range.
 */
long long gostr_float_to_int(double v);

/*
 * time.ParseDuration(s[0..len)): an optional sign, then one or more decimal numbers (with an
 * optional fraction) each followed by a unit (ns, us, µs, μs, ms, s, m, h), or "0". Returns 0
 * and *out in nanoseconds, -EINVAL (syntax or missing/unknown unit) or -ERANGE (overflow).
 */
int gostr_parse_duration(const char *s, size_t len, int64_t *out);

/* path.Clean(s), in place (the result is never longer than s); "" becomes ".". */
void gostr_path_clean(char *s);

/*
 * Appends filepath.Base(path): the last element, trailing slashes dropped; "." for "" and
 * "/" for a path of slashes only. Returns 0 or -ENOMEM.
 */
int gostr_path_base(struct buf *b, const char *path);

#endif
