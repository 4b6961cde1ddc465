// SPDX-License-Identifier: MIT
#include "tracing/span.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/clock.h"
#include "util/utf8.h"

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct span *span_alloc(size_t n_attrs, size_t n_events, size_t str_bytes)
{
	size_t head = align8(sizeof(struct span));
	size_t attrs, events, total;
	struct span *sp;
	char *p;

	if (n_attrs > UINT32_MAX / sizeof(struct span_attr) ||
	    n_events > UINT32_MAX / sizeof(struct span_event) || str_bytes > SIZE_MAX / 2) {
		errno = EOVERFLOW;
		return NULL;
	}
	attrs = align8(n_attrs * sizeof(struct span_attr));
	events = align8(n_events * sizeof(struct span_event));
	total = head + attrs + events + str_bytes;
	p = calloc(1, total);
	if (!p)
		return NULL;
	sp = (struct span *)p;
	sp->attrs = n_attrs ? (struct span_attr *)(p + head) : NULL;
	sp->events = n_events ? (struct span_event *)(p + head + attrs) : NULL;
	sp->str = p + head + attrs + events;
	sp->str_cap = str_bytes;
	return sp;
}

size_t span_str_room(size_t len)
{
	return len > (SIZE_MAX - 1) / 3 ? SIZE_MAX : 3 * len + 1;
}

const char *span_str(struct span *sp, const char *s, size_t len)
{
	size_t need;
	char *out;

	if (s) {
		const char *nul = memchr(s, '\0', len);

		if (nul)
			len = (size_t)(nul - s);
	} else {
		s = "";
		len = 0;
	}
	/* invalid UTF-8 as Go's strings.ToValidUTF8 repairs it */
	need = utf8_repaired_len(s, len) + 1;
	if (need > sp->str_cap - sp->str_len)
		return NULL;
	out = sp->str + sp->str_len;
	utf8_repair(out, s, len);
	out[need - 1] = '\0';
	sp->str_len += need;
	return out;
}

void span_free(struct span *sp)
{
	free(sp);
}

void span_free_list(struct span *head)
{
	while (head) {
		struct span *next = head->next;

		span_free(head);
		head = next;
	}
}

bool span_id_is_zero(const uint8_t *id, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (id[i])
			return false;
	return true;
}

void span_id_hex(const uint8_t *id, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[2 * len] = '\0';
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna): fast, 256 bits of state, good statistical quality. */
static uint64_t idgen_next(struct idgen *g)
{
	uint64_t *s = g->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void idgen_init(struct idgen *g)
{
	uint64_t seed[4];
	size_t i;

	_Static_assert(sizeof(seed) == sizeof(g->s), "one seed word per state word");
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		/* Early boot without entropy: the clocks and our address still make ids unique
		 * enough for tracing (the Go exporter seeds with the wall clock alone). */
		uint64_t x = span_now_unix_ns() ^ (span_now_mono_ns() << 17) ^
			     (uint64_t)(uintptr_t)g;

		for (i = 0; i < sizeof(seed) / sizeof(seed[0]); i++)
			seed[i] = splitmix(&x);
	}
	for (i = 0; i < sizeof(seed) / sizeof(seed[0]); i++)
		g->s[i] = seed[i];
	if (!(g->s[0] | g->s[1] | g->s[2] | g->s[3]))
		g->s[0] = 1;
}

void idgen_fill(struct idgen *g, uint8_t *out, size_t len)
{
	size_t i = 0;

	do {
		for (i = 0; i < len; i += 8) {
			uint64_t v = idgen_next(g);
			size_t n = len - i < 8 ? len - i : 8;

			memcpy(out + i, &v, n);
		}
	} while (span_id_is_zero(out, len));
}

uint64_t span_now_unix_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t span_now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t span_ktime_to_unix_ns(uint64_t ktime_ns)
{
	uint64_t mono = span_now_mono_ns();
	uint64_t real = span_now_unix_ns();

	/* (ktime - mono) as a signed offset; unsigned wrap-around gives the same bits. */
	return real + (ktime_ns - mono);
}
