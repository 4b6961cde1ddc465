// SPDX-License-Identifier: MIT
/*
 * Calls to mark_page_accessed(), counted by the kernel stack that made them: an example of
 * the kstack decoder, which turns the stack's addresses into symbol names, one per line.
 *
 * mark_page_accessed() has no tracepoint (and a tracepoint elsewhere would count something
 * else), so this stays an fentry program. Since Linux 5.16 the page cache read paths call
 * folio_mark_accessed() directly; mark_page_accessed() is the wrapper the remaining
 * page-based callers use.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Frames kept per stack: the key is 8 bytes per frame (kstack.yaml's label size 160). */
#define MAX_STACK_DEPTH 20
/* The BPF trampoline's frames at the top of an fentry program's stack. */
#define SKIP_FRAMES (3 & BPF_F_SKIP_FIELD_MASK)
/* Distinct stacks kept; the least recently counted are evicted first. */
#define MAX_STACKS 128

struct kstack_key {
	u64 kstack[MAX_STACK_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_STACKS);
	__type(key, struct kstack_key);
	__type(value, u64);
} mark_page_accessed_total SEC(".maps");

SEC("fentry/mark_page_accessed")
int BPF_PROG(mark_page_accessed)
{
	struct kstack_key key = {};

	/* Unused frames stay zero: the decoder stops at the first zero address. */
	if (bpf_get_stack(ctx, key.kstack, sizeof(key.kstack), SKIP_FRAMES) < 0)
		return 0;
	increment_map(&mark_page_accessed_total, &key, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
