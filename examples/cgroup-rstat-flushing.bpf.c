// SPDX-License-Identifier: MIT
/*
 * Cost of cgroup rstat (recursive statistics) flushing: how often stats are flushed, per
 * cgroup level, how long each flush takes, and how the rstat lock behaves (acquisitions by
 * contention, yield and level; time waiting for it and time holding it).
 *
 * The lock has tracepoints since Linux 6.10 (cgroup:cgroup_rstat_lock_contended,
 * cgroup_rstat_locked, cgroup_rstat_unlock), used here through BTF. The flush itself has no
 * tracepoint. Upstream traces cgroup_rstat_flush_locked() with fentry/fexit; Linux 6.16
 * replaced it with css_rstat_flush(struct cgroup_subsys_state *), which takes the lock once
 * per CPU. This version probes css_rstat_flush() with a kprobe/kretprobe pair: unlike
 * fentry, a kprobe program loads even where it cannot attach, so the lock metrics keep
 * working wherever tracepoints do. (On 6.10-6.15 kernels, point both sections at
 * cgroup_rstat_flush_locked, whose argument is the struct cgroup.)
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* Cgroup levels counted apart (0 is the root); deeper ones count as the last. */
#define MAX_CGROUP_LEVELS 5
/* Buckets 0..24 of 0.1 us: up to 2^24 * 100 ns (1.68 s); the sum goes to 25. */
#define MAX_LATENCY_SLOT 24
/* Threads between two events at once; the oldest are evicted first. */
#define MAX_THREADS (128 * 1024)
/* Distinct (contended, yield, level) keys. */
#define MAX_LOCK_KEYS 128

/* errno values (uapi/asm-generic/errno*.h; vmlinux.h has no macros). */
#define ENOMEM 12
#define EEXIST 17
#define ERANGE 34
#define EBUSY 16
#define ENODATA 61

/* Keep in sync with cgroup-rstat-flushing.yaml's static_map of cgroup_rstat_map_errors_total. */
enum map_error {
	ERR_UNKNOWN,
	ERR_NOMEM,
	ERR_BUSY,
	ERR_EXIST,
	ERR_NO_ELEM, /* no start timestamp for this thread */
	ERR_TS_RANGE, /* start timestamp already consumed */
	MAP_ERRORS,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAP_ERRORS);
	__type(key, u32);
	__type(value, u64);
} cgroup_rstat_map_errors_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_CGROUP_LEVELS + 1);
	__type(key, u32);
	__type(value, u64);
} cgroup_rstat_flush_total SEC(".maps");

/* Keep in sync with cgroup-rstat-flushing.yaml: contended (1), yield (1), level (2). */
struct lock_key {
	u8 contended;
	u8 yield;
	u16 level;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_LOCK_KEYS);
	__type(key, struct lock_key);
	__type(value, u64);
} cgroup_rstat_locked_total SEC(".maps");

/* The histograms' key: just the bucket (an array index). */
struct hist_key {
	u32 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_LATENCY_SLOT + 2);
	__type(key, u32); /* struct hist_key */
	__type(value, u64);
} cgroup_rstat_lock_wait_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_LATENCY_SLOT + 2);
	__type(key, u32); /* struct hist_key */
	__type(value, u64);
} cgroup_rstat_lock_hold_seconds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_LATENCY_SLOT + 2);
	__type(key, u32); /* struct hist_key */
	__type(value, u64);
} cgroup_rstat_flush_latency_seconds SEC(".maps");

