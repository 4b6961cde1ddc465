// SPDX-License-Identifier: MIT
/*
 * The GnuTLS state of a web configuration, with certificates made by openssl at test time:
 * what web_tls__new() accepts and refuses (with its messages), the priority string, and real
 * handshakes between a GnuTLS client and a server session set up by web_tls__setup_session()
 * over a socketpair, for every client auth policy, the SAN list, the TLS versions, the curves
 * and the cipher suite list.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "web/tls.h"
#include "web/web_config.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char dir[256];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	int n;
	va_list ap;

	n = snprintf(cmd, sizeof(cmd), "cd '%s' && { ", dir);
	va_start(ap, fmt);
	n += vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, "; } >>openssl.log 2>&1");
	if (system(cmd) != 0)
		fail_msg("command failed: %s (see %s/openssl.log)", cmd, dir);
}

/* A CA, and a leaf NAME signed by CA with the extensions EXT (an openssl extfile line set). */
static void make_ca(const char *name)
{
	sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s.key "
	   "-out %s.crt -days 2 -subj '/CN=%s' -addext basicConstraints=critical,CA:TRUE "
	   "-addext keyUsage=critical,keyCertSign,cRLSign",
	   name, name, name);
}

static void make_leaf(const char *name, const char *ca, const char *keyalg, const char *ext)
{
	sh("printf '%%s\\n' %s > %s.ext && openssl req -new -newkey %s -nodes -keyout %s.key "
	   "-out %s.csr -subj '/CN=%s' && openssl x509 -req -in %s.csr -CA %s.crt -CAkey %s.key "
	   "-CAcreateserial -out %s.crt -days 2 -extfile %s.ext",
	   ext, name, keyalg, name, name, name, name, ca, ca, name, name);
}

#define EC "ec -pkeyopt ec_paramgen_curve:P-256"

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_web_tls.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	make_ca("ca");
	make_ca("otherca");
	make_leaf("server", "ca", EC,
		  "'subjectAltName=DNS:localhost' 'extendedKeyUsage=serverAuth'");
	make_leaf("rsaserver", "ca", "rsa:2048",
		  "'subjectAltName=DNS:localhost' 'extendedKeyUsage=serverAuth'");
	make_leaf(
		"client", "ca", EC,
		"'subjectAltName=DNS:client.example,IP:127.0.0.1,IP:2001:db8::1,IP:::ffff:10.1.2.3,IP:2001:0:0:1:0:0:1:1,"
		"email:client@example.com,URI:SPIFFE://example.org/client' "
		"'extendedKeyUsage=clientAuth'");
	make_leaf("other", "otherca", EC,
		  "'subjectAltName=DNS:other.example' 'extendedKeyUsage=clientAuth'");
	/* of our CA, but for servers only */
	make_leaf("serveronly", "ca", EC,
		  "'subjectAltName=DNS:client.example' 'extendedKeyUsage=serverAuth'");
	/* of our CA, without any extension: good for any purpose, no SAN */
	make_leaf("plain", "ca", EC, "'basicConstraints=CA:FALSE'");
	sh("cat ca.crt otherca.crt > both.crt && cat server.key > nothing.crt && : > empty.crt");
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_of(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

static char *slurp(const char *name)
{
	char *p = path_of(name), *text = NULL;
	FILE *f = fopen(p, "r");
	size_t len = 0;

	assert_non_null(f);
	assert_int_equal(getdelim(&text, &len, 0, f) > 0, 1);
	fclose(f);
	free(p);
	return text;
}

/* Loads a web config written into the test directory. */
static struct web_config *config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct web_config *config(const char *fmt, ...)
{
	struct web_config *cfg = NULL;
	char text[4096], err[1024], *p = path_of("web.yml");
	FILE *f;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	if (web_config__load(p, &cfg, err, sizeof(err)))
		fail_msg("%s\n%s", err, text);
	free(p);
	return cfg;
}

static struct web_tls *tls_ok(struct web_config *cfg)
{
	struct web_tls *t = NULL;
	char err[1024];

	if (web_tls__new(cfg, &t, err, sizeof(err)))
		fail_msg("web_tls__new: %s", err);
	assert_non_null(t);
	web_config__free(cfg);
	return t;
}

/* web_tls__new() fails with "web config "<dir>/web.yml": " and msg, where each @ is dir. */
static void tls_fails(struct web_config *cfg, int ret, const char *msg)
{
	struct web_tls *t = (struct web_tls *)1;
	char err[2048], want[2048];
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "web config \"%s/web.yml\": ", dir);
	for (; *msg && n + strlen(dir) + 1 < sizeof(want); msg++)
		if (*msg == '@')
			n += (size_t)snprintf(want + n, sizeof(want) - n, "%s", dir);
		else
			want[n++] = *msg;
	want[n] = 0;
	assert_int_equal(web_tls__new(cfg, &t, err, sizeof(err)), ret);
	assert_null(t);
	assert_string_equal(err, want);
	web_config__free(cfg);
}

