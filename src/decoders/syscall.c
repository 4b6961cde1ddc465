// SPDX-License-Identifier: MIT
/*
 * syscall: decimal text (chain `uint` first), parsed as a signed integer and
 * taken as u64 (`-1` → `unknown_syscall:18446744073709551615`), to the kernel's name of that
 * syscall on the running architecture (libseccomp), else `unknown_syscall:<n>`. The names
 * differ from upstream's strace-derived table where strace names its handler (README lists
 * them). Text that is not a number is an error: `strconv.Atoi: parsing "x": invalid syntax`.
 */
#include <errno.h>

#include "decoders/internal.h"
#include "util/gostr.h"
#include "sources/syscall_names.h"

static int syscall_init(const struct decoder_conf *conf, struct decoder_env *env, void **state,
			char *err, size_t errlen)
{
	return decoder_env__use_syscalls(env, err, errlen);
}

static int syscall_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			  struct buf *out, char *err, size_t errlen)
{
	const char *name;
	int64_t n;
	int ret;

	ret = gostr_atoi(in, len, &n, err, errlen);
	if (ret)
		return ret;
	name = syscall_names__get(env->syscalls, (uint64_t)n);
	if (name)
		return buf_puts(out, name);
	return buf_printf(out, "unknown_syscall:%llu", (unsigned long long)(uint64_t)n);
}

const struct decoder decoder_syscall = {
	.name = "syscall",
	.init = syscall_init,
	.decode = syscall_decode,
};
