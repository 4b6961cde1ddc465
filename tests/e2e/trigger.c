// SPDX-License-Identifier: MIT
/*
 * Event source for the end-to-end tests: the tests' uprobes attach to ee_trigger() in a copy
 * of this binary, and this program calls it exactly as often as it is told to, so every
 * counter the probes produce has a known value.
 *
 * Usage: trigger OP...
 *   OP is KIND:COUNT:A:B and calls ee_trigger(KIND, A, B) COUNT times, in argument order.
 *   KIND, COUNT, A and B are unsigned integers (decimal, or hex with 0x). B may instead be
 *   `s=TEXT`: B is then the address of a zeroed 16-byte buffer holding TEXT (at most 16
 *   bytes), each `~` in TEXT stored as a NUL byte, so that keys can differ after the NUL.
 * Exits 0 on success, 2 on a malformed argument.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_LEN 16

/*
 * The probed function. noipa keeps it a real call with the arguments in registers (no
 * inlining, cloning or constant propagation); the asm keeps the body from being considered
 * pure and the calls from being dropped.
 */
__attribute__((noipa)) void ee_trigger(unsigned int kind, unsigned long long a,
				       unsigned long long b);
__attribute__((noipa)) void ee_trigger(unsigned int kind, unsigned long long a,
				       unsigned long long b)
{
	asm volatile("" : : "r"(kind), "r"(a), "r"(b) : "memory");
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int run_op(const char *op)
{
	unsigned long long kind, count, a, b, i;
	char name[NAME_LEN] = { 0 };
	char field[3][32];
	const char *p = op;
	int f;

	for (f = 0; f < 3; f++) {
		const char *colon = strchr(p, ':');
		size_t len;

		if (!colon)
			return -EINVAL;
		len = (size_t)(colon - p);
		if (len == 0 || len >= sizeof(field[f]))
			return -EINVAL;
		memcpy(field[f], p, len);
		field[f][len] = '\0';
		p = colon + 1;
	}
	if (parse_u64(field[0], &kind) || kind > 0xffffffffULL || parse_u64(field[1], &count) ||
	    parse_u64(field[2], &a))
		return -EINVAL;
	if (strncmp(p, "s=", 2) == 0) {
		size_t len = strlen(p + 2);

		if (len > NAME_LEN)
			return -EINVAL;
		memcpy(name, p + 2, len);
		for (i = 0; i < len; i++)
			if (name[i] == '~')
				name[i] = '\0';
		b = (unsigned long long)(unsigned long)name;
	} else if (parse_u64(p, &b)) {
		return -EINVAL;
	}
	for (i = 0; i < count; i++)
		ee_trigger((unsigned int)kind, a, b);
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (run_op(argv[i])) {
			fprintf(stderr, "trigger: bad operation \"%s\" (want KIND:COUNT:A:B)\n",
				argv[i]);
			return 2;
		}
	}
	return 0;
}
