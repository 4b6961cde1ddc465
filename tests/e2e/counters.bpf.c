// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for counters: a uprobe on the trigger binary (copied by run.sh to
 * the fixed path below) writes known keys into one map per key layout the exporter must
 * decode. ee_trigger(kind, a, b) selects the map with `kind`; see each case.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

#define NAME_LEN 16

enum trigger_kind {
	KIND_HASH = 1, /* e2e_hash_total[{id = a, name = 16 bytes at b}] += 1 */
	KIND_ARRAY = 2, /* e2e_array_total[a] += b */
	KIND_PCPU_HASH = 3, /* e2e_pcpu_hash_total[a] += b on this CPU */
	KIND_PCPU_ARRAY = 4, /* e2e_pcpu_array_total[a] += b on this CPU */
	KIND_NOLABELS = 5, /* e2e_nolabels_total[0] += a */
	KIND_PADDED = 6, /* e2e_padded_total[{op = a, pad = b & 0xff, mode = b >> 8}] += 1 */
	KIND_REGEXP = 7, /* e2e_regexp_total[{id = a, name = 16 bytes at b}] += 1 */
	KIND_HEX = 8, /* e2e_hex_total[4 bytes of a, host order] += 1 */
	KIND_PCPU_CPU = 9, /* e2e_pcpu_cpu_total[0] += 1 on this CPU */
};

struct named_key {
	u32 id;
	char name[NAME_LEN];
};

/* One label of 1 byte followed by 3 bytes the labels skip as padding. */
struct padded_key {
	u8 op;
	u8 pad[3];
	u32 mode;
};

struct hex_key {
	u8 raw[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct named_key);
	__type(value, u64);
} e2e_hash_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} e2e_array_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} e2e_pcpu_hash_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
} e2e_pcpu_array_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_pcpu_cpu_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_nolabels_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct padded_key);
	__type(value, u64);
} e2e_padded_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct named_key);
	__type(value, u64);
} e2e_regexp_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct hex_key);
	__type(value, u64);
} e2e_hex_total SEC(".maps");

static __always_inline int count_named(void *map, u64 id, u64 name_addr)
{
	struct named_key key = { .id = id };

	if (bpf_probe_read_user(key.name, sizeof(key.name), (void *)name_addr))
		return 0;
	return increment_map(map, &key, 1);
}

static __always_inline int add_to_array(void *map, u32 index, u64 value, bool percpu)
{
	u64 *count;

	read_array_ptr(map, &index, count);
	if (percpu)
		*count += value;
	else
		__sync_fetch_and_add(count, value);
	return 0;
}

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_uprobe, unsigned int kind, u64 a, u64 b)
{
	switch (kind) {
	case KIND_HASH:
		return count_named(&e2e_hash_total, a, b);
	case KIND_ARRAY:
		return add_to_array(&e2e_array_total, a, b, false);
	case KIND_PCPU_HASH: {
		u32 key = a;

		return increment_map_nosync(&e2e_pcpu_hash_total, &key, b);
	}
	case KIND_PCPU_ARRAY:
		return add_to_array(&e2e_pcpu_array_total, a, b, true);
	case KIND_NOLABELS:
		return add_to_array(&e2e_nolabels_total, 0, a, false);
	case KIND_PADDED: {
		struct padded_key key = { .op = a, .mode = b >> 8 };

		/* Padding bytes that differ must not split a series. */
		key.pad[0] = key.pad[1] = key.pad[2] = b & 0xff;
		return increment_map(&e2e_padded_total, &key, 1);
	}
	case KIND_REGEXP:
		return count_named(&e2e_regexp_total, a, b);
	case KIND_HEX: {
		struct hex_key key;

		__builtin_memcpy(key.raw, &a, sizeof(key.raw));
		return increment_map(&e2e_hex_total, &key, 1);
	}
	case KIND_PCPU_CPU:
		return add_to_array(&e2e_pcpu_cpu_total, 0, 1, true);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
