// SPDX-License-Identifier: MIT
/*
 * Pages currently charged to BPF JIT images: the kernel's bpf_jit_current counter (an
 * atomic_long_t in kernel/bpf/core.c), read whenever the JIT allocates an image and once right
 * after the exporter attached, so the metric has a value before the first allocation.
 *
 * bpf_jit_current is static, so no BTF variable or ksym gives its address; the exporter reads
 * it from /proc/kallsyms (`kaddrs` in the YAML) and stores it in kaddr_bpf_jit_current before
 * the object is loaded. That needs a kernel whose kallsyms lists data symbols
 * (CONFIG_KALLSYMS_ALL) and CAP_SYSLOG.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Filled in by the exporter from /proc/kallsyms before loading (see bpf-jit.yaml). */
const volatile u64 kaddr_bpf_jit_current = 0;

/* Key 0 holds the page count: a gauge, exported as a counter as upstream does. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} bpf_jit_pages_currently_allocated SEC(".maps");

static __always_inline int read_jit_current(void)
{
	u32 zero = 0;
	s64 pages = 0;

	if (!kaddr_bpf_jit_current)
		return 0;
	if (bpf_probe_read_kernel(&pages, sizeof(pages), (const void *)kaddr_bpf_jit_current))
		return 0;
	bpf_map_update_elem(&bpf_jit_pages_currently_allocated, &zero, &pages, BPF_ANY);
	return 0;
}

/*
 * The allocation's outer entry point: bpf_jit_charge_modmem() itself may be inlined. The
 * value read here is the one before this allocation is charged; the next read catches up.
 */
SEC("kprobe/bpf_jit_binary_alloc")
int BPF_KPROBE(trace_change)
{
	return read_jit_current();
}

/* The exporter calls its own post_attach_mark() once every config is attached. */
SEC("uprobe//proc/self/exe:post_attach_mark")
int BPF_KPROBE(do_init)
{
	return read_jit_current();
}

char LICENSE[] SEC("license") = "GPL";
