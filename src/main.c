// SPDX-License-Identifier: MIT
/*
 * Startup order, signals and shutdown; everything else lives in modules.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "caps.h"
#include "cli/cli.h"
#include "scrape/collector.h"
#include "config/config.h"
#include "decoders/decoder_env.h"
#include "web/http_server.h"
#include "web/web_settings.h"
#include "bpf/cgroup_id_map.h"
#include "bpf/module.h"
#include "bpf/perf_counters.h"
#include "tracing/tracing.h"
#include "util/clock.h"
#include "util/errno_text.h"
#include "util/log.h"
#include "util/systemd.h"

#define ERRLEN 4096
/* What a start-up error may spend sending the exporter's own trace before it exits. */
#define STARTUP_ERROR_FLUSH_MS 500

/*
 * Programs in `uprobe//proc/self/exe:post_attach_mark` sections run once after every config
 * is attached. Exported, never inlined, and kept in the symbol table.
 */
__attribute__((noinline, used, visibility("default"))) void post_attach_mark(void);
__attribute__((noinline, used, visibility("default"))) void post_attach_mark(void)
{
	__asm__ volatile("" ::: "memory");
}

struct exporter {
	struct cli_opts opts;
	char **names;
	int n_names;
	struct config **cfgs;
	struct module **mods;
	struct bpf_object **objs; /* objs[i]: the loaded object of mods[i], for the tracing */
	struct decoder_env *env;
	struct collector *collector;
	struct cgroup_id_map **cgmaps; /* per config, NULL entries without cgroup_id_map */
	struct perf_counters *perf;
	struct tracing *tracing; /* tracing: ring buffers to OTLP spans */
	struct lifecycle *lc; /* the exporter's own start-up and shutdown trace */
	struct lc_span *lc_attach;
	struct web_settings *web; /* --web.config.file */
	struct http_server *http;
};

static double ms_since(uint64_t t0)
{
	return (double)(clock_mono_ns() - t0) / 1e6;
}

static void notify(const char *status)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "STATUS=%s", status);
	systemd_notify(buf);
}

static void exporter_free(struct exporter *x)
{
	int i;

	http_server__stop(x->http);
	web_settings__free(x->web);
	collector__free(x->collector);
	perf_counters__free(x->perf); /* before the modules: it reads their maps */
	tracing__free(x->tracing); /* tracing: before the modules too */
	lifecycle__free(x->lc);
	for (i = 0; x->cgmaps && i < x->n_names; i++)
		cgroup_id_map__free(x->cgmaps[i]); /* unsubscribes: before the modules and env */
	free(x->cgmaps);
	for (i = 0; x->mods && i < x->n_names; i++)
		module__free(x->mods[i]);
	free(x->mods);
	free(x->objs);
	for (i = 0; x->cfgs && i < x->n_names; i++)
		config_free(x->cfgs[i]);
	free(x->cfgs);
	decoder_env__free(x->env);
	cli_names_free(x->names);
	cli_opts_free(&x->opts);
	loader_fini();
}

static int fatal(struct exporter *x, const char *prefix, const char *msg)
{
	log_msg("%s%s", prefix, msg);
	tracing__shutdown(x->tracing, STARTUP_ERROR_FLUSH_MS);
	exporter_free(x);
	return 1;
}

/*
 * Raises the soft open file limit to the hard one, as Go's runtime does at start: every
 * connection, perf buffer and map is a file descriptor.
 */
static void raise_nofile(void)
{
	char et[128];
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_debug("cannot raise the open file limit to %llu: %s",
			  (unsigned long long)rl.rlim_max, errno_text(errno, et, sizeof(et)));
}

/*
 * Parses and validates every config: the first error is fatal. A name given twice is -EEXIST
 * (the Go exporter finds it when attaching, and says so).
 */
static int load_configs(struct exporter *x, char *err, size_t errlen)
{
	int i, j, e;

	x->cfgs = calloc((size_t)x->n_names + 1, sizeof(*x->cfgs));
	x->mods = calloc((size_t)x->n_names + 1, sizeof(*x->mods));
	x->cgmaps = calloc((size_t)x->n_names + 1, sizeof(*x->cgmaps));
	x->objs = calloc((size_t)x->n_names + 1, sizeof(*x->objs));
	if (!x->cfgs || !x->mods || !x->cgmaps || !x->objs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < x->n_names; i++) {
		e = config_load(x->opts.config_dir, x->names[i], &x->cfgs[i], err, errlen);
		if (e)
			return e;
	}
	/* Duplicate names are found at attach time upstream; the message is the same. */
	for (i = 0; i < x->n_names; i++)
		for (j = 0; j < i; j++)
			if (strcmp(x->names[i], x->names[j]) == 0) {
				snprintf(err, errlen, "multiple configs with name \"%s\"",
					 x->names[i]);
				return -EEXIST;
			}
	return 0;
}

