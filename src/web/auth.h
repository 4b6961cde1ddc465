// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_WEB_AUTH_H
#define EBPF_EXPORTER_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/web_config.h"

/*
 * Basic authentication against basic_auth_users (bcrypt hashes checked with libcrypt).
 * Verified outcomes of (user, hash, password) are cached (a bounded table keyed by a digest,
 * never the password itself), so a scrape with known credentials costs no bcrypt run. An
 * unknown user is checked against a fixed hash of the highest cost among the users, so it
 * costs what a known one does. bcrypt runs one at a time. Thread-safe.
 */
struct web_auth;

/* From cfg's users (cfg may have none: then every request passes). Returns 0 or -ENOMEM. */
int web_auth__new(const struct web_config *cfg, struct web_auth **out, char *err, size_t errlen);
void web_auth__free(struct web_auth *a); /* NULL-tolerant */

/* True when cfg has users, so requests need credentials. */
bool web_auth__enabled(const struct web_auth *a);

/*
 * Checks an Authorization header value (NULL when absent), parsed as Go's Request.BasicAuth
 * does ("Basic " in any case, standard base64, user and password split at the first ':').
 * Returns true when it names a user whose hash the password matches.
 */
bool web_auth__check(struct web_auth *a, const char *authorization);

/* The bcrypt runs every web_auth of the process has made so far (a cached outcome makes none). */
uint64_t web_auth__bcrypt_runs(void);

/*
 * A token bucket over every request, as golang.org/x/time/rate's Limiter with
 * rate.Every(interval) and burst: full at the start, one token per interval, at most burst.
 * Thread-safe, lock-free on the fast path is not required.
 */
struct web_rate_limit;

/* interval_ns <= 0: no limit (NULL is returned in *out, which allows everything). */
int web_rate_limit__new(int64_t interval_ns, long long burst, struct web_rate_limit **out);
void web_rate_limit__free(struct web_rate_limit *r); /* NULL-tolerant */

/* Takes a token at now_ns (CLOCK_MONOTONIC); false when there is none. NULL allows. */
bool web_rate_limit__allow(struct web_rate_limit *r, uint64_t now_ns);

#endif
