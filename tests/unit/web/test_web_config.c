// SPDX-License-Identifier: MIT
/*
 * The web configuration parser: every error it reports (with its exact text), the defaults,
 * the typing of scalars, relative paths joined to the file's directory, and the names of
 * cipher suites, curves, TLS versions and client auth types.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "web/web_config.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_web_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Writes yaml to tmpdir/name and loads it. */
static int load_len(const char *name, const char *yaml, size_t len, struct web_config **cfg,
		    char *err, size_t errlen)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	write_file(path, yaml, len);
	err[0] = 0;
	return web_config__load(path, cfg, err, errlen);
}

static int load(const char *yaml, struct web_config **cfg, char *err, size_t errlen)
{
	return load_len("w.yml", yaml, strlen(yaml), cfg, err, errlen);
}

static struct web_config *load_ok(const char *yaml)
{
	struct web_config *cfg = NULL;
	char err[1024];
	int ret = load(yaml, &cfg, err, sizeof(err));

	if (ret)
		fail_msg("load failed (%d): %s\n--- yaml:\n%s", ret, err, yaml);
	assert_non_null(cfg);
	return cfg;
}

#define TLS_KEYS                                                                        \
	"cert, key, client_ca, cert_file, key_file, client_auth_type, client_ca_file, " \
	"cipher_suites, curve_preferences, min_version, max_version, "                  \
	"prefer_server_cipher_suites, client_allowed_sans"
#define HEADER_NAMES                                                                             \
	"Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, " \
	"Content-Security-Policy"
#define CIPHER_NAMES                                                                         \
	"TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, "     \
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "       \
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "           \
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, " \
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "     \
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "                                      \
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
#define BCRYPT_EXPECTED                                                                          \
	" (expected $2a$, $2b$ or $2y$, a two-digit cost from 04 to 31, $ and 53 characters of " \
	"bcrypt's base64)"
/* 53 characters of bcrypt's base64 after "$2y$10$" */
#define HASH_TAIL "QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"

