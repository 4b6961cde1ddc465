// SPDX-License-Identifier: MIT
/*
 * inet_ip: address bytes in network order as Go's net.IP prints them. 4 bytes →
 * dotted quad; 16 bytes → the dotted quad of an IPv4-mapped address (::ffff:a.b.c.d), else RFC
 * 5952 text (lower-case hex, the longest run of two or more zero groups as `::`, the first of
 * equal runs); no bytes → `<nil>`; any other length → `?` and the bytes in lower-case hex.
 * Never fails. (inet_ntop differs: it prints ::ffff:1.2.3.4 and ::1.2.3.4 forms.)
 */
#include <string.h>

#include "decoders/decoder_env.h"

static const char hexdigits[] = "0123456789abcdef";

static int put_quad(struct buf *out, const uint8_t *p)
{
	return buf_printf(out, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
}

static int put_v6(struct buf *out, const uint8_t *p)
{
	static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	int best = -1, best_len = 0, ret;
	char text[40], *t = text;
	uint16_t g[8];

	if (memcmp(p, v4_prefix, sizeof(v4_prefix)) == 0)
		return put_quad(out, p + 12);
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(p[2 * i] << 8 | p[2 * i + 1]);
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*t++ = ':';
			*t++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0 && i != best + best_len)
			*t++ = ':';
		/* Hex without leading zeros. */
		bool started = false;

		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned int d = (g[i] >> shift) & 0xf;

			if (d || started || shift == 0) {
				*t++ = hexdigits[d];
				started = true;
			}
		}
	}
	ret = buf_append(out, text, (size_t)(t - text));
	return ret;
}

static int inet_ip_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			  struct buf *out, char *err, size_t errlen)
{
	int ret;

	switch (len) {
	case 0:
		return buf_puts(out, "<nil>");
	case 4:
		return put_quad(out, in);
	case 16:
		return put_v6(out, in);
	}
	ret = buf_putc(out, '?');
	for (size_t i = 0; !ret && i < len; i++) {
		char two[2] = { hexdigits[in[i] >> 4], hexdigits[in[i] & 0xf] };

		ret = buf_append(out, two, 2);
	}
	return ret;
}

const struct decoder decoder_inet_ip = {
	.name = "inet_ip",
	.cheap = true,
	.decode = inet_ip_decode,
};
