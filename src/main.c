// SPDX-License-Identifier: MIT
/*
 * Startup order, signals and shutdown; everything else lives in modules.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "caps.h"
#include "cli/cli.h"
#include "scrape/collector.h"
#include "scrape/generation.h"
#include "config/config.h"
#include "decoders/decoder_env.h"
#include "web/http_server.h"
#include "web/web_settings.h"
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

/*
 * Reload requests of POST /-/reload: the HTTP thread asks, the main thread reloads (all
 * reloads run there, one at a time) and answers every request made before it began.
 */
struct reload_ctl {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t main_thread;
	uint64_t requested; /* requests so far */
	uint64_t done; /* requests the last finished reload answered */
	bool stopping; /* shutting down: no more reloads */
	int result; /* of the last reload: 0 or a negative errno */
	char err[ERRLEN];
};

struct exporter {
	struct cli_opts opts;
	struct generation *gen; /* the running set: configs, modules, perf counters, tracing */
	struct decoder_env *env;
	struct collector *collector;
	struct lifecycle *lc; /* the exporter's own start-up and shutdown trace */
	struct lc_span *lc_attach;
	struct web_settings *web; /* --web.config.file */
	struct http_server *http;
	struct reload_status reloads;
	struct reload_ctl rl;
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
	http_server__stop(x->http);
	web_settings__free(x->web);
	collector__free(x->collector);
	/* perf counters and tracing before the modules (they read their maps), the cgroup_id_maps
	 * before the modules and env (they unsubscribe) */
	generation__free(x->gen, NULL, NULL);
	lifecycle__free(x->lc);
	decoder_env__free(x->env);
	cli_opts_free(&x->opts);
	loader_fini();
	reload_status_destroy(&x->reloads);
	pthread_cond_destroy(&x->rl.cond);
	pthread_mutex_destroy(&x->rl.lock);
}

static int fatal(struct exporter *x, const char *prefix, const char *msg)
{
	log_msg("%s%s", prefix, msg);
	tracing__shutdown(x->gen ? x->gen->tracing : NULL, STARTUP_ERROR_FLUSH_MS);
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

static void gen_opts(struct exporter *x, struct generation_opts *o, struct lc_span *parent)
{
	memset(o, 0, sizeof(*o));
	o->config_dir = x->opts.config_dir;
	o->config_names = x->opts.config_names;
	o->btf_path = x->opts.btf_path;
	o->env = x->env;
	o->lc = x->lc;
	o->parent = parent;
}

static void collector_opts_of(struct exporter *x, const struct generation *g,
			      struct collector_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cfgs = g->cfgs;
	o->mods = g->mods;
	o->n = g->n;
	o->env = x->env;
	o->perf = g->perf;
	o->tracing = g->tracing; /* its metrics in every scrape */
	o->gen = g;
	o->reloads = &x->reloads;
}

/* SIGINT and SIGTERM stop the exporter, SIGHUP reloads it. */
static void signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/*
 * Threads started before the main thread blocks SIGINT and SIGTERM (the cgroup monitor, perf
 * and tracing readers) leave them unblocked, so the kernel may deliver one there, for example
 * while the main thread is busy with a reload. This handler hands it to the main thread, which
 * takes it with sigwaitinfo() once it waits again; before serving starts it ends the process
 * as the default action would.
 */
static pthread_t signal_main_thread;
static atomic_bool signal_serving;

static void forward_signal(int sig)
{
	if (atomic_load(&signal_serving) && !pthread_equal(pthread_self(), signal_main_thread)) {
		pthread_kill(signal_main_thread, sig);
		return;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static int forward_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;

	signal_set(&set);
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig > 0)
			return sig;
		if (errno != EINTR)
			return SIGTERM;
	}
}

/*
 * Re-reads the web config file: a file that changed and fails to load fails the reload (the
 * web settings keep their last good snapshot and log why).
 */
