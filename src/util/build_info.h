// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_VERSION_H
#define EBPF_EXPORTER_VERSION_H

#include "util/buf.h"

/*
 * Build-time facts, as Prometheus' common/version package keeps them. The
 * Go-only fields are filled this way: goversion holds the C compiler version
 * ("gcc 12.2.0"), goos is "linux" and goarch uses Go's spelling ("amd64", "arm64").
 */
struct build_info {
	const char *version;
	const char *revision;
	const char *branch;
	const char *build_user;
	const char *build_date;
	const char *goversion;
	const char *goos;
	const char *goarch;
	const char *tags;
};

/* Returns the static build information; never NULL, strings are static. */
const struct build_info *build_info_get(void);

/*
 * Appends the text --version prints for program, without the final newline, in the format of
 * common/version's Print(): "<program>, version V (branch: B, revision: R)" and indented
 * build user/build date/go version/platform/tags lines. Returns 0 or -ENOMEM.
 */
int build_info_format(struct buf *b, const char *program);

#endif
