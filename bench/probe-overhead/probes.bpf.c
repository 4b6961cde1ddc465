// SPDX-License-Identifier: MIT
/*
 * Probe overhead benchmark (bench/probe-overhead/run.sh): what a probe adds to one
 * getpid() call. Four attach points, three bodies each:
 *
 *   tracepoint/raw_syscalls/sys_enter, raw_tp/sys_enter, tp_btf/sys_enter: the same kernel
 *   tracepoint (every system call of every process, as upstream's tp_btf/sys_enter probe),
 *   reached through the three attach mechanisms;
 *   uprobe//proc/self/exe:uprobe_target: a no-op function in the driver itself.
 *
 *   empty:   returns at once;
 *   simple:  HASH of 1024, key u32 = low half of pid_tgid (the thread id), value lookup-or-
 *            insert-0 then atomic +1;
 *   complex: the same with the key {u64 pid_tgid, u64 ktime % 1024, char comm[32]}.
 *
 * Nothing is filtered. Every program that counts has a map of its own, so the driver can check
 * that only the program it attached ran. The driver attaches one program at a time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct complex_key {
	u64 pid_tgid;
	u64 ktime;
	char comm[32];
};

#define SIMPLE_MAP(name)                         \
	struct {                                 \
		__uint(type, BPF_MAP_TYPE_HASH); \
		__uint(max_entries, 1024);       \
		__type(key, u32);                \
		__type(value, u64);              \
	} name SEC(".maps")

#define COMPLEX_MAP(name)                        \
	struct {                                 \
		__uint(type, BPF_MAP_TYPE_HASH); \
		__uint(max_entries, 1024);       \
		__type(key, struct complex_key); \
		__type(value, u64);              \
	} name SEC(".maps")

SIMPLE_MAP(simple_tp);
SIMPLE_MAP(simple_raw);
SIMPLE_MAP(simple_btf);
SIMPLE_MAP(simple_up);
COMPLEX_MAP(complex_tp);
COMPLEX_MAP(complex_raw);
COMPLEX_MAP(complex_btf);
COMPLEX_MAP(complex_up);

/* Lookup-or-insert-0, then an atomic +1: what upstream's maps.bpf.h increment does. */
static __always_inline void increment(void *map, const void *key)
{
	u64 zero = 0, *count;

	count = bpf_map_lookup_elem(map, key);
	if (!count) {
		bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
		count = bpf_map_lookup_elem(map, key);
		if (!count)
			return;
	}
	__sync_fetch_and_add(count, 1);
}

static __always_inline int count_simple(void *map)
{
	u32 key = (u32)bpf_get_current_pid_tgid();

	increment(map, &key);
	return 0;
}

static __always_inline int count_complex(void *map)
{
	struct complex_key key;

	__builtin_memset(&key, 0, sizeof(key));
	key.pid_tgid = bpf_get_current_pid_tgid();
	key.ktime = bpf_ktime_get_ns() % 1024;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	increment(map, &key);
	return 0;
}

/* The classic tracepoint: raw_syscalls/sys_enter fires for every system call, as tp_btf does. */
SEC("tracepoint/raw_syscalls/sys_enter")
int tp_empty(void *ctx)
{
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int tp_simple(void *ctx)
{
	return count_simple(&simple_tp);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int tp_complex(void *ctx)
{
	return count_complex(&complex_tp);
}

SEC("raw_tp/sys_enter")
int raw_empty(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_simple(void *ctx)
{
	return count_simple(&simple_raw);
}

SEC("raw_tp/sys_enter")
int raw_complex(void *ctx)
{
	return count_complex(&complex_raw);
}

SEC("tp_btf/sys_enter")
int btf_empty(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int btf_simple(void *ctx)
{
	return count_simple(&simple_btf);
}

SEC("tp_btf/sys_enter")
int btf_complex(void *ctx)
{
	return count_complex(&complex_btf);
}

/* libbpf resolves /proc/self/exe in the loading process: the driver, which defines the target. */
SEC("uprobe//proc/self/exe:uprobe_target")
int up_empty(struct pt_regs *ctx)
{
	return 0;
}

SEC("uprobe//proc/self/exe:uprobe_target")
int up_simple(struct pt_regs *ctx)
{
	return count_simple(&simple_up);
}

SEC("uprobe//proc/self/exe:uprobe_target")
int up_complex(struct pt_regs *ctx)
{
	return count_complex(&complex_up);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
