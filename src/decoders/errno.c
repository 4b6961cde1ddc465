// SPDX-License-Identifier: MIT
/*
 * errno: decimal text of an unsigned number (chain `uint` first) to the errno
 * symbol, from the C library's table (strerrorname_np) restricted to the Linux numbers 1-133,
 * with ENOTSUP for 95 as Go's x/sys/unix table names it (glibc says EOPNOTSUPP; EAGAIN and
 * EDEADLK already agree). Other numbers → `unknown:<n>`. Text that is not an unsigned decimal
 * is an error: `error parsing "<in>" as uint`.
 */
#include <errno.h>
#include <string.h>

#include "decoders/decoder_env.h"
#include "util/gofmt.h"
#include "util/gostr.h"

#define ERRNO_MAX 133 /* EHWPOISON, the last Linux errno */

static int errno_decode(void *state, struct decoder_env *env, const uint8_t *in, size_t len,
			struct buf *out, char *err, size_t errlen)
{
	const char *name = NULL;
	uint64_t n;

	if (gostr_parse_uint(in, len, &n)) {
		err[0] = '\0';
		gofmt_appendf(err, errlen, "error parsing ");
		gofmt_append_quote(err, errlen, in, len);
		gofmt_appendf(err, errlen, " as uint");
		return -EINVAL;
	}
	if (n == EOPNOTSUPP)
		name = "ENOTSUP";
	else if (n >= 1 && n <= ERRNO_MAX)
		name = strerrorname_np((int)n);
	if (name)
		return buf_puts(out, name);
	return buf_printf(out, "unknown:%llu", (unsigned long long)n);
}

const struct decoder decoder_errno = {
	.name = "errno",
	.cheap = true,
	.decode = errno_decode,
};
