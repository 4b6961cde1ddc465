// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for kaddrs: the exporter writes the kernel address of each symbol
 * the config lists into `kaddr_<symbol>` before load. On ee_trigger(KIND_KADDRS, ...) the
 * uprobe copies every address it was given (non-zero) into a map key, so that the test reads
 * them back as labels: the raw number (uint) and the symbol at that address (ksym).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

#define KIND_KADDRS 40

/* Filled in by the exporter from /proc/kallsyms; 0 when the config does not list them. */
const volatile u64 kaddr_vfs_read = 0;
const volatile u64 kaddr_ftrace_trampoline = 0; /* a module symbol: `\t[__builtin__ftrace]` */

enum variable {
	VAR_VFS_READ = 1,
	VAR_FTRACE_TRAMPOLINE = 2,
};

struct kaddr_key {
	u32 variable;
	u32 pad;
	u64 address;
	u64 symbol; /* the same address, decoded with ksym */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct kaddr_key);
	__type(value, u64);
} e2e_kaddrs_total SEC(".maps");

static __always_inline void record(u32 variable, u64 address)
{
	struct kaddr_key key = { .variable = variable, .address = address, .symbol = address };

	if (address)
		increment_map(&e2e_kaddrs_total, &key, 1);
}

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_kaddrs_uprobe, unsigned int kind)
{
	if (kind != KIND_KADDRS)
		return 0;
	record(VAR_VFS_READ, kaddr_vfs_read);
	record(VAR_FTRACE_TRAMPOLINE, kaddr_ftrace_trampoline);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
