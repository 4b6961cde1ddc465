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
#include "util/log.h"

#define FALLBACK_FLUSH_NS 60000000000ull

struct memo_slot {
	uint32_t index; /* 0: empty (no interface has index 0) */
	char name[IF_NAMESIZE];
};

struct ifaces {
	int nl_fd; /* -1: no notifications */
	struct memo_slot *slots;
	size_t cap; /* power of two */
	size_t used;
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

void ifaces__free(struct ifaces *ifs)
{
	if (!ifs)
		return;
	if (ifs->nl_fd >= 0)
		close(ifs->nl_fd);
	free(ifs->slots);
	free(ifs);
}

static size_t slot_of(uint32_t index, size_t cap)
{
	return (size_t)((index * 2654435761u) & (uint32_t)(cap - 1));
}

static struct memo_slot *find(struct ifaces *ifs, uint32_t index)
{
	if (!ifs->cap || !index)
		return NULL;
	for (size_t i = slot_of(index, ifs->cap);; i = (i + 1) & (ifs->cap - 1)) {
		if (ifs->slots[i].index == index)
			return &ifs->slots[i];
		if (!ifs->slots[i].index)
			return NULL;
	}
}

int ifaces__remember(struct ifaces *ifs, uint32_t index, const char *name)
{
	struct memo_slot *s = find(ifs, index);
	size_t i;

	if (s) {
		snprintf(s->name, sizeof(s->name), "%s", name);
		return 0;
	}
	if (!index)
		return -EINVAL;
	if ((ifs->used + 1) * 2 > ifs->cap) {
		size_t ncap = ifs->cap ? ifs->cap * 2 : 16;
		struct memo_slot *old = ifs->slots, *grown = calloc(ncap, sizeof(*grown));
		size_t ocap = ifs->cap;

		if (!grown)
			return -ENOMEM;
		ifs->slots = grown;
		ifs->cap = ncap;
		ifs->used = 0;
		for (size_t j = 0; j < ocap; j++) {
			if (old[j].index)
				ifaces__remember(ifs, old[j].index, old[j].name);
		}
		free(old);
	}
	for (i = slot_of(index, ifs->cap); ifs->slots[i].index; i = (i + 1) & (ifs->cap - 1))
		;
	ifs->slots[i].index = index;
	snprintf(ifs->slots[i].name, sizeof(ifs->slots[i].name), "%s", name);
	ifs->used++;
	return 0;
}

int ifaces__name(struct ifaces *ifs, uint32_t index, struct buf *out)
{
	struct memo_slot *s = find(ifs, index);
	char name[IF_NAMESIZE];

	if (s)
		return buf_puts(out, s->name);
	if (index == 0 || !if_indextoname(index, name))
		return -ENOENT;
	/* A failed memo insert only costs a later lookup. */
	ifaces__remember(ifs, index, name);
	return buf_puts(out, name);
}

static void forget_all(struct ifaces *ifs)
{
	if (ifs->cap)
		memset(ifs->slots, 0, ifs->cap * sizeof(*ifs->slots));
	ifs->used = 0;
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
