// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_WEB_TLS_H
#define EBPF_EXPORTER_WEB_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "web/web_config.h"

/*
 * The TLS side of a web configuration, through GnuTLS (the library libmicrohttpd uses):
 * the server certificate and key, the client CA trust list, a priority cache for the versions,
 * cipher suites, curves and server precedence, and the client certificate policy. A web_tls
 * is immutable once built and reference-counted: each TLS session holds a reference for its
 * lifetime, so a reload can replace it while older connections finish with the old one.
 */
struct web_tls;

/*
 * Builds the TLS state of cfg (cfg->tls_enabled must be true): reads cert_file/key_file (or
 * the inline PEM), checks that the key matches the certificate, reads the client CA, builds
 * the priority cache. Returns 0 and *out with one reference, or a negative errno with a
 * message naming the file and what is wrong, e.g. `web config "/etc/w.yml":
 * tls_server_config.cert_file: open /etc/missing.crt: no such file or directory`,
 * `... tls_server_config.key_file: the private key does not match the certificate`, `...
 * tls_server_config: missing one of cert or cert_file`, `... client_ca_file is set but
 * client_auth_type is NoClientCert`.
 */
int web_tls__new(const struct web_config *cfg, struct web_tls **out, char *err, size_t errlen);

struct web_tls *web_tls__ref(struct web_tls *t);
/* NULL-tolerant. */
void web_tls__unref(struct web_tls *t);

/*
 * The files t was built from (cert, key, client CA; NULL entries for inline PEM), for change
 * detection. Sets *n.
 */
const char *const *web_tls__files(const struct web_tls *t, size_t *n);

/* The server certificate and key in PEM, as libmicrohttpd's start-up options want them. */
const char *web_tls__cert_pem(const struct web_tls *t);
const char *web_tls__key_pem(const struct web_tls *t);

/* A priority string suitable for libmicrohttpd's MHD_OPTION_HTTPS_PRIORITIES. */
const char *web_tls__priorities(const struct web_tls *t);

/*
 * Configures a server session that has not started its handshake: t's credentials and
 * priorities, the client certificate request, a verify function (client CA chain when the
 * policy verifies, client_allowed_sans) and the cipher suite check, so that a client failing
 * them fails the handshake. The session must keep t alive: the caller holds a reference until
 * the session is freed. Returns 0 or a negative errno.
 */
int web_tls__setup_session(struct web_tls *t, gnutls_session_t session);

/*
 * After the handshake: 0 when the session's peer satisfies t's policy, else a negative errno
 * with a message (`client certificate has no SAN in client_allowed_sans`). A second line of
 * defence for what the handshake could not check.
 */
int web_tls__check_session(const struct web_tls *t, gnutls_session_t session, char *err,
			   size_t errlen);

#endif
