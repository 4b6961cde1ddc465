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
 *   scrape keepalive HOST PORT PATH REPS PID CAFILE HEADER
 *     Opens one connection (TLS through GnuTLS when CAFILE is not "-", the server's
 *     certificate checked against it and HOST), GETs PATH once, then REPS times more on the
 *     same connection (HTTP/1.1 keep-alive, identity encoding; HEADER, e.g. an Authorization
 *     line, sent with each unless "-"). Prints `median_ms total_ms server_cpu_ms client_cpu_ms
 *     bytes first_ms`: the median and the sum of the REPS request times, the CPU time process
 *     PID (the server) and this client spent during them, the body size of the last answer,
 *     and the time of the first GET, connect and handshake included. Fails unless every answer
 *     is 200.
 *   scrape rss PID
 *     Prints VmRSS and VmHWM of PID in KiB.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
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

/* One client connection, plain or TLS. */
struct conn {
	int fd;
	gnutls_session_t tls;
	gnutls_certificate_credentials_t cred;
	char hdr[8192]; /* the headers of the answer being read */
};

static void conn_close(struct conn *c)
{
	if (c->tls) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
	}
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->tls = NULL;
	c->cred = NULL;
}

static int conn_open(struct conn *c, const char *host, int port, const char *cafile)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int e;

	c->fd = -1;
	c->tls = NULL;
	c->cred = NULL;
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "scrape: bad address %s\n", host);
		return -1;
	}
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "scrape: %s:%d: %s\n", host, port, strerror(errno));
		conn_close(c);
		return -1;
	}
	if (!cafile)
		return 0;
	if ((e = gnutls_certificate_allocate_credentials(&c->cred)) < 0 ||
	    (e = gnutls_certificate_set_x509_trust_file(c->cred, cafile, GNUTLS_X509_FMT_PEM)) <
		    0 ||
	    (e = gnutls_init(&c->tls, GNUTLS_CLIENT)) < 0 ||
	    (e = gnutls_set_default_priority(c->tls)) < 0 ||
	    (e = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred)) < 0) {
		fprintf(stderr, "scrape: TLS set-up: %s\n", gnutls_strerror(e));
		conn_close(c);
		return -1;
	}
	gnutls_session_set_verify_cert(c->tls, host, 0);
	gnutls_transport_set_int(c->tls, c->fd);
	do
		e = gnutls_handshake(c->tls);
	while (e < 0 && !gnutls_error_is_fatal(e));
	if (e < 0) {
		fprintf(stderr, "scrape: TLS handshake with %s:%d: %s\n", host, port,
			gnutls_strerror(e));
		conn_close(c);
		return -1;
	}
	return 0;
}

