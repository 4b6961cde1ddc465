// SPDX-License-Identifier: MIT
/*
 * Probe overhead benchmark driver (bench/probe-overhead/run.sh). Loads probes.bpf.o
 * with libbpf, pins itself to one CPU and times, in rounds:
 *
 *   - getpid() (the raw system call) with no probe, then with each sys_enter program attached;
 *   - a call of the no-op function uprobe_target() with no probe, then with each uprobe
 *     program attached.
 *
 * Every round measures every case once, attaching the case's program before its timed run and
 * detaching it after, so exactly one program is attached at a time; the order rotates from
 * round to round so that drift in a shared VM spreads over all cases. A case's ns/op is the
 * median of its rounds. Around each timed run every counting map is read: only the attached
 * program's map may change. At the end each counting map must hold at least one key and a sum
 * of at least 1000, and the simple maps must have counted every call the driver made while they
 * were attached, on the driver's own thread id.
 *
 * Prints one tab-separated line per case on stdout:
 *   key probe variant ns_op p25 p75 overhead_ns overhead_pct map_keys map_sum
 * ("-" where a field does not apply). Progress and errors go to stderr; exit status 1 if a
 * program fails to load or attach, or a map check fails.
 *
 * Usage: probe-overhead [-c CPU] [-r ROUNDS] [-n CALLS] [-u UPROBE_CALLS] [-f FUNC_CALLS] OBJ
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ROUNDS 101
#define MAP_ENTRIES 1024
#define MIN_MAP_SUM 1000

enum workload {
	WORK_GETPID,
	WORK_CALL,
};

struct bench_case {
	const char *key; /* stable name for the report script */
	const char *probe; /* what is attached, for the table */
	const char *variant; /* empty, simple, complex; "-" for a baseline */
	const char *prog; /* program name in probes.bpf.o, NULL for a baseline */
	const char *map; /* the program's counting map, NULL when it has none */
	bool per_thread; /* map key is the thread id: the driver's own count is checked */
	enum workload work;
};

static const struct bench_case cases[] = {
	{ "getpid", "none (getpid)", "-", NULL, NULL, false, WORK_GETPID },
	{ "tracepoint.empty", "tracepoint raw_syscalls/sys_enter", "empty", "tp_empty", NULL, false,
	  WORK_GETPID },
	{ "tracepoint.simple", "tracepoint raw_syscalls/sys_enter", "simple", "tp_simple",
	  "simple_tp", true, WORK_GETPID },
	{ "tracepoint.complex", "tracepoint raw_syscalls/sys_enter", "complex", "tp_complex",
	  "complex_tp", false, WORK_GETPID },
	{ "raw_tp.empty", "raw_tp sys_enter", "empty", "raw_empty", NULL, false, WORK_GETPID },
	{ "raw_tp.simple", "raw_tp sys_enter", "simple", "raw_simple", "simple_raw", true,
	  WORK_GETPID },
	{ "raw_tp.complex", "raw_tp sys_enter", "complex", "raw_complex", "complex_raw", false,
	  WORK_GETPID },
	{ "tp_btf.empty", "tp_btf sys_enter", "empty", "btf_empty", NULL, false, WORK_GETPID },
	{ "tp_btf.simple", "tp_btf sys_enter", "simple", "btf_simple", "simple_btf", true,
	  WORK_GETPID },
	{ "tp_btf.complex", "tp_btf sys_enter", "complex", "btf_complex", "complex_btf", false,
	  WORK_GETPID },
	{ "call", "function call (no probe)", "-", NULL, NULL, false, WORK_CALL },
	{ "uprobe.empty", "uprobe uprobe_target", "empty", "up_empty", NULL, false, WORK_CALL },
	{ "uprobe.simple", "uprobe uprobe_target", "simple", "up_simple", "simple_up", true,
	  WORK_CALL },
	{ "uprobe.complex", "uprobe uprobe_target", "complex", "up_complex", "complex_up", false,
	  WORK_CALL },
};

#define NCASES ARRAY_SIZE(cases)