#define SERVER "  cert_file: server.crt\n  key_file: server.key\n"

static void test_new_errors(void **state)
{
	(void)state;
	tls_fails(config("tls_server_config:\n  key_file: server.key\n"), -EINVAL,
		  "tls_server_config: missing one of cert or cert_file");
	tls_fails(config("tls_server_config:\n  cert_file: server.crt\n"), -EINVAL,
		  "tls_server_config: missing one of key or key_file");
	tls_fails(config("tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n"),
		  -EINVAL, "tls_server_config: missing one of cert or cert_file");
	tls_fails(config("tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n"),
		  -ENOENT,
		  "tls_server_config.cert_file: open @/missing.crt: no such file or directory");
	tls_fails(
		config("tls_server_config:\n  cert_file: server.crt\n  key_file: /nonexistent/k\n"),
		-ENOENT,
		"tls_server_config.key_file: open /nonexistent/k: no such file or directory");
	/* the key of another certificate */
	tls_fails(config("tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n"),
		  -EINVAL,
		  "tls_server_config.key_file: the private key does not match the certificate");
	tls_fails(config("tls_server_config:\n  cert: \"%s\"\n  key_file: rsaserver.key\n",
			 "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"),
		  -EINVAL,
		  "tls_server_config.cert: no PEM certificate could be read from the inline PEM: "
		  "ASN1 parser: Error in DER parsing.");
	tls_fails(config("tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n"),
		  -EINVAL,
		  "tls_server_config.cert_file: no PEM certificate could be read from "
		  "@/server.key: No certificate was found.");
	tls_fails(config("tls_server_config:\n  cert_file: server.crt\n  key: not a key\n"),
		  -EINVAL, "tls_server_config.key: the inline PEM has no PEM data");
	tls_fails(config("tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n"),
		  -EINVAL,
		  "tls_server_config.key_file: no PEM private key could be read from "
		  "@/server.crt: The requested data were not available.");
	tls_fails(config("tls_server_config:\n  cert_file: empty.crt\n  key_file: server.key\n"),
		  -EINVAL, "tls_server_config.cert_file: @/empty.crt has no PEM data");
	/* a client CA needs a policy that asks for certificates */
	tls_fails(
		config("tls_server_config:\n" SERVER "  client_ca_file: ca.crt\n"), -EINVAL,
		"tls_server_config: client_ca_file is set but client_auth_type is NoClientCert (a "
		"client CA needs a client_auth_type that asks for client certificates, such as "
		"RequireAndVerifyClientCert)");
	tls_fails(
		config("tls_server_config:\n" SERVER
		       "  client_ca_file: ca.crt\n  client_auth_type: NoClientCert\n"),
		-EINVAL,
		"tls_server_config: client_ca_file is set but client_auth_type is NoClientCert (a "
		"client CA needs a client_auth_type that asks for client certificates, such as "
		"RequireAndVerifyClientCert)");
	tls_fails(config("tls_server_config:\n" SERVER
			 "  client_ca: \"x\"\n  client_auth_type: RequestClientCert\n"),
		  -EINVAL,
		  "tls_server_config.client_ca: no PEM certificate could be read from the "
		  "inline PEM: No certificate was found.");
	tls_fails(config("tls_server_config:\n" SERVER
			 "  client_ca_file: nothing.crt\n  client_auth_type: RequestClientCert\n"),
		  -EINVAL,
		  "tls_server_config.client_ca_file: no PEM certificate could be read from "
		  "@/nothing.crt: No certificate was found.");
	tls_fails(config("tls_server_config:\n" SERVER
			 "  client_ca_file: empty.crt\n  client_auth_type: RequestClientCert\n"),
		  -EINVAL,
		  "tls_server_config.client_ca_file: no PEM certificate could be read from "
		  "@/empty.crt: No certificate was found.");
	tls_fails(config("tls_server_config:\n" SERVER
			 "  client_ca_file: nope.crt\n  client_auth_type: RequestClientCert\n"),
		  -ENOENT,
		  "tls_server_config.client_ca_file: open @/nope.crt: no such file or directory");
	tls_fails(config("tls_server_config:\n" SERVER
			 "  max_version: TLS12\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"),
		  -EINVAL,
		  "tls_server_config.cipher_suites: no suite for TLS 1.2 or older, and max_version "
		  "is TLS12 (TLS 1.3 suites are not configurable)");
}

