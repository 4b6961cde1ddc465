// SPDX-License-Identifier: MIT
/*
 * exp2zero histogram of the accept queue length of TCP listening sockets (sk_ack_backlog),
 * sampled whenever a handshake completes and the kernel creates the new connection's socket;
 * tcp-syn-backlog.bpf.c explains the tracepoint used in place of upstream's kprobes.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Bucket 0 holds empty queues, bucket i (2^(i-2), 2^(i-1)]; 17 goes up to 64 Ki. */
#define MAX_BUCKET_SLOT 17

/* Keep in sync with tcp-syn-backlog-exp2zero.yaml: bucket (8 bytes). */
struct backlog_key {
	u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_BUCKET_SLOT + 2);
	__type(key, struct backlog_key);
	__type(value, u64);
} tcp_syn_backlog SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct backlog_key key = {};

	if (oldstate != TCP_LISTEN || newstate != TCP_SYN_RECV || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	increment_exp2zero_histogram(&tcp_syn_backlog, key, sk->sk_ack_backlog, MAX_BUCKET_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
