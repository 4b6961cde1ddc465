// SPDX-License-Identifier: MIT
/*
 * Counts TCP retransmissions (tcp:tcp_retransmit_skb) by local address, peer address, main
 * port and type: a retransmission (RTO, fast retransmit, ...) or a tail loss probe.
 *
 * The tracepoint fires for both, in __tcp_retransmit_skb(), for every attempt; only attempts
 * that sent the packet (err == 0) are counted. A tail loss probe is told apart by the state
 * it runs in: the loss-probe timer is the socket's pending timer and congestion control is
 * still Open, while every other retransmission first moves it to Recovery or Loss.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

#define MAX_ENTRIES 8192

/* Values of the type label. */
#define RETRANSMIT 1
#define TLP 2

#define AF_INET 2
#define AF_INET6 10
/* include/net/inet_connection_sock.h */
#define ICSK_TIME_LOSS_PROBE 5

/* The lower port of the connection if it is below this (a service port), else 0. */
#define UPPER_PORT_BOUND 32768

/* Keep in sync with tcp-retransmit.yaml: local_ip, peer_ip, main_port (4), type (4). */
struct ipv4_key {
	u8 saddr[4];
	u8 daddr[4];
	u32 main_port;
	u32 type;
};

struct ipv6_key {
	u8 saddr[16];
	u8 daddr[16];
	u32 main_port;
	u32 type;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct ipv4_key);
	__type(value, u64);
} tcp_retransmit_ipv4_packets_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct ipv6_key);
	__type(value, u64);
} tcp_retransmit_ipv6_packets_total SEC(".maps");

static __always_inline u32 main_port(const struct sock *sk)
{
	u16 local = sk->__sk_common.skc_num;
	u16 peer = __builtin_bswap16(sk->__sk_common.skc_dport);
	u16 port = local < peer ? local : peer;

	return port < UPPER_PORT_BOUND ? port : 0;
}

static __always_inline u32 retransmit_type(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = (const void *)sk;

	if (BPF_CORE_READ(icsk, icsk_pending) == ICSK_TIME_LOSS_PROBE &&
	    BPF_CORE_READ_BITFIELD_PROBED(icsk, icsk_ca_state) == TCP_CA_Open)
		return TLP;
	return RETRANSMIT;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb, int err)
{
	u16 family = sk->__sk_common.skc_family;

	/* Not sent: the original is still queued in the host, no route, no memory, ... */
	if (err)
		return 0;

	if (family == AF_INET) {
		struct ipv4_key key = {};

		__builtin_memcpy(key.saddr, &sk->__sk_common.skc_rcv_saddr, sizeof(key.saddr));
		__builtin_memcpy(key.daddr, &sk->__sk_common.skc_daddr, sizeof(key.daddr));
		key.main_port = main_port(sk);
		key.type = retransmit_type(sk);
		return increment_map(&tcp_retransmit_ipv4_packets_total, &key, 1);
	}
	if (family == AF_INET6) {
		struct ipv6_key key = {};

		__builtin_memcpy(key.saddr, &sk->__sk_common.skc_v6_rcv_saddr, sizeof(key.saddr));
		__builtin_memcpy(key.daddr, &sk->__sk_common.skc_v6_daddr, sizeof(key.daddr));
		key.main_port = main_port(sk);
		key.type = retransmit_type(sk);
		return increment_map(&tcp_retransmit_ipv6_packets_total, &key, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