static void test_files_and_pem(void **state)
{
	struct web_tls *t;
	const char *const *files;
	char *crt = path_of("server.crt"), *key = path_of("server.key"), *ca = path_of("both.crt");
	char *crt_text = slurp("server.crt"), *key_text = slurp("server.key");
	size_t n;

	(void)state;
	t = tls_ok(config("tls_server_config:\n" SERVER "  client_ca_file: both.crt\n"
			  "  client_auth_type: VerifyClientCertIfGiven\n"));
	files = web_tls__files(t, &n);
	assert_int_equal(n, 3);
	assert_string_equal(files[0], crt);
	assert_string_equal(files[1], key);
	assert_string_equal(files[2], ca);
	assert_string_equal(web_tls__cert_pem(t), crt_text);
	assert_string_equal(web_tls__key_pem(t), key_text);
	assert_ptr_equal(web_tls__ref(t), t);
	web_tls__unref(t);
	web_tls__unref(t);
	web_tls__unref(NULL);

	free(crt);
	free(key);
	free(ca);
	free(crt_text);
	free(key_text);
}

static void test_priorities(void **state)
{
	static const struct {
		const char *yaml, *prio;
	} cases[] = {
		{ "", "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE" },
		{ "  prefer_server_cipher_suites: false\n  min_version: TLS13\n",
		  "NORMAL:-VERS-ALL:+VERS-TLS1.3" },
		{ "  min_version: TLS10\n  max_version: TLS12\n  prefer_server_cipher_suites: no\n"
		  "  cipher_suites:\n  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
		  "  - TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA\n  - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n",
		  "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:-KX-ALL:+ECDHE-RSA:"
		  "+ECDHE-ECDSA:-CIPHER-ALL:+AES-256-GCM:+AES-128-CBC:-MAC-ALL:+AEAD:+SHA1" },
		/* the TLS 1.3 ciphers stay when TLS 1.3 is on */
		{ "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]\n",
		  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:-CIPHER-ALL:"
		  "+CHACHA20-POLY1305:+AES-128-GCM:+AES-256-GCM:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE" },
		{ "  cipher_suites: [TLS_AES_256_GCM_SHA384]\n",
		  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:-CIPHER-ALL:+AES-128-GCM:"
		  "+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE" },
		{ "  curve_preferences: [X25519, CurveP256, CurveP384, CurveP521]\n",
		  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-GROUP-ALL:+GROUP-X25519:"
		  "+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1:%SERVER_PRECEDENCE" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct web_tls *t =
			tls_ok(config("tls_server_config:\n" SERVER "%s", cases[i].yaml));

		if (strcmp(web_tls__priorities(t), cases[i].prio))
			fail_msg("case %zu: %s\nwant %s", i, web_tls__priorities(t), cases[i].prio);
		web_tls__unref(t);
	}
}

/* ---- handshakes ---- */

struct hs {
	/* in */
	struct web_tls *t;
	const struct web_tls *check_t; /* web_tls__check_session() with it; NULL: t */
	const char *client_prio; /* NULL: NORMAL */
	const char *client_cert; /* a name in dir (NAME.crt, NAME.key); NULL: none */
	/* out */
	int server_ret, client_ret, check_ret;
	char check_err[512];
	gnutls_protocol_t version;
	char suite[128];
	gnutls_group_t group;
	int fd[2];
};

static void fail_side(gnutls_session_t s, int fd, int ret)
{
	gnutls_alert_send_appropriate(s, ret);
	shutdown(fd, SHUT_RDWR);
}

static void *server_side(void *arg)
{
	struct hs *h = arg;
	gnutls_session_t s;
	int ret;

	assert_int_equal(gnutls_init(&s, GNUTLS_SERVER), 0);
	assert_int_equal(web_tls__setup_session(h->t, s), 0);
	gnutls_transport_set_int(s, h->fd[0]);
	do
		ret = gnutls_handshake(s);
	while (ret < 0 && !gnutls_error_is_fatal(ret));
	h->server_ret = ret;
	if (ret < 0) {
		fail_side(s, h->fd[0], ret);
	} else {
		const char *name = gnutls_ciphersuite_get(s);

		h->check_ret = web_tls__check_session(h->check_t ? h->check_t : h->t, s,
						      h->check_err, sizeof(h->check_err));
		h->version = gnutls_protocol_get_version(s);
		snprintf(h->suite, sizeof(h->suite), "%s", name ? name : "");
		h->group = gnutls_group_get(s);
		gnutls_bye(s, GNUTLS_SHUT_WR);
		shutdown(h->fd[0], SHUT_RDWR);
	}
	gnutls_deinit(s);
	return NULL;
}

static gnutls_pcert_st client_pcert;
static gnutls_privkey_t client_key;

/* Sends the client certificate whatever CAs the server names. */
static int client_retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn, int nreqs,
			   const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
			   gnutls_pcert_st **pcert, unsigned int *pcert_length,
			   gnutls_privkey_t *pkey)
{
	(void)s;
	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	*pcert = &client_pcert;
	*pcert_length = 1;
	*pkey = client_key;
	return 0;
}

