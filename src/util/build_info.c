// SPDX-License-Identifier: MIT
#include "util/build_info.h"

#include <stddef.h>
#include <string.h>

/* The Makefile passes these; the fallbacks keep a bare compile working. */
#ifndef EE_VERSION
#define EE_VERSION "unknown"
#endif
#ifndef EE_REVISION
#define EE_REVISION "unknown"
#endif
#ifndef EE_BRANCH
#define EE_BRANCH "unknown"
#endif
#ifndef EE_BUILD_USER
#define EE_BUILD_USER "unknown"
#endif
#ifndef EE_BUILD_DATE
#define EE_BUILD_DATE "unknown"
#endif

#define EE_STR2(x) #x
#define EE_STR(x) EE_STR2(x)

#if defined(__clang__)
#define EE_CC_VERSION                                                            \
	"clang " EE_STR(__clang_major__) "." EE_STR(__clang_minor__) "." EE_STR( \
		__clang_patchlevel__)
#elif defined(__GNUC__)
#define EE_CC_VERSION "gcc " __VERSION__
#else
#define EE_CC_VERSION "unknown"
#endif

/* Go's GOARCH names for the architectures Linux and libbpf run on. */
#if defined(__x86_64__)
#define EE_GOARCH "amd64"
#elif defined(__aarch64__)
#define EE_GOARCH "arm64"
#elif defined(__i386__)
#define EE_GOARCH "386"
#elif defined(__arm__)
#define EE_GOARCH "arm"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define EE_GOARCH "ppc64le"
#elif defined(__powerpc64__)
#define EE_GOARCH "ppc64"
#elif defined(__s390x__)
#define EE_GOARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define EE_GOARCH "riscv64"
#elif defined(__loongarch64)
#define EE_GOARCH "loong64"
#elif defined(__mips64) && defined(__MIPSEL__)
#define EE_GOARCH "mips64le"
#elif defined(__mips64)
#define EE_GOARCH "mips64"
#elif defined(__mips__) && defined(__MIPSEL__)
#define EE_GOARCH "mipsle"
#elif defined(__mips__)
#define EE_GOARCH "mips"
#else
#define EE_GOARCH "unknown"
#endif

/*
 * Go fills the tags from -tags; our build has none, which common/version reports so. The
 * statically linked build names itself and what it lacks.
 */
#ifdef EE_STATIC
#define EE_TAGS "static,nopci,nolibcurl,nolibsystemd"
#else
#define EE_TAGS "unknown"
#endif

static const struct build_info info = {
	.version = EE_VERSION,
	.revision = EE_REVISION,
	.branch = EE_BRANCH,
	.build_user = EE_BUILD_USER,
	.build_date = EE_BUILD_DATE,
	.goversion = EE_CC_VERSION,
	.goos = "linux",
	.goarch = EE_GOARCH,
	.tags = EE_TAGS,
};

const struct build_info *build_info_get(void)
{
	return &info;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int build_info_format(struct buf *b, const char *program)
{
	size_t start = b->len;
	size_t lead = 0;
	int err;

	err = buf_printf(b,
			 "%s, version %s (branch: %s, revision: %s)\n"
			 "  build user:       %s\n"
			 "  build date:       %s\n"
			 "  go version:       %s\n"
			 "  platform:         %s/%s\n"
			 "  tags:             %s",
			 program, info.version, info.branch, info.revision, info.build_user,
			 info.build_date, info.goversion, info.goos, info.goarch, info.tags);
	if (err)
		return err;
	/* Print() returns the template output through strings.TrimSpace. */
	while (b->len > start && is_space(b->data[b->len - 1]))
		b->len--;
	while (start + lead < b->len && is_space(b->data[start + lead]))
		lead++;
	if (lead) {
		memmove(b->data + start, b->data + start + lead, b->len - start - lead);
		b->len -= lead;
	}
	b->data[b->len] = '\0';
	return 0;
}
