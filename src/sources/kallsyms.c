// SPDX-License-Identifier: MIT
#include "sources/kallsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/errno_text.h"
#include "util/file.h"
#include "util/gofmt.h"

/* A symbol while the index is built. */
struct ksym_entry {
	uint64_t addr;
	uint32_t name; /* offset into the text being parsed */
	uint32_t seq; /* position in the file, for stable order and "last duplicate wins" */
};

/*
 * Symbols sorted by address are cut into blocks of at most BLOCK_SYMS whose addresses lie
 * within 4 GiB of the block's first one. A block's names, NUL-terminated, are compressed
 * together with raw deflate (zlib, already linked for gzip responses): /proc/kallsyms' 3 MiB
 * of names take about 0.65 MiB, and its 120k addresses 4 bytes each. A lookup inflates one
 * block (a few microseconds); the last block inflated is kept, and decoded labels are cached
 * above this layer anyway.
 */
#define BLOCK_SYMS 128
#define DEFLATE_LEVEL 6

struct ks_block {
	uint64_t base; /* address of the block's first symbol */
	uint32_t first; /* index of its first symbol */
	uint32_t zoff; /* offset of its compressed names in z */
};

struct kallsyms {
	size_t n;
	uint32_t *delta; /* per symbol: address minus its block's base */
	/*
	 * File order, which breaks ties among equal names: runs of symbols on consecutive lines,
	 * the run starting at sorted index runs[k].index with line runs[k].seq. A sorted file
	 * has none (the line is the index); /proc/kallsyms has a handful.
	 */
	struct seq_run {
		uint32_t index;
		uint32_t seq;
	} * runs;
	size_t nruns;
	struct ks_block *blocks; /* nblocks + 1: the last is a sentinel (first = n, zoff = zlen) */
	size_t nblocks;
	uint8_t *z;
	size_t zlen;
	/* The block decoded last: names in plain, name j of the block at plain + off[j]. */
	size_t cur; /* SIZE_MAX: none */
	char *plain;
	size_t plain_cap;
	uint32_t off[BLOCK_SYMS];
	size_t plain_max; /* the longest block's names */
	z_stream inflater;
	bool inflater_ready;
	uint64_t loaded_at;
};

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

/* Doubles the full array of *cap entries, whose seq numbers must stay within 32 bits. */
static int grow_syms(struct ksym_entry **syms, size_t *cap)
{
	if (*cap > (size_t)1 << 31)
		return -E2BIG;
	return array_grow((void **)syms, cap, *cap + 1, sizeof(**syms));
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
static int parse_in_place(char *text, size_t len, struct ksym_entry **out, size_t *count,
			  bool *is_sorted, char *err, size_t errlen)
{
	struct ksym_entry *syms;
	const char *p = text, *end = text + len;
	size_t w = 0, n = 0, cap = len / 32 + 16;
	bool sorted = true;
	uint64_t prev = 0;
	int ret;

	syms = calloc(cap, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	*out = syms;
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
			*count = n;
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
			ret = grow_syms(out, &cap);
			if (ret)
				return ret;
			syms = *out;
		}
		syms[n].addr = addr;
		syms[n].name = (uint32_t)w;
		syms[n].seq = (uint32_t)n;
		if (addr < prev)
			sorted = false;
		prev = addr;
		n++;
		w += nlen + 1;
	}
	*count = n;
	*is_sorted = sorted;
	if (!sorted)
		qsort(syms, n, sizeof(*syms), cmp_addr);
	return 0;
}