static void run(struct hs *h)
{
	gnutls_certificate_credentials_t cc;
	gnutls_session_t c;
	pthread_t th;
	const char *errpos = NULL;
	int ret;

	h->server_ret = h->client_ret = h->check_ret = 1;
	h->check_err[0] = 0;
	h->suite[0] = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, h->fd), 0);
	assert_int_equal(gnutls_certificate_allocate_credentials(&cc), 0);
	if (h->client_cert) {
		char name[64];
		char *crt, *key;
		gnutls_datum_t d;

		snprintf(name, sizeof(name), "%s.crt", h->client_cert);
		crt = slurp(name);
		snprintf(name, sizeof(name), "%s.key", h->client_cert);
		key = slurp(name);
		d.data = (unsigned char *)crt;
		d.size = (unsigned int)strlen(crt);
		assert_int_equal(
			gnutls_pcert_import_x509_raw(&client_pcert, &d, GNUTLS_X509_FMT_PEM, 0), 0);
		assert_int_equal(gnutls_privkey_init(&client_key), 0);
		d.data = (unsigned char *)key;
		d.size = (unsigned int)strlen(key);
		assert_int_equal(gnutls_privkey_import_x509_raw(client_key, &d, GNUTLS_X509_FMT_PEM,
								NULL, 0),
				 0);
		free(crt);
		free(key);
		gnutls_certificate_set_retrieve_function2(cc, client_retrieve);
	}
	assert_int_equal(gnutls_init(&c, GNUTLS_CLIENT), 0);
	ret = gnutls_priority_set_direct(c, h->client_prio ? h->client_prio : "NORMAL", &errpos);
	if (ret < 0)
		fail_msg("client priority %s at %s: %s", h->client_prio, errpos,
			 gnutls_strerror(ret));
	assert_int_equal(gnutls_credentials_set(c, GNUTLS_CRD_CERTIFICATE, cc), 0);
	gnutls_transport_set_int(c, h->fd[1]);
	assert_int_equal(pthread_create(&th, NULL, server_side, h), 0);
	do
		ret = gnutls_handshake(c);
	while (ret < 0 && !gnutls_error_is_fatal(ret));
	h->client_ret = ret;
	if (ret < 0) {
		fail_side(c, h->fd[1], ret);
	} else {
		/* TLS 1.3: the server judges the client's certificate after the client is done */
		char b;

		(void)gnutls_record_recv(c, &b, 1);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	gnutls_deinit(c);
	gnutls_certificate_free_credentials(cc);
	if (h->client_cert) {
		gnutls_pcert_deinit(&client_pcert);
		gnutls_privkey_deinit(client_key);
	}
	close(h->fd[0]);
	close(h->fd[1]);
}

static bool accepted(const struct hs *h)
{
	return h->server_ret == 0 && h->check_ret == 0 && h->client_ret == 0;
}

