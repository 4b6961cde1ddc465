// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for uprobes and USDT as libbpf resolves them:
 * USDT probes of the suite's usdt_trigger binary (copied by the suite to the fixed path below),
 * a uprobe and a uretprobe on libc's labs() found through the shared library name, and a
 * uprobe on the exporter's own post_attach_mark(), which runs once after every config is
 * attached.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "maps.bpf.h"

#define TRIGGER "/tmp/ebpf-exporter-e2e/usdt_trigger"
#define COMM_LEN 16

struct tick_key {
	u32 probe; /* 1: tick */
	u32 pad;
	u64 arg;
};

struct name_key {
	char name[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct tick_key);
	__type(value, u64);
} e2e_usdt_ticks_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct name_key);
	__type(value, u64);
} e2e_usdt_tocks_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, s64);
	__type(value, u64);
} e2e_libc_labs_calls_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, s64);
	__type(value, u64);
} e2e_libc_labs_returns_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} e2e_post_attach_mark_total SEC(".maps");

/* Only the suite's trigger counts: other processes may call labs() too. */
static __always_inline bool from_trigger(void)
{
	static const char want[COMM_LEN] = "usdt_trigger";
	char comm[COMM_LEN];
	int i;

	if (bpf_get_current_comm(comm, sizeof(comm)))
		return false;
	for (i = 0; i < COMM_LEN; i++) {
		if (comm[i] != want[i])
			return false;
		if (!want[i])
			break;
	}
	return true;
}

SEC("usdt/" TRIGGER ":ee_e2e:tick")
int BPF_USDT(e2e_usdt_tick, u64 arg)
{
	struct tick_key key = { .probe = 1, .arg = arg };

	return increment_map(&e2e_usdt_ticks_total, &key, 1);
}

SEC("usdt/" TRIGGER ":ee_e2e:tock")
int BPF_USDT(e2e_usdt_tock, const char *name)
{
	struct name_key key = {};

	if (bpf_probe_read_user_str(key.name, sizeof(key.name), name) < 0)
		return 0;
	return increment_map(&e2e_usdt_tocks_total, &key, 1);
}

SEC("uprobe/libc.so.6:labs")
int BPF_KPROBE(e2e_labs, long arg)
{
	s64 key = arg;

	if (!from_trigger())
		return 0;
	return increment_map(&e2e_libc_labs_calls_total, &key, 1);
}

SEC("uretprobe/libc.so.6:labs")
int BPF_KRETPROBE(e2e_labs_ret, long ret)
{
	s64 key = ret;

	if (!from_trigger())
		return 0;
	return increment_map(&e2e_libc_labs_returns_total, &key, 1);
}

SEC("uprobe//proc/self/exe:post_attach_mark")
int e2e_post_attach_mark(struct pt_regs *ctx)
{
	u32 key = 0;
	u64 *count;

	read_array_ptr(&e2e_post_attach_mark_total, &key, count);
	__sync_fetch_and_add(count, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
