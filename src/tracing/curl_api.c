// SPDX-License-Identifier: MIT
#include "tracing/curl_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "util/dl.h"

/* libcurl4 (OpenSSL), which the build's libcurl4-openssl-dev installs. */
#define CURL_SONAME "libcurl.so.4"

static struct curl_api api;
static const struct curl_api *loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Resolves one symbol into *slot; non-zero (with load_error set) when it is missing. */
static int resolve(void *lib, const char *name, void *slot)
{
	return dl_sym(lib, CURL_SONAME, name, slot, load_error, sizeof(load_error));
}

static void load(void)
{
	void *lib = dl_open(CURL_SONAME, "libcurl4", load_error, sizeof(load_error));

	if (!lib)
		return;
	if (resolve(lib, "curl_global_init", &api.global_init) ||
	    resolve(lib, "curl_global_cleanup", &api.global_cleanup) ||
	    resolve(lib, "curl_version_info", &api.version_info) ||
	    resolve(lib, "curl_easy_init", &api.easy_init) ||
	    resolve(lib, "curl_easy_cleanup", &api.easy_cleanup) ||
	    resolve(lib, "curl_easy_reset", &api.easy_reset) ||
	    resolve(lib, "curl_easy_setopt", &api.easy_setopt) ||
	    resolve(lib, "curl_easy_perform", &api.easy_perform) ||
	    resolve(lib, "curl_easy_getinfo", &api.easy_getinfo) ||
	    resolve(lib, "curl_easy_strerror", &api.easy_strerror) ||
	    resolve(lib, "curl_slist_append", &api.slist_append) ||
	    resolve(lib, "curl_slist_free_all", &api.slist_free_all) ||
	    resolve(lib, "curl_getdate", &api.getdate)) {
		dlclose(lib);
		return;
	}
	loaded = &api;
}

const struct curl_api *curl_api__get(char *err, size_t errlen)
{
	pthread_once(&once, load);
	if (!loaded && err && errlen)
		snprintf(err, errlen, "%s", load_error);
	return loaded;
}
