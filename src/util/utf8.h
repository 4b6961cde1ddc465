// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_UTF8_H
#define EBPF_EXPORTER_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * UTF-8 by Go's rules (unicode/utf8): a sequence is valid when its lead byte is 0x00-0x7f or
 * 0xc2-0xf4, the continuation bytes are 0x80-0xbf, and it is not an overlong form, a
 * surrogate (U+D800-U+DFFF) or above U+10FFFF.
 */

/*
 * Length of the valid sequence at p (n > 0 bytes left): 1 to 4, or 0 if p[0] starts no valid
 * sequence (bad lead byte, truncated, overlong, surrogate, above U+10FFFF). Inline: the
 * exposition writers call it for every non-ASCII byte they escape.
 */
static inline size_t utf8_seq_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		return n >= 2 && p[1] >= 0x80 && p[1] <= 0xbf ? 2 : 0;
	if (c < 0xf0) {
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
		return n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c < 0xf5) {
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
		return n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
				       (p[3] & 0xc0) == 0x80 ?
			       4 :
			       0;
	}
	return 0;
}

/*
 * Decodes one rune at p[0..n), n > 0, as Go's utf8.DecodeRune does: returns the code point
 * and stores its width in *width; an invalid sequence gives -1 (Go's RuneError) with width 1.
 */
int32_t utf8_decode(const uint8_t *p, size_t n, size_t *width);

/* Length of the longest prefix of p[0..n) that is valid UTF-8. Equals n when all of it is. */
size_t utf8_valid_prefix(const uint8_t *p, size_t n);

/*
 * Length of the run of invalid bytes at p[0..n), where p[0] starts no valid sequence: p[0]
 * and every following byte that is neither ASCII nor the start of a valid sequence, the run
 * Go's strings.ToValidUTF8 replaces by one U+FFFD.
 */
size_t utf8_invalid_run(const uint8_t *p, size_t n);

/*
 * Length of s[0..len) once every run of invalid bytes is replaced by one U+FFFD, as Go's
 * strings.ToValidUTF8(s, "\uFFFD") does.
 */
size_t utf8_repaired_len(const char *s, size_t len);

/*
 * Writes s[0..len) with that replacement at dst, which has room for utf8_repaired_len(s, len)
 * bytes (no NUL is added). Returns the end of what it wrote.
 */
char *utf8_repair(char *dst, const char *s, size_t len);

#endif
