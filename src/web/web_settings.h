// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_WEB_SETTINGS_H
#define EBPF_EXPORTER_WEB_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "web/auth.h"
#include "web/tls.h"
#include "web/web_config.h"

/*
 * The live web settings of --web.config.file: the parsed file, its TLS state, its users and
 * the rate limiter, as one immutable snapshot at a time.
 *
 * web_settings__current() (on each new connection and each request) stats the file and the
 * certificate, key and client CA files it names (device, inode, size, mtime and ctime in ns)
 * and compares them with what the last load saw; when anything changed the file is loaded
 * again and a new snapshot replaces the old one, while requests and connections holding the
 * old one finish with it. A file that fails to load (or that would turn TLS on or off, which
 * is fixed at start) is logged once per change, naming the file and the error, and the last
 * good snapshot stays. The rate limiter keeps its tokens across loads unless its interval or
 * burst changed; the users' verified-password cache is kept while the users stay the same.
 *
 * Without a file (path NULL or "") the snapshot has no TLS, no users, no headers and no rate
 * limit, and nothing is ever stat'ed. Thread-safe.
 */
struct web_settings;

/* One generation of the settings; read-only for its holders. */
struct web_snapshot {
	const struct web_config *cfg; /* NULL without a file */
	struct web_tls *tls; /* NULL when TLS is off */
	struct web_auth *auth; /* NULL when there are no users */
	struct web_rate_limit *rate; /* NULL when there is no rate limit */
};

/*
 * Loads path and builds its TLS state, users and rate limiter. Returns 0 and *out, or a
 * negative errno with the message of web_config__load(), web_tls__new() or web_auth__new()
 * in err.
 */
int web_settings__new(const char *path, struct web_settings **out, char *err, size_t errlen);

/* NULL-tolerant; every snapshot must have been put back first. */
void web_settings__free(struct web_settings *s);

/* Whether the server speaks TLS: as the file said at start, whatever it says later. */
bool web_settings__tls_enabled(const struct web_settings *s);

/*
 * The current snapshot, after checking the files as described above; never NULL. The caller
 * holds a reference until web_snapshot__put().
 */
const struct web_snapshot *web_settings__current(struct web_settings *s);

/* Gives back a reference from web_settings__current(). NULL-tolerant. */
void web_snapshot__put(const struct web_snapshot *snap);

/* Successful loads after the first one, and loads that failed, so far. */
unsigned long web_settings__reloads(const struct web_settings *s);
unsigned long web_settings__reload_errors(const struct web_settings *s);

#endif