static int reload_web(struct exporter *x, char *err, size_t errlen)
{
	unsigned long before = web_settings__reload_errors(x->web);

	web_snapshot__put(web_settings__current(x->web));
	if (web_settings__reload_errors(x->web) == before)
		return 0;
	snprintf(err, errlen, "web config \"%s\" failed to load, the previous settings stay",
		 x->opts.web_config_file);
	return -EINVAL;
}

/*
 * Builds the next generation beside the running one and swaps it in, or leaves the running
 * one as it is on any error (then err says why). Main thread only.
 */
static int reload_configs(struct exporter *x, struct lc_span *span, char *summary,
			  size_t summarylen, char *err, size_t errlen)
{
	struct generation_opts o;
	struct generation *next = NULL, *old = x->gen;
	struct collector_opts copts;
	struct collector *staged = NULL;
	struct buf missed = { 0 };
	char e2[ERRLEN];
	size_t i, removed = 0;
	int e;

	gen_opts(x, &o, span);
	e = generation__parse(&o, old, &next, err, errlen);
	if (e)
		return e;
	if (generation__same(next, old)) {
		snprintf(summary, summarylen, "%zu configs unchanged", next->n);
		generation__free(next, NULL, NULL);
		return 0;
	}
	e = generation__attach(next, &o, err, errlen);
	if (!e && next->n_reused < next->n) {
		post_attach_mark();
		if (decoder_env__refresh_kallsyms(x->env, e2, sizeof(e2)) != 0)
			log_msg("Error refreshing kallsyms after attach: %s", e2);
	}
	if (!e && x->opts.config_strict) {
		generation__count_programs(next, &missed);
		if (missed.len) {
			snprintf(err, errlen, "Missed attachments (module:prog): %s", missed.data);
			e = -ENOENT;
		}
		buf_free(&missed);
	}
	if (!e)
		e = generation__finish(next, old, x->env, err, errlen);
	if (!e) {
		collector_opts_of(x, next, &copts);
		copts.prev = x->collector;
		e = collector__new(&copts, &staged, err, errlen);
	}
	if (e) {
		generation__free(next, x->lc, span);
		return e;
	}

	/* Commit. Shared perf counters are read by one set at a time, ring buffers too. */
	perf_counters__stop(old->perf);
	collector__swap(x->collector, staged);
	collector__free(staged); /* the previous view: metric states of the old maps */
	tracing__shutdown(old->tracing, (int)(x->opts.tracing_shutdown_timeout_ns / 1000000));
	x->gen = next;
	for (i = 0; i < old->n; i++) {
		size_t j;

		for (j = 0; j < next->n && strcmp(next->cfgs[j]->name, old->cfgs[i]->name); j++)
			;
		removed += j == next->n;
	}
	/* detaches and closes the units only the old generation held */
	generation__free(old, x->lc, span);
	tracing__adopt_lifecycle(next->tracing, x->lc);
	e = tracing__start(next->tracing, e2, sizeof(e2));
	if (e)
		log_msg("Error starting the tracing after the reload: %s", e2);
	e = perf_counters__start(next->perf, e2, sizeof(e2));
	if (e)
		log_msg("Error starting the perf event array reader after the reload: %s", e2);
	snprintf(summary, summarylen, "%zu configs unchanged, %zu loaded, %zu removed",
		 next->n_reused, next->n - next->n_reused, removed);
	return 0;
}

/* One reload, serialized by running on the main thread only. Returns 0 or a negative errno. */
static int reload(struct exporter *x, char *err, size_t errlen)
{
	char buf[128], summary[256] = "";
	struct lc_span *span;
	uint64_t t0 = clock_mono_ns();
	double secs;
	int e;

	snprintf(buf, sizeof(buf), "RELOADING=1\nSTATUS=reloading...\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(t0 / 1000));
	systemd_notify(buf);
	log_msg("Reloading configs");
	err[0] = '\0';
	span = lifecycle__begin(x->lc, NULL, "reload");
	e = reload_web(x, err, errlen);
	if (!e)
		e = reload_configs(x, span, summary, sizeof(summary), err, errlen);
	if (e && !err[0])
		snprintf(err, errlen, "%s", strerror(-e));
	if (e)
		lifecycle__error(span, err);
	lifecycle__end(x->lc, span);
	secs = (double)(clock_mono_ns() - t0) / 1e9;
	reload_status_record(&x->reloads, e ? err : NULL, secs);
	if (e)
		log_msg("Error reloading configs, the running set stays: %s", err);
	else
		log_msg("Reloaded configs in %.0fms: %s", secs * 1e3, summary);
	/* Loading parsed BTF and ELF files: give the freed heap pages back before idling. */
	malloc_trim(0);
	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s",
		 e ? "ready, the last reload failed" : "ready, reloaded");
	systemd_notify(buf);
	return e;
}

