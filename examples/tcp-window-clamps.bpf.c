// SPDX-License-Identifier: MIT
/*
 * Counts TCP receive window clamps: calls to tcp_try_rmem_schedule() (made when a socket's
 * receive memory is exhausted) after which the socket's rcv_ssthresh is below 32 KiB. Memory
 * pressure accounting can clamp well-behaved sockets this way, capping their throughput; see
 * https://lore.kernel.org/netdev/CABWYdi0G7cyNFbndM-ELTDAR3x4Ngm0AehEp5aP0tfNkXUE+Uw@mail.gmail.com/
 *
 * No tracepoint fires at the return of tcp_try_rmem_schedule() (tcp:tcp_rcvbuf_grow and
 * sock:sock_exceed_buf_limit mark other points and would count other things), so this is a
 * kprobe/kretprobe pair, or, built with -DFENTRY_SUPPORT, a single fexit program that sees
 * the socket argument at return.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* The smallest rcv_ssthresh that is not a clamp. */
#define MIN_CLAMP (32 * 1024)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} tcp_window_clamps_total SEC(".maps");

static __always_inline int check_clamp(struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	u32 zero = 0;

	if (!tp)
		return 0;
	if (BPF_CORE_READ(tp, rcv_ssthresh) < MIN_CLAMP)
		increment_map(&tcp_window_clamps_total, &zero, 1);
	return 0;
}

#ifdef FENTRY_SUPPORT

SEC("fexit/tcp_try_rmem_schedule")
int BPF_PROG(tcp_try_rmem_schedule_exit, struct sock *sk)
{
	return check_clamp(sk);
}

#else

/* Entered calls: who -> the socket, until the return. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, struct sock *);
} tcp_rmem_schedule_enters SEC(".maps");

/*
 * The call's key: the process (tgid) in the high half, and for kernel threads and softirq
 * context (tgid 0) the CPU in the low half, so that those do not collide across CPUs.
 */
static __always_inline u64 enter_key(void)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid)
		return (u64)tgid << 32;
	return bpf_get_smp_processor_id();
}

SEC("kprobe/tcp_try_rmem_schedule")
int BPF_KPROBE(tcp_try_rmem_schedule, struct sock *sk)
{
	u64 key = enter_key();

	bpf_map_update_elem(&tcp_rmem_schedule_enters, &key, &sk, BPF_NOEXIST);
	return 0;
}

SEC("kretprobe/tcp_try_rmem_schedule")
int BPF_KRETPROBE(tcp_try_rmem_schedule_ret)
{
	u64 key = enter_key();
	struct sock **skp;
	struct sock *sk;

	skp = bpf_map_lookup_elem(&tcp_rmem_schedule_enters, &key);
	if (!skp)
		return 0;
	sk = *skp;
	bpf_map_delete_elem(&tcp_rmem_schedule_enters, &key);
	return check_clamp(sk);
}

#endif

char LICENSE[] SEC("license") = "GPL";
