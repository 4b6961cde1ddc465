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
 *
 * A check comes in two halves so that a server need not block a request thread on bcrypt:
 * web_auth__lookup() answers from the cache at once, web_auth__verify() runs bcrypt.
 */
struct web_auth;

/* From cfg's users (cfg may have none: then every request passes). Returns 0 or -ENOMEM. */
int web_auth__new(const struct web_config *cfg, struct web_auth **out, char *err, size_t errlen);
void web_auth__free(struct web_auth *a); /* NULL-tolerant */

/* True when cfg has users, so requests need credentials. */
bool web_auth__enabled(const struct web_auth *a);

/* What the cache knows of a request's credentials. */
enum web_auth_outcome {
	WEB_AUTH_ALLOW, /* verified: a user whose hash the password matches */
	WEB_AUTH_DENY, /* refused: no usable credentials, or a verified mismatch */
	WEB_AUTH_UNKNOWN, /* not verified yet: web_auth__verify() decides */
};

/*
 * The fast half of a check: an Authorization header value (NULL when absent), parsed as Go's
 * Request.BasicAuth does ("Basic " in any case, standard base64, user and password split at
 * the first ':'), looked up in the cache. Never runs bcrypt, never waits for one: the cache
 * has its own lock, which bcrypt runs do not hold. ALLOW when a has no users.
 */
enum web_auth_outcome web_auth__lookup(struct web_auth *a, const char *authorization);

/*
 * The slow half: runs bcrypt for the credentials (unless their outcome got cached in the
 * meantime), one run at a time over the whole web_auth, and caches the outcome. Returns true
 * when the header names a user whose hash the password matches (true when a has no users).
 */
bool web_auth__verify(struct web_auth *a, const char *authorization);

/* Both halves on the caller's thread: lookup, and verify when the outcome is unknown. */
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
