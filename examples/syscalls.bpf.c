// SPDX-License-Identifier: MIT
/*
 * Counts system calls by number on entry (raw_syscalls:sys_enter) and failed system calls by
 * errno on exit (raw_syscalls:sys_exit); the exporter names them with the syscall and errno
 * decoders.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Syscall numbers in use (x86_64 has about 460) and errno values (at most 4095). */
#define MAX_SYSCALLS 1024
#define MAX_ERRNOS 512
/* The kernel's MAX_ERRNO: returns in [-4095, -1] are errors, other negatives are values. */
#define MAX_ERRNO 4095

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, u64);
	__type(value, u64);
} syscalls_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ERRNOS);
	__type(key, u64);
	__type(value, u64);
} syscall_errors_total SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	u64 nr = id;

	return increment_map(&syscalls_total, &nr, 1);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	u64 err;

	if (ret >= 0 || ret < -MAX_ERRNO)
		return 0;
	err = -ret;
	return increment_map(&syscall_errors_total, &err, 1);
}

char LICENSE[] SEC("license") = "GPL";