/* One config: open, kaddrs, load, attach, validate, cgroup_id_map. */
static int attach_config_steps(struct exporter *x, int i, struct lc_span *span, char *err,
			       size_t errlen)
{
	int e;

	e = cgroup_id_map_check_kernel(x->cfgs[i], err, errlen);
	if (e)
		return e;
	e = module__open_load(x->cfgs[i], x->opts.btf_path, decoder_env__kallsyms(x->env), x->lc,
			      span, &x->mods[i], err, errlen);
	if (e)
		return e;
	module__attach(x->mods[i], x->lc, span);
	e = module__validate_maps(x->mods[i], err, errlen);
	if (e)
		return e;
	/* the map filled from the cgroup monitor's initial walk, then kept current */
	x->objs[i] = module__object(x->mods[i]);
	e = cgroup_id_map__new(x->cfgs[i], x->objs[i], &x->cgmaps[i], err, errlen);
	if (!e)
		e = cgroup_id_map__start(x->cgmaps[i], decoder_env__cgroups(x->env), err, errlen);
	return e;
}

static int attach_config(struct exporter *x, int i, struct lc_span *parent, char *err,
			 size_t errlen)
{
	struct lc_span *span = lifecycle__begin(x->lc, parent, "attach_config");
	int e;

	lifecycle__attr(span, "config", x->cfgs[i]->name);
	e = attach_config_steps(x, i, span, err, errlen);
	if (e)
		lifecycle__error(span, err);
	lifecycle__end(x->lc, span);
	return e;
}

/* Opens, loads and attaches every config in --config.names order. */
static int attach_configs(struct exporter *x, char *err, size_t errlen)
{
	struct lc_span *all = lifecycle__begin(x->lc, x->lc_attach, "attach_configs");
	int i, e = 0;

	for (i = 0; !e && i < x->n_names; i++)
		e = attach_config(x, i, all, err, errlen);
	if (e)
		lifecycle__error(all, err);
	lifecycle__end(x->lc, all);
	return e;
}

static int count_programs(const struct exporter *x, struct buf *missed)
{
	int i, n = 0;
	size_t j;

	for (i = 0; i < x->n_names; i++) {
		for (j = 0; x->mods[i] && j < module__n_progs(x->mods[i]); j++) {
			const struct module_prog *p = module__prog(x->mods[i], j);

			n++;
			if (!p->link && missed)
				buf_printf(missed, "%s%s:%s", missed->len ? ", " : "",
					   x->cfgs[i]->name, p->name);
		}
	}
	return n;
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig > 0)
			return sig;
		if (errno != EINTR)
			return SIGTERM;
	}
}

/* The toolkit's line for each socket: whether it speaks TLS. */
static void log_tls(const struct exporter *x, int fd)
{
	const struct web_snapshot *snap;
	char name[256];

	http_socket_name(fd, name, sizeof(name));
	if (!web_settings__tls_enabled(x->web)) {
		log_msg("TLS is disabled. http2=false address=%s", name);
		return;
	}
	snap = web_settings__current(x->web);
	log_msg("TLS is enabled. http2=%s address=%s", snap->cfg->http2 ? "true" : "false", name);
	web_snapshot__put(snap);
}

static void log_rate_limit(const struct exporter *x)
{
	const struct web_snapshot *snap = web_settings__current(x->web);

	if (snap->rate)
		log_msg("Rate Limiter is enabled. burst=%lld interval=%.9gs", snap->cfg->rate_burst,
			(double)snap->cfg->rate_interval_ns / 1e9);
	web_snapshot__put(snap);
}

/*
 * Opens the sockets to serve on: systemd's with --web.systemd-socket, else one per
 * --web.listen-address (an fd://N address named twice is served once). Returns 0 with
 * *fds (free it) and *n, or -1 with err and the prefix of the fatal error in prefix.
 */
