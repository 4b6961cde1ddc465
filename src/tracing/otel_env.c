// SPDX-License-Identifier: MIT
#include "tracing/otel_env.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/utf8.h"

#define GRPC_EXPORT_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

struct env {
	otel_getenv_fn get;
	void *ctx;
};

static const char *getenv_default(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* The value of name, NULL when unset or empty (the SDK treats both alike). */
static const char *env_get(const struct env *e, const char *name)
{
	const char *v = e->get(name, e->ctx);

	return v && *v ? v : NULL;
}

/* OTEL_EXPORTER_OTLP_TRACES_<suffix>, else OTEL_EXPORTER_OTLP_<suffix>; *which names it. */
static const char *env_otlp(const struct env *e, const char *suffix, char *which, size_t len)
{
	const char *v;

	snprintf(which, len, "OTEL_EXPORTER_OTLP_TRACES_%s", suffix);
	v = env_get(e, which);
	if (v)
		return v;
	snprintf(which, len, "OTEL_EXPORTER_OTLP_%s", suffix);
	return env_get(e, which);
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static int hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s in place (W3C baggage octets). Returns 0 or -EINVAL. */
static int percent_decode(char *s)
{
	char *out = s;

	while (*s) {
		if (*s == '%') {
			int hi = hexdig(s[1]), lo = hi < 0 ? -1 : hexdig(s[2]);

			if (hi < 0 || lo < 0)
				return -EINVAL;
			*out++ = (char)(hi << 4 | lo);
			s += 3;
			continue;
		}
		*out++ = *s++;
	}
	*out = '\0';
	return 0;
}

/* No control characters (a decoded CR or LF would end an HTTP header early). */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* OTLP strings must be valid UTF-8. */
static bool valid_utf8(const char *s)
{
	size_t n = strlen(s);

	return utf8_valid_prefix((const uint8_t *)s, n) == n;
}

static void kv_free(struct otel_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/*
 * Parses `k1=v1,k2=v2` (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS): items trimmed,
 * values percent-decoded, empty items skipped.
 */
static int parse_kv_list(const char *var, const char *text, struct otel_kv **out, size_t *n,
			 char *err, size_t errlen)
{
	char *copy, *item, *save = NULL;
	struct otel_kv *kv = NULL;
	size_t cnt = 0, cap = 0;
	int e = 0;

	*out = NULL;
	*n = 0;
	if (!text)
		return 0;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq, *k, *v;

		item = trim(item);
		if (!*item)
			continue;
		eq = strchr(item, '=');
		if (!eq) {
			snprintf(err, errlen, "%s: item \"%s\" is not key=value", var, item);
			e = -EINVAL;
			break;
		}
		*eq = '\0';
		k = trim(item);
		v = trim(eq + 1);
		if (!*k || percent_decode(k) || percent_decode(v) || !printable(k) ||
		    !printable(v) || !valid_utf8(k) || !valid_utf8(v)) {
			snprintf(err, errlen, "%s: invalid item \"%s=%s\"", var, k, v);
			e = -EINVAL;
			break;
		}
		if (array_grow((void **)&kv, &cap, cnt + 1, sizeof(*kv))) {
			e = -ENOMEM;
			break;
		}
		kv[cnt].key = strdup(k);
		kv[cnt].value = strdup(v);
		cnt++;
		if (!kv[cnt - 1].key || !kv[cnt - 1].value) {
			e = -ENOMEM;
			break;
		}
	}
	free(copy);
	if (e) {
		kv_free(kv, cnt);
		return e;
	}
	*out = kv;
	*n = cnt;
	return 0;
}

/* A non-negative decimal integer (milliseconds, sizes). */
static int parse_long(const char *var, const char *v, long min, long *out, char *err, size_t errlen)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || end == v || *end || x < min) {
		snprintf(err, errlen, "%s \"%s\" is not an integer >= %ld", var, v, min);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static int env_long(const struct env *e, const char *var, long def, long min, long *out, char *err,
		    size_t errlen)
{
	const char *v = env_get(e, var);

	*out = def;
	return v ? parse_long(var, v, min, out, err, errlen) : 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *var, const char *v, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
	size_t i;

	for (i = 0; i < 6; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	snprintf(err, errlen, "%s \"%s\" is not a boolean (true or false)", var, v);
	return -EINVAL;
}

static int dup_path(const char *var, const char *v, char **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!v)
		return 0;
	if (access(v, R_OK)) {
		snprintf(err, errlen, "%s \"%s\": %s", var, v, strerror(errno));
		return -EINVAL;
	}
	*out = strdup(v);
	return *out ? 0 : -ENOMEM;
}

/* scheme://authority[/path] split; no scheme: authority only. */
static int split_url(const char *url, char *scheme, size_t slen, const char **rest)
{
	const char *p = strstr(url, "://");

	scheme[0] = '\0';
	*rest = url;
	if (!p)
		return 0;
	if ((size_t)(p - url) >= slen)
		return -EINVAL;
	memcpy(scheme, url, (size_t)(p - url));
	scheme[p - url] = '\0';
	*rest = p + 3;
	return 0;
}

static int load_endpoint(struct otel_conf *c, const struct env *e, char *err, size_t errlen)
{
	char var[64], scheme[16], var_ins[64];
	const char *specific, *generic, *v, *rest, *ins;
	bool insecure = false, traces_var;
	size_t len;
	int r;

	ins = env_otlp(e, "INSECURE", var_ins, sizeof(var_ins));
	if (ins) {
		r = parse_bool(var_ins, ins, &insecure, err, errlen);
		if (r)
			return r;
	}
	specific = env_get(e, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	generic = env_get(e, "OTEL_EXPORTER_OTLP_ENDPOINT");
	traces_var = specific != NULL;
	v = specific ? specific : generic;
	snprintf(var, sizeof(var), "%s",
		 specific ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT");
	if (!v)
		v = c->protocol == OTEL_PROTO_GRPC ? "localhost:4317" : "localhost:4318";
	if (split_url(v, scheme, sizeof(scheme), &rest)) {
		snprintf(err, errlen, "%s \"%s\" is not a URL", var, v);
		return -EINVAL;
	}
	if (!scheme[0]) {
		/* host:port: plaintext only when asked for */
		snprintf(scheme, sizeof(scheme), "%s", insecure ? "http" : "https");
	} else if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		snprintf(err, errlen, "%s \"%s\": scheme must be http or https", var, v);
		return -EINVAL;
	}
	c->tls = strcmp(scheme, "https") == 0;
	len = strcspn(rest, "/?#");
	if (len == 0) {
		snprintf(err, errlen, "%s \"%s\" has no host", var, v);
		return -EINVAL;
	}
	if (c->protocol == OTEL_PROTO_GRPC) {
		/* gRPC uses the authority only: the method path is fixed. */
		r = asprintf(&c->url, "%s://%.*s%s", scheme, (int)len, rest, GRPC_EXPORT_PATH);
	} else if (traces_var) {
		r = asprintf(&c->url, "%s://%s", scheme, rest);
	} else {
		const char *path = rest + len;
		size_t plen = strlen(path);

		/* the generic endpoint is a base URL: append the signal path */
		r = asprintf(&c->url, "%s://%.*s%.*s/v1/traces", scheme, (int)len, rest,
			     (int)(plen && path[plen - 1] == '/' ? plen - 1 : plen), path);
	}
	if (r < 0) {
		c->url = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int load_exporter(struct otel_conf *c, const struct env *e, char *err, size_t errlen)
{
	const char *v = env_get(e, "OTEL_TRACES_EXPORTER");
	const char *dis = env_get(e, "OTEL_SDK_DISABLED");
	char *copy, *t;

	c->exporter = OTEL_EXPORTER_OTLP;
	if (dis) {
		bool off;
		int r = parse_bool("OTEL_SDK_DISABLED", dis, &off, err, errlen);

		if (r)
			return r;
		if (off) {
			c->exporter = OTEL_EXPORTER_NONE;
			return 0;
		}
	}
	if (!v)
		return 0;
	copy = strdup(v);
	if (!copy)
		return -ENOMEM;
	t = trim(copy);
	if (strcmp(t, "otlp") == 0) {
		c->exporter = OTEL_EXPORTER_OTLP;
	} else if (strcmp(t, "console") == 0) {
		c->exporter = OTEL_EXPORTER_CONSOLE;
	} else if (strcmp(t, "none") == 0) {
		c->exporter = OTEL_EXPORTER_NONE;
	} else {
		snprintf(err, errlen,
			 "OTEL_TRACES_EXPORTER \"%s\" is not supported (otlp, console or none)", v);
		free(copy);
		return -EINVAL;
	}
	free(copy);
	return 0;
}

static int load_protocol(struct otel_conf *c, const struct env *e, char *err, size_t errlen)
{
	char var[64];
	const char *v = env_otlp(e, "PROTOCOL", var, sizeof(var));

	c->protocol = OTEL_PROTO_HTTP_PROTOBUF;
	if (!v || strcmp(v, "http/protobuf") == 0)
		return 0;
	if (strcmp(v, "http/json") == 0) {
		c->protocol = OTEL_PROTO_HTTP_JSON;
		return 0;
	}
	if (strcmp(v, "grpc") == 0) {
		c->protocol = OTEL_PROTO_GRPC;
		return 0;
	}
	snprintf(err, errlen, "%s \"%s\" is not supported (grpc, http/protobuf or http/json)", var,
		 v);
	return -EINVAL;
}

static int load_transport(struct otel_conf *c, const struct env *e, char *err, size_t errlen)
{
	char var[64];
	const char *v;
	int r;

	r = load_endpoint(c, e, err, errlen);
	if (r)
		return r;
	v = env_otlp(e, "HEADERS", var, sizeof(var));
	r = parse_kv_list(var, v, &c->headers, &c->n_headers, err, errlen);
	if (r)
		return r;
	c->timeout_ms = 10000;
	v = env_otlp(e, "TIMEOUT", var, sizeof(var));
	if (v) {
		r = parse_long(var, v, 1, &c->timeout_ms, err, errlen);
		if (r)
			return r;
	}
	v = env_otlp(e, "COMPRESSION", var, sizeof(var));
	if (v && strcmp(v, "gzip") == 0) {
		c->gzip = true;
	} else if (v && strcmp(v, "none") != 0) {
		snprintf(err, errlen, "%s \"%s\" is not supported (gzip or none)", var, v);
		return -EINVAL;
	}
	v = env_otlp(e, "CERTIFICATE", var, sizeof(var));
	r = dup_path(var, v, &c->certificate, err, errlen);
	if (r)
		return r;
	v = env_otlp(e, "CLIENT_CERTIFICATE", var, sizeof(var));
	r = dup_path(var, v, &c->client_certificate, err, errlen);
	if (r)
		return r;
	v = env_otlp(e, "CLIENT_KEY", var, sizeof(var));
	r = dup_path(var, v, &c->client_key, err, errlen);
	if (r)
		return r;
	if (!c->client_certificate != !c->client_key) {
		snprintf(err, errlen,
			 "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY "
			 "must be set together");
		return -EINVAL;
	}
	return 0;
}

static int load_resource(struct otel_conf *c, const struct env *e, char *err, size_t errlen)
{
	const char *svc = env_get(e, "OTEL_SERVICE_NAME");
	size_t i, j;
	int r;

	r = parse_kv_list("OTEL_RESOURCE_ATTRIBUTES", env_get(e, "OTEL_RESOURCE_ATTRIBUTES"),
			  &c->resource, &c->n_resource, err, errlen);
	if (r)
		return r;
	/* service.name: OTEL_SERVICE_NAME wins, then the attribute, then ebpf_exporter. */
	for (i = 0, j = 0; i < c->n_resource; i++) {
		if (strcmp(c->resource[i].key, "service.name") == 0) {
			if (!svc && !c->service_name) {
				c->service_name = c->resource[i].value;
				c->resource[i].value = NULL;
			}
			free(c->resource[i].key);
			free(c->resource[i].value);
			continue;
		}
		c->resource[j++] = c->resource[i];
	}
	c->n_resource = j;
	if (svc && (!valid_utf8(svc) || !printable(svc))) {
		snprintf(err, errlen, "OTEL_SERVICE_NAME is not printable UTF-8");
		return -EINVAL;
	}
	if (svc) {
		free(c->service_name);
		c->service_name = strdup(svc);
	} else if (!c->service_name) {
		c->service_name = strdup("ebpf_exporter");
	}
	return c->service_name ? 0 : -ENOMEM;
}

static int load_batch(struct otel_conf *c, const struct env *e, char *err, size_t errlen)
{
	long q, b;
	int r;

	r = env_long(e, "OTEL_BSP_SCHEDULE_DELAY", 5000, 0, &c->bsp_schedule_delay_ms, err, errlen);
	if (!r)
		r = env_long(e, "OTEL_BSP_EXPORT_TIMEOUT", 30000, 1, &c->bsp_export_timeout_ms, err,
			     errlen);
	if (!r)
		r = env_long(e, "OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1, &q, err, errlen);
	if (!r)
		r = env_long(e, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1, &b, err, errlen);
	if (r)
		return r;
	c->bsp_max_queue = (size_t)q;
	/* as the SDK: a batch never exceeds the queue */
	c->bsp_max_batch = (size_t)(b > q ? q : b);
	return 0;
}

static int load_limits(struct otel_conf *c, const struct env *e, char *err, size_t errlen)
{
	const char *var = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT";
	const char *v = env_get(e, var);
	long x;
	int r;

	c->attr_count_limit = 128;
	c->attr_value_limit = SIZE_MAX;
	if (!v) {
		var = "OTEL_ATTRIBUTE_COUNT_LIMIT";
		v = env_get(e, var);
	}
	if (v) {
		r = parse_long(var, v, 0, &x, err, errlen);
		if (r)
			return r;
		c->attr_count_limit = (size_t)x;
	}
	var = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT";
	v = env_get(e, var);
	if (!v) {
		var = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT";
		v = env_get(e, var);
	}
	if (v) {
		r = parse_long(var, v, 0, &x, err, errlen);
		if (r)
			return r;
		c->attr_value_limit = (size_t)x;
	}
	return 0;
}

int otel_conf_load(struct otel_conf *c, otel_getenv_fn get, void *ctx, char *err, size_t errlen)
{
	struct env e = { .get = get ? get : getenv_default, .ctx = ctx };
	const char *s, *arg;
	int r;

	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	c->timeout_ms = 10000; /* also bounds the shutdown flush of the console exporter */
	r = load_exporter(c, &e, err, errlen);
	if (!r)
		r = load_protocol(c, &e, err, errlen);
	if (!r && c->exporter == OTEL_EXPORTER_OTLP)
		r = load_transport(c, &e, err, errlen);
	if (!r)
		r = load_resource(c, &e, err, errlen);
	if (!r)
		r = load_batch(c, &e, err, errlen);
	if (!r)
		r = load_limits(c, &e, err, errlen);
	if (!r) {
		s = env_get(&e, "OTEL_TRACES_SAMPLER");
		arg = env_get(&e, "OTEL_TRACES_SAMPLER_ARG");
		r = sampler_parse(&c->sampler, s, arg);
		if (r)
			snprintf(err, errlen,
				 "OTEL_TRACES_SAMPLER \"%s\" with OTEL_TRACES_SAMPLER_ARG \"%s\" "
				 "is not supported (always_on, always_off, traceidratio, "
				 "parentbased_always_on, parentbased_always_off or "
				 "parentbased_traceidratio; the ratio in [0, 1])",
				 s ? s : "", arg ? arg : "");
	}
	if (r) {
		if (r == -ENOMEM && !err[0])
			snprintf(err, errlen, "out of memory");
		otel_conf_free(c);
	}
	return r;
}

void otel_conf_free(struct otel_conf *c)
{
	if (!c)
		return;
	free(c->url);
	kv_free(c->headers, c->n_headers);
	free(c->certificate);
	free(c->client_certificate);
	free(c->client_key);
	free(c->service_name);
	kv_free(c->resource, c->n_resource);
	memset(c, 0, sizeof(*c));
}

const char *otel_protocol_name(enum otel_protocol p)
{
	switch (p) {
	case OTEL_PROTO_HTTP_PROTOBUF:
		return "http/protobuf";
	case OTEL_PROTO_HTTP_JSON:
		return "http/json";
	case OTEL_PROTO_GRPC:
		return "grpc";
	}
	return "?";
}
