// SPDX-License-Identifier: MIT
/*
 * Load for the span benchmark: names itself ee-span-bench (the BPF program only watches that
 * name) and makes getppid() calls as fast as it can for SECONDS, or at RATE calls a second.
 * Prints the number of calls.
 *
 * Usage: spans-driver SECONDS [RATE]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds, rate = 0, start, t;
	unsigned long long calls = 0;
	char *end;

	if (argc < 2 || argc > 3 || (seconds = strtod(argv[1], &end)) <= 0 || *end ||
	    (argc == 3 && ((rate = strtod(argv[2], &end)) <= 0 || *end))) {
		fprintf(stderr, "usage: spans-driver SECONDS [RATE]\n");
		return 2;
	}
	if (prctl(PR_SET_NAME, "ee-span-bench", 0, 0, 0)) {
		perror("prctl");
		return 1;
	}
	start = now();
	for (;;) {
		/* the clock is read every 1000 calls: clock_gettime is a vDSO call, no syscall */
		for (int i = 0; i < 1000; i++)
			syscall(SYS_getppid);
		calls += 1000;
		t = now() - start;
		if (t >= seconds)
			break;
		if (rate > 0 && (double)calls > rate * t) {
			double ahead = (double)calls / rate - t;
			struct timespec pause = { (time_t)ahead,
						  (long)((ahead - (double)(time_t)ahead) * 1e9) };

			nanosleep(&pause, NULL);
		}
	}
	printf("%llu\n", calls);
	return 0;
}