/* POST /-/reload: asks the main thread and waits for the reload that follows the request. */
static int request_reload(void *arg, char *err, size_t errlen)
{
	struct exporter *x = arg;
	uint64_t mine;
	int e;

	pthread_mutex_lock(&x->rl.lock);
	if (x->rl.stopping) {
		pthread_mutex_unlock(&x->rl.lock);
		snprintf(err, errlen, "the exporter is shutting down");
		return -ESHUTDOWN;
	}
	mine = ++x->rl.requested;
	pthread_mutex_unlock(&x->rl.lock);
	e = pthread_kill(x->rl.main_thread, SIGHUP);
	if (e) {
		snprintf(err, errlen, "cannot signal the main thread: %s", strerror(e));
		return -e;
	}
	pthread_mutex_lock(&x->rl.lock);
	while (x->rl.done < mine && !x->rl.stopping)
		pthread_cond_wait(&x->rl.cond, &x->rl.lock);
	if (x->rl.done >= mine) {
		e = x->rl.result;
		snprintf(err, errlen, "%s", x->rl.err);
	} else {
		e = -ESHUTDOWN;
		snprintf(err, errlen, "the exporter is shutting down");
	}
	pthread_mutex_unlock(&x->rl.lock);
	return e;
}

/* SIGHUP: reloads, then answers the requests made before the reload began. */
static void on_sighup(struct exporter *x)
{
	char err[ERRLEN];
	uint64_t upto;
	int e;

	pthread_mutex_lock(&x->rl.lock);
	upto = x->rl.requested;
	pthread_mutex_unlock(&x->rl.lock);
	e = reload(x, err, sizeof(err));
	pthread_mutex_lock(&x->rl.lock);
	x->rl.done = upto;
	x->rl.result = e;
	snprintf(x->rl.err, sizeof(x->rl.err), "%s", e ? err : "");
	pthread_cond_broadcast(&x->rl.cond);
	pthread_mutex_unlock(&x->rl.lock);
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
	struct collector_opts copts;
	struct generation_opts gopts;
	uint64_t t0;
	struct buf missed = { 0 };
	struct lc_span *span;
	char err[ERRLEN] = "", ready[256], prefix[600];
	sigset_t sigs;
	int e, sig, nprogs, *fds = NULL;
	size_t n_fds = 0;

	memset(&x, 0, sizeof(x));
	t0 = clock_mono_ns();
	reload_status_init(&x.reloads);
	pthread_mutex_init(&x.rl.lock, NULL);
	pthread_cond_init(&x.rl.cond, NULL);
	x.rl.main_thread = pthread_self();
	signal_main_thread = pthread_self();
	if (forward_signals()) {
		log_msg("Error: cannot install the signal handlers: %s",
			errno_text(errno, err, sizeof(err)));
		exporter_free(&x);
		return 1;
	}
	/*
	 * SIGHUP is blocked before any thread exists, so every thread inherits the mask and only
	 * the main thread takes it (once serving: a SIGHUP during start-up reloads right after).
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
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
		exporter_free(&x);
		return 0;
	default:
		exporter_free(&x);
		return 1;
	}
	log_setup(!x.opts.log_no_timestamps, x.opts.debug);
	raise_nofile();

	if (libbpf_major_version() != 1) {
		log_msg("Error: running with libbpf v%u.%u, v1.x is expected",
			libbpf_major_version(), libbpf_minor_version());
		exporter_free(&x);
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
	 * the HTTP threads inherit the mask. Until then SIGINT and SIGTERM end the process. */
	signal_set(&sigs);

	/*
	 * Recorded from the start, handed to the tracing once it exists, unless
	 * EBPF_EXPORTER_TRACE_LIFECYCLE=0 turns it off.
	 */
	if (!getenv("EBPF_EXPORTER_TRACE_LIFECYCLE") ||
	    strcmp(getenv("EBPF_EXPORTER_TRACE_LIFECYCLE"), "0") != 0)
		x.lc = lifecycle__new();

	notify("parsing config...");
	gen_opts(&x, &gopts, NULL);
	e = generation__parse(&gopts, NULL, &x.gen, err, sizeof(err));
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
	gen_opts(&x, &gopts, x.lc_attach);
	e = generation__attach(x.gen, &gopts, err, sizeof(err));
	if (e)
		return fatal(&x, "Error attaching exporter: ", err);
	post_attach_mark();
	/* Our programs appear in kallsyms only once loaded. */
	if (decoder_env__refresh_kallsyms(x.env, err, sizeof(err)) != 0)
		log_msg("Error refreshing kallsyms after attach: %s", err);

	/* perf buffers and ring buffers open before the capability drop; err is the whole line */
	e = generation__finish(x.gen, NULL, x.env, err, sizeof(err));
	if (e)
		return fatal(&x, "", err);
	tracing__adopt_lifecycle(x.gen->tracing, x.lc);

	e = caps_apply(x.opts.capabilities_keep, err, sizeof(err));
	if (e)
		return fatal(&x, "Error dropping capabilities: ", err);

	nprogs = generation__count_programs(x.gen, &missed);
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
	collector_opts_of(&x, x.gen, &copts);
	e = collector__new(&copts, &x.collector, err, sizeof(err));
	lifecycle__end(x.lc, span);
	if (e)
		return fatal(&x, "Error registering exporter: ", err);
	e = tracing__start(x.gen->tracing, err, sizeof(err)); /* tracing */
	if (e)
		return fatal(&x, "Error registering exporter: ", err);
	e = perf_counters__start(x.gen->perf, err, sizeof(err));
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
	atomic_store(&signal_serving, true);
	memset(&hopts, 0, sizeof(hopts));
	hopts.telemetry_path = x.opts.web_telemetry_path;
	hopts.debug = x.opts.debug;
	hopts.collector = x.collector;
	hopts.settings = x.web;
	hopts.max_connections = x.opts.web_max_connections;
	hopts.request_timeout_ns = x.opts.web_request_timeout_ns;
	hopts.idle_timeout_ns = x.opts.web_idle_timeout_ns;
	hopts.enable_lifecycle = x.opts.web_enable_lifecycle;
	hopts.enable_openmetrics = x.opts.web_enable_openmetrics;
	hopts.reload = request_reload;
	hopts.reload_arg = &x;
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

	while ((sig = wait_for_signal()) == SIGHUP)
		on_sighup(&x);
	log_msg("Received signal: %s", sig == SIGINT ? "interrupt" : "terminated");
	systemd_notify("STOPPING=1");
	/* reload requests waiting now are answered that the exporter is shutting down */
	pthread_mutex_lock(&x.rl.lock);
	x.rl.stopping = true;
	pthread_cond_broadcast(&x.rl.cond);
	pthread_mutex_unlock(&x.rl.lock);
	t0 = clock_mono_ns();
	span = lifecycle__begin(x.lc, NULL, "detach");
	collector__detach(x.collector, x.lc, span);
	lifecycle__end(x.lc, span);
	log_msg("Detached in %.0fms", ms_since(t0));
	/* tracing: flush within --tracing.shutdown-timeout */
	tracing__shutdown(x.gen->tracing, (int)(x.opts.tracing_shutdown_timeout_ns / 1000000));
	exporter_free(&x);
	return 0;
}