/* Appends len bytes to ks->z, compressed as one raw deflate stream. */
static int compress_block(struct kallsyms *ks, z_stream *zs, size_t *zcap, char *src, size_t len)
{
	size_t bound = deflateBound(zs, (uLong)len);

	if (array_grow((void **)&ks->z, zcap, ks->zlen + bound, 1))
		return -ENOMEM;
	if (deflateReset(zs) != Z_OK)
		return -EIO;
	zs->next_in = (Bytef *)src;
	zs->avail_in = (uInt)len;
	zs->next_out = ks->z + ks->zlen;
	zs->avail_out = (uInt)(*zcap - ks->zlen);
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return -EIO;
	ks->zlen = (size_t)(zs->next_out - ks->z);
	if (len > ks->plain_max)
		ks->plain_max = len;
	return 0;
}

/* Records the runs of consecutive lines in sorted entries. */
static int build_runs(struct kallsyms *ks, const struct ksym_entry *syms, size_t n)
{
	size_t cap = 0;

	for (size_t i = 0; i < n; i++) {
		if (i && syms[i].seq == syms[i - 1].seq + 1)
			continue;
		if (array_grow((void **)&ks->runs, &cap, ks->nruns + 1, sizeof(*ks->runs)))
			return -ENOMEM;
		ks->runs[ks->nruns].index = (uint32_t)i;
		ks->runs[ks->nruns].seq = syms[i].seq;
		ks->nruns++;
	}
	return 0;
}

/* Line of the file that sorted symbol i came from. */
static size_t seq_of(const struct kallsyms *ks, size_t i)
{
	size_t lo = 0, hi = ks->nruns, mid;

	if (!ks->nruns)
		return i;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ks->runs[mid].index <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ks->runs[lo - 1].seq + (i - ks->runs[lo - 1].index);
}

