// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_TRACING_CURL_API_H
#define EBPF_EXPORTER_TRACING_CURL_API_H

/*
 * libcurl, loaded with dlopen() the first time tracing needs it. The exporter links no TLS or
 * HTTP client library: a process that exports no spans never maps libcurl, OpenSSL, Kerberos,
 * LDAP and the rest (several MiB of resident memory).
 */

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stddef.h>
#include <time.h>

struct curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	curl_version_info_data *(*version_info)(CURLversion age);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	void (*easy_reset)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	time_t (*getdate)(const char *s, const time_t *unused);
};

/*
 * Load libcurl (soname libcurl.so.4) once per process; thread-safe. Returns the function table,
 * or NULL with a message in err naming the library, the loader's reason and the Debian package
 * to install. The library stays loaded until exit.
 */
const struct curl_api *curl_api__get(char *err, size_t errlen);

#endif
