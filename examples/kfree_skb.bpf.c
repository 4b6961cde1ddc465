// SPDX-License-Identifier: MIT
/*
 * Counts dropped packets (skb:kfree_skb; consumed packets go to skb:consume_skb instead) by
 * EtherType, IP protocol, destination port and drop reason, read from the packet's headers.
 * Only packets whose MAC and transport headers are set are counted (locally generated packets
 * dropped before the MAC header was built, for instance, are not).
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
/* skb->mac_header / transport_header when the header is not set (the kernel's (u16)~0U). */
#define HEADER_UNSET 0xffff

#define MAX_KEYS 10240

/* Keep in sync with kfree_skb.yaml: eth_proto, ip_proto, port, reason (2 bytes each). */
struct kfree_skb_key {
	u16 eth_proto;
	u16 ip_proto;
	u16 port;
	u16 reason;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_KEYS);
	__type(key, struct kfree_skb_key);
	__type(value, u64);
} kfree_skb_total SEC(".maps");

/* The IP protocol (IPv4) or next header (IPv6) of the packet, 0 if unknown. */
static __always_inline u16 ip_protocol(const struct sk_buff *skb, u16 eth_proto)
{
	void *l3 = skb->head + skb->network_header;
	struct ipv6hdr ip6;
	struct iphdr ip4;

	switch (eth_proto) {
	case ETH_P_IP:
		if (bpf_probe_read_kernel(&ip4, sizeof(ip4), l3))
			return 0;
		return ip4.protocol;
	case ETH_P_IPV6:
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), l3))
			return 0;
		return ip6.nexthdr;
	}
	return 0;
}

/* The TCP or UDP destination port of the packet, 0 for other protocols. */
static __always_inline u16 destination_port(const struct sk_buff *skb, u16 ip_proto)
{
	void *l4 = skb->head + skb->transport_header;
	struct tcphdr tcp;
	struct udphdr udp;

	switch (ip_proto) {
	case IPPROTO_TCP:
		if (bpf_probe_read_kernel(&tcp, sizeof(tcp), l4))
			return 0;
		return bpf_ntohs(tcp.dest);
	case IPPROTO_UDP:
		if (bpf_probe_read_kernel(&udp, sizeof(udp), l4))
			return 0;
		return bpf_ntohs(udp.dest);
	}
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	struct kfree_skb_key key = {};
	struct ethhdr eth;

	if (skb->mac_header == HEADER_UNSET)
		return 0;
	if (bpf_probe_read_kernel(&eth, sizeof(eth), skb->head + skb->mac_header))
		return 0;
	key.eth_proto = bpf_ntohs(eth.h_proto);
	if (!key.eth_proto && !skb->protocol)
		return 0;
	key.ip_proto = ip_protocol(skb, key.eth_proto);
	if (skb->transport_header == HEADER_UNSET)
		return 0;
	key.port = destination_port(skb, key.ip_proto);
	key.reason = reason;
	return increment_map(&kfree_skb_total, &key, 1);
}

char LICENSE[] SEC("license") = "GPL";