static ssize_t conn_read(struct conn *c, void *buf, size_t n)
{
	ssize_t r;

	if (c->tls) {
		do
			r = gnutls_record_recv(c->tls, buf, n);
		while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
		if (r < 0)
			fprintf(stderr, "scrape: TLS read: %s\n", gnutls_strerror((int)r));
		return r < 0 ? -1 : r;
	}
	do
		r = read(c->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		fprintf(stderr, "scrape: read: %s\n", strerror(errno));
	return r;
}

static int conn_write(struct conn *c, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = c->tls ? gnutls_record_send(c->tls, buf, n) : write(c->fd, buf, n);

		if (r < 0 &&
		    (c->tls ? (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) : errno == EINTR))
			continue;
		if (r <= 0) {
			fprintf(stderr, "scrape: write failed\n");
			return -1;
		}
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * One keep-alive GET on c: the request, then the answer's headers and exactly its
 * Content-Length body bytes (read and dropped). Returns the body size, or -1.
 */
static long conn_get(struct conn *c, const char *req, size_t req_len)
{
	static char buf[1 << 16];
	size_t have = 0;
	char *end = NULL, *cl;
	long len, got;

	if (conn_write(c, req, req_len))
		return -1;
	while (!end) {
		ssize_t r;

		if (have >= sizeof(c->hdr) - 1) {
			fprintf(stderr, "scrape: headers longer than %zu bytes\n", sizeof(c->hdr));
			return -1;
		}
		r = conn_read(c, c->hdr + have, sizeof(c->hdr) - 1 - have);
		if (r <= 0) {
			if (r == 0)
				fprintf(stderr, "scrape: the server closed the connection\n");
			return -1;
		}
		have += (size_t)r;
		c->hdr[have] = '\0';
		end = strstr(c->hdr, "\r\n\r\n");
	}
	if (strncmp(c->hdr, "HTTP/1.1 200", 12)) {
		fprintf(stderr, "scrape: %.40s\n", c->hdr);
		return -1;
	}
	*end = '\0';
	cl = strcasestr(c->hdr, "\r\nContent-Length:");
	if (!cl) {
		fprintf(stderr, "scrape: no Content-Length\n");
		return -1;
	}
	len = strtol(cl + 17, NULL, 10);
	got = (long)(c->hdr + have - (end + 4));
	while (got < len) {
		size_t want = (size_t)(len - got) < sizeof(buf) ? (size_t)(len - got) : sizeof(buf);
		ssize_t r = conn_read(c, buf, want);

		if (r <= 0) {
			if (r == 0)
				fprintf(stderr, "scrape: the server closed the connection\n");
			return -1;
		}
		got += r;
	}
	return len;
}

static double cpu_ms(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return -1;
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int keepalive(char **argv)
{
	static double t[MAX_REPS];
	struct conn c;
	char req[2048], *end;
	const char *cafile = strcmp(argv[6], "-") ? argv[6] : NULL;
	const char *extra = strcmp(argv[7], "-") ? argv[7] : "";
	long port = strtol(argv[2], &end, 10), bytes = 0;
	int reps = parse_reps(argv[4]), n, ret = 1;
	double first, total = 0, srv0, srv1, cli0, cli1, t0;
	clockid_t srv;

	if (reps < 0 || *end || port <= 0 || port > 65535) {
		fprintf(stderr, "scrape: bad port %s\n", argv[2]);
		return 2;
	}
	if (clock_getcpuclockid((pid_t)strtol(argv[5], NULL, 10), &srv)) {
		fprintf(stderr, "scrape: no CPU clock for process %s\n", argv[5]);
		return 1;
	}
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s:%ld\r\nAccept-Encoding: identity\r\n%s%s\r\n",
		     argv[3], argv[1], port, extra, *extra ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(req))
		return 2;
	t0 = now_ms();
	if (conn_open(&c, argv[1], (int)port, cafile))
		return 1;
	if (conn_get(&c, req, (size_t)n) < 0)
		goto out;
	first = now_ms() - t0;
	srv0 = cpu_ms(srv);
	cli0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < reps; i++) {
		t0 = now_ms();
		bytes = conn_get(&c, req, (size_t)n);
		if (bytes < 0)
			goto out;
		t[i] = now_ms() - t0;
		total += t[i];
	}
	srv1 = cpu_ms(srv);
	cli1 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
	printf("%.3f %.3f %.3f %.3f %ld %.3f\n", median(t, reps), total, srv1 - srv0, cli1 - cli0,
	       bytes, first);
	ret = 0;
out:
	conn_close(&c);
	return ret;
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
	if (argc == 9 && !strcmp(argv[1], "keepalive"))
		return keepalive(argv + 1);
	if (argc == 3 && !strcmp(argv[1], "rss"))
		return rss(argv[2]);
	fprintf(stderr, "usage: scrape floors MAP_ID REPS\n"
			"       scrape http HOST PORT PATH ACCEPT REPS\n"
			"       scrape keepalive HOST PORT PATH REPS PID CAFILE HEADER\n"
			"       scrape rss PID\n");
	return 2;
}
