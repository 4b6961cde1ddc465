// SPDX-License-Identifier: MIT
/*
 * Basic authentication with bcrypt (libcrypt's crypt_rn) and the request rate limit, as the
 * exporter toolkit's handler does them: Go's Request.BasicAuth parsing, a cache of verified
 * outcomes, a fixed hash for unknown users, one bcrypt at a time; and x/time/rate's token
 * bucket.
 */
#include "web/auth.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

/* Outcomes kept; when full, a random one makes room. */
#define AUTH_CACHE_SIZE 100
#define DIGEST_LEN 32
#define BCRYPT_LEN 60

struct cache_entry {
	unsigned char key[DIGEST_LEN];
	bool ok;
};

struct auth_user {
	char *name;
	size_t name_len;
	char *hash;
};

struct web_auth {
	struct auth_user *users;
	size_t n_users;
	char unknown_hash[BCRYPT_LEN + 1]; /* for unknown users: no password matches it */
	unsigned char salt[DIGEST_LEN]; /* of the cache keys, per process */

	/* the cache's own lock, never held while bcrypt runs */
	pthread_mutex_t cache_mu;
	struct cache_entry cache[AUTH_CACHE_SIZE];
	size_t n_cache;

	pthread_mutex_t bcrypt_mu; /* one bcrypt run at a time */
	struct crypt_data *crypt; /* under bcrypt_mu */
};

static atomic_ullong bcrypt_runs;

uint64_t web_auth__bcrypt_runs(void)
{
	return atomic_load(&bcrypt_runs);
}

static unsigned char process_salt[DIGEST_LEN];
static pthread_once_t salt_once = PTHREAD_ONCE_INIT;
static int salt_err;

static void make_salt(void)
{
	salt_err = gnutls_rnd(GNUTLS_RND_RANDOM, process_salt, sizeof(process_salt));
}

static void clear_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void web_auth__free(struct web_auth *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n_users; i++) {
		free(a->users[i].name);
		clear_free(a->users[i].hash);
	}
	free(a->users);
	if (a->crypt) {
		explicit_bzero(a->crypt, sizeof(*a->crypt));
		free(a->crypt);
	}
	explicit_bzero(a->cache, sizeof(a->cache));
	explicit_bzero(a->salt, sizeof(a->salt));
	pthread_mutex_destroy(&a->cache_mu);
	pthread_mutex_destroy(&a->bcrypt_mu);
	free(a);
}

static const char bcrypt_b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/*
 * The hash unknown users are checked against: a bcrypt setting at cost (from libcrypt, with a
 * random salt) and a random hash part, so that checking it costs what a real one does and no
 * password matches it.
 */
static int make_unknown_hash(struct web_auth *a, int cost)
{
	unsigned char rnd[16 + 31];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	size_t i;

	if (gnutls_rnd(GNUTLS_RND_RANDOM, rnd, sizeof(rnd)) < 0)
		return -EIO;
	if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, (const char *)rnd, 16, setting,
			      sizeof(setting)) ||
	    strlen(setting) != 29)
		return -EINVAL;
	memcpy(a->unknown_hash, setting, 29);
	for (i = 0; i < 31; i++)
		a->unknown_hash[29 + i] = bcrypt_b64[rnd[16 + i] & 63];
	a->unknown_hash[BCRYPT_LEN] = 0;
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}

