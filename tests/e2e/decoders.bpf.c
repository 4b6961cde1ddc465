// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for the decoders: a uprobe on the trigger binary (copied by run.sh
 * to the fixed path below) writes known raw keys into one map per decoder, and a tp_btf program
 * records real syscalls of an armed process. ee_trigger(kind, a, b) selects what happens; B may
 * point at 16 bytes of the trigger's memory (`s=` arguments).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

#define BYTES_LEN 16
#define STACK_DEPTH 20
#if defined(__TARGET_ARCH_arm64)
#define NR_EXIT_GROUP 94
#else
#define NR_EXIT_GROUP 231
#endif

enum trigger_kind {
	KIND_ERRNO = 1, /* e2e_errno_total[u32 a] */
	KIND_SYSCALL = 2, /* e2e_syscall_total[u32 a] */
	KIND_INET = 3, /* e2e_inet4_total[first 4 bytes at b], e2e_inet6_total[16 bytes at b] */
	KIND_IFNAME = 4, /* e2e_ifname_total[u32 a] */
	KIND_KSYM = 5, /* e2e_ksym_total[u64 a] */
	KIND_MAJORMINOR = 6, /* e2e_majorminor_total[u32 a] */
	KIND_CGROUP = 7, /* e2e_cgroup_total[this task's cgroup v2 id] */
	KIND_DNAME = 8, /* e2e_dname_total[16 bytes at b] */
	KIND_UINT = 10, /* e2e_uint_total[{u8 a, u16 a, u32 a, u64 b}] */
	KIND_PCI = 11, /* e2e_pci_total[{u32 a, u16 a >> 16, u8 b >> 8, u16 b}] */
	/*
	 * e2e_sys_enter_total counts this process's later syscalls, and e2e_kstack_total and
	 * e2e_kstack_raw_total its kernel stack at exit_group (a uprobe has no kernel stack).
	 */
	KIND_ARM = 12,
};

struct bytes_key {
	u8 raw[BYTES_LEN];
};

struct stack_key {
	u64 frames[STACK_DEPTH];
};

struct uint_key {
	u8 one;
	u8 pad;
	u16 two;
	u32 four;
	u64 eight;
};

struct pci_key {
	u32 device; /* vendor << 16 | device */
	u16 vendor;
	u8 class;
	u8 pad;
	u16 subclass; /* class << 8 | subclass */
	u8 pad2[2];
};

#define COUNTER(name, key_type)                  \
	struct {                                 \
		__uint(type, BPF_MAP_TYPE_HASH); \
		__uint(max_entries, 64);         \
		__type(key, key_type);           \
		__type(value, u64);              \
	} name SEC(".maps")

COUNTER(e2e_errno_total, u32);
COUNTER(e2e_syscall_total, u32);
COUNTER(e2e_inet4_total, u32);
COUNTER(e2e_inet6_total, struct bytes_key);
COUNTER(e2e_ifname_total, u32);
COUNTER(e2e_ksym_total, u64);
COUNTER(e2e_majorminor_total, u32);
COUNTER(e2e_cgroup_total, u64);
COUNTER(e2e_dname_total, struct bytes_key);
COUNTER(e2e_kstack_total, struct stack_key);
COUNTER(e2e_kstack_raw_total, struct stack_key);
COUNTER(e2e_uint_total, struct uint_key);
COUNTER(e2e_pci_total, struct pci_key);
COUNTER(e2e_sys_enter_total, u32);

/* The process whose syscalls e2e_sys_enter_total counts (0: none). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} e2e_armed SEC(".maps");

static __always_inline int count_bytes(void *map, u64 addr)
{
	struct bytes_key key = {};

	if (bpf_probe_read_user(key.raw, sizeof(key.raw), (void *)addr))
		return 0;
	return increment_map(map, &key, 1);
}

static __always_inline int count_stack(void *ctx)
{
	struct stack_key key = {};

	if (bpf_get_stack(ctx, key.frames, sizeof(key.frames), 0) <= 0)
		return 0;
	increment_map(&e2e_kstack_raw_total, &key, 1);
	return increment_map(&e2e_kstack_total, &key, 1);
}

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_decoders, unsigned int kind, u64 a, u64 b)
{
	switch (kind) {
	case KIND_ERRNO: {
		u32 key = a;

		return increment_map(&e2e_errno_total, &key, 1);
	}
	case KIND_SYSCALL: {
		u32 key = a;

		return increment_map(&e2e_syscall_total, &key, 1);
	}
	case KIND_INET: {
		struct bytes_key key = {};
		u32 v4;

		if (bpf_probe_read_user(key.raw, sizeof(key.raw), (void *)b))
			return 0;
		if (a == 6)
			return increment_map(&e2e_inet6_total, &key, 1);
		__builtin_memcpy(&v4, key.raw, sizeof(v4));
		return increment_map(&e2e_inet4_total, &v4, 1);
	}
	case KIND_IFNAME: {
		u32 key = a;

		return increment_map(&e2e_ifname_total, &key, 1);
	}
	case KIND_KSYM:
		return increment_map(&e2e_ksym_total, &a, 1);
	case KIND_MAJORMINOR: {
		u32 key = a;

		return increment_map(&e2e_majorminor_total, &key, 1);
	}
	case KIND_CGROUP: {
		u64 key = bpf_get_current_cgroup_id();

		return increment_map(&e2e_cgroup_total, &key, 1);
	}
	case KIND_DNAME:
		return count_bytes(&e2e_dname_total, b);
	case KIND_UINT: {
		struct uint_key key = { .one = a, .pad = 0xff, .two = a, .four = a, .eight = b };

		return increment_map(&e2e_uint_total, &key, 1);
	}
	case KIND_PCI: {
		struct pci_key key = {
			.device = a, .vendor = a >> 16, .class = b >> 8, .subclass = b
		};

		return increment_map(&e2e_pci_total, &key, 1);
	}
	case KIND_ARM: {
		u32 zero = 0, tgid = bpf_get_current_pid_tgid() >> 32;

		bpf_map_update_elem(&e2e_armed, &zero, &tgid, BPF_ANY);
		return 0;
	}
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(e2e_sys_enter, struct pt_regs *regs, long id)
{
	u32 zero = 0, tgid = bpf_get_current_pid_tgid() >> 32, key = id;
	u32 *armed = bpf_map_lookup_elem(&e2e_armed, &zero);

	if (!armed || !*armed || *armed != tgid)
		return 0;
	if (id == NR_EXIT_GROUP)
		count_stack(ctx);
	return increment_map(&e2e_sys_enter_total, &key, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
