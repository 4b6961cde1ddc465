// SPDX-License-Identifier: MIT
#include "util/errno_text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The kernel's ENOTSUPP (include/linux/errno.h), which user space has no name for. */
#define KERNEL_ENOTSUPP 524

const char *errno_text(int err, char *buf, size_t len)
{
	char tmp[128];
	const char *msg;

	if (err < 0)
		err = -err;
	if (err == KERNEL_ENOTSUPP) {
		snprintf(buf, len, "errno %d", err);
		return buf;
	}
	msg = strerror_r(err, tmp, sizeof(tmp));
	snprintf(buf, len, "%s", msg ? msg : "");
	if (buf[0] && buf[1] && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}
