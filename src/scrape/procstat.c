// SPDX-License-Identifier: MIT
#include "scrape/procstat.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/file.h"

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* Seconds since the epoch at which the system booted, from /proc/stat's btime. */
static int boot_time(double *out)
{
	char buf[16384], *p;
	int err = read_file("/proc/stat", buf, sizeof(buf));

	if (err)
		return err;
	p = strstr(buf, "\nbtime ");
	if (!p)
		return -ENOENT;
	*out = strtod(p + 7, NULL);
	return 0;
}

static void read_net(struct procstat *ps)
{
	char buf[16384], *line, *save = NULL;
	int lineno = 0;

	if (read_file("/proc/self/net/dev", buf, sizeof(buf)) != 0)
		return;
	ps->net_rx_bytes = 0;
	ps->net_tx_bytes = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v[9];
		char *colon;

		if (++lineno <= 2)
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 9)
			continue;
		ps->net_rx_bytes += (double)v[0];
		ps->net_tx_bytes += (double)v[8];
	}
	ps->have_net = true;
}

int procstat_read(struct procstat *ps)
{
	char buf[4096], *p;
	unsigned long long utime, stime, starttime, vsize;
	long long rss;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE), fds = 0;
	struct rlimit rl;
	double btime = 0;
	int err;

	memset(ps, 0, sizeof(*ps));
	err = read_file("/proc/self/stat", buf, sizeof(buf));
	if (err)
		return err;
	/* The command name may hold spaces and parentheses: parse after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
		   "%*d %llu %llu %lld",
		   &utime, &stime, &starttime, &vsize, &rss) != 5)
		return -EINVAL;
	if (tck <= 0)
		tck = 100;
	ps->cpu_seconds = (double)(utime + stime) / (double)tck;
	ps->virtual_bytes = (double)vsize;
	ps->resident_bytes = (double)rss * (double)page;
	if (boot_time(&btime) == 0)
		ps->start_time_seconds = btime + (double)starttime / (double)tck;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		ps->max_fds = rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 :
							     (double)rl.rlim_cur;
	if (getrlimit(RLIMIT_AS, &rl) == 0)
		ps->virtual_max_bytes = rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 :
								       (double)rl.rlim_cur;
	err = file_count_open_fds(&fds);
	ps->open_fds = (double)fds;
	read_net(ps);
	return err;
}
