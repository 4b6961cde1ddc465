// SPDX-License-Identifier: MIT
/*
 * The TLS state of a web configuration, with GnuTLS. The checks Go's crypto/tls makes for the
 * exporter toolkit are made here in GnuTLS terms: the client certificate request mode and a
 * verify function (the chain against the client CA, for client authentication, and the SANs
 * against client_allowed_sans), and, since a GnuTLS priority string names algorithms rather
 * than suites, a check of the suite the server picks against cipher_suites.
 */
#include "web/tls.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>

#include "util/buf.h"
#include "util/file.h"
#include "util/gofmt.h"

/* Certificates and keys are small; a bigger file is not one. */
#define PEM_MAX_SIZE ((size_t)16 << 20)

struct web_tls {
	atomic_int refs;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	char *prio_str;
	char *cert_pem, *key_pem;
	size_t key_len;
	char *files[3]; /* cert, key, client CA; NULL when inline or absent */
	enum web_client_auth auth;
	bool hide_ca_names; /* the trust list is the system's: its names are not sent */
	char **sans;
	size_t n_sans;
	bool sans_set;
	uint16_t *suites;
	size_t n_suites;
};

/* How the TLS 1.0-1.2 suites Go accepts are named in a GnuTLS priority string. */
static const struct {
	uint16_t id;
	const char *kx, *cipher, *mac;
} suite_parts[] = {
	{ 0xc009, "ECDHE-ECDSA", "AES-128-CBC", "SHA1" },
	{ 0xc00a, "ECDHE-ECDSA", "AES-256-CBC", "SHA1" },
	{ 0xc013, "ECDHE-RSA", "AES-128-CBC", "SHA1" },
	{ 0xc014, "ECDHE-RSA", "AES-256-CBC", "SHA1" },
	{ 0xc02b, "ECDHE-ECDSA", "AES-128-GCM", "AEAD" },
	{ 0xc02c, "ECDHE-ECDSA", "AES-256-GCM", "AEAD" },
	{ 0xc02f, "ECDHE-RSA", "AES-128-GCM", "AEAD" },
	{ 0xc030, "ECDHE-RSA", "AES-256-GCM", "AEAD" },
	{ 0xcca8, "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	{ 0xcca9, "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD" },
};

/* The ciphers of Go's TLS 1.3 suites, which are not configurable and stay enabled. */
static const char *const tls13_ciphers[] = { "AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305" };

static bool is_tls13_suite(uint16_t id)
{
	return (id >> 8) == 0x13;
}

static void set_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return;
	n = snprintf(err, errlen, "web config \"%s\": ", path ? path : "");
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void free_secret(char *s, size_t len)
{
	if (s) {
		explicit_bzero(s, len);
		free(s);
	}
}

void web_tls__unref(struct web_tls *t)
{
	size_t i;

	if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	if (t->prio)
		gnutls_priority_deinit(t->prio);
	free(t->prio_str);
	free(t->cert_pem);
	free_secret(t->key_pem, t->key_len);
	for (i = 0; i < 3; i++)
		free(t->files[i]);
	for (i = 0; i < t->n_sans; i++)
		free(t->sans[i]);
	free(t->sans);
	free(t->suites);
	free(t);
}

struct web_tls *web_tls__ref(struct web_tls *t)
{
	if (t)
		atomic_fetch_add(&t->refs, 1);
	return t;
}

const char *const *web_tls__files(const struct web_tls *t, size_t *n)
{
	*n = 3;
	return (const char *const *)t->files;
}

const char *web_tls__cert_pem(const struct web_tls *t)
{
	return t->cert_pem;
}

const char *web_tls__key_pem(const struct web_tls *t)
{
	return t->key_pem;
}

const char *web_tls__priorities(const struct web_tls *t)
{
	return t->prio_str;
}

/*
 * The PEM text of a file (path set) or of an inline value. Returns 0 and *out (*len bytes,
 * NUL-terminated), or a negative errno with the message.
 */
static int read_pem(const struct web_config *cfg, const char *key, const char *path,
		    const char *inline_pem, char **out, size_t *len, char *err, size_t errlen)
{
	struct buf b = { 0 };
	const char *op = NULL;
	int ret;

	*out = NULL;
	*len = 0;
	if (!path) {
		*out = strdup(inline_pem);
		if (!*out) {
			set_err(err, errlen, cfg->path, "out of memory");
			return -ENOMEM;
		}
		*len = strlen(inline_pem);
		return 0;
	}
	ret = file_read_all(path, PEM_MAX_SIZE, &b, &op);
	if (ret) {
		struct buf m = { 0 };

		if (ret == -EFBIG)
			buf_printf(&m, "%s is larger than %zu bytes", path, PEM_MAX_SIZE);
		else if (op)
			gofmt_buf_path_error(&m, op, path, -ret);
		set_err(err, errlen, cfg->path, "tls_server_config.%s: %s", key,
			m.data ? m.data : "out of memory");
		buf_free(&m);
		if (b.data)
			explicit_bzero(b.data, b.len);
		buf_free(&b);
		return ret;
	}
	if (!b.data && buf_puts(&b, "")) {
		set_err(err, errlen, cfg->path, "out of memory");
		return -ENOMEM;
	}
	if (memchr(b.data, 0, b.len)) {
		set_err(err, errlen, cfg->path, "tls_server_config.%s: %s is not PEM text", key,
			path);
		explicit_bzero(b.data, b.len);
		buf_free(&b);
		return -EINVAL;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

/* What a gnutls error code means, in a few words. */
static const char *gt_err(int code)
{
	return gnutls_strerror(code);
}

static int load_cert_key(struct web_tls *t, const struct web_config *cfg, char *err, size_t errlen)
{
	const char *cert_key = cfg->cert_file ? "cert_file" : "cert";
	const char *key_key = cfg->key_file ? "key_file" : "key";
	const char *cert_src = cfg->cert_file ? cfg->cert_file : "the inline PEM";
	const char *key_src = cfg->key_file ? cfg->key_file : "the inline PEM";
	gnutls_x509_crt_t *crts = NULL;
	gnutls_x509_privkey_t pk = NULL;
	gnutls_datum_t cd, kd;
	size_t cert_len;
	unsigned int n = 0, i;
	int ret;

	ret = read_pem(cfg, cert_key, cfg->cert_file, cfg->cert, &t->cert_pem, &cert_len, err,
		       errlen);
	if (!ret)
		ret = read_pem(cfg, key_key, cfg->key_file, cfg->key, &t->key_pem, &t->key_len, err,
			       errlen);
	if (ret)
		return ret;
	cd.data = (unsigned char *)t->cert_pem;
	cd.size = (unsigned int)cert_len;
	kd.data = (unsigned char *)t->key_pem;
	kd.size = (unsigned int)t->key_len;

	/* Each half alone first, so that a bad one is named. */
	if (!strstr(t->cert_pem, "-----BEGIN ")) {
		set_err(err, errlen, cfg->path, "tls_server_config.%s: %s has no PEM data",
			cert_key, cert_src);
		return -EINVAL;
	}
	if (!strstr(t->key_pem, "-----BEGIN ")) {
		set_err(err, errlen, cfg->path, "tls_server_config.%s: %s has no PEM data", key_key,
			key_src);
		return -EINVAL;
	}
	ret = gnutls_x509_crt_list_import2(&crts, &n, &cd, GNUTLS_X509_FMT_PEM, 0);
	if (ret < 0 || !n) {
		set_err(err, errlen, cfg->path,
			"tls_server_config.%s: no PEM certificate could be read from %s: %s",
			cert_key, cert_src, ret < 0 ? gt_err(ret) : "no certificate found");
		if (ret >= 0)
			gnutls_free(crts);
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	ret = gnutls_x509_privkey_init(&pk);
	if (ret < 0) {
		set_err(err, errlen, cfg->path, "out of memory");
		return -ENOMEM;
	}
	ret = gnutls_x509_privkey_import2(pk, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_x509_privkey_deinit(pk);
	if (ret < 0) {
		set_err(err, errlen, cfg->path,
			"tls_server_config.%s: no PEM private key could be read from %s: %s",
			key_key, key_src, gt_err(ret));
		return -EINVAL;
	}

	ret = gnutls_certificate_set_x509_key_mem2(t->cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (ret == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
		set_err(err, errlen, cfg->path,
			"tls_server_config.%s: the private key does not match the certificate",
			key_key);
		return -EINVAL;
	}
	if (ret < 0) {
		set_err(err, errlen, cfg->path,
			"tls_server_config: the certificate and key cannot be used: %s",
			gt_err(ret));
		return -EINVAL;
	}
	return 0;
}

static int load_client_ca(struct web_tls *t, const struct web_config *cfg, char *err, size_t errlen)
{
	const char *key = cfg->client_ca_file ? "client_ca_file" : "client_ca";
	const char *src = cfg->client_ca_file ? cfg->client_ca_file : "the inline PEM";
	gnutls_x509_trust_list_t tl;
	gnutls_datum_t d;
	char *pem;
	size_t len;
	int ret;

	ret = read_pem(cfg, key, cfg->client_ca_file, cfg->client_ca, &pem, &len, err, errlen);
	if (ret)
		return ret;
	ret = gnutls_x509_trust_list_init(&tl, 0);
	if (ret < 0) {
		free(pem);
		set_err(err, errlen, cfg->path, "out of memory");
		return -ENOMEM;
	}
	d.data = (unsigned char *)pem;
	d.size = (unsigned int)len;
	ret = gnutls_x509_trust_list_add_trust_mem(tl, &d, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
	free(pem);
	if (ret <= 0) {
		gnutls_x509_trust_list_deinit(tl, 1);
		set_err(err, errlen, cfg->path,
			"tls_server_config.%s: no PEM certificate could be read from %s%s%s", key,
			src, ret < 0 ? ": " : "", ret < 0 ? gt_err(ret) : "");
		return -EINVAL;
	}
	/* The credentials own the list from here on. */
	gnutls_certificate_set_trust_list(t->cred, tl, 0);
	return 0;
}

static int add_unique(const char **set, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(set[i], s))
			return 0;
	set[(*n)++] = s;
	return 1;
}

static const char *group_name(uint16_t id)
{
	switch (id) {
	case 23:
		return "GROUP-SECP256R1";
	case 24:
		return "GROUP-SECP384R1";
	case 25:
		return "GROUP-SECP521R1";
	case 29:
		return "GROUP-X25519";
	}
	return NULL;
}

/*
 * The priority string: NORMAL restricted to the versions min..max, to the key exchanges,
 * ciphers and MACs of cipher_suites (plus the TLS 1.3 ciphers when TLS 1.3 is enabled), to
 * curve_preferences in their order, and with the server's order when
 * prefer_server_cipher_suites.
 */
static int build_priorities(struct web_tls *t, const struct web_config *cfg, char *err,
			    size_t errlen)
{
	const char *kx[8], *ciphers[16], *macs[4];
	size_t n_kx = 0, n_ciphers = 0, n_macs = 0, i, j;
	struct buf b = { 0 };
	const char *errpos = NULL;
	int v, ret = 0;

	ret = buf_puts(&b, "NORMAL:-VERS-ALL");
	for (v = (int)cfg->max_version; !ret && v >= (int)cfg->min_version; v--)
		ret = buf_printf(&b, ":+VERS-TLS1.%d", v - 10);
	if (!ret && cfg->n_cipher_suites) {
		bool has12 = false;

		for (i = 0; i < cfg->n_cipher_suites; i++)
			for (j = 0; j < sizeof(suite_parts) / sizeof(suite_parts[0]); j++)
				if (suite_parts[j].id == cfg->cipher_suites[i]) {
					has12 = true;
					add_unique(kx, &n_kx, suite_parts[j].kx);
					add_unique(ciphers, &n_ciphers, suite_parts[j].cipher);
					add_unique(macs, &n_macs, suite_parts[j].mac);
				}
		if (!has12 && cfg->max_version < WEB_TLS13) {
			buf_free(&b);
			set_err(err, errlen, cfg->path,
				"tls_server_config.cipher_suites: no suite for TLS 1.2 or older, "
				"and max_version is %s (TLS 1.3 suites are not configurable)",
				cfg->max_version == WEB_TLS12 ? "TLS12" :
				cfg->max_version == WEB_TLS11 ? "TLS11" :
								"TLS10");
			return -EINVAL;
		}
		if (cfg->max_version >= WEB_TLS13) {
			for (i = 0; i < 3; i++)
				add_unique(ciphers, &n_ciphers, tls13_ciphers[i]);
			add_unique(macs, &n_macs, "AEAD");
		}
		ret = buf_puts(&b, ":-KX-ALL");
		for (i = 0; !ret && i < n_kx; i++)
			ret = buf_printf(&b, ":+%s", kx[i]);
		if (!ret)
			ret = buf_puts(&b, ":-CIPHER-ALL");
		for (i = 0; !ret && i < n_ciphers; i++)
			ret = buf_printf(&b, ":+%s", ciphers[i]);
		if (!ret)
			ret = buf_puts(&b, ":-MAC-ALL");
		for (i = 0; !ret && i < n_macs; i++)
			ret = buf_printf(&b, ":+%s", macs[i]);
	}
	if (!ret && cfg->n_curves) {
		ret = buf_puts(&b, ":-GROUP-ALL");
		for (i = 0; !ret && i < cfg->n_curves; i++)
			if (group_name(cfg->curves[i]))
				ret = buf_printf(&b, ":+%s", group_name(cfg->curves[i]));
	}
	if (!ret && cfg->prefer_server_cipher_suites)
		ret = buf_puts(&b, ":%SERVER_PRECEDENCE");
	if (ret) {
		buf_free(&b);
		set_err(err, errlen, cfg->path, "out of memory");
		return -ENOMEM;
	}
	t->prio_str = b.data;
	ret = gnutls_priority_init2(&t->prio, t->prio_str, &errpos, 0);
	if (ret < 0) {
		t->prio = NULL;
		set_err(err, errlen, cfg->path,
			"tls_server_config: GnuTLS refuses the priority string \"%s\" at offset "
			"%td (\"%s\"): %s",
			t->prio_str, errpos ? errpos - t->prio_str : (ptrdiff_t)-1,
			errpos ? errpos : "", gt_err(ret));
		return -EINVAL;
	}
	return 0;
}

int web_tls__new(const struct web_config *cfg, struct web_tls **out, char *err, size_t errlen)
{
	struct web_tls *t;
	size_t i;
	int ret;

	*out = NULL;
	if (!cfg->cert_file && !cfg->cert) {
		set_err(err, errlen, cfg->path,
			"tls_server_config: missing one of cert or cert_file");
		return -EINVAL;
	}
	if (!cfg->key_file && !cfg->key) {
		set_err(err, errlen, cfg->path,
			"tls_server_config: missing one of key or key_file");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		set_err(err, errlen, cfg->path, "out of memory");
		return -ENOMEM;
	}
	atomic_init(&t->refs, 1);
	t->auth = cfg->client_auth;
	ret = gnutls_certificate_allocate_credentials(&t->cred);
	if (ret < 0) {
		t->cred = NULL;
		set_err(err, errlen, cfg->path, "out of memory");
		web_tls__unref(t);
		return -ENOMEM;
	}
	if ((cfg->cert_file && !(t->files[0] = strdup(cfg->cert_file))) ||
	    (cfg->key_file && !(t->files[1] = strdup(cfg->key_file))) ||
	    (cfg->client_ca_file && !(t->files[2] = strdup(cfg->client_ca_file)))) {
		set_err(err, errlen, cfg->path, "out of memory");
		web_tls__unref(t);
		return -ENOMEM;
	}

	ret = load_cert_key(t, cfg, err, errlen);
	if (!ret && (cfg->client_ca_file || cfg->client_ca)) {
		ret = load_client_ca(t, cfg, err, errlen);
		if (!ret && cfg->client_auth == WEB_CLIENT_AUTH_NONE) {
			set_err(err, errlen, cfg->path,
				"tls_server_config: %s is set but client_auth_type is NoClientCert "
				"(a client CA needs a client_auth_type that asks for client "
				"certificates, such as RequireAndVerifyClientCert)",
				cfg->client_ca_file ? "client_ca_file" : "client_ca");
			ret = -EINVAL;
		}
	} else if (!ret && (cfg->client_auth == WEB_CLIENT_AUTH_VERIFY_IF_GIVEN ||
			    cfg->client_auth == WEB_CLIENT_AUTH_REQUIRE_VERIFY)) {
		/* Go verifies against the system's roots when no client CA is given. */
		if (gnutls_certificate_set_x509_system_trust(t->cred) < 0) {
			/* No system roots: no certificate verifies. */
		}
		t->hide_ca_names = true;
	}
	if (!ret)
		ret = build_priorities(t, cfg, err, errlen);
	if (!ret && cfg->client_allowed_sans_set) {
		t->sans_set = true;
		t->sans = calloc(cfg->n_client_allowed_sans ? cfg->n_client_allowed_sans : 1,
				 sizeof(char *));
		if (!t->sans)
			ret = -ENOMEM;
		for (i = 0; !ret && i < cfg->n_client_allowed_sans; i++) {
			t->sans[i] = strdup(cfg->client_allowed_sans[i]);
			if (!t->sans[i])
				ret = -ENOMEM;
			else
				t->n_sans++;
		}
		if (ret)
			set_err(err, errlen, cfg->path, "out of memory");
	}
	if (!ret && cfg->n_cipher_suites) {
		t->suites = calloc(cfg->n_cipher_suites, sizeof(uint16_t));
		if (!t->suites) {
			set_err(err, errlen, cfg->path, "out of memory");
			ret = -ENOMEM;
		} else {
			memcpy(t->suites, cfg->cipher_suites,
			       cfg->n_cipher_suites * sizeof(uint16_t));
			t->n_suites = cfg->n_cipher_suites;
		}
	}
	if (ret) {
		web_tls__unref(t);
		return ret;
	}
	*out = t;
	return 0;
}

/* ---- sessions ---- */

static bool policy_verifies(enum web_client_auth a)
{
	return a == WEB_CLIENT_AUTH_VERIFY_IF_GIVEN || a == WEB_CLIENT_AUTH_REQUIRE_VERIFY;
}

static bool policy_requires(enum web_client_auth a)
{
	return a == WEB_CLIENT_AUTH_REQUIRE_ANY || a == WEB_CLIENT_AUTH_REQUIRE_VERIFY;
}

/* An IP address as Go's net.IP.String() prints it. */
static int format_ip(struct buf *b, const unsigned char *ip, size_t len)
{
	static const unsigned char v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	int best = -1, best_len = 0, i, j, err = 0;

	if (len == 16 && !memcmp(ip, v4_prefix, 12)) {
		ip += 12;
		len = 4;
	}
	if (len == 4)
		return buf_printf(b, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
	if (len != 16)
		return buf_puts(b, "?");
	/* The first longest run of two or more zero groups becomes "::". */
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && !ip[2 * j] && !ip[2 * j + 1]; j++)
			;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
	}
	for (i = 0; i < 8 && !err; i++) {
		if (i == best) {
			err = buf_puts(b, "::");
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			err = buf_putc(b, ':');
		if (!err)
			err = buf_printf(b, "%x", (unsigned)(ip[2 * i] << 8 | ip[2 * i + 1]));
	}
	return err;
}

/* A URI as Go prints a parsed one: the scheme in lower case, the rest as written. */
static int format_uri(struct buf *b, const unsigned char *s, size_t len)
{
	size_t i, colon = len;
	int err = 0;

	for (i = 0; i < len; i++) {
		char c = (char)s[i];

		if (c == ':') {
			colon = i;
			break;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
			break;
	}
	for (i = 0; i < len && !err; i++) {
		char c = (char)s[i];

		if (i < colon && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		err = buf_putc(b, c);
	}
	return err;
}

/*
 * Whether the DER certificate has a DNS, e-mail, IP or URI SAN that is one of t's, compared
 * exactly as Go prints them. Returns 1, 0, or a negative GnuTLS error.
 */
static int sans_match(const struct web_tls *t, const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;
	gnutls_subject_alt_names_t sans = NULL;
	gnutls_datum_t ext = { 0 };
	unsigned int critical, i, type;
	int ret, found = 0;

	ret = gnutls_x509_crt_init(&crt);
	if (ret < 0)
		return ret;
	ret = gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER);
	if (ret < 0)
		goto out;
	ret = gnutls_x509_crt_get_extension_by_oid2(crt, GNUTLS_X509EXT_OID_SAN, 0, &ext,
						    &critical);
	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
		ret = 0;
		goto out;
	}
	if (ret < 0)
		goto out;
	ret = gnutls_subject_alt_names_init(&sans);
	if (ret < 0)
		goto out;
	ret = gnutls_x509_ext_import_subject_alt_names(&ext, sans, 0);
	if (ret < 0)
		goto out;
	for (i = 0; !found; i++) {
		gnutls_datum_t san = { 0 }, oid = { 0 };
		struct buf b = { 0 };
		size_t k;

		ret = gnutls_subject_alt_names_get(sans, i, &type, &san, &oid);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
			ret = 0;
			break;
		}
		if (ret < 0)
			goto out;
		switch (type) {
		case GNUTLS_SAN_DNSNAME:
		case GNUTLS_SAN_RFC822NAME:
			ret = buf_append(&b, san.data, san.size);
			break;
		case GNUTLS_SAN_IPADDRESS:
			ret = format_ip(&b, san.data, san.size);
			break;
		case GNUTLS_SAN_URI:
			ret = format_uri(&b, san.data, san.size);
			break;
		default:
			continue;
		}
		if (ret) {
			buf_free(&b);
			ret = GNUTLS_E_MEMORY_ERROR;
			goto out;
		}
		for (k = 0; k < t->n_sans && !found; k++)
			if (strlen(t->sans[k]) == b.len &&
			    !memcmp(t->sans[k], b.data ? b.data : "", b.len))
				found = 1;
		buf_free(&b);
	}
out:
	if (sans)
		gnutls_subject_alt_names_deinit(sans);
	gnutls_free(ext.data);
	gnutls_x509_crt_deinit(crt);
	return ret < 0 ? ret : found;
}

/* The chain of the peer against the credentials' trust list, for client authentication. */
static int verify_chain(gnutls_session_t session, unsigned int *status)
{
	gnutls_typed_vdata_st data = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
	};

	return gnutls_certificate_verify_peers(session, &data, 1, status);
}

/*
 * Checks the peer of a server session against t. Returns 0, or a negative errno with the
 * reason in why.
 */
static int check_peer(const struct web_tls *t, gnutls_session_t session, struct buf *why)
{
	const gnutls_datum_t *certs;
	unsigned int n = 0, status = 0;
	int ret;

	if (t->auth == WEB_CLIENT_AUTH_NONE)
		return 0;
	certs = gnutls_certificate_get_peers(session, &n);
	if (!certs || !n) {
		if (policy_requires(t->auth)) {
			buf_puts(why, "the client sent no certificate");
			return -EACCES;
		}
		if (t->sans_set) {
			buf_puts(why,
				 "the client sent no certificate and client_allowed_sans is set");
			return -EACCES;
		}
		return 0;
	}
	if (policy_verifies(t->auth)) {
		ret = verify_chain(session, &status);
		if (ret < 0) {
			buf_printf(why, "the client certificate cannot be verified: %s",
				   gnutls_strerror(ret));
			return -EACCES;
		}
		if (status) {
			gnutls_datum_t text = { 0 };

			if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
									 &text, 0) >= 0 &&
			    text.data) {
				size_t len = strlen((const char *)text.data);

				while (len && text.data[len - 1] == ' ')
					len--;
				buf_printf(why, "the client certificate is not trusted: %.*s",
					   (int)len, (const char *)text.data);
				gnutls_free(text.data);
			} else {
				buf_puts(why, "the client certificate is not trusted");
			}
			return -EACCES;
		}
	}
	if (t->sans_set) {
		ret = sans_match(t, &certs[0]);
		if (ret < 0) {
			buf_printf(why, "the client certificate cannot be read: %s",
				   gnutls_strerror(ret));
			return -EACCES;
		}
		if (!ret) {
			buf_puts(why, "client certificate has no SAN in client_allowed_sans");
			return -EACCES;
		}
	}
	return 0;
}

static int verify_cb(gnutls_session_t session)
{
	const struct web_tls *t = gnutls_db_get_ptr(session);
	struct buf why = { 0 };
	int ret;

	if (!t)
		return -1;
	ret = check_peer(t, session, &why);
	buf_free(&why);
	return ret ? -1 : 0;
}

static bool suite_allowed(const struct web_tls *t, uint16_t id)
{
	size_t i;

	if (!t->n_suites || is_tls13_suite(id))
		return true;
	for (i = 0; i < t->n_suites; i++)
		if (t->suites[i] == id)
			return true;
	return false;
}

/*
 * The ServerHello the server is about to send names the suite it picked (after the version,
 * the random and the session id): anything outside cipher_suites ends the handshake before
 * the message goes out.
 */
static int server_hello_hook(gnutls_session_t session, unsigned int htype, unsigned int when,
			     unsigned int incoming, const gnutls_datum_t *msg)
{
	const struct web_tls *t = gnutls_db_get_ptr(session);
	size_t off;
	uint16_t id;

	if (htype != GNUTLS_HANDSHAKE_SERVER_HELLO || incoming || !t || !t->n_suites)
		return 0;
	if (!msg || msg->size < 35)
		return GNUTLS_E_UNEXPECTED_PACKET_LENGTH;
	off = 35 + (size_t)msg->data[34];
	if (msg->size < off + 2)
		return GNUTLS_E_UNEXPECTED_PACKET_LENGTH;
	id = (uint16_t)(msg->data[off] << 8 | msg->data[off + 1]);
	return suite_allowed(t, id) ? 0 : GNUTLS_E_NO_CIPHER_SUITES;
}

int web_tls__setup_session(struct web_tls *t, gnutls_session_t session)
{
	gnutls_certificate_request_t req = GNUTLS_CERT_IGNORE;
	int ret;

	if (!t || !session)
		return -EINVAL;
	ret = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (ret < 0)
		return ret == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	ret = gnutls_priority_set(session, t->prio);
	if (ret < 0)
		return ret == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	gnutls_db_set_ptr(session, t);
	switch (t->auth) {
	case WEB_CLIENT_AUTH_NONE:
		req = GNUTLS_CERT_IGNORE;
		break;
	case WEB_CLIENT_AUTH_REQUEST:
	case WEB_CLIENT_AUTH_VERIFY_IF_GIVEN:
		req = GNUTLS_CERT_REQUEST;
		break;
	case WEB_CLIENT_AUTH_REQUIRE_ANY:
	case WEB_CLIENT_AUTH_REQUIRE_VERIFY:
		req = GNUTLS_CERT_REQUIRE;
		break;
	}
	gnutls_certificate_server_set_request(session, req);
	if (t->hide_ca_names)
		gnutls_certificate_send_x509_rdn_sequence(session, 1);
	if (req != GNUTLS_CERT_IGNORE)
		gnutls_session_set_verify_function(session, verify_cb);
	if (t->n_suites)
		gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_SERVER_HELLO,
						   GNUTLS_HOOK_PRE, server_hello_hook);
	return 0;
}

int web_tls__check_session(const struct web_tls *t, gnutls_session_t session, char *err,
			   size_t errlen)
{
	struct buf why = { 0 };
	const char *name;
	int ret;

	if (!t || !session)
		return -EINVAL;
	if (t->n_suites && gnutls_protocol_get_version(session) != GNUTLS_TLS1_3) {
		name = gnutls_ciphersuite_get(session);
		if (!name || !suite_allowed(t, web_cipher_suite_id(name))) {
			if (err && errlen)
				snprintf(err, errlen, "cipher suite %s is not in cipher_suites",
					 name ? name : "(unknown)");
			return -EACCES;
		}
	}
	ret = check_peer(t, session, &why);
	if (ret && err && errlen)
		snprintf(err, errlen, "%s", why.data ? why.data : "out of memory");
	buf_free(&why);
	return ret;
}
