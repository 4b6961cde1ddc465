// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for xdp/ sections: counts the UDP/IPv4 packets arriving
 * on the test's veth interface `eexdp0`, by destination port. Two more programs: one for an
 * interface that does not exist (attach fails, logged) and libbpf's own `xdp/devmap`, which
 * must stay a devmap program rather than be read as an interface name.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.bpf.h"

#define ETH_P_IP 0x0800
#define IPPROTO_UDP_NR 17

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u16);
	__type(value, u64);
} e2e_xdp_udp_packets_total SEC(".maps");

SEC("xdp/eexdp0")
int e2e_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	u16 port;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP_NR || ip->ihl < 5)
		return XDP_PASS;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	port = bpf_ntohs(udp->dest);
	increment_map(&e2e_xdp_udp_packets_total, &port, 1);
	return XDP_PASS;
}

SEC("xdp/ee-no-such-if")
int e2e_xdp_missing(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp/devmap")
int e2e_xdp_devmap(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
