// SPDX-License-Identifier: MIT
/*
 * Counts the packets arriving on the loopback interface, by network protocol (IPv4, IPv6),
 * transport protocol and destination port, in an XDP program. The exporter attaches it to the
 * interface named in the section (xdp/IFNAME) and detaches it on exit. Every packet passes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

/* Distinct (protocol, port) pairs counted; ports of TCP and UDP only, 0 for other protocols. */
#define MAX_FLOWS 4096

struct packet_key {
	u16 ip; /* ethertype, host order: 2048 IPv4, 34525 IPv6 */
	u16 protocol; /* IP protocol number */
	u16 dst_port; /* host order; 0 unless TCP or UDP */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_FLOWS);
	__type(key, struct packet_key);
	__type(value, u64);
} xdp_incoming_packets_total SEC(".maps");

/* Destination port of the TCP or UDP header at l4, 0 if it does not fit in the packet. */
static __always_inline u16 dst_port(void *l4, void *end, u8 protocol)
{
	if (protocol == PROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) <= end)
			return bpf_ntohs(tcp->dest);
	} else if (protocol == PROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) <= end)
			return bpf_ntohs(udp->dest);
	}
	return 0;
}

SEC("xdp/lo")
int xdp_count_packets(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct packet_key key = {};
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	key.ip = bpf_ntohs(eth->h_proto);
	if (key.ip == ETH_P_IPV4) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return XDP_PASS;
		key.protocol = ip->protocol;
		key.dst_port = dst_port((void *)ip + ip->ihl * 4, end, ip->protocol);
	} else if (key.ip == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		/* Extension headers are not followed: their packets count under their type. */
		key.protocol = ip6->nexthdr;
		key.dst_port = dst_port(ip6 + 1, end, ip6->nexthdr);
	} else {
		return XDP_PASS;
	}
	increment_map(&xdp_incoming_packets_total, &key, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
