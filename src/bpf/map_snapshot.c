// SPDX-License-Identifier: MIT
#include "bpf/map_snapshot.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/memcheck.h"

/* Entries asked for per BPF_MAP_LOOKUP_BATCH call. */
#define BATCH_CHUNK 4096

bool map_type_percpu(int map_type)
{
	return map_type == BPF_MAP_TYPE_PERCPU_HASH || map_type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Grows keys and values together: both hold s->cap entries. */
static int snapshot_grow(struct map_snapshot *s, size_t want)
{
	size_t kcap = s->cap, vcap = s->cap;

	if (array_grow((void **)&s->keys, &kcap, want, s->key_size ? s->key_size : 1) ||
	    array_grow((void **)&s->values, &vcap, want, s->value_size))
		return -ENOMEM;
	s->cap = kcap;
	return 0;
}

static bool batch_supported(int map_type)
{
	switch (map_type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return true;
	default:
		return false;
	}
}

/*
 * Batch read. Returns 0 when the whole map was read, -EOPNOTSUPP when the kernel does not
 * do batches for this map (the caller falls back once and remembers), or another error.
 */
static int read_batch(struct map_snapshot *s, int fd)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	void *in = NULL;
	size_t chunk = BATCH_CHUNK;
	int err;

	s->n = 0;
	for (;;) {
		__u32 count;

		err = snapshot_grow(s, s->n + chunk);
		if (err)
			return err;
		count = (__u32)chunk;
		err = bpf_map_lookup_batch(fd, in, s->batch_out, s->keys + s->n * s->key_size,
					   s->values + s->n * s->value_size, &count, &opts);
		if (err < 0)
			err = -errno;
		MEMCHECK_DEFINED(s->keys + s->n * s->key_size, (size_t)count * s->key_size);
		MEMCHECK_DEFINED(s->values + s->n * s->value_size, (size_t)count * s->value_size);
		MEMCHECK_DEFINED(s->batch_out, s->key_size > 8 ? s->key_size : 8);
		s->n += count;
		if (err == -ENOENT)
			return 0;
		if (err == -ENOSPC && count == 0) {
			/* One hash bucket holds more entries than we asked for. */
			if (chunk >= ((size_t)1 << 24))
				return err;
			chunk *= 2;
			continue;
		}
		if (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP || err == -524) {
			/* 524 is the kernel's ENOTSUPP, which never reaches libc's table. */
			if (s->n == 0 && !in)
				return -EOPNOTSUPP;
			return err;
		}
		if (err)
			return err;
		/* The out token becomes the next call's in token. */
		memcpy(s->batch_in, s->batch_out, s->key_size > 8 ? s->key_size : 8);
		in = s->batch_in;
	}
}

/*
 * Key-by-key read: get-next-key plus one lookup per key (upstream's pattern). A key that
 * vanishes between listing and lookup is dropped alone. A hash cursor that
 * vanished makes the kernel restart from the first bucket, so the walk is bounded by the
 * map's capacity to never loop forever.
 */
static int read_iter(struct map_snapshot *s, int fd, uint32_t max_entries)
{
	uint8_t *cursor = s->batch_in; /* at least key_size bytes */
	bool have_cursor = false;
	uint64_t steps = 0, limit = (uint64_t)max_entries * 2 + 16;
	int err;

	s->n = 0;
	for (;;) {
		uint8_t *key, *val;

		if (++steps > limit)
			return -EAGAIN;
		err = snapshot_grow(s, s->n + 1);
		if (err)
			return err;
		key = s->keys + s->n * s->key_size;
		val = s->values + s->n * s->value_size;
		err = bpf_map_get_next_key(fd, have_cursor ? cursor : NULL, key);
		if (err < 0) {
			err = -errno;
			return err == -ENOENT ? 0 : err;
		}
		MEMCHECK_DEFINED(key, s->key_size);
		memcpy(cursor, key, s->key_size);
		have_cursor = true;
		err = bpf_map_lookup_elem(fd, key, val);
		if (err == 0)
			MEMCHECK_DEFINED(val, s->value_size);
		if (err < 0) {
			err = -errno;
			if (err != -ENOENT)
				return err;
			s->vanished++;
			continue;
		}
		s->n++;
	}
}

int map_snapshot__read(struct map_snapshot *s, int fd, int map_type, uint32_t key_size,
		       uint32_t value_size, uint32_t max_entries)
{
	int err;

	if (!s->key_size) {
		size_t tok = key_size > 8 ? key_size : 8;

		s->key_size = key_size;
		s->percpu = map_type_percpu(map_type);
		s->ncpus = 1;
		if (s->percpu) {
			int n = libbpf_num_possible_cpus();

			if (n <= 0)
				return n < 0 ? n : -EINVAL;
			s->ncpus = n;
		}
		s->value_size = ((value_size + 7) / 8 * 8) * (uint32_t)s->ncpus;
		s->batch_in = calloc(1, tok);
		s->batch_out = calloc(1, tok);
		if (!s->batch_in || !s->batch_out)
			return -ENOMEM;
		s->no_batch = !batch_supported(map_type);
	}
	if (!s->no_batch) {
		err = read_batch(s, fd);
		if (err != -EOPNOTSUPP)
			return err;
		s->no_batch = true;
	}
	return read_iter(s, fd, max_entries);
}

void map_snapshot__free(struct map_snapshot *s)
{
	if (!s)
		return;
	free(s->keys);
	free(s->values);
	free(s->batch_in);
	free(s->batch_out);
	memset(s, 0, sizeof(*s));
}
