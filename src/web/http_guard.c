// SPDX-License-Identifier: MIT
#include "web/http_guard.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/clock.h"
#include "util/log.h"

enum phase {
	PHASE_FIRST, /* accepted, its first request not complete yet: deadline from accept */
	PHASE_IDLE, /* between requests: no deadline until a byte arrives */
	PHASE_REQUEST, /* a later request has begun: deadline from its first byte */
	PHASE_SERVING, /* a whole request is in, being answered */
	PHASE_SHUT, /* shut down by the guard, waiting for the server to close it */
};

struct http_guard_conn {
	struct http_guard_conn *prev, *next;
	int fd;
	enum phase phase;
	bool tcp; /* TCP_INFO works: a new request can be noticed while idle */
	uint64_t since_ns; /* start of the deadline, or of the idle time */
	uint64_t rx_base; /* bytes received when the last response was done */
};

struct http_guard {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool stop;
	uint64_t timeout_ns, tick_ns;
	struct http_guard_conn *head;
	uint64_t open, timeouts;
};

/* Bytes the socket has received so far; false when it is not a TCP socket. */
static bool rx_bytes(int fd, uint64_t *out)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
		return false;
	*out = ti.tcpi_bytes_received;
	return true;
}

/* With the lock held: one pass over the connections. */
static void sweep(struct http_guard *g, uint64_t now)
{
	for (struct http_guard_conn *c = g->head; c; c = c->next) {
		uint64_t rx;

		switch (c->phase) {
		case PHASE_IDLE:
			if (c->tcp && rx_bytes(c->fd, &rx) && rx > c->rx_base) {
				c->phase = PHASE_REQUEST;
				c->since_ns = now;
			}
			break;
		case PHASE_FIRST:
		case PHASE_REQUEST:
			if (now - c->since_ns < g->timeout_ns)
				break;
			/* The fd stays open until closed() has run, which takes the lock. */
			if (shutdown(c->fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
				log_debug("http: shutdown of a late connection failed: %d", errno);
			c->phase = PHASE_SHUT;
			g->timeouts++;
			break;
		case PHASE_SERVING:
		case PHASE_SHUT:
			break;
		}
	}
}

static void *guard_main(void *arg)
{
	struct http_guard *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		struct timespec ts = clock_timespec(clock_mono_ns() + g->tick_ns);

		pthread_cond_timedwait(&g->cond, &g->lock, &ts);
		if (!g->stop)
			sweep(g, clock_mono_ns());
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int http_guard__new(int64_t request_timeout_ns, struct http_guard **out)
{
	struct http_guard *g;
	pthread_condattr_t ca;
	int e;

	*out = NULL;
	if (request_timeout_ns <= 0)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->timeout_ns = (uint64_t)request_timeout_ns;
	/* a quarter of the deadline, so that it is kept closely, and at most a tick */
	g->tick_ns = g->timeout_ns / 4;
	if (g->tick_ns > HTTP_GUARD_TICK_MS * 1000000ULL)
		g->tick_ns = HTTP_GUARD_TICK_MS * 1000000ULL;
	if (g->tick_ns < 1000000ULL)
		g->tick_ns = 1000000ULL;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	e = pthread_create(&g->thread, NULL, guard_main, g);
	if (e) {
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return -e;
	}
	*out = g;
	return 0;
}

void http_guard__free(struct http_guard *g)
{
	struct http_guard_conn *c, *next;

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	for (c = g->head; c; c = next) {
		next = c->next;
		free(c);
	}
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

struct http_guard_conn *http_guard__opened(struct http_guard *g, int fd)
{
	struct http_guard_conn *c = calloc(1, sizeof(*c));
	uint64_t rx;

	if (!c)
		return NULL;
	c->fd = fd;
	c->phase = PHASE_FIRST;
	c->tcp = rx_bytes(fd, &rx);
	c->since_ns = clock_mono_ns();
	pthread_mutex_lock(&g->lock);
	c->next = g->head;
	if (g->head)
		g->head->prev = c;
	g->head = c;
	g->open++;
	pthread_mutex_unlock(&g->lock);
	return c;
}

void http_guard__request_read(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->phase != PHASE_SHUT)
		c->phase = PHASE_SERVING;
	pthread_mutex_unlock(&g->lock);
}

void http_guard__response_done(struct http_guard *g, struct http_guard_conn *c)
{
	uint64_t rx = 0;
	bool tcp;

	if (!c)
		return;
	/* read outside the lock: the fd is the caller's, open for this call */
	tcp = rx_bytes(c->fd, &rx);

	pthread_mutex_lock(&g->lock);
	c->tcp = c->tcp && tcp;
	if (c->phase != PHASE_SHUT) {
		c->phase = PHASE_IDLE;
		c->rx_base = rx;
		c->since_ns = clock_mono_ns();
	}
	pthread_mutex_unlock(&g->lock);
}

void http_guard__closed(struct http_guard *g, struct http_guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	g->open--;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

static uint64_t read_locked(struct http_guard *g, const uint64_t *counter)
{
	uint64_t n;

	pthread_mutex_lock(&g->lock);
	n = *counter;
	pthread_mutex_unlock(&g->lock);
	return n;
}

uint64_t http_guard__timeouts(struct http_guard *g)
{
	return read_locked(g, &g->timeouts);
}

uint64_t http_guard__open(struct http_guard *g)
{
	return read_locked(g, &g->open);
}
