// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_GOSTR_H
#define EBPF_EXPORTER_UTIL_GOSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Text read the way upstream's Go code reads it, byte for byte: strconv.ParseUint, Atoi and
 * ParseFloat, int(float64), time.ParseDuration, strings.TrimSpace, path.Clean and
 * filepath.Base. UTF-8 is decoded by util/utf8.h (utf8.DecodeRune's rules); writing values as
 * Go prints them is in util/gofmt.h.
 */

/* strings.TrimSpace(s[0..n)) == "": every rune is a unicode.IsSpace space (invalid UTF-8 is not). */
bool gostr_is_blank(const char *s, size_t n);

/* strconv.ParseUint(s, 10, 64) of in[0..n): returns 0 and *out, -EINVAL (syntax) or -ERANGE. */
int gostr_parse_uint(const uint8_t *in, size_t n, uint64_t *out);

/*
 * strconv.Atoi of in[0..n) (decimal, optional sign, 64-bit range): returns 0 and *out, or
 * -EINVAL / -ERANGE with Go's message in err (capacity errlen > 0, reset first, truncated when
 * full): `strconv.Atoi: parsing "x1": invalid syntax`, `strconv.Atoi: parsing
 * "9223372036854775808": value out of range`.
 */
int gostr_atoi(const uint8_t *in, size_t n, int64_t *out, char *err, size_t errlen);

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
