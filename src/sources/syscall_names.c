// SPDX-License-Identifier: MIT
#include "sources/syscall_names.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct syscall_names {
	char *names[SYSCALL_NAMES_MAX];
	size_t count;
};

int syscall_names__new(struct syscall_names **out, char *err, size_t errlen)
{
	struct syscall_names *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "error loading syscall names: out of memory");
		return -ENOMEM;
	}
	for (int nr = 0; nr < SYSCALL_NAMES_MAX; nr++) {
		/* malloc'd by libseccomp; NULL for numbers the architecture does not have. */
		s->names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (s->names[nr])
			s->count++;
	}
	if (!s->count) {
		syscall_names__free(s);
		snprintf(err, errlen,
			 "error loading syscall names: libseccomp knows none for "
			 "this architecture");
		return -ENOTSUP;
	}
	*out = s;
	return 0;
}

void syscall_names__free(struct syscall_names *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < SYSCALL_NAMES_MAX; i++)
		free(s->names[i]);
	free(s);
}

const char *syscall_names__get(const struct syscall_names *s, uint64_t nr)
{
	if (!s || nr >= SYSCALL_NAMES_MAX)
		return NULL;
	return s->names[nr];
}

size_t syscall_names__count(const struct syscall_names *s)
{
	return s ? s->count : 0;
}
