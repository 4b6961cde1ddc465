// SPDX-License-Identifier: MIT
#include "kallsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "decoders/gofmt.h"

struct ksym_entry {
	uint64_t addr;
	uint32_t name; /* offset into names */
	uint32_t seq; /* position in the file, for stable order and "last duplicate wins" */
};

struct kallsyms {
	struct ksym_entry *syms;
	size_t n;
	char *names; /* arena: NUL-terminated names */
	uint32_t *by_name; /* built on first kallsyms__addr(): indices sorted by (name, seq) */
	uint64_t loaded_at;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Go's error text for errno: strerror with a lower-case first letter. */
static void append_errno(char *err, size_t errlen, int errnum)
{
	const char *s = strerror(errnum);
	char first = s[0];

	if (first >= 'A' && first <= 'Z')
		first = (char)(first - 'A' + 'a');
	gofmt_appendf(err, errlen, "%c%s", first, s[0] ? s + 1 : "");
}

/* Hex digit values plus one; 0 marks a non-digit. */
static const uint8_t hex_plus1[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,	['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym_entry *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void addr_error(char *err, size_t errlen, const char *a, size_t n, const char *why)
{
	err[0] = '\0';
	gofmt_appendf(err, errlen, "error parsing kallsyms addr ");
	gofmt_append_quote(err, errlen, a, n);
	gofmt_appendf(err, errlen, ": strconv.ParseUint: parsing ");
	gofmt_append_quote(err, errlen, a, n);
	gofmt_appendf(err, errlen, ": %s", why);
}

static int grow_syms(struct kallsyms *ks, size_t *cap)
{
	size_t want = *cap * 2;
	struct ksym_entry *p;

	if (want > (size_t)UINT32_MAX + 1)
		return -E2BIG;
	p = reallocarray(ks->syms, want, sizeof(*p));
	if (!p)
		return -ENOMEM;
	ks->syms = p;
	*cap = want;
	return 0;
}

/*
 * Parses text[0..len) in one pass, in place: names are compacted to the front of text, which
 * becomes the arena. A name is copied to a position before the one it is read from (each
 * earlier line's name plus NUL took no more room than that line), so the writer never
 * overtakes the reader. text must have one spare byte at text[len].
 *
 * A line is `<addr> <type> <name>...`: fields end at a space, lines at LF (a CR before the LF
 * is dropped, as bufio.ScanLines does); fewer than three fields → skipped; the name ends at a
 * space or tab (the tab starts the `[module]` suffix, which is stripped).
 */
static int parse_in_place(char *text, size_t len, struct kallsyms *ks, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	size_t w = 0, n = 0, cap = len / 32 + 16;
	bool sorted = true;
	uint64_t prev = 0;
	int ret;

	ks->syms = calloc(cap, sizeof(*ks->syms));
	if (!ks->syms)
		return -ENOMEM;
	while (p < end) {
		const char *line = p, *why = NULL;
		uint64_t addr = 0;
		char *dst;
		size_t nlen;

		/* strconv.ParseUint(field, 16, 64): the first problem found decides the error. */
		for (; p < end && *p != ' ' && *p != '\n'; p++) {
			uint8_t d = hex_plus1[(uint8_t)*p];

			if (why)
				continue;
			if (!d)
				why = "invalid syntax";
			else if (addr >> 60)
				why = "value out of range";
			else
				addr = (addr << 4) | (uint64_t)(d - 1);
		}
		if (p == line)
			why = "invalid syntax";
		if (p == end || *p == '\n') {
			p++;
			continue;
		}
		const char *addr_end = p++;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == end || *p == '\n') {
			p++;
			continue;
		}
		p++;
		if (why) {
			addr_error(err, errlen, line, (size_t)(addr_end - line), why);
			return -EINVAL;
		}
		dst = text + w;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\n')
			*dst++ = *p++;
		nlen = (size_t)(dst - (text + w));
		if (nlen && dst[-1] == '\r' && (p == end || *p == '\n'))
			nlen--;
		if (p < end && *p != '\n') {
			p = memchr(p, '\n', (size_t)(end - p));
			if (!p)
				p = end;
		}
		p++;
		if (!nlen || w > UINT32_MAX - nlen - 1)
			continue;
		text[w + nlen] = '\0';
		if (n == cap) {
			ret = grow_syms(ks, &cap);
			if (ret)
				return ret;
		}
		ks->syms[n].addr = addr;
		ks->syms[n].name = (uint32_t)w;
		ks->syms[n].seq = (uint32_t)n;
		if (addr < prev)
			sorted = false;
		prev = addr;
		n++;
		w += nlen + 1;
	}
	ks->n = n;
	if (!sorted)
		qsort(ks->syms, n, sizeof(*ks->syms), cmp_addr);
	ks->names = text;
	/* Give back what the addresses and types took; keep the arena if the shrink fails. */
	if (w < len) {
		char *shrunk = realloc(text, w ? w : 1);

		if (shrunk)
			ks->names = shrunk;
	}
	return 0;
}

static int finish(char *text, size_t len, struct kallsyms **out, char *err, size_t errlen)
{
	struct kallsyms *ks = calloc(1, sizeof(*ks));
	int ret;

	if (!ks) {
		free(text);
		snprintf(err, errlen, "error indexing kallsyms: out of memory");
		return -ENOMEM;
	}
	ret = parse_in_place(text, len, ks, err, errlen);
	if (ret) {
		if (ret != -EINVAL)
			snprintf(err, errlen, "error indexing kallsyms: %s", strerror(-ret));
		free(text);
		free(ks->syms);
		free(ks);
		return ret;
	}
	ks->loaded_at = mono_ns();
	*out = ks;
	return 0;
}

int kallsyms__parse(const char *text, size_t len, struct kallsyms **out, char *err, size_t errlen)
{
	char *copy = malloc(len + 1);

	if (!copy) {
		snprintf(err, errlen, "error indexing kallsyms: out of memory");
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	return finish(copy, len, out, err, errlen);
}

int kallsyms__load(const char *path, struct kallsyms **out, char *err, size_t errlen)
{
	size_t cap, len = 0;
	struct stat st;
	char *text, *grown;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err[0] = '\0';
		gofmt_appendf(err, errlen, "error opening kallsyms at ");
		gofmt_append_quote(err, errlen, path, strlen(path));
		gofmt_appendf(err, errlen, ": open %s: ", path);
		append_errno(err, errlen, -ret);
		return ret;
	}
	/* procfs reports size 0; /proc/kallsyms is a few MiB, so start big and read in bulk. */
	cap = (fstat(fd, &st) == 0 && st.st_size > 0) ? (size_t)st.st_size + 2 : (size_t)8 << 20;
	text = malloc(cap);
	if (!text) {
		close(fd);
		snprintf(err, errlen, "error reading kallsyms: out of memory");
		return -ENOMEM;
	}
	for (;;) {
		if (cap - len < 2) {
			grown = cap > SIZE_MAX / 2 ? NULL : realloc(text, cap * 2);
			if (!grown) {
				free(text);
				close(fd);
				snprintf(err, errlen, "error reading kallsyms: out of memory");
				return -ENOMEM;
			}
			text = grown;
			cap *= 2;
		}
		n = read(fd, text + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			free(text);
			close(fd);
			err[0] = '\0';
			gofmt_appendf(err, errlen, "error scanning kallsyms from ");
			gofmt_append_quote(err, errlen, path, strlen(path));
			gofmt_appendf(err, errlen, ": read %s: ", path);
			append_errno(err, errlen, -ret);
			return ret;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	return finish(text, len, out, err, errlen);
}

void kallsyms__free(struct kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
	free(ks->by_name);
	free(ks);
}

size_t kallsyms__count(const struct kallsyms *ks)
{
	return ks ? ks->n : 0;
}

bool kallsyms__equal(const struct kallsyms *a, const struct kallsyms *b)
{
	if (!a || !b)
		return a == b;
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (a->syms[i].addr != b->syms[i].addr ||
		    strcmp(a->names + a->syms[i].name, b->names + b->syms[i].name) != 0)
			return false;
	}
	return true;
}

uint64_t kallsyms__loaded_at(const struct kallsyms *ks)
{
	return ks ? ks->loaded_at : 0;
}

/* Index of the first entry with address > addr. */
static size_t upper_bound(const struct kallsyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *kallsyms__exact(const struct kallsyms *ks, uint64_t addr)
{
	size_t i;

	if (!ks)
		return NULL;
	i = upper_bound(ks, addr);
	if (i == 0 || ks->syms[i - 1].addr != addr)
		return NULL;
	return ks->names + ks->syms[i - 1].name;
}

const char *kallsyms__nearest(const struct kallsyms *ks, uint64_t addr, uint64_t *sym_addr)
{
	size_t i;

	if (!ks)
		return NULL;
	i = upper_bound(ks, addr);
	if (i == 0)
		return NULL;
	if (sym_addr)
		*sym_addr = ks->syms[i - 1].addr;
	return ks->names + ks->syms[i - 1].name;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct kallsyms *ks = arg;
	const struct ksym_entry *x = &ks->syms[*(const uint32_t *)a];
	const struct ksym_entry *y = &ks->syms[*(const uint32_t *)b];
	int c = strcmp(ks->names + x->name, ks->names + y->name);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int kallsyms__addr(struct kallsyms *ks, const char *name, uint64_t *addr)
{
	size_t lo = 0, hi, mid;
	int c;

	if (!ks || !ks->n)
		return -ENOENT;
	if (!ks->by_name) {
		ks->by_name = calloc(ks->n, sizeof(*ks->by_name));
		if (!ks->by_name)
			return -ENOMEM;
		for (size_t i = 0; i < ks->n; i++)
			ks->by_name[i] = (uint32_t)i;
		qsort_r(ks->by_name, ks->n, sizeof(*ks->by_name), cmp_name, ks);
	}
	/* Past the last entry named <= name: that one, if equal, has the greatest seq. */
	hi = ks->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(ks->names + ks->syms[ks->by_name[mid]].name, name);
		if (c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || strcmp(ks->names + ks->syms[ks->by_name[lo - 1]].name, name) != 0)
		return -ENOENT;
	*addr = ks->syms[ks->by_name[lo - 1]].addr;
	return 0;
}
