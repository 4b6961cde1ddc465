// SPDX-License-Identifier: MIT
/*
 * How long TCP connections wait in a listener's accept queue, by listening port: from the
 * moment the SYN is answered (the request socket is hashed, inet_csk_reqsk_queue_hash_add())
 * to the moment accept() finds the connection at the head of the queue (inet_csk_accept()),
 * in an exp2 histogram of microseconds.
 *
 * Neither point has a tracepoint (the sock:inet_sock_set_state transitions of the child
 * socket happen at the third ACK, not at the SYN, and accept has only the syscall
 * tracepoints, which do not see the queue), so both probes are kprobes.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* Buckets 0..26: up to 2^26 us (67 s); the sum goes to 27. */
#define MAX_LATENCY_SLOT 26
/* Listening ports expected on one host. */
#define MAX_PORTS 1024
/* Connections between SYN and accept at once; the oldest are evicted first. */
#define MAX_PENDING 10240

/* Keep in sync with accept-latency.yaml's labels: port (8), bucket (8). */
struct socket_latency_key {
	u64 port;
	u64 bucket;
};

/*
 * Request socket -> when it was hashed. An LRU map, so requests that never reach accept()
 * (dropped, reset, SYN floods) cannot fill it up for good.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PENDING);
	__type(key, struct request_sock *);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, (MAX_LATENCY_SLOT + 2) * MAX_PORTS);
	__type(key, struct socket_latency_key);
	__type(value, u64);
} accept_latency_seconds SEC(".maps");

SEC("kprobe/inet_csk_reqsk_queue_hash_add")
int BPF_KPROBE(kprobe__inet_csk_reqsk_queue_hash_add, struct sock *sk, struct request_sock *req)
{
	u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &req, &now, BPF_ANY);
	return 0;
}

SEC("kprobe/inet_csk_accept")
int BPF_KPROBE(kprobe__inet_csk_accept, struct sock *sk)
{
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;
	struct socket_latency_key key = {};
	struct request_sock *req;
	u64 *started, delta_us;

	/* The connection accept() is about to take (NULL if it will have to wait). */
	req = BPF_CORE_READ(icsk, icsk_accept_queue.rskq_accept_head);
	if (!req)
		return 0;
	started = bpf_map_lookup_elem(&start, &req);
	if (!started)
		return 0;
	delta_us = (bpf_ktime_get_ns() - *started) / 1000;
	bpf_map_delete_elem(&start, &req);

	key.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	increment_exp2_histogram(&accept_latency_seconds, key, delta_us, MAX_LATENCY_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