int web_auth__new(const struct web_config *cfg, struct web_auth **out, char *err, size_t errlen)
{
	struct web_auth *a;
	int max_cost = 4, ret = 0;
	size_t i;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		goto oom;
	if (pthread_mutex_init(&a->cache_mu, NULL)) {
		free(a);
		goto oom;
	}
	if (pthread_mutex_init(&a->bcrypt_mu, NULL)) {
		pthread_mutex_destroy(&a->cache_mu);
		free(a);
		goto oom;
	}
	if (!cfg || !cfg->n_users) {
		*out = a;
		return 0;
	}
	a->users = calloc(cfg->n_users, sizeof(*a->users));
	a->crypt = calloc(1, sizeof(*a->crypt));
	if (!a->users || !a->crypt)
		goto oom_free;
	for (i = 0; i < cfg->n_users; i++) {
		const char *h = cfg->users[i].hash;
		struct auth_user *u = &a->users[a->n_users];

		u->name = strdup(cfg->users[i].name);
		u->hash = strdup(h);
		if (!u->name || !u->hash) {
			free(u->name);
			clear_free(u->hash);
			goto oom_free;
		}
		u->name_len = strlen(u->name);
		a->n_users++;
		/* web_config__load() checked the syntax: "$2?$NN$". */
		if (strlen(h) > 6 && h[4] >= '0' && h[4] <= '9' && h[5] >= '0' && h[5] <= '9' &&
		    (h[4] - '0') * 10 + (h[5] - '0') > max_cost)
			max_cost = (h[4] - '0') * 10 + (h[5] - '0');
	}
	pthread_once(&salt_once, make_salt);
	if (salt_err < 0) {
		ret = -EIO;
		if (err && errlen)
			snprintf(err, errlen, "web config \"%s\": no random numbers: %s", cfg->path,
				 gnutls_strerror(salt_err));
		web_auth__free(a);
		return ret;
	}
	memcpy(a->salt, process_salt, sizeof(a->salt));
	ret = make_unknown_hash(a, max_cost);
	if (ret) {
		if (err && errlen)
			snprintf(
				err, errlen,
				"web config \"%s\": libcrypt cannot make a bcrypt setting of cost %d",
				cfg->path, max_cost);
		web_auth__free(a);
		return ret;
	}
	*out = a;
	return 0;

oom_free:
	web_auth__free(a);
oom:
	if (err && errlen)
		snprintf(err, errlen, "web config \"%s\": out of memory",
			 cfg && cfg->path ? cfg->path : "");
	return -ENOMEM;
}

bool web_auth__enabled(const struct web_auth *a)
{
	return a && a->n_users > 0;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Go's base64.StdEncoding.DecodeString: the standard alphabet with '=' padding required, CR
 * and LF ignored. The text is checked here, then decoded by GnuTLS. Returns 0 and *out (free
 * with gnutls_free after clearing), or -EINVAL.
 */
static int decode_b64(const char *s, gnutls_datum_t *out)
{
	size_t len = strlen(s), i, n = 0, pad = 0;
	gnutls_datum_t in;
	char *clean;
	int ret;

	out->data = NULL;
	out->size = 0;
	clean = malloc(len + 1);
	if (!clean)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=') {
			pad++;
		} else if (pad || b64_value(s[i]) < 0) {
			n = 0;
			goto bad;
		}
		clean[n++] = s[i];
	}
	if (n % 4 || pad > 2)
		goto bad;
	if (!n) {
		free(clean);
		out->data = gnutls_malloc(1);
		return out->data ? 0 : -ENOMEM;
	}
	/* Go ignores the bits past the data in the last character; GnuTLS wants them zero. */
	if (pad) {
		static const char alphabet[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		char *last = &clean[n - pad - 1];

		*last = alphabet[b64_value(*last) & (pad == 1 ? ~3 : ~15)];
	}
	clean[n] = 0;
	in.data = (unsigned char *)clean;
	in.size = (unsigned int)n;
	ret = gnutls_base64_decode2(&in, out);
	explicit_bzero(clean, n);
	free(clean);
	if (ret < 0) {
		out->data = NULL;
		out->size = 0;
		return ret == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	}
	return 0;
bad:
	explicit_bzero(clean, n);
	free(clean);
	return -EINVAL;
}

static bool equal_ct(const char *a, const char *b, size_t len)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* SHA-256 of the salt, the user, the hash and the password, each with its length. */
static int cache_key(const struct web_auth *a, const char *user, size_t ulen, const char *hash,
		     const char *pass, size_t plen, unsigned char key[DIGEST_LEN])
{
	size_t hlen = strlen(hash), len = DIGEST_LEN + 3 * sizeof(uint64_t) + ulen + hlen + plen;
	unsigned char *b = malloc(len), *p;
	uint64_t l;
	int ret;

	if (!b)
		return -ENOMEM;
	p = b;
	memcpy(p, a->salt, DIGEST_LEN);
	p += DIGEST_LEN;
	l = ulen;
	memcpy(p, &l, sizeof(l));
	p += sizeof(l);
	memcpy(p, user, ulen);
	p += ulen;
	l = hlen;
	memcpy(p, &l, sizeof(l));
	p += sizeof(l);
	memcpy(p, hash, hlen);
	p += hlen;
	l = plen;
	memcpy(p, &l, sizeof(l));
	p += sizeof(l);
	memcpy(p, pass, plen);
	ret = gnutls_hash_fast(GNUTLS_DIG_SHA256, b, len, key);
	explicit_bzero(b, len);
	free(b);
	return ret < 0 ? -EIO : 0;
}