/* One handshake; asserts whether it is accepted. Returns the server's handshake result. */
static int expect(struct web_tls *t, const char *client_cert, const char *client_prio, bool ok,
		  const char *what)
{
	struct hs h = { .t = t, .client_cert = client_cert, .client_prio = client_prio };

	run(&h);
	/* refused by the handshake itself, not only by the check after it */
	if (accepted(&h) != ok || (!ok && h.server_ret == 0))
		fail_msg(
			"%s: client cert %s, priority %s: server %d (%s), client %d (%s), check %d "
			"(%s); expected %s",
			what, client_cert ? client_cert : "none",
			client_prio ? client_prio : "NORMAL", h.server_ret,
			h.server_ret < 0 ? gnutls_strerror(h.server_ret) : "ok", h.client_ret,
			h.client_ret < 0 ? gnutls_strerror(h.client_ret) : "ok", h.check_ret,
			h.check_err, ok ? "accepted" : "refused");
	return h.server_ret;
}

static void test_client_auth(void **state)
{
	static const struct {
		const char *policy;
		bool none, ours, other, serveronly;
	} cases[] = {
		{ "NoClientCert", true, true, true, true },
		{ "RequestClientCert", true, true, true, true },
		{ "RequireAnyClientCert", false, true, true, true },
		{ "RequireClientCert", false, true, true, true },
		{ "VerifyClientCertIfGiven", true, true, false, false },
		{ "RequireAndVerifyClientCert", false, true, false, false },
	};
	static const char *const versions[] = { "TLS12", "TLS13" };
	size_t i, v;
	int ret;

	(void)state;
	for (v = 0; v < ARRAY_LEN(versions); v++)
		for (i = 0; i < ARRAY_LEN(cases); i++) {
			bool ca = strcmp(cases[i].policy, "NoClientCert") != 0;
			struct web_tls *t = tls_ok(
				config("tls_server_config:\n" SERVER "  client_auth_type: %s\n%s"
				       "  min_version: %s\n  max_version: %s\n",
				       cases[i].policy, ca ? "  client_ca_file: ca.crt\n" : "",
				       versions[v], versions[v]));
			char what[128];

			snprintf(what, sizeof(what), "%s %s", cases[i].policy, versions[v]);
			ret = expect(t, NULL, NULL, cases[i].none, what);
			/* a required certificate is required by GnuTLS itself */
			if (!cases[i].none)
				assert_int_equal(ret, v ? GNUTLS_E_CERTIFICATE_REQUIRED :
							  GNUTLS_E_NO_CERTIFICATE_FOUND);
			expect(t, "client", NULL, cases[i].ours, what);
			expect(t, "other", NULL, cases[i].other, what);
			expect(t, "serveronly", NULL, cases[i].serveronly, what);
			web_tls__unref(t);
		}

	/* a CA file of two CAs trusts both */
	{
		struct web_tls *t = tls_ok(config("tls_server_config:\n" SERVER
						  "  client_auth_type: RequireAndVerifyClientCert\n"
						  "  client_ca_file: both.crt\n"));

		expect(t, "client", NULL, true, "two CAs");
		expect(t, "other", NULL, true, "two CAs");
		web_tls__unref(t);
	}
}

/* Without a client CA, Go verifies client certificates against the system's roots. */
static void test_verify_without_ca(void **state)
{
	struct web_tls *t;

	(void)state;
	t = tls_ok(config("tls_server_config:\n" SERVER
			  "  client_auth_type: VerifyClientCertIfGiven\n"));
	expect(t, NULL, NULL, true, "no CA, VerifyClientCertIfGiven");
	expect(t, "client", NULL, false, "no CA, VerifyClientCertIfGiven");
	web_tls__unref(t);
	t = tls_ok(config("tls_server_config:\n" SERVER
			  "  client_auth_type: RequireAndVerifyClientCert\n"));
	expect(t, NULL, NULL, false, "no CA, RequireAndVerifyClientCert");
	expect(t, "client", NULL, false, "no CA, RequireAndVerifyClientCert");
	web_tls__unref(t);
	t = tls_ok(
		config("tls_server_config:\n" SERVER "  client_auth_type: RequireAnyClientCert\n"));
	expect(t, "client", NULL, true, "no CA, RequireAnyClientCert");
	web_tls__unref(t);
}

