// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_REGS_IP_BPF_H
#define EBPF_EXPORTER_REGS_IP_BPF_H

/*
 * KPROBE_REGS_IP_FIX - the address of the probed function from the instruction pointer a
 * kprobe program sees (PT_REGS_IP(ctx)), for labels decoded with `ksym`.
 *
 * On x86 a kprobe is a one-byte breakpoint (int3) written over the function's first
 * instruction; when the program runs, the saved instruction pointer is already past it, one
 * byte into the function. Subtracting the breakpoint gives the function's start address, as
 * kallsyms lists it (and as a `kaddrs` value holds it). Other architectures report the probed
 * address itself, so the macro leaves it unchanged there.
 *
 * The x86 breakpoint length is spelled out instead of taken from sizeof(kprobe_opcode_t):
 * a vmlinux.h generated from a kernel built without CONFIG_KPROBES declares that type as an
 * int, which would subtract 4. Upstream's header subtracts sizeof(kprobe_opcode_t), which is 1
 * on every x86 kernel that has kprobes, so the results agree wherever kprobes exist.
 *
 * Only kprobes need this: fentry, tracepoint and uprobe programs do not see a breakpoint's IP.
 *
 *   u64 ip = KPROBE_REGS_IP_FIX(PT_REGS_IP_CORE(ctx));
 */
#if defined(__TARGET_ARCH_x86)
#define KPROBE_REGS_IP_FIX(ip) ((ip)-1)
#else
#define KPROBE_REGS_IP_FIX(ip) (ip)
#endif

#endif
