// SPDX-License-Identifier: MIT
/*
 * The receiving end of the span benchmark: an HTTP/1.1 server on 127.0.0.1:PORT that reads
 * each request (headers, then Content-Length bytes of body) and answers 200 with an empty body
 * (an empty ExportTraceServiceResponse), decoding nothing, so that the exporter is what is
 * measured. One thread per connection; prints the requests and body bytes it got on SIGTERM.
 *
 * Usage: spans-sink PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
			     "Content-Length: 0\r\n\r\n";
static unsigned long long requests, bytes;

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[1 << 16];
	size_t have = 0;

	for (;;) {
		char *end = NULL, *cl;
		size_t head, body;
		ssize_t r;

		while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
			if (have == sizeof(buf))
				goto out;
			r = read(fd, buf + have, sizeof(buf) - have);
			if (r <= 0)
				goto out;
			have += (size_t)r;
		}
		head = (size_t)(end + 4 - buf);
		*end = '\0';
		cl = strcasestr(buf, "content-length:");
		body = cl ? strtoul(cl + 15, NULL, 10) : 0;
		/* skip the body: part of it may already be in buf */
		if (have - head >= body) {
			memmove(buf, buf + head + body, have - head - body);
			have -= head + body;
		} else {
			size_t left = body - (have - head);

			have = 0;
			while (left) {
				r = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
				if (r <= 0)
					goto out;
				left -= (size_t)r;
			}
		}
		__atomic_add_fetch(&requests, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&bytes, body, __ATOMIC_RELAXED);
		if (write(fd, answer, sizeof(answer) - 1) != sizeof(answer) - 1)
			goto out;
	}
out:
	close(fd);
	return NULL;
}

static void on_term(int sig)
{
	(void)sig;
	printf("%llu requests, %llu bytes\n", requests, bytes);
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, lfd;

	if (argc != 2 || strtoul(argv[1], NULL, 10) == 0) {
		fprintf(stderr, "usage: spans-sink PORT\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	sa.sin_port = htons((unsigned short)strtoul(argv[1], NULL, 10));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 16)) {
		perror("spans-sink");
		return 1;
	}
	for (;;) {
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, serve, (void *)(long)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}
