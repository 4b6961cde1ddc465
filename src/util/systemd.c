// SPDX-License-Identifier: MIT
#include "util/systemd.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/dl.h"

#define SYSTEMD_SONAME "libsystemd.so.0"

static int (*fn_notify)(int unset_environment, const char *state);
static int (*fn_listen_fds)(int unset_environment);
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *lib = dl_open(SYSTEMD_SONAME, "libsystemd0", load_error, sizeof(load_error));

	if (!lib)
		return;
	if (dl_sym(lib, SYSTEMD_SONAME, "sd_notify", &fn_notify, load_error, sizeof(load_error)) ||
	    dl_sym(lib, SYSTEMD_SONAME, "sd_listen_fds", &fn_listen_fds, load_error,
		   sizeof(load_error))) {
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