static int listen_all(struct exporter *x, int **fds, size_t *n, char *prefix, size_t prefixlen,
		      char *err, size_t errlen)
{
	size_t i, j, want = x->opts.n_web_listen_addresses;
	int e, fd, first = 0, count = 0;
	char name[256];

	*n = 0;
	if (x->opts.web_systemd_socket) {
		log_msg("Listening on systemd activated listeners instead of port listeners.");
		snprintf(prefix, prefixlen, "Error listening on systemd activated listeners: ");
		e = http_systemd_sockets(&first, &count, err, errlen);
		if (e)
			return -1;
		want = (size_t)count;
	}
	*fds = calloc(want + 1, sizeof(**fds));
	if (!*fds) {
		snprintf(prefix, prefixlen, "Error listening: ");
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < want; i++) {
		const char *addr = x->opts.web_systemd_socket ? NULL :
								x->opts.web_listen_addresses[i];

		if (addr) {
			log_msg("Listening on %s", addr);
			e = http_listen(addr, &fd, err, errlen);
			if (e) {
				for (j = 0; j < *n; j++)
					close((*fds)[j]);
				free(*fds);
				*fds = NULL;
				*n = 0;
				snprintf(prefix, prefixlen, "Error listening on %s: ", addr);
				return -1;
			}
		} else {
			fd = first + (int)i;
			http_socket_name(fd, name, sizeof(name));
			log_msg("Listening on %s", name);
		}
		for (j = 0; j < *n && (*fds)[j] != fd; j++)
			;
		if (j == *n) {
			(*fds)[(*n)++] = fd;
			log_tls(x, fd);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct exporter x;
	struct decoder_env_opts env_opts;
	struct http_opts hopts;
	struct collector_opts copts = { 0 };
	uint64_t t0;
	struct buf missed = { 0 };
	struct lc_span *span;
	char err[ERRLEN] = "", ready[256], prefix[600];
	sigset_t sigs;
	int e, sig, nprogs, *fds = NULL;
	size_t n_fds = 0;

	memset(&x, 0, sizeof(x));
	t0 = clock_mono_ns();
	/*
	 * Scrape buffers of big maps are tens of MiB: a fixed mmap threshold returns them to the
	 * system when freed (glibc would otherwise raise it and keep them), and two arenas
	 * are plenty for a few HTTP threads.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	mallopt(M_ARENA_MAX, 2);
	switch (cli_parse(argc, argv, &x.opts)) {
	case CLI_OK:
		break;
	case CLI_EXIT:
		cli_opts_free(&x.opts);
		return 0;
	default:
		cli_opts_free(&x.opts);
		return 1;
	}
	log_setup(!x.opts.log_no_timestamps, x.opts.debug);
	raise_nofile();

	if (libbpf_major_version() != 1) {
		log_msg("Error: running with libbpf v%u.%u, v1.x is expected",
			libbpf_major_version(), libbpf_minor_version());
		cli_opts_free(&x.opts);
		return 1;
	}
	e = loader_init(x.opts.debug, err, sizeof(err));
	if (e)
		return fatal(&x, "Error attaching exporter: ", err);
	/* --web.config.file before anything slow: a bad file ends the start at once */
	e = web_settings__new(x.opts.web_config_file, &x.web, err, sizeof(err));
	if (e)
		return fatal(&x, "Error loading the web config: ", err);

	/* Signals are taken synchronously by the main thread once serving; block them now so
	 * the HTTP threads inherit the mask. Until then a signal ends the process. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);

	/*
	 * Recorded from the start, handed to the tracing once it exists, unless
	 * EBPF_EXPORTER_TRACE_LIFECYCLE=0 turns it off.
	 */
	if (!getenv("EBPF_EXPORTER_TRACE_LIFECYCLE") ||
	    strcmp(getenv("EBPF_EXPORTER_TRACE_LIFECYCLE"), "0") != 0)
		x.lc = lifecycle__new();

	notify("parsing config...");
	x.names = cli_split_names(x.opts.config_names, &x.n_names);
	if (!x.names)
		return fatal(&x, "Error parsing configs: ", "out of memory");
	e = load_configs(&x, err, sizeof(err));
	if (e)
		return fatal(
			&x, e == -EEXIST ? "Error attaching exporter: " : "Error parsing configs: ",
			err);

	notify("creating exporter...");
	memset(&env_opts, 0, sizeof(env_opts));
	env_opts.skip_cache_size = x.opts.skip_cache_size;
	e = decoder_env__new(&env_opts, &x.env, err, sizeof(err));
	if (e)
		return fatal(&x, "Error creating exporter: ", err);

	notify("attaching configs...");
	x.lc_attach = lifecycle__begin(x.lc, NULL, "attach");
	e = attach_configs(&x, err, sizeof(err));
	if (e)
		return fatal(&x, "Error attaching exporter: ", err);
	post_attach_mark();
	/* Our programs appear in kallsyms only once loaded. */
	if (decoder_env__refresh_kallsyms(x.env, err, sizeof(err)) != 0)
		log_msg("Error refreshing kallsyms after attach: %s", err);

	/* Perf buffers are opened before the capability drop, and checked by --config.check. */
	e = perf_counters__new(x.cfgs, x.mods, (size_t)x.n_names, x.env, &x.perf, err, sizeof(err));
	if (e)
		return fatal(&x, "", err);
	/* tracing: ring buffers open before the capability drop; err is the whole line */
	e = tracing__new(x.cfgs, x.objs, (size_t)x.n_names, x.env, &x.tracing, err, sizeof(err));
	if (e)
		return fatal(&x, "", err);
	tracing__adopt_lifecycle(x.tracing, x.lc);

	e = caps_apply(x.opts.capabilities_keep, err, sizeof(err));
	if (e)
		return fatal(&x, "Error dropping capabilities: ", err);

	nprogs = count_programs(&x, &missed);
	snprintf(ready, sizeof(ready), "%d programs found in the config in %.0fms", nprogs,
		 ms_since(t0));
	log_msg("Started with %s", ready);

	if (x.opts.config_strict && missed.len) {
		log_msg("Missed attachments (module:prog): %s", missed.data);
		buf_free(&missed);
		exporter_free(&x);
		return 1;
	}
	buf_free(&missed);

	if (x.opts.config_check) {
		log_msg("Config check successful, exiting");
		exporter_free(&x);
		return 0;
	}

	span = lifecycle__begin(x.lc, x.lc_attach, "register_handlers");
	copts.cfgs = x.cfgs;
	copts.mods = x.mods;
	copts.n = (size_t)x.n_names;
	copts.env = x.env;
	copts.perf = x.perf;
	copts.tracing = x.tracing; /* its metrics in every scrape */
	e = collector__new(&copts, &x.collector, err, sizeof(err));
	lifecycle__end(x.lc, span);
	if (e)
		return fatal(&x, "Error registering exporter: ", err);
	e = tracing__start(x.tracing, err, sizeof(err)); /* tracing */
	if (e)
		return fatal(&x, "Error registering exporter: ", err);
	e = perf_counters__start(x.perf, err, sizeof(err));
	if (e)
		return fatal(&x, "Error registering exporter: ", err);

	if (strcmp(x.opts.web_telemetry_path, "/") == 0 ||
	    (x.opts.debug && strcmp(x.opts.web_telemetry_path, "/maps") == 0)) {
		snprintf(err, sizeof(err), "telemetry path \"%s\" conflicts with a built-in page",
			 x.opts.web_telemetry_path);
		return fatal(&x, "Error registering exporter: ", err);
	}

	if (x.opts.debug)
		log_msg("Debug enabled, exporting raw maps on /maps");
	if (listen_all(&x, &fds, &n_fds, prefix, sizeof(prefix), err, sizeof(err)))
		return fatal(&x, prefix, err);
	log_rate_limit(&x);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	memset(&hopts, 0, sizeof(hopts));
	hopts.telemetry_path = x.opts.web_telemetry_path;
	hopts.debug = x.opts.debug;
	hopts.collector = x.collector;
	hopts.settings = x.web;
	hopts.max_connections = x.opts.web_max_connections;
	hopts.request_timeout_ns = x.opts.web_request_timeout_ns;
	hopts.idle_timeout_ns = x.opts.web_idle_timeout_ns;
	/* the server takes the sockets over, also when it fails */
	e = http_server__start(&hopts, fds, n_fds, &x.http, err, sizeof(err));
	free(fds);
	if (e)
		return fatal(&x, "Error serving HTTP: ", err);
	/* Loading parsed BTF and ELF files: give the freed heap pages back before idling. */
	malloc_trim(0);
	snprintf(err, sizeof(err), "READY=1\nSTATUS=ready with %s", ready);
	systemd_notify(err);
	lifecycle__end(x.lc, x.lc_attach);

	sig = wait_for_signal();
	log_msg("Received signal: %s", sig == SIGINT ? "interrupt" : "terminated");
	systemd_notify("STOPPING=1");
	t0 = clock_mono_ns();
	span = lifecycle__begin(x.lc, NULL, "detach");
	collector__detach(x.collector, x.lc, span);
	lifecycle__end(x.lc, span);
	log_msg("Detached in %.0fms", ms_since(t0));
	/* tracing: flush within --tracing.shutdown-timeout */
	tracing__shutdown(x.tracing, (int)(x.opts.tracing_shutdown_timeout_ns / 1000000));
	exporter_free(&x);
	return 0;
}
