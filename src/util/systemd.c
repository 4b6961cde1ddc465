// SPDX-License-Identifier: MIT
#include "systemd.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define SYSTEMD_SONAME "libsystemd.so.0"

static int (*fn_notify)(int unset_environment, const char *state);
static int (*fn_listen_fds)(int unset_environment);
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	const char *why;
	void *lib = dlopen(SYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		why = dlerror();
		snprintf(load_error, sizeof(load_error),
			 "cannot load %s (%s); install the libsystemd0 package", SYSTEMD_SONAME,
			 why ? why : "unknown error");
		return;
	}
	*(void **)&fn_notify = dlsym(lib, "sd_notify");
	*(void **)&fn_listen_fds = dlsym(lib, "sd_listen_fds");
	if (!fn_notify || !fn_listen_fds) {
		snprintf(load_error, sizeof(load_error), "%s lacks sd_notify or sd_listen_fds",
			 SYSTEMD_SONAME);
		fn_notify = NULL;
		fn_listen_fds = NULL;
		dlclose(lib);
	}
}

int systemd_notify(const char *state)
{
	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	pthread_once(&once, load);
	if (!fn_notify)
		return -ENOPKG;
	return fn_notify(0, state);
}

int systemd_listen_fds(char *err, size_t errlen)
{
	if (!getenv("LISTEN_FDS"))
		return 0;
	pthread_once(&once, load);
	if (!fn_listen_fds) {
		snprintf(err, errlen, "%s", load_error);
		return -ENOPKG;
	}
	return fn_listen_fds(0);
}
