// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for the map fill metrics: a uprobe on the trigger binary (copied by
 * run.sh to the fixed path below) inserts or deletes ranges of distinct keys, so that every map
 * holds an exactly known number of entries. ee_trigger(kind, a, b) with kind:
 *   FILL_BASE + m   inserts keys a .. a+b-1 into map m (see map_index; b at most MAX_RANGE)
 *   DELETE_BASE + m deletes keys a .. a+b-1 from map m
 * Metric maps: e2e_fill_total (hash), e2e_fill_pcpu_total (per-CPU hash), e2e_fill_array_total
 * (array, always full), e2e_fill_hist (histogram hash: keys {a + i, bucket 0}).
 * The others, which no metric reads: start (hash), lru_start (LRU hash), pcpu_start (per-CPU
 * hash), lru_pcpu_start (LRU per-CPU hash), outer (hash of maps, filled from the test with
 * bpftool: e2e_inner is its inner map) and settings (an array: not counted).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define FILL_BASE 10
#define DELETE_BASE 30
#define MAX_RANGE 4096

enum map_index {
	M_START = 0,
	M_LRU_START = 1,
	M_PCPU_START = 2,
	M_LRU_PCPU_START = 3,
	M_FILL = 4,
	M_FILL_PCPU = 5,
	M_HIST = 6,
};

#define U32_MAP(map_type, entries, name)      \
	struct {                              \
		__uint(type, map_type);       \
		__uint(max_entries, entries); \
		__type(key, u32);             \
		__type(value, u64);           \
	} name SEC(".maps")

U32_MAP(BPF_MAP_TYPE_HASH, 128, start);
U32_MAP(BPF_MAP_TYPE_LRU_HASH, 256, lru_start);
U32_MAP(BPF_MAP_TYPE_PERCPU_HASH, 16, pcpu_start);
U32_MAP(BPF_MAP_TYPE_LRU_PERCPU_HASH, 512, lru_pcpu_start);
U32_MAP(BPF_MAP_TYPE_HASH, 64, e2e_fill_total);
U32_MAP(BPF_MAP_TYPE_PERCPU_HASH, 32, e2e_fill_pcpu_total);
U32_MAP(BPF_MAP_TYPE_ARRAY, 8, e2e_fill_array_total);
U32_MAP(BPF_MAP_TYPE_ARRAY, 4, settings);

struct hist_key {
	u32 label;
	u32 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 100);
	__type(key, struct hist_key);
	__type(value, u64);
} e2e_fill_hist SEC(".maps");

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, u32);
	__array(values, struct inner_map);
} outer SEC(".maps");

struct range_ctx {
	u32 map;
	u32 first;
	bool del;
};

static void *map_of(u32 m)
{
	switch (m) {
	case M_START:
		return &start;
	case M_LRU_START:
		return &lru_start;
	case M_PCPU_START:
		return &pcpu_start;
	case M_LRU_PCPU_START:
		return &lru_pcpu_start;
	case M_FILL:
		return &e2e_fill_total;
	case M_FILL_PCPU:
		return &e2e_fill_pcpu_total;
	}
	return NULL;
}

static long range_step(u64 i, void *arg)
{
	struct range_ctx *x = arg;
	u32 key = x->first + (u32)i;
	u64 one = 1;
	void *map;

	if (x->map == M_HIST) {
		struct hist_key hk = { .label = key, .bucket = 0 };

		if (x->del)
			bpf_map_delete_elem(&e2e_fill_hist, &hk);
		else
			bpf_map_update_elem(&e2e_fill_hist, &hk, &one, BPF_ANY);
		return 0;
	}
	map = map_of(x->map);
	if (!map)
		return 1;
	if (x->del)
		bpf_map_delete_elem(map, &key);
	else
		bpf_map_update_elem(map, &key, &one, BPF_ANY);
	return 0;
}

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_fill_uprobe, unsigned int kind, u64 a, u64 b)
{
	struct range_ctx x = { .first = a };

	if (b > MAX_RANGE)
		return 0;
	if (kind >= DELETE_BASE) {
		x.map = kind - DELETE_BASE;
		x.del = true;
	} else if (kind >= FILL_BASE) {
		x.map = kind - FILL_BASE;
	} else {
		return 0;
	}
	bpf_loop(b, range_step, &x, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
