// SPDX-License-Identifier: MIT
/*
 * Counts IP fragments queued for reassembly (inet_frag_queue_insert(), shared by IPv4, IPv6
 * and netfilter's defragmentation) by the interface they arrived on and their IP version. No
 * tracepoint marks that path, so this example needs a kprobe.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#define MAX_KEYS 64

/* Keep in sync with inet-frags.yaml: interface (4), ip_version (1 + 3 padding). */
struct inet_frags_key {
	u32 ifindex;
	u8 ip_version;
	u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_KEYS);
	__type(key, struct inet_frags_key);
	__type(value, u64);
} inet_frags_total SEC(".maps");

SEC("kprobe/inet_frag_queue_insert")
int BPF_KPROBE(inet_frag_queue_insert, struct inet_frag_queue *q, struct sk_buff *skb)
{
	struct inet_frags_key key = {};
	u8 first_byte;
	void *l3;

	l3 = BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, network_header);
	/* The version is the high nibble of the first byte, in IPv4 and IPv6 headers alike. */
	if (bpf_probe_read_kernel(&first_byte, sizeof(first_byte), l3))
		return 0;
	key.ip_version = first_byte >> 4;
	key.ifindex = BPF_CORE_READ(skb, skb_iif);
	return increment_map(&inet_frags_total, &key, 1);
}

char LICENSE[] SEC("license") = "GPL";