struct map_stats {
	unsigned long long keys;
	unsigned long long sum;
	unsigned long long own; /* the driver thread's value (per_thread maps) */
};

struct result {
	double ns[MAX_ROUNDS];
	unsigned long long attached_calls; /* calls made while the program was attached */
	struct bpf_program *prog;
	struct bpf_map *map;
};

struct bench {
	struct bpf_object *obj;
	struct bpf_link *link; /* the one attached program, or NULL */
	struct result res[NCASES];
	unsigned long rounds, calls, uprobe_calls, func_calls;
	uint32_t tid;
	/* batch lookup buffers, sized for the largest key */
	void *keys, *values;
};

/* The uprobe target: does nothing, stays out of line and in the symbol table. */
void uprobe_target(void);
__attribute__((noinline)) void uprobe_target(void)
{
	__asm__ volatile("" ::: "memory");
}

/* Called through a volatile pointer so that the compiler keeps every call. */
static void (*volatile call_target)(void) = uprobe_target;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void run_work(enum workload work, unsigned long n)
{
	unsigned long i;

	if (work == WORK_GETPID) {
		for (i = 0; i < n; i++)
			syscall(SYS_getpid);
	} else {
		for (i = 0; i < n; i++)
			call_target();
	}
}

static double time_work(enum workload work, unsigned long n)
{
	double start = now_ns();

	run_work(work, n);
	return (now_ns() - start) / (double)n;
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Quantile q (0..1) of n sorted values, by linear interpolation. */
static double quantile(const double *sorted, unsigned long n, double q)
{
	double pos = q * (double)(n - 1);
	unsigned long lo = (unsigned long)pos;

	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (pos - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

/* Sums a counting map: key count, value sum and, for thread-keyed maps, the driver's value. */
static int map_read(struct bench *b, const struct bench_case *c, struct bpf_map *map,
		    struct map_stats *st)
{
	size_t key_size = bpf_map__key_size(map);
	int fd = bpf_map__fd(map), err;
	char in[64], out[64];
	bool first = true;
	uint64_t *vals = b->values;
	uint32_t i, n;

	memset(st, 0, sizeof(*st));
	for (;;) {
		n = MAP_ENTRIES;
		err = bpf_map_lookup_batch(fd, first ? NULL : in, out, b->keys, b->values, &n,
					   NULL);
		if (err)
			err = -errno;
		if (err && err != -ENOENT) {
			fprintf(stderr, "probe-overhead: map %s: lookup batch: %s\n",
				bpf_map__name(map), strerror(-err));
			return err;
		}
		for (i = 0; i < n; i++) {
			st->keys++;
			st->sum += vals[i];
			if (c->per_thread &&
			    *(uint32_t *)((char *)b->keys + (size_t)i * key_size) == b->tid)
				st->own = vals[i];
		}
		if (err == -ENOENT)
			return 0;
		memcpy(in, out, sizeof(in));
		first = false;
	}
}

/* Reads every counting map into st[], indexed like cases[]. */
static int maps_read(struct bench *b, struct map_stats *st)
{
	size_t i;
	int err;

	for (i = 0; i < NCASES; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		if (!b->res[i].map)
			continue;
		err = map_read(b, &cases[i], b->res[i].map, &st[i]);
		if (err)
			return err;
	}
	return 0;
}

static int attach_one(struct bench *b, size_t i)
{
	int err;

	if (b->link) {
		fprintf(stderr, "probe-overhead: %s: another program is still attached\n",
			cases[i].prog);
		return -EBUSY;
	}
	b->link = bpf_program__attach(b->res[i].prog);
	if (!b->link) {
		err = -errno;
		fprintf(stderr, "probe-overhead: program %s: attach failed: %s\n", cases[i].prog,
			strerror(-err));
		return err;
	}
	return 0;
}

static void detach(struct bench *b)
{
	bpf_link__destroy(b->link);
	b->link = NULL;
}

/* One timed run of case i in round r, its program attached around it. */
static int measure(struct bench *b, size_t i, unsigned long r)
{
	const struct bench_case *c = &cases[i];
	struct map_stats before[NCASES], after[NCASES];
	unsigned long n = c->work == WORK_GETPID ? b->calls : b->uprobe_calls;
	unsigned long warm = n / 10 + 1;
	size_t j;
	int err;

	if (!c->prog) {
		if (c->work == WORK_CALL)
			n = b->func_calls;
		run_work(c->work, warm);
		b->res[i].ns[r] = time_work(c->work, n);
		return 0;
	}
	err = maps_read(b, before);
	if (err)
		return err;
	err = attach_one(b, i);
	if (err)
		return err;
	run_work(c->work, warm);
	b->res[i].ns[r] = time_work(c->work, n);
	detach(b);
	b->res[i].attached_calls += warm + n;
	err = maps_read(b, after);
	if (err)
		return err;
	for (j = 0; j < NCASES; j++) {
		if (j == i || !b->res[j].map)
			continue;
		if (before[j].keys != after[j].keys || before[j].sum != after[j].sum) {
			fprintf(stderr,
				"probe-overhead: map %s changed while only %s was attached: "
				"is another program attached?\n",
				cases[j].map, c->prog);
			return -EBUSY;
		}
	}
	return 0;
}

/* Final checks of the counting maps: a sum of at least 1000 with at least one key, and the
 * thread-keyed maps counted every call the driver made while attached. */
static int check_maps(struct bench *b, struct map_stats *st)
{
	int err = 0;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		const struct bench_case *c = &cases[i];

		if (!b->res[i].map)
			continue;
		if (st[i].keys < 1 || st[i].sum < MIN_MAP_SUM) {
			fprintf(stderr,
				"probe-overhead: map %s: %llu keys, sum %llu (want >= 1, >= %d)\n",
				c->map, st[i].keys, st[i].sum, MIN_MAP_SUM);
			err = -EIO;
		}
		if (c->per_thread && st[i].own < b->res[i].attached_calls) {
			fprintf(stderr,
				"probe-overhead: map %s: thread %u counted %llu, want >= %llu calls\n",
				c->map, b->tid, st[i].own, b->res[i].attached_calls);
			err = -EIO;
		}
	}
	return err;
}

/* The baseline of a case: the case with no program on the same workload. */
static size_t baseline_of(const struct bench_case *c)
{
	size_t i;

	for (i = 0; i < NCASES; i++)
		if (!cases[i].prog && cases[i].work == c->work)
			return i;
	return 0;
}

static void report(struct bench *b, const struct map_stats *st)
{
	double med[NCASES], sorted[MAX_ROUNDS];
	size_t i;

	for (i = 0; i < NCASES; i++) {
		memcpy(sorted, b->res[i].ns, b->rounds * sizeof(double));
		qsort(sorted, b->rounds, sizeof(double), cmp_double);
		med[i] = quantile(sorted, b->rounds, 0.5);
	}
	for (i = 0; i < NCASES; i++) {
		const struct bench_case *c = &cases[i];
		double base = med[baseline_of(c)];

		memcpy(sorted, b->res[i].ns, b->rounds * sizeof(double));
		qsort(sorted, b->rounds, sizeof(double), cmp_double);
		printf("%s\t%s\t%s\t%.2f\t%.2f\t%.2f\t", c->key, c->probe, c->variant, med[i],
		       quantile(sorted, b->rounds, 0.25), quantile(sorted, b->rounds, 0.75));
		if (c->prog)
			printf("%.1f\t%.1f\t", med[i] - base, 100.0 * (med[i] - base) / base);
		else
			printf("-\t-\t");
		if (c->map)
			printf("%llu\t%llu\n", st[i].keys, st[i].sum);
		else
			printf("-\t-\n");
	}
}

static int pin_cpu(unsigned long cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		err = -errno;
		fprintf(stderr, "probe-overhead: pin to CPU %lu: %s\n", cpu, strerror(-err));
		return err;
	}
	return 0;
}

static int open_load(struct bench *b, const char *path)
{
	size_t i;
	int err;

	b->obj = bpf_object__open_file(path, NULL);
	if (!b->obj) {
		err = -errno;
		fprintf(stderr, "probe-overhead: %s: open failed: %s\n", path, strerror(-err));
		return err;
	}
	err = bpf_object__load(b->obj);
	if (err) {
		fprintf(stderr, "probe-overhead: %s: load failed: %s\n", path, strerror(-err));
		return err;
	}
	for (i = 0; i < NCASES; i++) {
		if (cases[i].prog) {
			b->res[i].prog = bpf_object__find_program_by_name(b->obj, cases[i].prog);
			if (!b->res[i].prog) {
				fprintf(stderr, "probe-overhead: %s: no program %s\n", path,
					cases[i].prog);
				return -ENOENT;
			}
		}
		if (cases[i].map) {
			b->res[i].map = bpf_object__find_map_by_name(b->obj, cases[i].map);
			if (!b->res[i].map) {
				fprintf(stderr, "probe-overhead: %s: no map %s\n", path,
					cases[i].map);
				return -ENOENT;
			}
		}
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: probe-overhead [-c CPU] [-r ROUNDS] [-n CALLS] [-u UPROBE_CALLS] "
			"[-f FUNC_CALLS] OBJ\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct bench b = {
		.rounds = 21,
		.calls = 200000,
		.uprobe_calls = 2000,
		.func_calls = 10000000,
	};
	struct map_stats st[NCASES];
	unsigned long cpu = (unsigned long)sysconf(_SC_NPROCESSORS_ONLN) - 1, r;
	size_t k, i;
	int opt, err;

	while ((opt = getopt(argc, argv, "c:r:n:u:f:")) != -1) {
		switch (opt) {
		case 'c':
			err = parse_ulong(optarg, 0, CPU_SETSIZE - 1, &cpu);
			break;
		case 'r':
			err = parse_ulong(optarg, 1, MAX_ROUNDS, &b.rounds);
			break;
		case 'n':
			err = parse_ulong(optarg, 1, 1000000000, &b.calls);
			break;
		case 'u':
			err = parse_ulong(optarg, 1, 1000000000, &b.uprobe_calls);
			break;
		case 'f':
			err = parse_ulong(optarg, 1, 4000000000UL, &b.func_calls);
			break;
		default:
			return usage();
		}
		if (err) {
			fprintf(stderr, "probe-overhead: bad value for -%c: %s\n", opt, optarg);
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();

	libbpf_set_print(libbpf_print);
	b.tid = (uint32_t)syscall(SYS_gettid);
	b.keys = calloc(MAP_ENTRIES, 64);
	b.values = calloc(MAP_ENTRIES, sizeof(uint64_t));
	if (!b.keys || !b.values) {
		fprintf(stderr, "probe-overhead: out of memory\n");
		err = -ENOMEM;
		goto cleanup;
	}
	err = pin_cpu(cpu);
	if (err)
		goto cleanup;
	err = open_load(&b, argv[optind]);
	if (err)
		goto cleanup;
	fprintf(stderr,
		"probe-overhead: CPU %lu, %lu rounds of %lu getpid() calls, %lu uprobe hits, %lu "
		"function calls per case\n",
		cpu, b.rounds, b.calls, b.uprobe_calls, b.func_calls);
	for (r = 0; r < b.rounds; r++) {
		for (k = 0; k < NCASES; k++) {
			i = (k + r) % NCASES;
			err = measure(&b, i, r);
			if (err)
				goto cleanup;
		}
		fprintf(stderr, "probe-overhead: round %lu/%lu done\n", r + 1, b.rounds);
	}
	err = maps_read(&b, st);
	if (err)
		goto cleanup;
	report(&b, st);
	err = check_maps(&b, st);
cleanup:
	bpf_link__destroy(b.link);
	bpf_object__close(b.obj);
	free(b.keys);
	free(b.values);
	return err ? 1 : 0;
}
