// SPDX-License-Identifier: MIT
/*
 * The user-space half of the sock-trace example, after upstream's tracing/demos/sock: an HTTP
 * request over one TCP connection as a `connection` span with four children, `dial`, `write`,
 * `read` and `close`. Before each step the demo hands the step's span context and the
 * socket's cookie (SO_COOKIE) to the kernel through the USDT probe
 * ebpf_exporter:sock_set_parent_span(cookie, trace_id_hi, trace_id_lo, span_id, tag), with
 * the user-space tag 666, so sock-trace attaches the kernel's work on that socket (packets
 * sent and received, retransmits, errors, the release) to the step that caused it.
 *
 * Usage: sock-trace-demo [HOST [PORT]]
 *   Connects to HOST:PORT (default example.com:80), sends `GET /` and reads the answer until
 *   the server closes (at most 10 s). Prints `trace_id=<hex> cookie=<n> dial=<hex>
 *   write=<hex> read=<hex> close=<hex>`, exports its spans (see tracing-demo.h for the OTEL_*
 *   defaults) and exits 0; 1 when the connection or the OTEL_* environment fails. Run it from
 *   the repository root while the exporter runs sock-trace (the probe names
 *   ./examples/sock-trace-demo).
 */
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tracing-demo.h"

#define DEMO_TAG 666

static void set_parent(const struct lc_span *s, uint64_t cookie, struct demo_parent *p)
{
	demo_parent(s, p);
	DTRACE_PROBE5(ebpf_exporter, sock_set_parent_span, cookie, p->trace_id_hi, p->trace_id_lo,
		      p->span_id, (uint64_t)DEMO_TAG);
}

/* Opens a TCP socket for host:port; *addr gets the first address (free with freeaddrinfo). */
static int open_socket(const char *host, const char *port, struct addrinfo **addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct timeval tv = { .tv_sec = 10 };
	int e, fd;

	e = getaddrinfo(host, port, &hints, addr);
	if (e) {
		fprintf(stderr, "sock-trace-demo: %s:%s: %s\n", host, port, gai_strerror(e));
		return -1;
	}
	fd = socket((*addr)->ai_family, (*addr)->ai_socktype | SOCK_CLOEXEC, (*addr)->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		perror("sock-trace-demo: socket");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(*addr);
		*addr = NULL;
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until end of file; returns the byte count or -1. */
static long read_all(int fd)
{
	char buf[4096];
	long total = 0;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return total;
		total += n;
	}
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "example.com", *port = argc > 2 ? argv[2] : "80";
	struct lc_span *conn, *step;
	struct demo_parent dial, wr, rd, cl;
	struct addrinfo *addr = NULL;
	socklen_t len = sizeof(uint64_t);
	uint64_t cookie = 0;
	char req[512];
	struct demo d;
	int fd, n, rc = 1;
	long got;

	if (argc > 3) {
		fprintf(stderr, "usage: sock-trace-demo [HOST [PORT]]\n");
		return 2;
	}
	n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		     host);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		fprintf(stderr, "sock-trace-demo: host name too long\n");
		return 2;
	}
	if (demo_start(&d, "sock-trace-demo"))
		return 1;
	conn = lifecycle__begin(d.lc, NULL, "connection");

	step = lifecycle__begin(d.lc, conn, "dial");
	fd = open_socket(host, port, &addr);
	if (fd < 0) {
		lifecycle__error(step, "cannot create the socket");
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len)) {
		perror("sock-trace-demo: SO_COOKIE");
		goto out;
	}
	set_parent(step, cookie, &dial);
	if (connect(fd, addr->ai_addr, addr->ai_addrlen)) {
		fprintf(stderr, "sock-trace-demo: connecting to %s:%s: %s\n", host, port,
			strerror(errno));
		lifecycle__error(step, strerror(errno));
		goto out;
	}
	lifecycle__end(d.lc, step);

	step = lifecycle__begin(d.lc, conn, "write");
	set_parent(step, cookie, &wr);
	if (write_all(fd, req, (size_t)n)) {
		perror("sock-trace-demo: write");
		lifecycle__error(step, strerror(errno));
	}
	lifecycle__end(d.lc, step);

	step = lifecycle__begin(d.lc, conn, "read");
	set_parent(step, cookie, &rd);
	got = read_all(fd);
	if (got < 0) {
		perror("sock-trace-demo: read");
		lifecycle__error(step, strerror(errno));
	}
	lifecycle__end(d.lc, step);

	step = lifecycle__begin(d.lc, conn, "close");
	set_parent(step, cookie, &cl);
	close(fd);
	fd = -1;
	lifecycle__end(d.lc, step);
	step = NULL;

	printf("trace_id=%s cookie=%llu dial=%s write=%s read=%s close=%s\n", dial.trace_hex,
	       (unsigned long long)cookie, dial.span_hex, wr.span_hex, rd.span_hex, cl.span_hex);
	fflush(stdout);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (addr)
		freeaddrinfo(addr);
	lifecycle__end(d.lc, step);
	lifecycle__end(d.lc, conn);
	demo_finish(&d);
	return rc;
}
