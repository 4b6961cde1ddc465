// SPDX-License-Identifier: MIT
/*
 * The request deadline, on real loopback TCP connections: the guard shuts a connection down
 * when its first request is late, leaves an idle keep-alive connection alone until a byte of
 * the next request arrives, and never touches a connection whose request is being served.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "web/http_guard.h"

#define TIMEOUT_MS 200

struct pair {
	int client, server;
};

static int listener = -1;

static int setup(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(listener, 16) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	close(listener);
	return 0;
}

static void connect_pair(struct pair *p)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	assert_int_equal(getsockname(listener, (struct sockaddr *)&a, &len), 0);
	p->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p->client >= 0);
	assert_int_equal(connect(p->client, (struct sockaddr *)&a, sizeof(a)), 0);
	p->server = accept(listener, NULL, NULL);
	assert_true(p->server >= 0);
}

static void close_pair(struct pair *p)
{
	close(p->client);
	close(p->server);
}

/* Milliseconds until the server side of p is shut down (the client reads EOF), or -1. */
static long closed_within(struct pair *p, long ms)
{
	struct timespec t0, t1;
	struct pollfd pfd = { .fd = p->client, .events = POLLIN };
	char c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (poll(&pfd, 1, (int)ms) != 1 || recv(p->client, &c, 1, MSG_DONTWAIT) != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static void test_first_request_deadline(void **state)
{
	struct http_guard *g;
	struct http_guard_conn *c;
	struct pair p;

	assert_int_equal(http_guard__new(TIMEOUT_MS * 1000000LL, &g), 0);
	connect_pair(&p);
	c = http_guard__opened(g, p.server);
	assert_non_null(c);
	assert_int_equal(http_guard__open(g), 1);
	/* half a request, then nothing: shut down once the deadline has passed */
	assert_int_equal(send(p.client, "GET / HTTP/1.1\r\n", 16, 0), 16);
	assert_true(closed_within(&p, TIMEOUT_MS / 2) < 0);
	assert_true(closed_within(&p, 2000) >= 0);
	assert_int_equal(http_guard__timeouts(g), 1);
	http_guard__closed(g, c);
	assert_int_equal(http_guard__open(g), 0);
	close_pair(&p);
	http_guard__free(g);
}

static void test_served_requests_are_left_alone(void **state)
{
	struct http_guard *g;
	struct http_guard_conn *c;
	struct pair p;

	assert_int_equal(http_guard__new(TIMEOUT_MS * 1000000LL, &g), 0);
	connect_pair(&p);
	c = http_guard__opened(g, p.server);
	http_guard__request_read(g, c);
	assert_true(closed_within(&p, TIMEOUT_MS * 3) < 0);
	assert_int_equal(http_guard__timeouts(g), 0);
	http_guard__closed(g, c);
	close_pair(&p);
	http_guard__free(g);
}

static void test_idle_then_late_request(void **state)
{
	struct http_guard *g;
	struct http_guard_conn *c;
	struct pair p;
	char buf[64];

	assert_int_equal(http_guard__new(TIMEOUT_MS * 1000000LL, &g), 0);
	connect_pair(&p);
	c = http_guard__opened(g, p.server);
	assert_int_equal(send(p.client, "GET / HTTP/1.1\r\n\r\n", 18, 0), 18);
	assert_int_equal(recv(p.server, buf, sizeof(buf), 0), 18);
	http_guard__request_read(g, c);
	http_guard__response_done(g, c);
	/* idle keep-alive: no deadline however long it waits */
	assert_true(closed_within(&p, TIMEOUT_MS * 3) < 0);
	/* the next request begins and stalls: the deadline counts from its first byte */
	assert_int_equal(send(p.client, "G", 1, 0), 1);
	assert_true(closed_within(&p, TIMEOUT_MS / 2) < 0);
	assert_true(closed_within(&p, 2000) >= 0);
	assert_int_equal(http_guard__timeouts(g), 1);
	http_guard__closed(g, c);
	close_pair(&p);
	http_guard__free(g);
}

static void test_args(void **state)
{
	struct http_guard *g = (struct http_guard *)1;

	assert_int_equal(http_guard__new(0, &g), -EINVAL);
	assert_null(g);
	http_guard__free(NULL);
	assert_int_equal(http_guard__new(TIMEOUT_MS * 1000000LL, &g), 0);
	/* NULL connections (out of memory at accept) are accepted everywhere */
	http_guard__request_read(g, NULL);
	http_guard__response_done(g, NULL);
	http_guard__closed(g, NULL);
	/* connections still open at free are released */
	assert_non_null(http_guard__opened(g, -1));
	http_guard__free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_request_deadline),
		cmocka_unit_test(test_served_requests_are_left_alone),
		cmocka_unit_test(test_idle_then_late_request),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
