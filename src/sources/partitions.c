// SPDX-License-Identifier: MIT
#include "sources/partitions.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/errno_text.h"
#include "util/file.h"
#include "util/gofmt.h"

#define MAX_FILE_SIZE ((size_t)16 << 20)

struct part_entry {
	uint32_t major;
	uint32_t minor;
	uint32_t name; /* offset into names */
	uint32_t seq; /* line order: the first of equal numbers wins */
};

struct partitions {
	struct part_entry *entries; /* sorted by (major, minor, seq) */
	size_t n;
	char *names; /* arena of NUL-terminated names */
};

static int cmp_entry(const void *a, const void *b)
{
	const struct part_entry *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The decimal text strconv.Itoa would print for a u32 value: no sign, no leading zero. */
static int parse_dec(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int partitions__parse(const char *text, size_t len, struct partitions **out, char *err,
		      size_t errlen)
{
	struct partitions *p = calloc(1, sizeof(*p));
	const char *s = text, *end = text + len;
	size_t cap = 0, used = 0;

	/* Names take less room than their lines: the arena never outgrows the text. */
	if (!p || !(p->names = malloc(len + 1)))
		goto nomem;
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *f[5];
		size_t fl[5], nf = 0;
		struct part_entry e;

		if (!eol)
			eol = end;
		for (const char *q = s; q < eol && nf < 5;) {
			while (q < eol && is_space(*q))
				q++;
			if (q == eol)
				break;
			f[nf] = q;
			while (q < eol && !is_space(*q))
				q++;
			fl[nf] = (size_t)(q - f[nf]);
			nf++;
		}
		s = eol + 1;
		if (nf != 4 || parse_dec(f[0], fl[0], &e.major) || parse_dec(f[1], fl[1], &e.minor))
			continue;
		if (array_grow((void **)&p->entries, &cap, p->n + 1, sizeof(*p->entries)))
			goto nomem;
		e.name = (uint32_t)used;
		e.seq = (uint32_t)p->n;
		memcpy(p->names + used, f[3], fl[3]);
		used += fl[3];
		p->names[used++] = '\0';
		p->entries[p->n++] = e;
	}
	if (p->n > 1)
		qsort(p->entries, p->n, sizeof(*p->entries), cmp_entry);
	*out = p;
	return 0;
nomem:
	partitions__free(p);
	snprintf(err, errlen, "error indexing partitions: out of memory");
	return -ENOMEM;
}

int partitions__load(const char *path, struct partitions **out, char *err, size_t errlen)
{
	struct buf text = { 0 };
	const char *op;
	char et[128];
	int ret;

	ret = file_read_all(path, MAX_FILE_SIZE, &text, &op);
	if (ret == -ENOMEM && !op) {
		snprintf(err, errlen, "error reading %s: out of memory", path);
	} else if (ret) {
		err[0] = '\0';
		gofmt_appendf(err, errlen, "%s %s: %s", op ? op : "read", path,
			      errno_text(ret, et, sizeof(et)));
	} else {
		ret = partitions__parse(text.data ? text.data : "", text.len, out, err, errlen);
	}
	buf_free(&text);
	return ret;
}

void partitions__free(struct partitions *p)
{
	if (!p)
		return;
	free(p->entries);
	free(p->names);
	free(p);
}

const char *partitions__find(const struct partitions *p, uint32_t major, uint32_t minor)
{
	size_t lo = 0, hi;

	if (!p)
		return NULL;
	/* First entry >= (major, minor). */
	hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct part_entry *e = &p->entries[mid];

		if (e->major < major || (e->major == major && e->minor < minor))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == p->n || p->entries[lo].major != major || p->entries[lo].minor != minor)
		return NULL;
	return p->names + p->entries[lo].name;
}

size_t partitions__count(const struct partitions *p)
{
	return p ? p->n : 0;
}

bool partitions__equal(const struct partitions *a, const struct partitions *b)
{
	if (!a || !b)
		return a == b;
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct part_entry *x = &a->entries[i], *y = &b->entries[i];

		if (x->major != y->major || x->minor != y->minor ||
		    strcmp(a->names + x->name, b->names + y->name) != 0)
			return false;
	}
	return true;
}
