// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for histograms: a uprobe on the trigger binary (copied by run.sh to
 * the fixed path below) writes known rows into one histogram map per bucket type and layout.
 * ee_trigger(kind, a, b) selects the map with `kind`. For the raw kinds, a is the bucket
 * index written as is (out-of-range indexes and the sum key included) and b packs the other
 * label in its upper 32 bits and the value added in its lower 32 bits. For the helper kinds,
 * a is the observed value, run through include/maps.bpf.h's histogram helpers, and b the
 * label.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

enum trigger_kind {
	KIND_EXP2 = 20, /* e2e_exp2_seconds[{op = b >> 32, bucket = a}] += (u32)b */
	KIND_EXP2ZERO = 21, /* e2e_exp2zero_seconds[{kind = b >> 32, bucket = a}] += (u32)b */
	KIND_LINEAR = 22, /* e2e_linear[{bucket = a}] += (u32)b */
	KIND_FIXED = 23, /* e2e_fixed_seconds[{dev = b >> 32, bucket = a}] += (u32)b */
	KIND_PCPU_CPU = 24, /* e2e_pcpu_cpu[{kind = b >> 32, bucket = a}] += (u32)b, this CPU */
	KIND_PCPU_SUM = 25, /* e2e_pcpu_sum_seconds[a] += (u32)b on this CPU */
	KIND_MERGED = 26, /* e2e_merged[{op = b >> 32, junk = b >> 40, bucket = a}] += (u32)b */
	KIND_ONE_BUCKET = 27, /* e2e_one_bucket[{bucket = a}] += (u32)b */
	KIND_HELPER_EXP2 =
		28, /* increment_exp2_histogram(e2e_helper_exp2_seconds, {kind = b}, a) */
	KIND_HELPER_EXP2ZERO = 29, /* increment_exp2zero_histogram(e2e_helper_exp2zero, ...) */
	KIND_HELPER_PCPU = 30, /* increment_exp2_histogram_nosync(e2e_helper_pcpu, {}, a) */
};

/* Buckets 0..3 and the sum at 4 (the README's worked example). */
#define EXP2_MAX 3

/* An 8-byte bucket after a 1-byte label and 7 bytes the config skips as padding. */
struct exp2_key {
	u8 op;
	u8 pad[7];
	u64 bucket;
};

struct u32_key {
	u32 label;
	u32 bucket;
};

struct u16_key {
	u16 bucket;
};

/* Bytes 1..3 are padding with varying content: they must not split a series. */
struct merged_key {
	u8 op;
	u8 junk[3];
	u32 bucket;
};

struct helper_key {
	u32 kind;
	u32 bucket;
};

struct pcpu_helper_key {
	u32 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct exp2_key);
	__type(value, u64);
} e2e_exp2_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct u32_key);
	__type(value, u64);
} e2e_exp2zero_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct u16_key);
	__type(value, u64);
} e2e_linear SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct u32_key);
	__type(value, u64);
} e2e_fixed_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, struct u32_key);
	__type(value, u64);
} e2e_pcpu_cpu SEC(".maps");

/* Buckets 0..3 and the sum at 4: every index exists, zeros too. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXP2_MAX + 2);
	__type(key, u32);
	__type(value, u64);
} e2e_pcpu_sum_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct merged_key);
	__type(value, u64);
} e2e_merged SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct u32_key);
	__type(value, u64);
} e2e_one_bucket SEC(".maps");

/* Never written: a histogram without rows has no family. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct u32_key);
	__type(value, u64);
} e2e_empty_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct helper_key);
	__type(value, u64);
} e2e_helper_exp2_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct helper_key);
	__type(value, u64);
} e2e_helper_exp2zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, struct pcpu_helper_key);
	__type(value, u64);
} e2e_helper_pcpu SEC(".maps");

static __always_inline int add_u32_key(void *map, u64 a, u64 b)
{
	struct u32_key key = { .label = b >> 32, .bucket = a };

	return increment_map(map, &key, (u32)b);
}

static __always_inline int add_raw(unsigned int kind, u64 a, u64 b)
{
	switch (kind) {
	case KIND_EXP2: {
		struct exp2_key key = { .op = b >> 32, .bucket = a };

		return increment_map(&e2e_exp2_seconds, &key, (u32)b);
	}
	case KIND_EXP2ZERO:
		return add_u32_key(&e2e_exp2zero_seconds, a, b);
	case KIND_LINEAR: {
		struct u16_key key = { .bucket = a };

		return increment_map(&e2e_linear, &key, (u32)b);
	}
	case KIND_FIXED:
		return add_u32_key(&e2e_fixed_seconds, a, b);
	case KIND_PCPU_CPU: {
		struct u32_key key = { .label = b >> 32, .bucket = a };

		return increment_map_nosync(&e2e_pcpu_cpu, &key, (u32)b);
	}
	case KIND_PCPU_SUM: {
		u32 index = a;
		u64 *count;

		read_array_ptr(&e2e_pcpu_sum_seconds, &index, count);
		*count += (u32)b;
		return 0;
	}
	case KIND_MERGED: {
		struct merged_key key = { .op = b >> 32, .bucket = a };
		u8 junk = b >> 40;

		key.junk[0] = key.junk[1] = key.junk[2] = junk;
		return increment_map(&e2e_merged, &key, (u32)b);
	}
	case KIND_ONE_BUCKET:
		return add_u32_key(&e2e_one_bucket, a, b);
	}
	return 0;
}

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_hist_uprobe, unsigned int kind, u64 a, u64 b)
{
	switch (kind) {
	case KIND_HELPER_EXP2: {
		struct helper_key key = { .kind = b };

		/* Buckets 0..5, the sum at 6. */
		increment_exp2_histogram(&e2e_helper_exp2_seconds, key, a, 5);
		return 0;
	}
	case KIND_HELPER_EXP2ZERO: {
		struct helper_key key = { .kind = b };

		/* Buckets 0..4, the sum at 5. */
		increment_exp2zero_histogram(&e2e_helper_exp2zero, key, a, 4);
		return 0;
	}
	case KIND_HELPER_PCPU: {
		struct pcpu_helper_key key = {};

		/* Buckets 0..3, the sum at 4. */
		increment_exp2_histogram_nosync(&e2e_helper_pcpu, key, a, EXP2_MAX);
		return 0;
	}
	}
	return add_raw(kind, a, b);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
