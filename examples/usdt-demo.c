// SPDX-License-Identifier: MIT
/*
 * A small program with USDT probes for the usdt-demo-jobs example: a pretend worker that takes
 * jobs from three queues and fires usdt_demo:job_done(queue, duration_us) as it finishes each
 * one. The probes come from <sys/sdt.h> (Debian's systemtap-sdt-dev): a nop in the code plus a
 * note in the ELF file saying where the arguments are, which libbpf reads to attach.
 *
 * Usage: usdt-demo [COUNT]
 *   Without COUNT it runs until killed, about ten jobs a second. With COUNT it finishes COUNT
 *   jobs as fast as it can (queues in turn: emails, thumbnails, reports) and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
/*
 * Probe arguments in registers or constants only: libbpf's USDT support does not decode
 * indexed memory operands such as 8@(%rbp,%rdi,8), which the default constraint allows.
 */
#define STAP_SDT_ARG_CONSTRAINT nr
#include <sys/sdt.h>
#include <time.h>

static const char *const queues[] = { "emails", "thumbnails", "reports" };

int main(int argc, char **argv)
{
	unsigned long long count = 0, i;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	char *end;

	if (argc > 2 || (argc == 2 && (argv[1][0] < '0' || argv[1][0] > '9'))) {
		fprintf(stderr, "usage: %s [COUNT]\n", argv[0]);
		return 2;
	}
	if (argc == 2) {
		errno = 0;
		count = strtoull(argv[1], &end, 10);
		if (errno || *end) {
			fprintf(stderr, "usage: %s [COUNT]\n", argv[0]);
			return 2;
		}
	}
	for (i = 0; argc == 1 || i < count; i++) {
		const char *queue = queues[i % 3];
		unsigned long long duration_us = 100 + (i * 37) % 900;

		DTRACE_PROBE2(usdt_demo, job_done, queue, duration_us);
		if (argc == 1)
			nanosleep(&pause, NULL);
	}
	return 0;
}