/* Thread (pid_tgid) -> when it started waiting for the lock, took it, or started a flush. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, u64);
	__type(value, u64);
} start_wait SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, u64);
	__type(value, u64);
} start_hold SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, u64);
	__type(value, u64);
} start_flush SEC(".maps");

static __always_inline int record_map_error(int err)
{
	u32 key;

	switch (err) {
	case -ENOMEM:
		key = ERR_NOMEM;
		break;
	case -EBUSY:
		key = ERR_BUSY;
		break;
	case -EEXIST:
		key = ERR_EXIST;
		break;
	case -ENODATA:
		key = ERR_NO_ELEM;
		break;
	case -ERANGE:
		key = ERR_TS_RANGE;
		break;
	default:
		key = ERR_UNKNOWN;
		break;
	}
	return increment_map_nosync(&cgroup_rstat_map_errors_total, &key, 1);
}

/* Remembers `now` for the current thread in `map`. */
static __always_inline void stamp(void *map, u64 now)
{
	u64 tid = bpf_get_current_pid_tgid();
	int err;

	err = bpf_map_update_elem(map, &tid, &now, BPF_ANY);
	if (err)
		record_map_error(err);
}

/* Takes the current thread's stamp from `map` (0 if there is none, counted as an error). */
static __always_inline u64 take_stamp(void *map)
{
	u64 tid = bpf_get_current_pid_tgid();
	u64 *stamped, ts;

	stamped = bpf_map_lookup_elem(map, &tid);
	if (!stamped) {
		record_map_error(-ENODATA);
		return 0;
	}
	ts = *stamped;
	*stamped = 0;
	if (!ts)
		record_map_error(-ERANGE);
	return ts;
}

/* Adds now - start, in units of 100 ns, to a histogram; a missing start adds nothing. */
static __always_inline void observe(void *hist, u64 start, u64 now)
{
	struct hist_key key = {};

	if (!start || now < start)
		return;
	increment_exp2_histogram_nosync(hist, key, (now - start) / 100, MAX_LATENCY_SLOT);
}

static __always_inline u16 clamp_level(int level)
{
	if (level < 0)
		return 0;
	if (level > MAX_CGROUP_LEVELS)
		return MAX_CGROUP_LEVELS;
	return level;
}

/* Waiting for the lock begins (it was taken by someone else). */
SEC("tp_btf/cgroup_rstat_lock_contended")
int BPF_PROG(rstat_lock_contended, struct cgroup *cgrp, int cpu, bool contended)
{
	stamp(&start_wait, bpf_ktime_get_ns());
	return 0;
}

/*
 * The lock is taken. `cpu` is -1 for a plain acquisition and the CPU being flushed when the
 * flush loop takes it again (a "yield": before 6.16 after letting others in, since 6.16 once
 * per CPU).
 */
SEC("tp_btf/cgroup_rstat_locked")
int BPF_PROG(rstat_locked, struct cgroup *cgrp, int cpu, bool contended)
{
	u64 now = bpf_ktime_get_ns();
	struct lock_key key = {};

	key.contended = contended;
	key.yield = cpu >= 0;
	key.level = clamp_level(cgrp->level);
	increment_map_nosync(&cgroup_rstat_locked_total, &key, 1);

	stamp(&start_hold, now);
	if (contended)
		observe(&cgroup_rstat_lock_wait_seconds, take_stamp(&start_wait), now);
	return 0;
}

SEC("tp_btf/cgroup_rstat_unlock")
int BPF_PROG(rstat_unlock, struct cgroup *cgrp, int cpu, bool contended)
{
	u64 now = bpf_ktime_get_ns();

	observe(&cgroup_rstat_lock_hold_seconds, take_stamp(&start_hold), now);
	return 0;
}

SEC("kprobe/css_rstat_flush")
int BPF_KPROBE(css_rstat_flush, struct cgroup_subsys_state *css)
{
	u32 level = clamp_level(BPF_CORE_READ(css, cgroup, level));

	increment_map_nosync(&cgroup_rstat_flush_total, &level, 1);
	stamp(&start_flush, bpf_ktime_get_ns());
	return 0;
}

SEC("kretprobe/css_rstat_flush")
int BPF_KRETPROBE(css_rstat_flush_exit)
{
	u64 now = bpf_ktime_get_ns();

	observe(&cgroup_rstat_flush_latency_seconds, take_stamp(&start_flush), now);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
