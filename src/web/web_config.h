// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_WEB_CONFIG_H
#define EBPF_EXPORTER_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The web configuration file (--web.config.file), in the format every exporter built on the
 * Prometheus exporter toolkit shares: tls_server_config, http_server_config, basic_auth_users
 * and rate_limit. web_config__load() reads and checks the file itself (keys, types, enums,
 * the header allow-list, bcrypt hash syntax); the certificates and keys it names are read by
 * web_tls__new() (web/tls.h).
 */

enum web_client_auth {
	WEB_CLIENT_AUTH_NONE, /* NoClientCert (or empty) */
	WEB_CLIENT_AUTH_REQUEST, /* RequestClientCert: asked for, not verified */
	WEB_CLIENT_AUTH_REQUIRE_ANY, /* RequireAnyClientCert, RequireClientCert: required, not verified */
	WEB_CLIENT_AUTH_VERIFY_IF_GIVEN, /* VerifyClientCertIfGiven */
	WEB_CLIENT_AUTH_REQUIRE_VERIFY, /* RequireAndVerifyClientCert */
};

/* TLS protocol versions, ordered. */
enum web_tls_version {
	WEB_TLS10 = 10,
	WEB_TLS11 = 11,
	WEB_TLS12 = 12,
	WEB_TLS13 = 13,
};

struct web_header {
	char *name; /* one of the allow-listed names, as written in the file */
	char *value;
};

struct web_user {
	char *name;
	char *hash; /* bcrypt: $2a$, $2b$ or $2y$, cost 04..31, 60 bytes */
};

struct web_config {
	char *path; /* the file, as given */

	/* tls_server_config; tls_enabled when any of cert, key, client CA or auth type is set */
	bool tls_enabled;
	char *cert_file, *key_file, *client_ca_file; /* joined to the file's directory; or NULL */
	char *cert, *key, *client_ca; /* inline PEM; or NULL */
	enum web_client_auth client_auth;
	/*
	 * NULL: no SAN check (an empty list given: every cert fails). Checked whenever a client
	 * certificate is asked for (any client_auth_type but NoClientCert, as in Go), and then a
	 * client without a certificate fails too.
	 */
	char **client_allowed_sans;
	size_t n_client_allowed_sans;
	bool client_allowed_sans_set;
	enum web_tls_version min_version; /* default TLS12 */
	enum web_tls_version max_version; /* default TLS13 */
	uint16_t *cipher_suites; /* IANA ids, in the file's order; n 0: the library's defaults */
	size_t n_cipher_suites;
	bool prefer_server_cipher_suites; /* default true */
	uint16_t *curves; /* IANA group ids (23 P-256, 24 P-384, 25 P-521, 29 X25519) */
	size_t n_curves;

	/* http_server_config */
	bool http2; /* default true; accepted, HTTP/1.1 is served either way */
	struct web_header *headers;
	size_t n_headers;

	/* basic_auth_users, in the file's order; none: no authentication */
	struct web_user *users;
	size_t n_users;

	/* rate_limit: interval 0 disables it */
	int64_t rate_interval_ns;
	long long rate_burst;
};

/*
 * Reads and checks path. Returns 0 and *out (free with web_config__free()), or a negative
 * errno with a message that names the file, the line and the key and says what was expected,
 * e.g. `web config "/etc/w.yml": line 1: unknown key "tls_server_confg" (expected one of
 * tls_server_config, http_server_config, basic_auth_users, rate_limit)`, `web config
 * "/etc/w.yml": line 4: tls_server_config.client_auth_type: unknown value "Sometimes"
 * (expected NoClientCert, RequestClientCert, RequireAnyClientCert, RequireClientCert,
 * VerifyClientCertIfGiven or RequireAndVerifyClientCert)`.
 */
int web_config__load(const char *path, struct web_config **out, char *err, size_t errlen);

/* NULL-tolerant; clears secrets before freeing them. */
void web_config__free(struct web_config *cfg);

/* The IANA id of a cipher suite by Go's crypto/tls name; 0 when Go does not accept it. */
uint16_t web_cipher_suite_id(const char *go_name);

/* Go's name of a cipher suite id, or NULL. */
const char *web_cipher_suite_name(uint16_t id);

#endif