static void test_inline_ca(void **state)
{
	char *ca = slurp("otherca.crt"), yaml[8192], *line, *save = NULL;
	size_t n;
	struct web_tls *t;

	(void)state;
	n = (size_t)snprintf(yaml, sizeof(yaml),
			     "tls_server_config:\n" SERVER
			     "  client_auth_type: RequireAndVerifyClientCert\n  client_ca: |\n");
	for (line = strtok_r(ca, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "    %s\n", line);
	free(ca);
	t = tls_ok(config("%s", yaml));
	expect(t, "other", NULL, true, "inline CA");
	expect(t, "client", NULL, false, "inline CA");
	expect(t, NULL, NULL, false, "inline CA");
	web_tls__unref(t);
}

static void test_inline_server_pem(void **state)
{
	char *crt = slurp("server.crt"), *key = slurp("server.key"), yaml[16384], *line,
	     *save = NULL;
	size_t n;
	struct web_tls *t;
	const char *const *files;

	(void)state;
	n = (size_t)snprintf(yaml, sizeof(yaml), "tls_server_config:\n  cert: |\n");
	for (line = strtok_r(crt, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "    %s\n", line);
	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "  key: |\n");
	for (line = strtok_r(key, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "    %s\n", line);
	free(crt);
	free(key);
	t = tls_ok(config("%s", yaml));
	files = web_tls__files(t, &n);
	assert_int_equal(n, 3);
	assert_null(files[0]);
	assert_null(files[1]);
	assert_null(files[2]);
	assert_non_null(strstr(web_tls__cert_pem(t), "BEGIN CERTIFICATE"));
	assert_non_null(strstr(web_tls__key_pem(t), "PRIVATE KEY"));
	expect(t, NULL, NULL, true, "inline cert and key");
	web_tls__unref(t);

	/* an inline key that does not match the certificate file */
	key = slurp("client.key");
	n = (size_t)snprintf(yaml, sizeof(yaml),
			     "tls_server_config:\n  cert_file: server.crt\n  key: |\n");
	for (line = strtok_r(key, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "    %s\n", line);
	free(key);
	tls_fails(config("%s", yaml), -EINVAL,
		  "tls_server_config.key: the private key does not match the certificate");
}

static void test_sans(void **state)
{
	static const struct {
		const char *policy, *sans, *cert;
		bool ok;
	} cases[] = {
		{ "RequireAndVerifyClientCert", "[client.example]", "client", true },
		{ "RequireAndVerifyClientCert", "[nope, 127.0.0.1]", "client", true },
		{ "RequireAndVerifyClientCert", "[\"2001:db8::1\"]", "client", true },
		/* Go prints IPv6 addresses compressed */
		{ "RequireAndVerifyClientCert", "[\"2001:db8:0:0:0:0:0:1\"]", "client", false },
		/* the first of two equal runs of zeros is the one compressed */
		{ "RequireAndVerifyClientCert", "[\"2001::1:0:0:1:1\"]", "client", true },
		{ "RequireAndVerifyClientCert", "[\"2001:0:0:1::1:1\"]", "client", false },
		/* an IPv4-mapped address is printed as IPv4 */
		{ "RequireAndVerifyClientCert", "[10.1.2.3]", "client", true },
		{ "RequireAndVerifyClientCert", "[\"::ffff:10.1.2.3\"]", "client", false },
		{ "RequireAndVerifyClientCert", "[\"::ffff:a01:203\"]", "client", false },
		{ "RequireAndVerifyClientCert", "[client@example.com]", "client", true },
		/* a URI as Go prints it: its scheme in lower case */
		{ "RequireAndVerifyClientCert", "[\"spiffe://example.org/client\"]", "client",
		  true },
		{ "RequireAndVerifyClientCert", "[\"SPIFFE://example.org/client\"]", "client",
		  false },
		/* exact matches only; the subject's CN is no SAN */
		{ "RequireAndVerifyClientCert", "[CLIENT.EXAMPLE, example, client]", "client",
		  false },
		{ "RequireAndVerifyClientCert", "[]", "client", false },
		{ "RequireAndVerifyClientCert", "[plain]", "plain", false },
		{ "RequireAndVerifyClientCert", "[client.example]", NULL, false },
		/* checked whether or not the policy verifies the chain */
		{ "RequireAnyClientCert", "[other.example]", "other", true },
		{ "RequireAnyClientCert", "[client.example]", "other", false },
		{ "RequestClientCert", "[client.example]", "client", true },
		{ "RequestClientCert", "[client.example]", "other", false },
		{ "RequestClientCert", "[client.example]", NULL, false },
		{ "VerifyClientCertIfGiven", "[client.example]", NULL, false },
		{ "VerifyClientCertIfGiven", "[client.example]", "client", true },
		/* no certificate is asked for: nothing to check, as in Go */
		{ "NoClientCert", "[client.example]", NULL, true },
	};
	static const char *const versions[] = { "TLS12", "TLS13" };
	size_t i, v;

	(void)state;
	for (v = 0; v < ARRAY_LEN(versions); v++)
		for (i = 0; i < ARRAY_LEN(cases); i++) {
			bool ca = strcmp(cases[i].policy, "NoClientCert") != 0;
			struct web_tls *t = tls_ok(
				config("tls_server_config:\n" SERVER "  client_auth_type: %s\n%s"
				       "  client_allowed_sans: %s\n  max_version: %s\n",
				       cases[i].policy, ca ? "  client_ca_file: both.crt\n" : "",
				       cases[i].sans, versions[v]));
			char what[256];

			snprintf(what, sizeof(what), "case %zu: %s %s %s", i, cases[i].policy,
				 cases[i].sans, versions[v]);
			expect(t, cases[i].cert, NULL, cases[i].ok, what);
			web_tls__unref(t);
		}
}

static void test_check_session(void **state)
{
	static const struct {
		const char *loose, *strict, *cert, *prio, *msg;
	} cases[] = {
		{ "  client_auth_type: RequireAnyClientCert\n",
		  "  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: [nope]\n",
		  "client", NULL, "client certificate has no SAN in client_allowed_sans" },
		{ "  client_auth_type: RequestClientCert\n",
		  "  client_auth_type: RequestClientCert\n  client_allowed_sans: [client.example]\n",
		  NULL, NULL, "the client sent no certificate and client_allowed_sans is set" },
		{ "  client_auth_type: RequestClientCert\n",
		  "  client_auth_type: RequireAnyClientCert\n", NULL, NULL,
		  "the client sent no certificate" },
		{ "  client_auth_type: RequestClientCert\n",
		  "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n",
		  "other", NULL,
		  "the client certificate is not trusted: The certificate is NOT trusted. The "
		  "certificate issuer is unknown." },
		{ "  max_version: TLS12\n",
		  "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA]\n", NULL,
		  "NORMAL:-CIPHER-ALL:+AES-128-GCM",
		  "cipher suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 is not in cipher_suites" },
	};
	size_t i;

	(void)state;
	/* sessions accepted by one configuration, checked against a stricter one */
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct web_tls *loose =
			tls_ok(config("tls_server_config:\n" SERVER "%s", cases[i].loose));
		struct web_tls *strict =
			tls_ok(config("tls_server_config:\n" SERVER "%s", cases[i].strict));
		struct hs h = { .t = loose,
				.client_cert = cases[i].cert,
				.client_prio = cases[i].prio };

		run(&h);
		assert_int_equal(h.server_ret, 0);
		assert_int_equal(h.check_ret, 0);
		h.check_t = strict;
		run(&h);
		assert_int_equal(h.server_ret, 0);
		assert_int_equal(h.check_ret, -EACCES);
		if (strcmp(h.check_err, cases[i].msg))
			fail_msg("case %zu: \"%s\", want \"%s\"", i, h.check_err, cases[i].msg);
		web_tls__unref(strict);
		web_tls__unref(loose);
	}
}

static void test_versions(void **state)
{
	struct web_tls *t;
	struct hs h = { 0 };

	(void)state;
	t = tls_ok(config("tls_server_config:\n" SERVER "  min_version: TLS13\n"));
	expect(t, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2", false, "TLS13 only, TLS1.2 client");
	h.t = t;
	run(&h);
	assert_true(accepted(&h));
	assert_int_equal(h.version, GNUTLS_TLS1_3);
	web_tls__unref(t);

	t = tls_ok(config("tls_server_config:\n" SERVER "  max_version: TLS12\n"));
	memset(&h, 0, sizeof(h));
	h.t = t;
	run(&h);
	assert_true(accepted(&h));
	assert_int_equal(h.version, GNUTLS_TLS1_2);
	expect(t, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.3", false, "TLS12 at most, TLS1.3 client");
	web_tls__unref(t);

	/* the default: TLS 1.2 and 1.3, not 1.1 */
	t = tls_ok(config("tls_server_config:\n" SERVER));
	expect(t, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2", true, "default, TLS1.2 client");
	expect(t, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0", false,
	       "default, TLS1.1 client");
	memset(&h, 0, sizeof(h));
	h.t = t;
	run(&h);
	assert_int_equal(h.version, GNUTLS_TLS1_3);
	web_tls__unref(t);
}

static void test_curves(void **state)
{
	struct web_tls *t;
	struct hs h = { 0 };

	(void)state;
	t = tls_ok(config("tls_server_config:\n" SERVER "  curve_preferences: [CurveP384]\n"));
	expect(t, NULL, "NORMAL:-GROUP-ALL:+GROUP-SECP256R1:+GROUP-X25519", false,
	       "P-384 only, client without it");
	h.t = t;
	h.client_prio = "NORMAL:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP384R1";
	run(&h);
	assert_true(accepted(&h));
	assert_int_equal(h.group, GNUTLS_GROUP_SECP384R1);
	web_tls__unref(t);
}

static void test_cipher_suites(void **state)
{
	struct web_tls *t;
	struct hs h = { 0 };
	const char *tls12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2";

	(void)state;
	t = tls_ok(config("tls_server_config:\n" SERVER
			  "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n"));
	/*
	 * AES-256-GCM stays in the priority string for TLS 1.3, so GnuTLS alone would agree on
	 * TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 with this client: the suite check refuses it.
	 */
	assert_int_equal(expect(t, NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM",
				false, "suite outside the list"),
			 GNUTLS_E_NO_CIPHER_SUITES);
	assert_int_equal(expect(t, NULL,
				"NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305",
				false, "suite outside the list"),
			 GNUTLS_E_NO_CIPHER_SUITES);
	h.t = t;
	h.client_prio = tls12;
	run(&h);
	assert_true(accepted(&h));
	assert_string_equal(h.suite, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
	/* TLS 1.3 suites are not configurable: any of them is fine */
	memset(&h, 0, sizeof(h));
	h.t = t;
	h.client_prio = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM";
	run(&h);
	assert_true(accepted(&h));
	assert_string_equal(h.suite, "TLS_AES_256_GCM_SHA384");
	web_tls__unref(t);

	/* the server's order when prefer_server_cipher_suites */
	t = tls_ok(config("tls_server_config:\n" SERVER "  max_version: TLS12\n"
			  "  cipher_suites:\n  - TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA\n"
			  "  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"));
	memset(&h, 0, sizeof(h));
	h.t = t;
	run(&h);
	assert_true(accepted(&h));
	assert_string_equal(h.suite, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA");
	expect(t, NULL, "NORMAL:-CIPHER-ALL:+AES-256-GCM", false, "no common suite");
	web_tls__unref(t);

	/* an RSA certificate with RSA suites */
	t = tls_ok(config("tls_server_config:\n  cert_file: rsaserver.crt\n"
			  "  key_file: rsaserver.key\n  max_version: TLS12\n"
			  "  cipher_suites: [TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]\n"));
	memset(&h, 0, sizeof(h));
	h.t = t;
	run(&h);
	assert_true(accepted(&h));
	assert_string_equal(h.suite, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
	web_tls__unref(t);
	/* an ECDSA suite cannot be used with an RSA key */
	t = tls_ok(config("tls_server_config:\n  cert_file: rsaserver.crt\n"
			  "  key_file: rsaserver.key\n  max_version: TLS12\n"
			  "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n"));
	expect(t, NULL, NULL, false, "ECDSA suite, RSA key");
	web_tls__unref(t);
}

/* A session keeps its web_tls alive after the configuration that made it is gone. */
static void test_reference(void **state)
{
	struct web_tls *t = tls_ok(config("tls_server_config:\n" SERVER));
	struct hs h = { 0 };

	(void)state;
	h.t = web_tls__ref(t);
	web_tls__unref(t);
	run(&h);
	assert_true(accepted(&h));
	web_tls__unref(h.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_files_and_pem),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_client_auth),
		cmocka_unit_test(test_inline_ca),
		cmocka_unit_test(test_verify_without_ca),
		cmocka_unit_test(test_inline_server_pem),
		cmocka_unit_test(test_sans),
		cmocka_unit_test(test_check_session),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_curves),
		cmocka_unit_test(test_cipher_suites),
		cmocka_unit_test(test_reference),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