static void test_errors(void **state)
{
	static const struct {
		const char *yaml, *msg;
	} cases[] = {
		/* unknown keys, at every level */
		{ "tls_server_confg:\n  cert_file: a\n",
		  "line 1: unknown key \"tls_server_confg\" (expected one of tls_server_config, "
		  "http_server_config, basic_auth_users, rate_limit)" },
		{ "tls_server_config:\n  cert_filse: \"server.crt\"\n",
		  "line 2: tls_server_config: unknown key \"cert_filse\" (expected one of " TLS_KEYS
		  ")" },
		{ "http_server_config:\n  http3: true\n",
		  "line 2: http_server_config: unknown key \"http3\" (expected one of http2, "
		  "headers)" },
		{ "rate_limit:\n  rate: 1\n",
		  "line 2: rate_limit: unknown key \"rate\" (expected one of burst, interval)" },
		{ "http_server_config:\n  headers:\n    X-Foo: bar\n",
		  "line 3: http_server_config.headers: HTTP header \"X-Foo\" can not be configured "
		  "(expected one of " HEADER_NAMES ")" },
		/* header names are matched as written */
		{ "http_server_config:\n  headers:\n    x-frame-options: deny\n",
		  "line 3: http_server_config.headers: HTTP header \"x-frame-options\" can not be "
		  "configured (expected one of " HEADER_NAMES ")" },
		{ "<<: {rate_limit: {burst: 1}}\n",
		  "line 1: unknown key \"<<\" (expected one of tls_server_config, "
		  "http_server_config, basic_auth_users, rate_limit)" },
		/* header values */
		{ "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
		  "line 3: http_server_config.headers.X-Frame-Options: invalid value \"allow\" "
		  "(expected deny or sameorigin)" },
		{ "http_server_config:\n  headers:\n    X-Frame-Options: DENY\n",
		  "line 3: http_server_config.headers.X-Frame-Options: invalid value \"DENY\" "
		  "(expected deny or sameorigin)" },
		{ "http_server_config:\n  headers:\n    X-Frame-Options:\n",
		  "line 3: http_server_config.headers.X-Frame-Options: invalid value \"\" "
		  "(expected deny or sameorigin)" },
		{ "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
		  "line 3: http_server_config.headers.X-Content-Type-Options: invalid value "
		  "\"sniff\" (expected nosniff)" },
		{ "http_server_config:\n  headers:\n    Content-Security-Policy: {a: b}\n",
		  "line 3: http_server_config.headers.Content-Security-Policy: expected a string, "
		  "got a mapping" },
		{ "http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nb: c\"\n",
		  "line 3: http_server_config.headers.Content-Security-Policy: expected a header "
		  "value without line breaks or NUL characters" },
		{ "http_server_config:\n  headers: [X-Frame-Options]\n",
		  "line 2: http_server_config.headers: expected a mapping, got a list" },
		/* duplicate keys */
		{ "rate_limit:\n  burst: 1\nrate_limit:\n  burst: 2\n",
		  "line 3: duplicate key \"rate_limit\" (first at line 1)" },
		{ "tls_server_config:\n  cert_file: a\n  cert_file: b\n",
		  "line 3: tls_server_config: duplicate key \"cert_file\" (first at line 2)" },
		{ "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
		  "    X-Frame-Options: deny\n",
		  "line 4: http_server_config.headers: duplicate key \"X-Frame-Options\" (first at "
		  "line 3)" },
		{ "basic_auth_users:\n  alice: $2y$10$" HASH_TAIL "\n  alice: $2y$10$" HASH_TAIL
		  "\n",
		  "line 3: basic_auth_users: duplicate key \"alice\" (first at line 2)" },
		/* enumerations */
		{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes\n",
		  "line 4: tls_server_config.client_auth_type: unknown value \"Sometimes\" (expected "
		  "NoClientCert, RequestClientCert, RequireAnyClientCert, RequireClientCert, "
		  "VerifyClientCertIfGiven or RequireAndVerifyClientCert)" },
		{ "tls_server_config:\n  client_auth_type: requireandverifyclientcert\n",
		  "line 2: tls_server_config.client_auth_type: unknown value "
		  "\"requireandverifyclientcert\" (expected NoClientCert, RequestClientCert, "
		  "RequireAnyClientCert, RequireClientCert, VerifyClientCertIfGiven or "
		  "RequireAndVerifyClientCert)" },
		{ "tls_server_config:\n  min_version: TLS111\n",
		  "line 2: tls_server_config.min_version: unknown TLS version \"TLS111\" (expected "
		  "TLS10, TLS11, TLS12 or TLS13)" },
		{ "tls_server_config:\n  max_version: [TLS12]\n",
		  "line 2: tls_server_config.max_version: expected a TLS version, got a list" },
		{ "tls_server_config:\n  min_version: TLS13\n  max_version: TLS12\n",
		  "line 3: tls_server_config: min_version TLS13 is above max_version TLS12" },
		{ "tls_server_config:\n  max_version: TLS11\n",
		  "line 2: tls_server_config: min_version TLS12 (the default) is above max_version "
		  "TLS11" },
		{ "tls_server_config:\n  max_version: TLS10\n  min_version: TLS11\n",
		  "line 2: tls_server_config: min_version TLS11 is above max_version TLS10" },
		{ "tls_server_config:\n  cipher_suites:\n  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048\n",
		  "line 3: tls_server_config.cipher_suites[0]: unknown cipher suite "
		  "\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048\" (expected one of " CIPHER_NAMES
		  ")" },
		/* InsecureCipherSuites() are refused, as the toolkit does */
		{ "tls_server_config:\n  cipher_suites:\n  - TLS_AES_128_GCM_SHA256\n"
		  "  - TLS_RSA_WITH_AES_128_CBC_SHA\n",
		  "line 4: tls_server_config.cipher_suites[1]: unknown cipher suite "
		  "\"TLS_RSA_WITH_AES_128_CBC_SHA\" (expected one of " CIPHER_NAMES ")" },
		{ "tls_server_config:\n  cipher_suites:\n  - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256\n",
		  "line 3: tls_server_config.cipher_suites[0]: unknown cipher suite "
		  "\"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256\" (expected one of " CIPHER_NAMES ")" },
		{ "tls_server_config:\n  cipher_suites: TLS_AES_128_GCM_SHA256\n",
		  "line 2: tls_server_config.cipher_suites: expected a list of strings, got "
		  "\"TLS_AES_128_GCM_SHA256\"" },
		{ "tls_server_config:\n  cipher_suites:\n  - {a: b}\n",
		  "line 3: tls_server_config.cipher_suites[0]: expected a string, got a mapping" },
		{ "tls_server_config:\n  curve_preferences: [CurveP256, P384]\n",
		  "line 2: tls_server_config.curve_preferences[1]: unknown curve \"P384\" (expected "
		  "CurveP256, CurveP384, CurveP521 or X25519)" },
		{ "tls_server_config:\n  client_allowed_sans: one\n",
		  "line 2: tls_server_config.client_allowed_sans: expected a list of strings, got "
		  "\"one\"" },
		{ "tls_server_config:\n  client_allowed_sans: [[a]]\n",
		  "line 2: tls_server_config.client_allowed_sans[0]: expected a string, got a list" },
		/* strings */
		{ "tls_server_config:\n  cert_file: [a]\n",
		  "line 2: tls_server_config.cert_file: expected a string, got a list" },
		{ "tls_server_config:\n  key: \"a\\0b\"\n",
		  "line 2: tls_server_config.key: expected a string without NUL characters" },
		/* booleans, integers, durations */
		{ "tls_server_config:\n  prefer_server_cipher_suites: maybe\n",
		  "line 2: tls_server_config.prefer_server_cipher_suites: expected true or false, got "
		  "\"maybe\"" },
		{ "tls_server_config:\n  prefer_server_cipher_suites: \"true\"\n",
		  "line 2: tls_server_config.prefer_server_cipher_suites: expected true or false, got "
		  "\"true\"" },
		{ "http_server_config:\n  http2: 1\n",
		  "line 2: http_server_config.http2: expected true or false, got \"1\"" },
		{ "rate_limit:\n  interval: 5 seconds\n",
		  "line 2: rate_limit.interval: expected a duration such as \"1s\" or \"250ms\", got "
		  "\"5 seconds\"" },
		{ "rate_limit:\n  interval: \"5\"\n",
		  "line 2: rate_limit.interval: expected a duration such as \"1s\" or \"250ms\", got "
		  "\"5\"" },
		{ "rate_limit:\n  interval: 1x\n",
		  "line 2: rate_limit.interval: expected a duration such as \"1s\" or \"250ms\", got "
		  "\"1x\"" },
		{ "rate_limit:\n  burst: ten\n",
		  "line 2: rate_limit.burst: expected an integer, got \"ten\"" },
		{ "rate_limit:\n  burst: \"5\"\n",
		  "line 2: rate_limit.burst: expected an integer, got \"5\"" },
		{ "rate_limit:\n  burst: 99999999999999999999\n",
		  "line 2: rate_limit.burst: expected an integer, got \"99999999999999999999\"" },
		{ "rate_limit:\n  burst: [1]\n",
		  "line 2: rate_limit.burst: expected an integer, got a list" },
		/* bcrypt hashes: the user is named, the hash never printed */
		{ "basic_auth_users:\n  john: hunter2secret\n",
		  "line 2: basic_auth_users: user \"john\": invalid bcrypt hash: it does not start "
		  "with $2a$, $2b$ or $2y$" BCRYPT_EXPECTED },
		{ "basic_auth_users:\n  john: $2x$10$" HASH_TAIL "\n",
		  "line 2: basic_auth_users: user \"john\": invalid bcrypt hash: it does not start "
		  "with $2a$, $2b$ or $2y$" BCRYPT_EXPECTED },
		{ "basic_auth_users:\n  john: $2y$1$" HASH_TAIL "\n",
		  "line 2: basic_auth_users: user \"john\": invalid bcrypt hash: the cost is not two "
		  "digits followed by $" BCRYPT_EXPECTED },
		{ "basic_auth_users:\n  john: $2y$03$" HASH_TAIL "\n",
		  "line 2: basic_auth_users: user \"john\": invalid bcrypt hash: the cost 03 is "
		  "outside 04..31" BCRYPT_EXPECTED },
		{ "basic_auth_users:\n  john: $2b$32$" HASH_TAIL "\n",
		  "line 2: basic_auth_users: user \"john\": invalid bcrypt hash: the cost 32 is "
		  "outside 04..31" BCRYPT_EXPECTED },
		{ "basic_auth_users:\n  john: $2a$10$" HASH_TAIL "x\n",
		  "line 2: basic_auth_users: user \"john\": invalid bcrypt hash: it is 61 bytes long, "
		  "not 60" BCRYPT_EXPECTED },
		{ "basic_auth_users:\n  john: $2a$10$" HASH_TAIL "\n  \"j\\u00f6rg\": $2a$10$"
		  "QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ+VcEd00UAV/LDeSi\n",
		  "line 3: basic_auth_users: user \"j\xc3\xb6rg\": invalid bcrypt hash: byte 45 is "
		  "not in bcrypt's base64 alphabet (./A-Za-z0-9)" BCRYPT_EXPECTED },
		{ "basic_auth_users:\n  john:\n",
		  "line 2: basic_auth_users: user \"john\": invalid bcrypt hash: it does not start "
		  "with $2a$, $2b$ or $2y$" BCRYPT_EXPECTED },
		{ "basic_auth_users:\n  john: [a]\n",
		  "line 2: basic_auth_users: user \"john\": expected a bcrypt hash, got a list" },
		{ "basic_auth_users: [john]\n",
		  "line 1: basic_auth_users: expected a mapping, got a list" },
		/* the document's shape */
		{ "junk\n", "line 1: expected a mapping at the top level, got \"junk\"" },
		{ "- a\n", "line 1: expected a mapping at the top level, got a list" },
		{ "? [a]\n: b\n", "line 1: expected a string key, got a list" },
		{ "tls_server_config: 5\n",
		  "line 1: tls_server_config: expected a mapping, got \"5\"" },
		{ "tls_server_config:\n  cert_file: [a\n",
		  "line 3 column 1: did not find expected ',' or ']' (while parsing a flow sequence "
		  "at line 2 column 14)" },
		{ "a: b\n c: d\n",
		  "line 2 column 3: mapping values are not allowed in this context" },
	};
	char err[2048], want[2048];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct web_config *cfg = (struct web_config *)1;
		int ret = load(cases[i].yaml, &cfg, err, sizeof(err));

		snprintf(want, sizeof(want), "web config \"%s/w.yml\": %s", tmpdir, cases[i].msg);
		if (ret != -EINVAL || cfg != NULL || strcmp(err, want))
			fail_msg("case %zu: ret %d\n--- yaml:\n%s--- got:\n%s\n--- want:\n%s", i,
				 ret, cases[i].yaml, err, want);
		assert_null(strstr(err, "hunter2secret"));
		assert_null(strstr(err, HASH_TAIL));
	}
}

