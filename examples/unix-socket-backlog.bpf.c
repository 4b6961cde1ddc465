// SPDX-License-Identifier: MIT
/*
 * Backlog of a UNIX socket when someone connects or sends to it: the length of its receive
 * queue (pending connections for a listener, datagrams for a datagram socket), in an
 * exp2zero histogram, for the paths we watch.
 *
 * unix_find_other() resolves the address a client connects or sends to; its fexit program
 * sees both that address and the socket found. AF_UNIX has no tracepoints, so this stays an
 * fexit program. The signature (net, sunaddr, addr_len, type, flags) is Linux 6.16's.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Buckets 0..17: 0, then up to 2^16 (64 Ki) queued; the sum goes to 18. */
#define MAX_BUCKET_SLOT 17
/* Pointers in the kernel's error range are ERR_PTR() values, not sockets. */
#define MAX_ERRNO 4095

/* Keep in sync with unix-socket-backlog.yaml's static_map. */
enum unix_addr {
	DOCKER_METRICS_SOCK_ADDR,
	UNIX_ADDRS,
};

/* The path, NUL included: it is compared in full. */
#define DOCKER_METRICS_SOCK_PATH "/var/run/docker/metrics.sock"
/* Bytes of the connecting address read for the comparison. */
#define PATH_READ 32

_Static_assert(sizeof(DOCKER_METRICS_SOCK_PATH) <= PATH_READ, "path longer than PATH_READ");

/* Keep in sync with unix-socket-backlog.yaml's labels: addr (8), bucket (8). */
struct unix_backlog_key {
	u64 addr;
	u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, (MAX_BUCKET_SLOT + 2) * UNIX_ADDRS);
	__type(key, struct unix_backlog_key);
	__type(value, u64);
} unix_socket_backlog SEC(".maps");

/*
 * Byte-wise comparison of the first `len` bytes (a constant, so the loop unrolls).
 * __builtin_memcmp() is avoided: older clang turns it into a call to memcmp, which BPF
 * cannot link.
 */
static __always_inline bool path_equal(const char *have, const char *want, int len)
{
#pragma unroll
	for (int i = 0; i < len; i++) {
		if (have[i] != want[i])
			return false;
	}
	return true;
}

SEC("fexit/unix_find_other")
int BPF_PROG(unix_find_other, struct net *net, struct sockaddr_un *sunaddr, int addr_len, int type,
	     int flags, struct sock *other)
{
	struct unix_backlog_key key = {};
	char path[PATH_READ] = {};

	if (!other || (unsigned long)other >= (unsigned long)-MAX_ERRNO)
		return 0;
	if (bpf_probe_read_kernel(path, sizeof(path), sunaddr->sun_path))
		return 0;
	if (!path_equal(path, DOCKER_METRICS_SOCK_PATH, sizeof(DOCKER_METRICS_SOCK_PATH)))
		return 0;

	key.addr = DOCKER_METRICS_SOCK_ADDR;
	increment_exp2zero_histogram(&unix_socket_backlog, key, other->sk_receive_queue.qlen,
				     MAX_BUCKET_SLOT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
