// SPDX-License-Identifier: MIT
/*
 * Timing helper of the scrape benchmark (bench/run.sh).
 *
 *   scrape floors MAP_ID REPS
 *     Reads the whole map REPS times in each of two ways and prints
 *     `batch_ms perkey_ms entries` (medians): one BPF_MAP_LOOKUP_BATCH pass in chunks, the
 *     floor of any exporter, and get_next_key + lookup per key, the pattern of the Go
 *     exporter (two syscalls per key).
 *   scrape http HOST PORT PATH ACCEPT REPS
 *     GETs PATH REPS times (HTTP/1.0, a new connection each, identity encoding; ACCEPT may
 *     be "-" for none) and prints `median_ms bytes` (body bytes of the last answer). Fails
 *     unless every answer is 200.
 *   scrape rss PID
 *     Prints VmRSS and VmHWM of PID in KiB.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_CHUNK 8192
#define MAX_REPS 101

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int parse_reps(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n < 1 || n > MAX_REPS) {
		fprintf(stderr, "scrape: REPS must be 1..%d\n", MAX_REPS);
		return -1;
	}
	return (int)n;
}

/* One batch pass; returns the entries read or -1. keys/vals hold BATCH_CHUNK entries. */
static long batch_pass(int fd, void *keys, void *vals)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint64_t in = 0, out = 0;
	bool first = true;
	long total = 0;

	for (;;) {
		__u32 count = BATCH_CHUNK;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &count,
					       &opts);

		if (err && errno != ENOENT)
			return -1;
		total += count;
		if (err)
			return total;
		in = out;
		first = false;
	}
}

/* One get_next_key + lookup pass; returns the entries read or -1. */
static long perkey_pass(int fd, void *key, void *next, void *val, size_t key_size)
{
	long total = 0;
	void *prev = NULL;

	for (;;) {
		if (bpf_map_get_next_key(fd, prev, next))
			return errno == ENOENT ? total : -1;
		if (bpf_map_lookup_elem(fd, next, val) == 0)
			total++;
		memcpy(key, next, key_size);
		prev = key;
	}
}

static int floors(const char *id_s, const char *reps_s)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	double batch[MAX_REPS], perkey[MAX_REPS];
	void *keys = NULL, *vals = NULL, *key = NULL, *next = NULL;
	size_t vsize;
	long entries = 0;
	int reps = parse_reps(reps_s), fd, ncpu, ret = 1;

	if (reps < 0)
		return 2;
	fd = bpf_map_get_fd_by_id((__u32)strtoul(id_s, NULL, 10));
	if (fd < 0) {
		fprintf(stderr, "scrape: map id %s: %s\n", id_s, strerror(errno));
		return 1;
	}
	memset(&info, 0, sizeof(info));
	ncpu = libbpf_num_possible_cpus();
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || ncpu <= 0) {
		fprintf(stderr, "scrape: map id %s: no info\n", id_s);
		goto out;
	}
	vsize = info.value_size;
	if (info.type == BPF_MAP_TYPE_PERCPU_HASH || info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		vsize = ((vsize + 7) & ~(size_t)7) * (size_t)ncpu;
	keys = calloc(BATCH_CHUNK, info.key_size);
	vals = calloc(BATCH_CHUNK, vsize);
	key = calloc(1, info.key_size);
	next = calloc(1, info.key_size);
	if (!keys || !vals || !key || !next) {
		fprintf(stderr, "scrape: out of memory\n");
		goto out;
	}
	for (int i = 0; i < reps; i++) {
		double t0 = now_ms();
		long n = batch_pass(fd, keys, vals);
		double t1 = now_ms();
		long m = perkey_pass(fd, key, next, vals, info.key_size);
		double t2 = now_ms();

		if (n < 0 || m < 0) {
			fprintf(stderr, "scrape: reading map id %s: %s\n", id_s, strerror(errno));
			goto out;
		}
		batch[i] = t1 - t0;
		perkey[i] = t2 - t1;
		entries = n;
	}
	printf("%.3f %.3f %ld\n", median(batch, reps), median(perkey, reps), entries);
	ret = 0;
out:
	free(keys);
	free(vals);
	free(key);
	free(next);
	close(fd);
	return ret;
}

/* One GET; returns the body size, or -1 (message printed). */
static long get(const char *host, int port, const char *path, const char *accept)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static char buf[1 << 16];
	char req[1024], head[64] = "";
	size_t head_len = 0;
	long total = 0, hdr_end = -1;
	char tail[4] = { 0 };
	int fd, n;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "scrape: bad address %s\n", host);
		return -1;
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s:%d\r\n%s%s%s\r\n", path, host,
		     port, strcmp(accept, "-") ? "Accept: " : "", strcmp(accept, "-") ? accept : "",
		     strcmp(accept, "-") ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(req))
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, (size_t)n) != n) {
		fprintf(stderr, "scrape: %s:%d: %s\n", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Read to EOF; find the end of the headers across reads with the last 4 bytes seen. */
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "scrape: read: %s\n", strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		if (head_len < sizeof(head) - 1) {
			size_t c = (size_t)r < sizeof(head) - 1 - head_len ?
					   (size_t)r :
					   sizeof(head) - 1 - head_len;

			memcpy(head + head_len, buf, c);
			head_len += c;
			head[head_len] = '\0';
		}
		for (ssize_t i = 0; hdr_end < 0 && i < r; i++) {
			memmove(tail, tail + 1, 3);
			tail[3] = buf[i];
			if (!memcmp(tail, "\r\n\r\n", 4))
				hdr_end = total + i + 1;
		}
		total += r;
	}
	close(fd);
	if (strncmp(head, "HTTP/1.1 200", 12) && strncmp(head, "HTTP/1.0 200", 12)) {
		fprintf(stderr, "scrape: GET %s: %.40s\n", path, head);
		return -1;
	}
	if (hdr_end < 0) {
		fprintf(stderr, "scrape: GET %s: no end of headers\n", path);
		return -1;
	}
	return total - hdr_end;
}

static int http(char **argv)
{
	double t[MAX_REPS];
	long bytes = 0;
	int reps = parse_reps(argv[5]);
	char *end;
	long port = strtol(argv[2], &end, 10);

	if (reps < 0 || *end || port <= 0 || port > 65535) {
		fprintf(stderr, "scrape: bad port %s\n", argv[2]);
		return 2;
	}
	for (int i = 0; i < reps; i++) {
		double t0 = now_ms();

		bytes = get(argv[1], (int)port, argv[3], argv[4]);
		if (bytes < 0)
			return 1;
		t[i] = now_ms() - t0;
	}
	printf("%.3f %ld\n", median(t, reps), bytes);
	return 0;
}

static int rss(const char *pid)
{
	char path[64], line[256];
	long rss_kb = -1, hwm_kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "scrape: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			rss_kb = strtol(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			hwm_kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	printf("%ld %ld\n", rss_kb, hwm_kb);
	return rss_kb < 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "floors"))
		return floors(argv[2], argv[3]);
	if (argc == 7 && !strcmp(argv[1], "http"))
		return http(argv + 1);
	if (argc == 3 && !strcmp(argv[1], "rss"))
		return rss(argv[2]);
	fprintf(stderr, "usage: scrape floors MAP_ID REPS\n"
			"       scrape http HOST PORT PATH ACCEPT REPS\n"
			"       scrape rss PID\n");
	return 2;
}
