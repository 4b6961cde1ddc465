// SPDX-License-Identifier: MIT
/*
 * Event source for the uprobe and USDT tests of suite_attach.sh: fires USDT probes (from
 * <sys/sdt.h>, provider `ee_e2e`) and calls a libc function exactly as often as it is told to.
 * The suite copies it to a fixed path that the test programs' sections name; the libc probe
 * counts only calls made by a process called `usdt_trigger`.
 *
 * Usage: usdt_trigger OP...
 *   tick:COUNT:A   fires ee_e2e:tick(A) COUNT times (A unsigned, decimal or 0x hex)
 *   tock:COUNT:S   fires ee_e2e:tock(S) COUNT times (S a string of at most 15 bytes)
 *   labs:COUNT:A   calls libc's labs(A) COUNT times (A signed decimal)
 * Exits 0 on success, 2 on a malformed argument.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/*
 * Probe arguments in registers or constants only: libbpf's USDT support does not decode
 * indexed memory operands such as 8@(%rbp,%rdi,8), which the default constraint allows.
 */
#define STAP_SDT_ARG_CONSTRAINT nr
#include <sys/sdt.h>

/* Through a volatile pointer, so that the compiler cannot inline or fold the libc call. */
static long (*volatile labs_fn)(long) = labs;

static int parse_op(const char *op, char *kind, size_t kind_len, unsigned long long *count,
		    const char **arg)
{
	const char *c1 = strchr(op, ':'), *c2;
	char *end;

	if (!c1 || (size_t)(c1 - op) >= kind_len)
		return -EINVAL;
	memcpy(kind, op, (size_t)(c1 - op));
	kind[c1 - op] = '\0';
	c2 = strchr(c1 + 1, ':');
	if (!c2 || c2 == c1 + 1 || c1[1] == '-')
		return -EINVAL;
	errno = 0;
	*count = strtoull(c1 + 1, &end, 0);
	if (errno || end != c2)
		return -EINVAL;
	*arg = c2 + 1;
	return 0;
}

static int run_op(const char *op)
{
	unsigned long long count, i;
	const char *arg;
	char kind[16];
	char *end;

	if (parse_op(op, kind, sizeof(kind), &count, &arg))
		return -EINVAL;
	if (strcmp(kind, "tick") == 0) {
		unsigned long long a;

		if (!*arg || *arg == '-')
			return -EINVAL;
		errno = 0;
		a = strtoull(arg, &end, 0);
		if (errno || *end)
			return -EINVAL;
		for (i = 0; i < count; i++)
			DTRACE_PROBE1(ee_e2e, tick, a);
	} else if (strcmp(kind, "tock") == 0) {
		char name[16] = { 0 };

		if (strlen(arg) >= sizeof(name))
			return -EINVAL;
		memcpy(name, arg, strlen(arg));
		for (i = 0; i < count; i++)
			DTRACE_PROBE1(ee_e2e, tock, name);
	} else if (strcmp(kind, "labs") == 0) {
		long a;

		if (!*arg)
			return -EINVAL;
		errno = 0;
		a = strtol(arg, &end, 10);
		if (errno || *end)
			return -EINVAL;
		for (i = 0; i < count; i++)
			labs_fn(a);
	} else {
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (run_op(argv[i])) {
			fprintf(stderr, "usdt_trigger: bad operation \"%s\"\n", argv[i]);
			return 2;
		}
	}
	return 0;
}
