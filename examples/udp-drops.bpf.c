// SPDX-License-Identifier: MIT
/*
 * Counts UDP datagrams the kernel could not queue on the receiving socket (full receive buffer
 * or no memory: udp:udp_fail_queue_rcv_skb), by the socket's local port.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/*
 * Ports from here on are counted as port 0: they are mostly ephemeral ports of outgoing
 * traffic, too many to keep apart and hard to tie to a service.
 */
#define UPPER_PORT_BOUND 9024

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UPPER_PORT_BOUND);
	__type(key, u16);
	__type(value, u64);
} udp_fail_queue_rcv_skbs_total SEC(".maps");

SEC("tp_btf/udp_fail_queue_rcv_skb")
int BPF_PROG(udp_fail_queue_rcv_skb, int rc, struct sock *sk)
{
	u16 port = sk->__sk_common.skc_num;

	if (port >= UPPER_PORT_BOUND)
		port = 0;
	return increment_map(&udp_fail_queue_rcv_skbs_total, &port, 1);
}

char LICENSE[] SEC("license") = "GPL";
