// SPDX-License-Identifier: MIT
/*
 * The kernel's work on a socket as spans under the user-space span that caused it:
 * examples/sock-trace-demo passes, before each step of an HTTP request (dial, write, read,
 * close), the step's span context, the socket's cookie and a user-space tag through the USDT
 * probe ebpf_exporter:sock_set_parent_span(cookie, trace_id_hi, trace_id_lo, span_id, tag).
 * Each call emits a `stitch` span recording the cookie; from then on, until the next call or
 * the socket's release:
 * - sk_spans: one span per pass of a packet of that socket through tcp_v4_do_rcv,
 *   __ip_local_out, ip_finish_output or __tcp_retransmit_skb (and, on Linux >= 6.9, where
 *   socket cookies can be read from an skb's socket, nf_hook_slow, __dev_queue_xmit and
 *   dev_hard_start_xmit), named after the function;
 * - sk_error_report: an error reported on the socket, with the kernel stack and sk_err;
 * - sock_release: the socket's release, after which its context is forgotten.
 *
 * All kernel hooks are fentry programs (bpf_get_socket_cookie() is not available to raw
 * tracepoints, and no tracepoint passes these functions' sockets), so the object needs
 * BPF_PROG_TYPE_TRACING (fentry, Linux >= 5.5 with BTF and trampolines) to load.
 *
 * Spans carry the tagged base of tracing.bpf.h: the YAML's example_userspace_tag label shows
 * the tag (666 from the demo) on every span.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "tracing.bpf.h"

#define MAX_SOCKETS 10240
#define MAX_STACK_DEPTH 8
/* The BPF program and the trampoline frames at the top of an fentry program's stack. */
#define SKIP_FRAMES 3

extern int LINUX_KERNEL_VERSION __kconfig;

struct stitch_span_t {
	struct span_base_tagged_t span_base;
	u64 socket_cookie;
};

struct sock_release_span_t {
	struct span_base_tagged_t span_base;
};

struct sk_span_t {
	struct span_base_tagged_t span_base;
	u64 ksym;
};

struct sk_error_report_span_t {
	struct span_base_tagged_t span_base;
	u64 kstack[MAX_STACK_DEPTH];
	u32 sk_err;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} stitch_spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sock_release_spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sk_spans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sk_error_report_spans SEC(".maps");

/* The current span context of each traced socket, by socket cookie. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_SOCKETS);
	__type(key, u64);
	__type(value, struct span_parent_tagged_t);
} traced_socket_cookies SEC(".maps");

SEC("usdt/./examples/sock-trace-demo:ebpf_exporter:sock_set_parent_span")
int BPF_USDT(sock_set_parent_span, u64 socket_cookie, u64 trace_id_hi, u64 trace_id_lo, u64 span_id,
	     u64 example_userspace_tag)
{
	struct span_parent_tagged_t parent = {
		.trace_id_hi = trace_id_hi,
		.trace_id_lo = trace_id_lo,
		.span_id = span_id,
		.example_userspace_tag = example_userspace_tag,
	};

	bpf_map_update_elem(&traced_socket_cookies, &socket_cookie, &parent, BPF_ANY);
	submit_span_tagged_base(&stitch_spans, struct stitch_span_t, &parent,
				{ span->socket_cookie = socket_cookie; });
	return 0;
}

SEC("fentry/__sock_release")
int BPF_PROG(__sock_release, struct socket *sock)
{
	u64 cookie = bpf_get_socket_cookie(sock->sk);
	struct span_parent_tagged_t *parent = bpf_map_lookup_elem(&traced_socket_cookies, &cookie);

	if (!parent)
		return 0;
	submit_span_tagged_base(&sock_release_spans, struct sock_release_span_t, parent, {});
	bpf_map_delete_elem(&traced_socket_cookies, &cookie);
	return 0;
}

/* An sk_spans span named by the traced function (its address, for the ksym decoder). */
static __always_inline int sk_span(void *ctx, u64 cookie)
{
	struct span_parent_tagged_t *parent = bpf_map_lookup_elem(&traced_socket_cookies, &cookie);

	if (!parent)
		return 0;
	submit_span_tagged_base(&sk_spans, struct sk_span_t, parent,
				{ span->ksym = bpf_get_func_ip(ctx); });
	return 0;
}

/*
 * For hooks that only get the skb: before Linux 6.9 the verifier rejects
 * bpf_get_socket_cookie() on skb->sk (an untrusted pointer there), so these stay silent.
 */
static __always_inline int skb_span(void *ctx, struct sk_buff *skb)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(6, 9, 0))
		return 0;
	return sk_span(ctx, bpf_get_socket_cookie(skb->sk));
}

SEC("fentry/tcp_v4_do_rcv")
int BPF_PROG(tcp_v4_do_rcv, struct sock *sk, struct sk_buff *skb)
{
	return sk_span(ctx, bpf_get_socket_cookie(sk));
}

SEC("fentry/__ip_local_out")
int BPF_PROG(__ip_local_out, struct net *net, struct sock *sk, struct sk_buff *skb)
{
	return sk_span(ctx, bpf_get_socket_cookie(sk));
}

SEC("fentry/ip_finish_output")
int BPF_PROG(ip_finish_output, struct net *net, struct sock *sk, struct sk_buff *skb)
{
	return sk_span(ctx, bpf_get_socket_cookie(sk));
}

SEC("fentry/__tcp_retransmit_skb")
int BPF_PROG(__tcp_retransmit_skb, struct sock *sk, struct sk_buff *skb)
{
	return sk_span(ctx, bpf_get_socket_cookie(sk));
}

SEC("fentry/nf_hook_slow")
int BPF_PROG(nf_hook_slow, struct sk_buff *skb)
{
	return skb_span(ctx, skb);
}

SEC("fentry/__dev_queue_xmit")
int BPF_PROG(__dev_queue_xmit, struct sk_buff *skb)
{
	return skb_span(ctx, skb);
}

SEC("fentry/dev_hard_start_xmit")
int BPF_PROG(dev_hard_start_xmit, struct sk_buff *skb)
{
	return skb_span(ctx, skb);
}

SEC("fentry/sk_error_report")
int BPF_PROG(sk_error_report, struct sock *sk)
{
	u64 cookie = bpf_get_socket_cookie(sk);
	struct span_parent_tagged_t *parent = bpf_map_lookup_elem(&traced_socket_cookies, &cookie);

	if (!parent)
		return 0;
	submit_span_tagged_base(&sk_error_report_spans, struct sk_error_report_span_t, parent, {
		/* frames the stack does not fill stay zero (ring buffer memory is reused) */
		__builtin_memset(span->kstack, 0, sizeof(span->kstack));
		bpf_get_stack(ctx, span->kstack, sizeof(span->kstack), SKIP_FRAMES);
		span->sk_err = sk->sk_err;
	});
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
