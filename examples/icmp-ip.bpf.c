// SPDX-License-Identifier: MIT
/*
 * Counts ICMP packets the kernel receives for itself, by source address: kprobes on the IPv4
 * and IPv6 ICMP receive functions, which the kernel calls for every locally delivered ICMP
 * packet. No tracepoint marks that path, so this example needs kprobes.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#define MAX_SOURCES 10240

/* Keep in sync with icmp-ip.yaml: source_addr (4 or 16 bytes, network order). */
struct icmp4_key {
	u8 addr[4];
};

struct icmp6_key {
	u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_SOURCES);
	__type(key, struct icmp4_key);
	__type(value, u64);
} icmp4_received_packets_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_SOURCES);
	__type(key, struct icmp6_key);
	__type(value, u64);
} icmp6_received_packets_total SEC(".maps");

/* Start of the packet's IP header. */
static __always_inline void *network_header(struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, network_header);
}

SEC("kprobe/icmp_rcv")
int BPF_KPROBE(icmp_rcv, struct sk_buff *skb)
{
	struct icmp4_key key;
	struct iphdr ip;

	if (bpf_probe_read_kernel(&ip, sizeof(ip), network_header(skb)))
		return 0;
	__builtin_memcpy(key.addr, &ip.saddr, sizeof(key.addr));
	return increment_map(&icmp4_received_packets_total, &key, 1);
}

SEC("kprobe/icmpv6_rcv")
int BPF_KPROBE(icmpv6_rcv, struct sk_buff *skb)
{
	struct icmp6_key key;
	struct ipv6hdr ip6;

	if (bpf_probe_read_kernel(&ip6, sizeof(ip6), network_header(skb)))
		return 0;
	__builtin_memcpy(key.addr, &ip6.saddr, sizeof(key.addr));
	return increment_map(&icmp6_received_packets_total, &key, 1);
}

char LICENSE[] SEC("license") = "GPL";