static void test_missing_and_unreadable(void **state)
{
	struct web_config *cfg = (struct web_config *)1;
	char err[2048], want[2048], path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/nope.yml", tmpdir);
	assert_int_equal(web_config__load(path, &cfg, err, sizeof(err)), -ENOENT);
	assert_null(cfg);
	snprintf(want, sizeof(want), "web config \"%s\": open %s: no such file or directory", path,
		 path);
	assert_string_equal(err, want);

	/* a directory cannot be read */
	assert_int_equal(web_config__load(tmpdir, &cfg, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "web config \"%s\": read %s: is a directory", tmpdir, tmpdir);
	assert_string_equal(err, want);
}

static void assert_defaults(const struct web_config *cfg)
{
	assert_false(cfg->tls_enabled);
	assert_null(cfg->cert_file);
	assert_null(cfg->key_file);
	assert_null(cfg->client_ca_file);
	assert_null(cfg->cert);
	assert_null(cfg->key);
	assert_null(cfg->client_ca);
	assert_int_equal(cfg->client_auth, WEB_CLIENT_AUTH_NONE);
	assert_false(cfg->client_allowed_sans_set);
	assert_int_equal(cfg->min_version, WEB_TLS12);
	assert_int_equal(cfg->max_version, WEB_TLS13);
	assert_int_equal(cfg->n_cipher_suites, 0);
	assert_int_equal(cfg->n_curves, 0);
	assert_true(cfg->prefer_server_cipher_suites);
	assert_true(cfg->http2);
	assert_int_equal(cfg->n_headers, 0);
	assert_int_equal(cfg->n_users, 0);
	assert_int_equal(cfg->rate_interval_ns, 0);
	assert_int_equal(cfg->rate_burst, 0);
}

static void test_empty_and_defaults(void **state)
{
	static const char *const empties[] = {
		"",
		"\n\n",
		"# only a comment\n   # and another\n",
		"---\n",
		"~\n",
		"tls_server_config: {}\nhttp_server_config: {}\nrate_limit:\nbasic_auth_users:\n",
	};
	struct web_config *cfg;
	char path[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(empties); i++) {
		cfg = load_ok(empties[i]);
		assert_defaults(cfg);
		snprintf(path, sizeof(path), "%s/w.yml", tmpdir);
		assert_string_equal(cfg->path, path);
		web_config__free(cfg);
	}

	/* As Go's decoder does, a null section is its zero value: its booleans are false. */
	cfg = load_ok("tls_server_config:\nhttp_server_config: ~\n");
	assert_false(cfg->prefer_server_cipher_suites);
	assert_false(cfg->http2);
	assert_int_equal(cfg->min_version, WEB_TLS12);
	assert_int_equal(cfg->max_version, WEB_TLS13);
	assert_false(cfg->tls_enabled);
	web_config__free(cfg);

	web_config__free(NULL);
}

static void test_full(void **state)
{
	struct web_config *cfg;

	(void)state;
	cfg = load_ok("tls_server_config:\n"
		      "  cert_file: server.crt\n"
		      "  key_file: \"../keys/server.key\"\n"
		      "  client_ca_file: /etc/ca.pem\n"
		      "  client_auth_type: \"RequireAndVerifyClientCert\"\n"
		      "  client_allowed_sans: [\"one\", test3, 127.0.0.1]\n"
		      "  min_version: TLS10\n"
		      "  max_version: TLS12\n"
		      "  cipher_suites:\n"
		      "  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
		      "  - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n"
		      "  - TLS_AES_128_GCM_SHA256\n"
		      "  prefer_server_cipher_suites: false\n"
		      "  curve_preferences: [X25519, CurveP521, CurveP256, CurveP384]\n"
		      "http_server_config:\n"
		      "  http2: false\n"
		      "  headers:\n"
		      "    X-Frame-Options: sameorigin\n"
		      "    Strict-Transport-Security: max-age=31536000; includeSubDomains\n"
		      "    X-Content-Type-Options: nosniff\n"
		      "    X-XSS-Protection: 1\n"
		      "    Content-Security-Policy: \"default-src 'self' *.test.example.net\"\n"
		      "basic_auth_users:\n"
		      "  carol: $2y$10$" HASH_TAIL "\n"
		      "  alice: $2a$04$" HASH_TAIL "\n"
		      "  123: $2b$31$" HASH_TAIL "\n"
		      "rate_limit:\n"
		      "  interval: 1m30s\n"
		      "  burst: 0x10\n");
	assert_true(cfg->tls_enabled);
	{
		char want[512];

		snprintf(want, sizeof(want), "%s/server.crt", tmpdir);
		assert_string_equal(cfg->cert_file, want);
		/* joined and cleaned: tmpdir/../keys */
		snprintf(want, sizeof(want), "%s", tmpdir);
		*strrchr(want, '/') = 0;
		strcat(want, "/keys/server.key");
		assert_string_equal(cfg->key_file, want);
	}
	assert_string_equal(cfg->client_ca_file, "/etc/ca.pem");
	assert_int_equal(cfg->client_auth, WEB_CLIENT_AUTH_REQUIRE_VERIFY);
	assert_true(cfg->client_allowed_sans_set);
	assert_int_equal(cfg->n_client_allowed_sans, 3);
	assert_string_equal(cfg->client_allowed_sans[0], "one");
	assert_string_equal(cfg->client_allowed_sans[1], "test3");
	assert_string_equal(cfg->client_allowed_sans[2], "127.0.0.1");
	assert_int_equal(cfg->min_version, WEB_TLS10);
	assert_int_equal(cfg->max_version, WEB_TLS12);
	assert_int_equal(cfg->n_cipher_suites, 3);
	assert_int_equal(cfg->cipher_suites[0], 0xc030);
	assert_int_equal(cfg->cipher_suites[1], 0xc013);
	assert_int_equal(cfg->cipher_suites[2], 0x1301);
	assert_false(cfg->prefer_server_cipher_suites);
	assert_int_equal(cfg->n_curves, 4);
	assert_int_equal(cfg->curves[0], 29);
	assert_int_equal(cfg->curves[1], 25);
	assert_int_equal(cfg->curves[2], 23);
	assert_int_equal(cfg->curves[3], 24);
	assert_false(cfg->http2);
	assert_int_equal(cfg->n_headers, 5);
	assert_string_equal(cfg->headers[0].name, "X-Frame-Options");
	assert_string_equal(cfg->headers[0].value, "sameorigin");
	assert_string_equal(cfg->headers[1].name, "Strict-Transport-Security");
	assert_string_equal(cfg->headers[1].value, "max-age=31536000; includeSubDomains");
	assert_string_equal(cfg->headers[2].value, "nosniff");
	assert_string_equal(cfg->headers[3].name, "X-XSS-Protection");
	assert_string_equal(cfg->headers[3].value, "1");
	assert_string_equal(cfg->headers[4].value, "default-src 'self' *.test.example.net");
	assert_int_equal(cfg->n_users, 3);
	assert_string_equal(cfg->users[0].name, "carol");
	assert_string_equal(cfg->users[0].hash, "$2y$10$" HASH_TAIL);
	assert_string_equal(cfg->users[1].name, "alice");
	assert_string_equal(cfg->users[1].hash, "$2a$04$" HASH_TAIL);
	assert_string_equal(cfg->users[2].name, "123");
	assert_int_equal(cfg->rate_interval_ns, 90LL * 1000000000);
	assert_int_equal(cfg->rate_burst, 16);
	web_config__free(cfg);

	/* inline PEM */
	cfg = load_ok("tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n    AA==\n"
		      "    -----END CERTIFICATE-----\n  key: KEYTEXT\n  client_ca: CATEXT\n");
	assert_true(cfg->tls_enabled);
	assert_string_equal(cfg->cert,
			    "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");
	assert_string_equal(cfg->key, "KEYTEXT");
	assert_string_equal(cfg->client_ca, "CATEXT");
	assert_null(cfg->cert_file);
	web_config__free(cfg);
}

static void test_tls_enabled(void **state)
{
	static const struct {
		const char *yaml;
		bool enabled;
	} cases[] = {
		{ "tls_server_config:\n  min_version: TLS13\n", false },
		{ "tls_server_config:\n  cert_file: \"\"\n  key_file: \"\"\n", false },
		{ "tls_server_config:\n  client_auth_type: \"\"\n", false },
		{ "tls_server_config:\n  client_allowed_sans: [a]\n", false },
		{ "tls_server_config:\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", false },
		{ "tls_server_config:\n  client_auth_type: NoClientCert\n", true },
		{ "tls_server_config:\n  key_file: k\n", true },
		{ "tls_server_config:\n  key: k\n", true },
		{ "tls_server_config:\n  cert: c\n", true },
		{ "tls_server_config:\n  cert_file: c\n", true },
		{ "tls_server_config:\n  client_ca: c\n", true },
		{ "tls_server_config:\n  client_ca_file: c\n", true },
		{ "basic_auth_users:\n  a: $2y$10$" HASH_TAIL "\n", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct web_config *cfg = load_ok(cases[i].yaml);

		if (cfg->tls_enabled != cases[i].enabled)
			fail_msg("case %zu: tls_enabled %d\n%s", i, cfg->tls_enabled,
				 cases[i].yaml);
		web_config__free(cfg);
	}
}

static void test_paths(void **state)
{
	struct web_config *cfg = NULL;
	char err[1024], sub[512], path[512], cwd[512];
	const char *yaml = "tls_server_config:\n  cert_file: server.crt\n"
			   "  key_file: ./x/../k.pem\n  client_ca_file: /abs/./ca.pem\n";

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/w.yml", tmpdir);
	write_file(path, yaml, strlen(yaml));
	assert_int_equal(web_config__load(path, &cfg, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/sub/server.crt", tmpdir);
	assert_string_equal(cfg->cert_file, path);
	snprintf(path, sizeof(path), "%s/sub/k.pem", tmpdir);
	assert_string_equal(cfg->key_file, path);
	/* absolute paths stay as written, as config_util.JoinDir leaves them */
	assert_string_equal(cfg->client_ca_file, "/abs/./ca.pem");
	web_config__free(cfg);

	/* a file given relative to the working directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(web_config__load("sub/w.yml", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->path, "sub/w.yml");
	assert_string_equal(cfg->cert_file, "sub/server.crt");
	assert_string_equal(cfg->key_file, "sub/k.pem");
	web_config__free(cfg);
	assert_int_equal(chdir(sub), 0);
	assert_int_equal(web_config__load("w.yml", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->cert_file, "server.crt");
	assert_string_equal(cfg->key_file, "k.pem");
	web_config__free(cfg);
	assert_int_equal(web_config__load("./w.yml", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->cert_file, "server.crt");
	web_config__free(cfg);
	assert_int_equal(chdir(cwd), 0);
}

static void test_scalars(void **state)
{
	static const struct {
		const char *yaml;
		int64_t interval;
		long long burst;
	} rates[] = {
		{ "rate_limit:\n  interval: 1s\n  burst: 5\n", 1000000000, 5 },
		{ "rate_limit:\n  interval: \"250ms\"\n", 250000000, 0 },
		{ "rate_limit:\n  interval: 0\n  burst: 1_000\n", 0, 1000 },
		{ "rate_limit:\n  interval: \"0\"\n  burst: -3\n", 0, -3 },
		{ "rate_limit:\n  interval: 1500\n  burst: 0o17\n", 1500, 15 },
		{ "rate_limit:\n  interval: 1h2m3.5s\n  burst: 010\n", 3723500000000, 8 },
		{ "rate_limit:\n  interval: -1s\n  burst: 0b101\n", -1000000000, 5 },
		/* Go stores a float in an int field truncated */
		{ "rate_limit:\n  interval: 2.9\n  burst: 1.9\n", 2, 1 },
		{ "rate_limit:\n  interval: ~\n  burst: ~\n", 0, 0 },
	};
	static const struct {
		const char *text;
		bool value;
	} bools[] = {
		{ "true", true }, { "True", true }, { "TRUE", true },	{ "yes", true },
		{ "on", true },	  { "y", true },    { "false", false }, { "False", false },
		{ "no", false },  { "off", false }, { "N", false },	{ "~", false },
		{ "", false },
	};
	char yaml[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rates); i++) {
		struct web_config *cfg = load_ok(rates[i].yaml);

		if (cfg->rate_interval_ns != rates[i].interval || cfg->rate_burst != rates[i].burst)
			fail_msg("case %zu: interval %lld burst %lld\n%s", i,
				 (long long)cfg->rate_interval_ns, cfg->rate_burst, rates[i].yaml);
		web_config__free(cfg);
	}
	for (i = 0; i < ARRAY_LEN(bools); i++) {
		struct web_config *cfg;

		snprintf(yaml, sizeof(yaml),
			 "tls_server_config:\n  prefer_server_cipher_suites: %s\n"
			 "http_server_config:\n  http2: %s\n",
			 bools[i].text, bools[i].text);
		cfg = load_ok(yaml);
		if (cfg->prefer_server_cipher_suites != bools[i].value ||
		    cfg->http2 != bools[i].value)
			fail_msg("bool %s", bools[i].text);
		web_config__free(cfg);
	}
}

static void test_lists(void **state)
{
	struct web_config *cfg;

	(void)state;
	/* an empty list is set (every certificate fails), a null one is not */
	cfg = load_ok("tls_server_config:\n  client_allowed_sans: []\n");
	assert_true(cfg->client_allowed_sans_set);
	assert_int_equal(cfg->n_client_allowed_sans, 0);
	web_config__free(cfg);
	cfg = load_ok("tls_server_config:\n  client_allowed_sans:\n");
	assert_false(cfg->client_allowed_sans_set);
	web_config__free(cfg);
	cfg = load_ok("tls_server_config:\n  client_allowed_sans: [~, 1]\n"
		      "  cipher_suites: []\n  curve_preferences: ~\n");
	assert_true(cfg->client_allowed_sans_set);
	assert_int_equal(cfg->n_client_allowed_sans, 2);
	assert_string_equal(cfg->client_allowed_sans[0], "");
	assert_string_equal(cfg->client_allowed_sans[1], "1");
	assert_int_equal(cfg->n_cipher_suites, 0);
	assert_int_equal(cfg->n_curves, 0);
	web_config__free(cfg);
	/* aliases are followed */
	cfg = load_ok("tls_server_config:\n  client_allowed_sans: &s [a, b]\n"
		      "  curve_preferences: [X25519]\n");
	assert_int_equal(cfg->n_client_allowed_sans, 2);
	assert_string_equal(cfg->client_allowed_sans[1], "b");
	web_config__free(cfg);
}

static void test_enums(void **state)
{
	static const struct {
		const char *name;
		enum web_client_auth v;
	} auths[] = {
		{ "NoClientCert", WEB_CLIENT_AUTH_NONE },
		{ "RequestClientCert", WEB_CLIENT_AUTH_REQUEST },
		{ "RequireAnyClientCert", WEB_CLIENT_AUTH_REQUIRE_ANY },
		{ "RequireClientCert", WEB_CLIENT_AUTH_REQUIRE_ANY },
		{ "VerifyClientCertIfGiven", WEB_CLIENT_AUTH_VERIFY_IF_GIVEN },
		{ "RequireAndVerifyClientCert", WEB_CLIENT_AUTH_REQUIRE_VERIFY },
	};
	static const struct {
		const char *name;
		enum web_tls_version v;
	} versions[] = {
		{ "TLS10", WEB_TLS10 },
		{ "TLS11", WEB_TLS11 },
		{ "TLS12", WEB_TLS12 },
		{ "TLS13", WEB_TLS13 },
	};
	char yaml[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(auths); i++) {
		struct web_config *cfg;

		snprintf(yaml, sizeof(yaml), "tls_server_config:\n  client_auth_type: %s\n",
			 auths[i].name);
		cfg = load_ok(yaml);
		assert_int_equal(cfg->client_auth, auths[i].v);
		assert_true(cfg->tls_enabled);
		web_config__free(cfg);
	}
	for (i = 0; i < ARRAY_LEN(versions); i++) {
		struct web_config *cfg;

		snprintf(yaml, sizeof(yaml),
			 "tls_server_config:\n  min_version: %s\n  max_version: %s\n",
			 versions[i].name, versions[i].name);
		cfg = load_ok(yaml);
		assert_int_equal(cfg->min_version, versions[i].v);
		assert_int_equal(cfg->max_version, versions[i].v);
		web_config__free(cfg);
	}
}

static void test_cipher_names(void **state)
{
	static const struct {
		const char *name;
		uint16_t id;
	} secure[] = {
		{ "TLS_AES_128_GCM_SHA256", 0x1301 },
		{ "TLS_AES_256_GCM_SHA384", 0x1302 },
		{ "TLS_CHACHA20_POLY1305_SHA256", 0x1303 },
		{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc009 },
		{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xc00a },
		{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xc013 },
		{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xc014 },
		{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b },
		{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c },
		{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f },
		{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030 },
		{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8 },
		{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9 },
	};
	/* Go's InsecureCipherSuites(), and names Go does not know */
	static const char *const refused[] = {
		"TLS_RSA_WITH_RC4_128_SHA",
		"TLS_RSA_WITH_3DES_EDE_CBC_SHA",
		"TLS_RSA_WITH_AES_128_CBC_SHA",
		"TLS_RSA_WITH_AES_256_CBC_SHA",
		"TLS_RSA_WITH_AES_128_CBC_SHA256",
		"TLS_RSA_WITH_AES_128_GCM_SHA256",
		"TLS_RSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
		"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
		"TLS_ECDHE_RSA_WITH_RC4_128_SHA",
		"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
		"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
		"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
		"tls_aes_128_gcm_sha256",
		"",
	};
	struct buf_like {
		char text[4096];
	} yaml;
	struct web_config *cfg;
	size_t i, n;

	(void)state;
	n = (size_t)snprintf(yaml.text, sizeof(yaml.text),
			     "tls_server_config:\n  cipher_suites:\n");
	for (i = 0; i < ARRAY_LEN(secure); i++) {
		assert_int_equal(web_cipher_suite_id(secure[i].name), secure[i].id);
		assert_string_equal(web_cipher_suite_name(secure[i].id), secure[i].name);
		n += (size_t)snprintf(yaml.text + n, sizeof(yaml.text) - n, "  - %s\n",
				      secure[i].name);
	}
	for (i = 0; i < ARRAY_LEN(refused); i++)
		assert_int_equal(web_cipher_suite_id(refused[i]), 0);
	assert_int_equal(web_cipher_suite_id(NULL), 0);
	assert_null(web_cipher_suite_name(0x002f));
	assert_null(web_cipher_suite_name(0));
	/* the file keeps the order written */
	cfg = load_ok(yaml.text);
	assert_int_equal(cfg->n_cipher_suites, ARRAY_LEN(secure));
	for (i = 0; i < ARRAY_LEN(secure); i++)
		assert_int_equal(cfg->cipher_suites[i], secure[i].id);
	web_config__free(cfg);
}

static void test_big_file(void **state)
{
	struct web_config *cfg = (struct web_config *)1;
	size_t len = ((size_t)4 << 20) + 10;
	char *big = malloc(len), err[1024], want[1024];

	(void)state;
	assert_non_null(big);
	memset(big, '#', len);
	assert_int_equal(load_len("big.yml", big, len, &cfg, err, sizeof(err)), -EFBIG);
	snprintf(want, sizeof(want), "web config \"%s/big.yml\": the file is larger than %zu bytes",
		 tmpdir, (size_t)4 << 20);
	assert_string_equal(err, want);
	assert_null(cfg);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_and_unreadable),
		cmocka_unit_test(test_empty_and_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_tls_enabled),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_cipher_names),
		cmocka_unit_test(test_big_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
