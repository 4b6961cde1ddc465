// SPDX-License-Identifier: MIT
/*
 * End-to-end test program for perf_event_array counters: a uprobe on the trigger
 * binary (copied by run.sh to the fixed path below) writes perf samples; ee_trigger(kind, a, b)
 * selects what to write:
 *   100: one sample {a (u32), 4 bytes of padding, 16 bytes of name at b} to e2e_perf_events_total
 *   101: one sample {a (u64)} to e2e_perf_flushed_total (flush_interval 2s)
 *   102: BURST samples of BURST_SIZE bytes, each starting with a (u64), to e2e_perf_burst_total
 *        in one go: far more than its perf buffer holds, so most are lost
 *   103: one sample {a (u64)} to e2e_perf_burst_total (also reports the losses still pending)
 *   104: one 4-byte sample to e2e_perf_short_total, whose labels want 16 bytes: a decode error
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define NAME_LEN 16
#define BURST 1024
#define BURST_SIZE 32768 /* 1024 samples of 32 KiB: 32 MiB, 8 times a 4 MiB perf buffer */

struct event {
	u32 a;
	u32 pad;
	char name[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} e2e_perf_events_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} e2e_perf_flushed_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} e2e_perf_burst_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} e2e_perf_short_total SEC(".maps");

/* The burst's payload: a zeroed buffer much larger than the BPF stack allows. */
char burst[BURST_SIZE];

SEC("uprobe//tmp/ebpf-exporter-e2e/trigger:ee_trigger")
int BPF_KPROBE(e2e_perf_uprobe, unsigned int kind, u64 a, u64 b)
{
	switch (kind) {
	case 100: {
		struct event ev = { .a = a };

		if (bpf_probe_read_user(ev.name, sizeof(ev.name), (void *)b))
			return 0;
		bpf_perf_event_output(ctx, &e2e_perf_events_total, BPF_F_CURRENT_CPU, &ev,
				      sizeof(ev));
		return 0;
	}
	case 101:
		bpf_perf_event_output(ctx, &e2e_perf_flushed_total, BPF_F_CURRENT_CPU, &a,
				      sizeof(a));
		return 0;
	case 102: {
		u32 i;

		__builtin_memcpy(burst, &a, sizeof(a));
		for (i = 0; i < BURST; i++)
			bpf_perf_event_output(ctx, &e2e_perf_burst_total, BPF_F_CURRENT_CPU, burst,
					      sizeof(burst));
		return 0;
	}
	case 103:
		bpf_perf_event_output(ctx, &e2e_perf_burst_total, BPF_F_CURRENT_CPU, &a, sizeof(a));
		return 0;
	case 104: {
		u32 v = a;

		bpf_perf_event_output(ctx, &e2e_perf_short_total, BPF_F_CURRENT_CPU, &v, sizeof(v));
		return 0;
	}
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