static bool cache_get(struct web_auth *a, const unsigned char key[DIGEST_LEN], bool *ok)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&a->cache_mu);
	for (i = 0; i < a->n_cache; i++)
		if (!memcmp(a->cache[i].key, key, DIGEST_LEN)) {
			*ok = a->cache[i].ok;
			found = true;
			break;
		}
	pthread_mutex_unlock(&a->cache_mu);
	return found;
}

static void cache_set(struct web_auth *a, const unsigned char key[DIGEST_LEN], bool ok)
{
	size_t i, slot;
	uint32_t r = 0;

	pthread_mutex_lock(&a->cache_mu);
	for (i = 0; i < a->n_cache; i++)
		if (!memcmp(a->cache[i].key, key, DIGEST_LEN))
			break;
	if (i < a->n_cache) {
		slot = i;
	} else if (a->n_cache < AUTH_CACHE_SIZE) {
		slot = a->n_cache++;
	} else {
		if (gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof(r)) < 0)
			r = 0;
		slot = r % AUTH_CACHE_SIZE;
	}
	memcpy(a->cache[slot].key, key, DIGEST_LEN);
	a->cache[slot].ok = ok;
	pthread_mutex_unlock(&a->cache_mu);
}

/* One bcrypt run of pass against hash, one at a time. */
static bool bcrypt_matches(struct web_auth *a, const char *pass, const char *hash)
{
	const char *res;
	bool ok;

	pthread_mutex_lock(&a->bcrypt_mu);
	memset(a->crypt, 0, sizeof(*a->crypt));
	res = crypt_rn(pass, hash, a->crypt, (int)sizeof(*a->crypt));
	atomic_fetch_add(&bcrypt_runs, 1);
	ok = res && strlen(res) == BCRYPT_LEN && strlen(hash) == BCRYPT_LEN &&
	     equal_ct(res, hash, BCRYPT_LEN);
	explicit_bzero(a->crypt, sizeof(*a->crypt));
	pthread_mutex_unlock(&a->bcrypt_mu);
	return ok;
}

/* Credentials of an Authorization header, parsed; the user's hash and the cache key set. */
struct creds {
	gnutls_datum_t dec; /* the decoded user:password */
	const struct auth_user *u; /* NULL: an unknown user */
	const char *hash; /* u's, or the fixed one of unknown users */
	const char *pass; /* into dec, plen bytes */
	size_t plen;
	unsigned char key[DIGEST_LEN];
};

static void creds_clear(struct creds *c)
{
	explicit_bzero(c->key, sizeof(c->key));
	if (c->dec.data) {
		explicit_bzero(c->dec.data, c->dec.size);
		gnutls_free(c->dec.data);
	}
	memset(c, 0, sizeof(*c));
}

/*
 * Parses an Authorization header value as Go's Request.BasicAuth does. Returns 0 with *c
 * filled (creds_clear() it), or -EINVAL when the value is no usable credentials (then *c
 * needs nothing) or another negative errno.
 */
static int creds_parse(const struct web_auth *a, const char *authorization, struct creds *c)
{
	static const char prefix[] = "basic ";
	const char *user, *colon;
	size_t ulen, i;
	int e;

	memset(c, 0, sizeof(*c));
	if (!authorization || strlen(authorization) < sizeof(prefix) - 1 ||
	    strncasecmp(authorization, prefix, sizeof(prefix) - 1))
		return -EINVAL;
	e = decode_b64(authorization + sizeof(prefix) - 1, &c->dec);
	if (e)
		return e;
	user = (const char *)c->dec.data;
	colon = memchr(user, ':', c->dec.size);
	if (!colon) {
		e = -EINVAL;
		goto fail;
	}
	ulen = (size_t)(colon - user);
	c->pass = colon + 1;
	c->plen = c->dec.size - ulen - 1;
	/* libcrypt takes a C string: a password with NUL in it could only be checked in part. */
	if (memchr(c->pass, 0, c->plen)) {
		e = -EINVAL;
		goto fail;
	}
	for (i = 0; i < a->n_users; i++)
		if (a->users[i].name_len == ulen && !memcmp(a->users[i].name, user, ulen)) {
			c->u = &a->users[i];
			break;
		}
	c->hash = c->u ? c->u->hash : a->unknown_hash;
	e = cache_key(a, user, ulen, c->hash, c->pass, c->plen, c->key);
	if (e)
		goto fail;
	return 0;
fail:
	creds_clear(c);
	return e;
}

