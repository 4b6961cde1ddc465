// SPDX-License-Identifier: MIT
#include "util/dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

void *dl_open(const char *soname, const char *package, char *err, size_t errlen)
{
#ifdef EE_STATIC
	/*
	 * A static binary runs where no shared library may exist, and glibc's static dlopen()
	 * needs the very glibc it was built with: it is not tried.
	 */
	(void)package;
	snprintf(err, errlen,
		 "cannot load %s: this is the statically linked build, which loads no shared "
		 "library; use the dynamically linked build for this feature",
		 soname);
	return NULL;
#else
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	const char *why;

	if (!lib) {
		why = dlerror();
		snprintf(err, errlen, "cannot load %s (%s); install the %s package", soname,
			 why ? why : "unknown error", package);
	}
	return lib;
#endif
}

int dl_sym(void *lib, const char *soname, const char *name, void *slot, char *err, size_t errlen)
{
	void *sym = dlsym(lib, name);

	if (!sym) {
		snprintf(err, errlen, "%s has no symbol %s", soname, name);
		return -ENOENT;
	}
	/* POSIX guarantees object and function pointers convert through void *. */
	*(void **)slot = sym;
	return 0;
}