/* Builds the compressed index from sorted entries whose names live in text. */
static int build(struct kallsyms *ks, const char *text, const struct ksym_entry *syms, size_t n,
		 bool sorted)
{
	size_t zcap = 4096, bcap = n / BLOCK_SYMS + 2, i = 0;
	struct buf plain = { 0 };
	bool deflater_ready = false;
	int ret = -ENOMEM;
	z_stream zs;

	ks->cur = SIZE_MAX;
	ks->n = n;
	ks->delta = calloc(n ? n : 1, sizeof(*ks->delta));
	ks->blocks = calloc(bcap, sizeof(*ks->blocks));
	ks->z = malloc(zcap);
	memset(&zs, 0, sizeof(zs));
	if (!ks->delta || !ks->blocks || !ks->z)
		goto out;
	if (deflateInit2(&zs, DEFLATE_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		goto out;
	deflater_ready = true;
	if (!sorted) {
		ret = build_runs(ks, syms, n);
		if (ret)
			goto out;
		ret = -ENOMEM;
	}
	while (i < n) {
		struct ks_block *b;
		size_t j;

		/* Room for this block and the end marker after the last. */
		if (array_grow((void **)&ks->blocks, &bcap, ks->nblocks + 2, sizeof(*ks->blocks)))
			goto out;
		b = &ks->blocks[ks->nblocks++];
		b->base = syms[i].addr;
		b->first = (uint32_t)i;
		b->zoff = (uint32_t)ks->zlen;
		buf_reset(&plain);
		for (j = i; j < n && j - i < BLOCK_SYMS && syms[j].addr - b->base <= UINT32_MAX;
		     j++) {
			const char *name = text + syms[j].name;
			size_t len = strlen(name) + 1;

			if (buf_append(&plain, name, len))
				goto out;
			ks->delta[j] = (uint32_t)(syms[j].addr - b->base);
		}
		ret = compress_block(ks, &zs, &zcap, plain.data, plain.len);
		if (ret)
			goto out;
		ret = -ENOMEM;
		if (ks->zlen > UINT32_MAX)
			goto out;
		i = j;
	}
	ks->blocks[ks->nblocks].first = (uint32_t)n;
	ks->blocks[ks->nblocks].zoff = (uint32_t)ks->zlen;
	/* Give back the slack of the compressed buffer. */
	if (ks->zlen && ks->zlen < zcap) {
		uint8_t *p = realloc(ks->z, ks->zlen);

		if (p)
			ks->z = p;
	}
	ret = 0;
out:
	if (deflater_ready)
		deflateEnd(&zs);
	buf_free(&plain);
	return ret;
}

static int finish(char *text, size_t len, struct kallsyms **out, char *err, size_t errlen)
{
	char et[128];
	struct kallsyms *ks = calloc(1, sizeof(*ks));
	struct ksym_entry *syms = NULL;
	bool sorted = true;
	size_t n = 0;
	int ret = -ENOMEM;

	if (ks) {
		ret = parse_in_place(text, len, &syms, &n, &sorted, err, errlen);
		if (!ret)
			ret = build(ks, text, syms, n, sorted);
	}
	free(syms);
	free(text);
	if (ret) {
		if (ret != -EINVAL)
			snprintf(err, errlen, "error indexing kallsyms: %s",
				 errno_text(ret, et, sizeof(et)));
		kallsyms__free(ks);
		return ret;
	}
	ks->loaded_at = clock_mono_ns();
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
	struct buf text = { 0 };
	const char *op;
	char et[128];
	int ret;

	ret = file_read_all(path, 0, &text, &op);
	if (ret) {
		buf_free(&text);
		if (!op) {
			snprintf(err, errlen, "error reading kallsyms: out of memory");
			return ret;
		}
		err[0] = '\0';
		gofmt_appendf(err, errlen, "%s kallsyms ",
			      strcmp(op, "open") == 0 ? "error opening" : "error scanning");
		gofmt_appendf(err, errlen, strcmp(op, "open") == 0 ? "at " : "from ");
		gofmt_append_quote(err, errlen, path, strlen(path));
		gofmt_appendf(err, errlen, ": %s %s: %s", op, path,
			      errno_text(ret, et, sizeof(et)));
		return ret;
	}
	if (!text.data && buf_reserve(&text, 1)) {
		snprintf(err, errlen, "error reading kallsyms: out of memory");
		return -ENOMEM;
	}
	text.data[text.len] = '\0';
	return finish(text.data, text.len, out, err, errlen);
}

void kallsyms__free(struct kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->delta);
	free(ks->runs);
	free(ks->blocks);
	free(ks->z);
	free(ks->plain);
	if (ks->inflater_ready)
		inflateEnd(&ks->inflater);
	free(ks);
}

size_t kallsyms__count(const struct kallsyms *ks)
{
	return ks ? ks->n : 0;
}

size_t kallsyms__bytes(const struct kallsyms *ks)
{
	if (!ks)
		return 0;
	return sizeof(*ks) + ks->n * sizeof(*ks->delta) + ks->nruns * sizeof(*ks->runs) +
	       (ks->nblocks + 1) * sizeof(*ks->blocks) + ks->zlen + ks->plain_cap;
}

bool kallsyms__equal(const struct kallsyms *a, const struct kallsyms *b)
{
	if (!a || !b)
		return a == b;
	/* The same names in the same blocks compress to the same bytes. */
	return a->n == b->n && a->nblocks == b->nblocks && a->zlen == b->zlen &&
	       !memcmp(a->delta, b->delta, a->n * sizeof(*a->delta)) &&
	       !memcmp(a->blocks, b->blocks, (a->nblocks + 1) * sizeof(*a->blocks)) &&
	       !memcmp(a->z, b->z, a->zlen);
}

uint64_t kallsyms__loaded_at(const struct kallsyms *ks)
{
	return ks ? ks->loaded_at : 0;
}

static uint64_t addr_of(const struct kallsyms *ks, size_t blk, size_t i)
{
	return ks->blocks[blk].base + ks->delta[i];
}

/* Inflates block blk into ks->plain unless it is there already; 0 or negative errno. */
static int load_block(struct kallsyms *ks, size_t blk)
{
	const struct ks_block *b = &ks->blocks[blk];
	size_t count = b[1].first - b->first, k = 0, got;

	if (ks->cur == blk)
		return 0;
	/* off has room for one block: BLOCK_SYMS names at most */
	if (count > BLOCK_SYMS)
		return -EIO;
	if (!ks->plain) {
		ks->plain = malloc(ks->plain_max + 1);
		if (!ks->plain)
			return -ENOMEM;
		ks->plain_cap = ks->plain_max + 1;
	}
	if (!ks->inflater_ready) {
		memset(&ks->inflater, 0, sizeof(ks->inflater));
		if (inflateInit2(&ks->inflater, -15) != Z_OK)
			return -ENOMEM;
		ks->inflater_ready = true;
	} else if (inflateReset(&ks->inflater) != Z_OK) {
		return -EIO;
	}
	ks->cur = SIZE_MAX;
	ks->inflater.next_in = ks->z + b->zoff;
	ks->inflater.avail_in = b[1].zoff - b->zoff;
	ks->inflater.next_out = (Bytef *)ks->plain;
	ks->inflater.avail_out = (uInt)ks->plain_max;
	if (inflate(&ks->inflater, Z_FINISH) != Z_STREAM_END)
		return -EIO;
	got = (size_t)((char *)ks->inflater.next_out - ks->plain);
	ks->plain[got] = '\0';
	for (size_t pos = 0; pos < got && k < count; k++) {
		ks->off[k] = (uint32_t)pos;
		pos += strlen(ks->plain + pos) + 1;
	}
	if (k != count)
		return -EIO;
	ks->cur = blk;
	return 0;
}

/* Name of symbol i, which lives in block blk; NULL if its block cannot be decoded. */
static const char *name_of(struct kallsyms *ks, size_t blk, size_t i)
{
	if (load_block(ks, blk))
		return NULL;
	return ks->plain + ks->off[i - ks->blocks[blk].first];
}

/*
 * The last symbol with address <= addr: its index in *idx and block in *blk. False when addr
 * is below every symbol.
 */
static bool find_le(const struct kallsyms *ks, uint64_t addr, size_t *blk, size_t *idx)
{
	size_t lo = 0, hi = ks->nblocks, mid, b;

	/* The last block whose base is <= addr holds the answer. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ks->blocks[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	b = lo - 1;
	lo = ks->blocks[b].first;
	hi = ks->blocks[b + 1].first;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr_of(ks, b, mid) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*blk = b;
	*idx = lo - 1;
	return true;
}

const char *kallsyms__exact(struct kallsyms *ks, uint64_t addr)
{
	size_t blk, i;

	if (!ks || !find_le(ks, addr, &blk, &i) || addr_of(ks, blk, i) != addr)
		return NULL;
	return name_of(ks, blk, i);
}

const char *kallsyms__nearest(struct kallsyms *ks, uint64_t addr, uint64_t *sym_addr)
{
	size_t blk, i;

	if (!ks || !find_le(ks, addr, &blk, &i))
		return NULL;
	if (sym_addr)
		*sym_addr = addr_of(ks, blk, i);
	return name_of(ks, blk, i);
}

int kallsyms__addr(struct kallsyms *ks, const char *name, uint64_t *addr)
{
	size_t best_seq = 0;
	bool found = false;
	int ret;

	if (!ks)
		return -ENOENT;
	/* A scan of every block: used for a few kaddrs at start-up. */
	for (size_t b = 0; b < ks->nblocks; b++) {
		ret = load_block(ks, b);
		if (ret)
			return ret;
		for (size_t i = ks->blocks[b].first; i < ks->blocks[b + 1].first; i++) {
			size_t seq;

			if (strcmp(ks->plain + ks->off[i - ks->blocks[b].first], name) != 0)
				continue;
			seq = seq_of(ks, i);
			if (found && seq < best_seq)
				continue;
			found = true;
			best_seq = seq;
			*addr = addr_of(ks, b, i);
		}
	}
	return found ? 0 : -ENOENT;
}