enum web_auth_outcome web_auth__lookup(struct web_auth *a, const char *authorization)
{
	enum web_auth_outcome out = WEB_AUTH_DENY;
	struct creds c;
	bool ok;

	if (!web_auth__enabled(a))
		return WEB_AUTH_ALLOW;
	if (creds_parse(a, authorization, &c))
		return WEB_AUTH_DENY;
	if (!cache_get(a, c.key, &ok))
		out = WEB_AUTH_UNKNOWN;
	else if (ok && c.u)
		out = WEB_AUTH_ALLOW;
	creds_clear(&c);
	return out;
}

bool web_auth__verify(struct web_auth *a, const char *authorization)
{
	struct creds c;
	bool ok = false;
	char *p;

	if (!web_auth__enabled(a))
		return true;
	if (creds_parse(a, authorization, &c))
		return false;
	/* another request with the same credentials may have been verified in the meantime */
	if (!cache_get(a, c.key, &ok)) {
		p = strndup(c.pass, c.plen);
		if (!p)
			goto out;
		ok = bcrypt_matches(a, p, c.hash) && c.u;
		explicit_bzero(p, c.plen);
		free(p);
		cache_set(a, c.key, ok);
	}
	ok = ok && c.u;
out:
	creds_clear(&c);
	return ok;
}

bool web_auth__check(struct web_auth *a, const char *authorization)
{
	switch (web_auth__lookup(a, authorization)) {
	case WEB_AUTH_ALLOW:
		return true;
	case WEB_AUTH_UNKNOWN:
		return web_auth__verify(a, authorization);
	case WEB_AUTH_DENY:
	default:
		return false;
	}
}

/* ---- rate limit ---- */

struct web_rate_limit {
	pthread_mutex_t mu;
	double limit; /* tokens per second */
	long long burst;
	double tokens;
	uint64_t last;
	bool have_last;
};

/* time.Duration.Seconds() */
static double seconds(int64_t d)
{
	int64_t sec = d / 1000000000, nsec = d % 1000000000;

	return (double)sec + (double)nsec / 1e9;
}

int web_rate_limit__new(int64_t interval_ns, long long burst, struct web_rate_limit **out)
{
	struct web_rate_limit *r;

	*out = NULL;
	if (interval_ns <= 0)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (pthread_mutex_init(&r->mu, NULL)) {
		free(r);
		return -ENOMEM;
	}
	r->limit = 1 / seconds(interval_ns);
	r->burst = burst;
	r->tokens = (double)burst;
	*out = r;
	return 0;
}

void web_rate_limit__free(struct web_rate_limit *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* Limit.durationFromTokens(): whole nanoseconds, or "infinite" past int64. */
static bool wait_positive(double limit, double tokens)
{
	double d;

	if (limit <= 0)
		return true;
	d = (tokens / limit) * 1e9;
	if (d > 9223372036854775807.0)
		return true;
	return (int64_t)d > 0;
}

bool web_rate_limit__allow(struct web_rate_limit *r, uint64_t now_ns)
{
	double tokens;
	bool ok;

	if (!r)
		return true;
	pthread_mutex_lock(&r->mu);
	/* advance(): the tokens earned since the last taken one, at most burst. */
	if (!r->have_last) {
		tokens = (double)r->burst;
	} else {
		uint64_t last = now_ns < r->last ? now_ns : r->last;
		uint64_t elapsed = now_ns - last;

		tokens = r->tokens +
			 seconds(elapsed > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)elapsed) *
				 r->limit;
		if (tokens > (double)r->burst)
			tokens = (double)r->burst;
	}
	tokens -= 1;
	ok = r->burst >= 1 && !(tokens < 0 && wait_positive(r->limit, -tokens));
	if (ok) {
		r->last = now_ns;
		r->have_last = true;
		r->tokens = tokens;
	}
	pthread_mutex_unlock(&r->mu);
	return ok;
}
