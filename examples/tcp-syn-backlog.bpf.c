// SPDX-License-Identifier: MIT
/*
 * Linear histogram of the accept queue length of TCP listening sockets (sk_ack_backlog),
 * sampled whenever a handshake completes and the kernel creates the new connection's socket.
 *
 * Upstream's example reads the listener's sk_ack_backlog on entry to tcp_v4_syn_recv_sock() /
 * tcp_v6_syn_recv_sock() with kprobes, which cannot attach here. The socket those functions
 * create is a copy of the listener (inet_csk_clone_lock()), and its first state change,
 * LISTEN -> SYN_RECV, fires sock:inet_sock_set_state before anything else touches it, so the
 * copy's sk_ack_backlog is the listener's at that moment.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Bucket i counts queue lengths [i * 50, (i + 1) * 50); buckets 0..20 are exported. */
#define BUCKET_MULTIPLIER 50
#define BUCKET_COUNT 20

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BUCKET_COUNT + 2);
	__type(key, u64);
	__type(value, u64);
} tcp_syn_backlog SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	u64 bucket;

	if (oldstate != TCP_LISTEN || newstate != TCP_SYN_RECV || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	bucket = sk->sk_ack_backlog / BUCKET_MULTIPLIER;
	/*
	 * Longer queues all go to one bucket past the exported ones (the exporter ignores it), so
	 * that they cannot fill the map. No sum: a linear histogram's sum key would be a bucket.
	 */
	if (bucket > BUCKET_COUNT)
		bucket = BUCKET_COUNT + 1;
	return increment_map(&tcp_syn_backlog, &bucket, 1);
}

char LICENSE[] SEC("license") = "GPL";
