// SPDX-License-Identifier: MIT
#include "sources/ifaces.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/errno_text.h"
#include "util/hash.h"
#include "util/log.h"

#define FALLBACK_FLUSH_NS 60000000000ull

struct memo {
	uint32_t index; /* not 0: no interface has index 0 */
	char name[IF_NAMESIZE];
};

struct ifaces {
	int nl_fd; /* -1: no notifications */
	struct hash_table memo; /* struct memo items by hash_mix64(index) */
	uint64_t flushed_ns;
};

static int open_netlink(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int ifaces__new(struct ifaces **out, char *err, size_t errlen)
{
	char et[128];
	struct ifaces *ifs = calloc(1, sizeof(*ifs));

	if (!ifs) {
		snprintf(err, errlen, "error setting up interface names: out of memory");
		return -ENOMEM;
	}
	ifs->nl_fd = open_netlink();
	if (ifs->nl_fd < 0) {
		log_msg("decoders: no netlink link notifications (%s): interface names are "
			"re-read every minute",
			errno_text(ifs->nl_fd, et, sizeof(et)));
		ifs->nl_fd = -1;
	}
	ifs->flushed_ns = clock_mono_ns();
	*out = ifs;
	return 0;
}

static void drop_memos(struct ifaces *ifs)
{
	for (size_t i = 0; i < ifs->memo.cap; i++)
		free(ifs->memo.slots[i].item);
	hash_table_clear(&ifs->memo);
}

void ifaces__free(struct ifaces *ifs)
{
	if (!ifs)
		return;
	if (ifs->nl_fd >= 0)
		close(ifs->nl_fd);
	drop_memos(ifs);
	hash_table_free(&ifs->memo);
	free(ifs);
}

static struct memo *find(struct ifaces *ifs, uint32_t index)
{
	uint64_t h = hash_mix64(index);
	struct memo *m;

	for (size_t pos = hash_table_home(&ifs->memo, h);
	     (m = hash_table_next(&ifs->memo, h, &pos));) {
		if (m->index == index)
			return m;
	}
	return NULL;
}

int ifaces__remember(struct ifaces *ifs, uint32_t index, const char *name)
{
	struct memo *m;

	if (!index)
		return -EINVAL;
	m = find(ifs, index);
	if (m) {
		snprintf(m->name, sizeof(m->name), "%s", name);
		return 0;
	}
	if (hash_table_reserve(&ifs->memo, 16))
		return -ENOMEM;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->index = index;
	snprintf(m->name, sizeof(m->name), "%s", name);
	hash_table_insert(&ifs->memo, hash_mix64(index), m);
	return 0;
}

int ifaces__name(struct ifaces *ifs, uint32_t index, struct buf *out)
{
	struct memo *m = find(ifs, index);
	char name[IF_NAMESIZE];

	if (m)
		return buf_puts(out, m->name);
	if (index == 0 || !if_indextoname(index, name))
		return -ENOENT;
	/* A failed memo insert only costs a later lookup. */
	ifaces__remember(ifs, index, name);
	return buf_puts(out, name);
}

static void forget_all(struct ifaces *ifs)
{
	drop_memos(ifs);
	ifs->flushed_ns = clock_mono_ns();
}

bool ifaces__poll(struct ifaces *ifs)
{
	bool changed = false;
	char buf[8192];
	ssize_t n;

	if (ifs->nl_fd < 0) {
		if (clock_mono_ns() - ifs->flushed_ns < FALLBACK_FLUSH_NS)
			return false;
		forget_all(ifs);
		return true;
	}
	for (;;) {
		n = recv(ifs->nl_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			changed = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* ENOBUFS: notifications were lost, so anything may have changed. */
		if (n < 0 && errno == ENOBUFS) {
			changed = true;
			continue;
		}
		break;
	}
	if (changed)
		forget_all(ifs);
	return changed;
}
