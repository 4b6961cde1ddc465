// SPDX-License-Identifier: MIT
/*
 * Page cache operations, counted by kind, from which the page cache hit ratio follows:
 * hits = cache_access - page_add_lru, ratio = hits / cache_access (as bcc's cachestat).
 *
 * Upstream counts with fentry programs on mark_page_accessed, add_to_page_cache_lru and
 * mark_buffer_dirty, and the writeback_dirty_folio raw tracepoint. Here every operation that
 * has a tracepoint at the same point uses it, so they attach where fentry does not:
 * - cache_writes: block:block_dirty_buffer, traced first thing in mark_buffer_dirty();
 * - page_add_lru: filemap:mm_filemap_add_to_page_cache, traced when a folio is inserted into
 *   the page cache (__filemap_add_folio(), which add_to_page_cache_lru() and
 *   filemap_add_folio() share, so every insertion counts, not only the legacy entry point);
 * - page_mark_dirties: writeback:writeback_dirty_folio (folio_account_dirtied()).
 * A page cache access has no tracepoint: it stays a probe on folio_mark_accessed(), which
 * mark_page_accessed() wraps since Linux 5.16 and which the read paths call directly. It is a
 * kprobe rather than fentry so that the object still loads where fentry cannot be used and the
 * other three keep counting.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

/* Keep in sync with cachestat.yaml's static_map. */
enum page_cache_op {
	OP_CACHE_ACCESS,
	OP_CACHE_WRITES,
	OP_PAGE_ADD_LRU,
	OP_PAGE_MARK_DIRTIES,
	PAGE_CACHE_OPS,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAGE_CACHE_OPS);
	__type(key, u8);
	__type(value, u64);
} page_cache_ops_total SEC(".maps");

static __always_inline int count_op(u8 op)
{
	return increment_map(&page_cache_ops_total, &op, 1);
}

SEC("kprobe/folio_mark_accessed")
int BPF_KPROBE(folio_mark_accessed)
{
	return count_op(OP_CACHE_ACCESS);
}

SEC("tp_btf/block_dirty_buffer")
int BPF_PROG(mark_buffer_dirty)
{
	return count_op(OP_CACHE_WRITES);
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(add_to_page_cache)
{
	return count_op(OP_PAGE_ADD_LRU);
}

SEC("raw_tp/writeback_dirty_folio")
int BPF_PROG(writeback_dirty_folio)
{
	return count_op(OP_PAGE_MARK_DIRTIES);
}

char LICENSE[] SEC("license") = "GPL";
