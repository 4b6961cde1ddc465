// SPDX-License-Identifier: MIT
/*
 * Connect-to-accept latency of UNIX stream sockets listening on a few well-known paths, in
 * an exp2 histogram of milliseconds: how long a connection waited in the listener's accept
 * queue.
 *
 * When a client connects, security_unix_stream_connect() sees the listener and the new
 * server-side socket; if the listener's path is one of ours, the time and the path's index
 * are stored in the new socket's local storage. When unix_accept() returns that socket, the
 * storage gives the latency. AF_UNIX has no tracepoints, and socket local storage needs a
 * tracing program (fentry/fexit) rather than a kprobe, so these stay fentry and fexit.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Buckets 0..10: up to 2^10 ms (1 s); the sum goes to 11. */
#define MAX_LATENCY_SLOT 10

/* Keep in sync with unix-accept-latency.yaml's static_map. */
enum unix_addr {
	DBUS_SOCK_ADDR,
	JOURNAL_SOCK_ADDR,
	MYSQLD_SOCK_ADDR,
	UNIX_ADDRS,
};

/* The paths, NUL included: every one is compared in full. */
#define DBUS_SOCK_PATH "/run/dbus/system_bus_socket"
#define JOURNAL_SOCK_PATH "/run/systemd/journal/stdout"
#define MYSQLD_SOCK_PATH "/var/run/mysqld/mysqld.sock"
/* Bytes of the listener's path read for the comparison: the longest path above. */
#define PATH_READ 32

_Static_assert(sizeof(DBUS_SOCK_PATH) <= PATH_READ, "path longer than PATH_READ");
_Static_assert(sizeof(JOURNAL_SOCK_PATH) <= PATH_READ, "path longer than PATH_READ");
_Static_assert(sizeof(MYSQLD_SOCK_PATH) <= PATH_READ, "path longer than PATH_READ");

/* Keep in sync with unix-accept-latency.yaml's labels: addr (8), bucket (8). */
struct unix_accept_key {
	u64 addr;
	u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, (MAX_LATENCY_SLOT + 2) * UNIX_ADDRS);
	__type(key, struct unix_accept_key);
	__type(value, u64);
} unix_accept_latency_seconds SEC(".maps");

/* What connect leaves on the new server-side socket for accept. */
struct enqueue_state {
	u64 ts;
	u8 path;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct enqueue_state);
} enqueue_ts SEC(".maps");

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

/* The index of the listener's path among ours, or -1. */
static __always_inline int match_unix_path(struct sock *listener)
{
	char path[PATH_READ] = {};
	struct unix_address *addr;
	struct unix_sock *u;

	u = bpf_skc_to_unix_sock(listener);
	if (!u)
		return -1;
	addr = u->addr;
	if (!addr)
		return -1;
	if (bpf_probe_read_kernel(path, sizeof(path), addr->name[0].sun_path))
		return -1;

	if (path_equal(path, DBUS_SOCK_PATH, sizeof(DBUS_SOCK_PATH)))
		return DBUS_SOCK_ADDR;
	if (path_equal(path, JOURNAL_SOCK_PATH, sizeof(JOURNAL_SOCK_PATH)))
		return JOURNAL_SOCK_ADDR;
	if (path_equal(path, MYSQLD_SOCK_PATH, sizeof(MYSQLD_SOCK_PATH)))
		return MYSQLD_SOCK_ADDR;
	return -1;
}

/* Called in unix_stream_connect() just before the connection is queued on `other`. */
SEC("fentry/security_unix_stream_connect")
int BPF_PROG(trace_connect, struct sock *sock, struct sock *other, struct sock *newsk)
{
	struct enqueue_state state = {};
	int path;

	path = match_unix_path(other);
	if (path < 0)
		return 0;
	state.ts = bpf_ktime_get_ns();
	state.path = path;
	bpf_sk_storage_get(&enqueue_ts, newsk, &state, BPF_SK_STORAGE_GET_F_CREATE);
	return 0;
}

/* On success newsock->sk is the socket connect prepared (grafted by sock_graft()). */
SEC("fexit/unix_accept")
int BPF_PROG(trace_accept, struct socket *sock, struct socket *newsock,
	     struct proto_accept_arg *arg, int ret)
{
	struct unix_accept_key key = {};
	struct enqueue_state *state;
	struct sock *sk;
	u64 now = bpf_ktime_get_ns();

	if (ret != 0)
		return 0;
	sk = newsock->sk;
	if (!sk)
		return 0;
	state = bpf_sk_storage_get(&enqueue_ts, sk, 0, 0);
	if (!state)
		return 0;

	/* Milliseconds; a stamp from the future (another CPU's clock) is dropped. */
	if (now >= state->ts) {
		key.addr = state->path;
		increment_exp2_histogram(&unix_accept_latency_seconds, key,
					 (now - state->ts) / 1000000, MAX_LATENCY_SLOT);
	}
	bpf_sk_storage_delete(&enqueue_ts, sk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
