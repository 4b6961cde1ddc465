// SPDX-License-Identifier: MIT
/* Built-in metrics: build info, programs, map fill, decoder errors, process, promhttp. */
#include "scrape/builtins.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrape/collector.h"
#include "scrape/internal.h"
#include "bpf/module.h"
#include "bpf/perf_counters.h"
#include "scrape/map_fill.h"
#include "scrape/metric.h"
#include "scrape/procstat.h"
#include "tracing/tracing.h"
#include "util/errno_text.h"
#include "util/log.h"
#include "util/build_info.h"

static const char *pool_printf(struct strpool *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *pool_printf(struct strpool *p, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (array_grow((void **)&p->items, &p->cap, p->n + 1, sizeof(*p->items)))
		return NULL;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p->items[p->n++] = s;
	return s;
}

static void pool_free(struct strpool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->items[i]);
	free(p->items);
	memset(p, 0, sizeof(*p));
}

static struct family *bi_family(struct builtin *b, const char *name, const char *help,
				enum family_type type, const char *const *labels, size_t n_labels)
{
	struct family *f;

	if (b->n == BUILTIN_FAMILIES) {
		b->err = b->err ? b->err : -E2BIG;
		return NULL;
	}
	f = family_init(&b->fams[b->n++], name, help, type, labels, n_labels);
	/* samples are assigned once all of them exist (the arrays may move) */
	f->samples = (struct sample *)(uintptr_t)b->n_samples;
	return f;
}

/* Adds a sample to the family added last; a failure is kept in b->err. */
static void bi_sample(struct builtin *b, double v, size_t n_values, ...)
{
	struct family *f;
	va_list ap;
	size_t i;

	if (b->err || !b->n)
		return;
	f = &b->fams[b->n - 1];
	if (array_grow((void **)&b->samples, &b->cap, b->n_samples + 1, sizeof(*b->samples)) ||
	    array_grow((void **)&b->vals, &b->vcap, b->n_vals + n_values + 1, sizeof(*b->vals))) {
		b->err = -ENOMEM;
		return;
	}
	va_start(ap, n_values);
	for (i = 0; i < n_values; i++) {
		const char *s = va_arg(ap, const char *);

		if (!s) { /* a pool_printf() that ran out of memory */
			va_end(ap);
			b->err = -ENOMEM;
			return;
		}
		b->vals[b->n_vals + i] = s;
	}
	va_end(ap);
	/* values are stored as an index until the arrays stop moving */
	b->samples[b->n_samples].values = (const char **)(uintptr_t)b->n_vals;
	b->samples[b->n_samples].value = v;
	b->n_vals += n_values;
	b->n_samples++;
	f->n_samples++;
}

static void bi_finish(struct builtin *b)
{
	size_t i;

	for (i = 0; i < b->n_samples; i++)
		b->samples[i].values = b->vals + (uintptr_t)b->samples[i].values;
	for (i = 0; i < b->n; i++)
		b->fams[i].samples = b->samples + (uintptr_t)b->fams[i].samples;
}

void builtins_free(struct builtin *b)
{
	free(b->samples);
	free(b->vals);
	pool_free(&b->pool);
}

static bool bpf_stats_enabled(void)
{
	char buf[8] = "";
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return false;
	}
	fclose(f);
	return buf[0] == '1';
}

/* The process_* families, in the order client_golang's process collector writes them. */
static const struct process_family {
	const char *name, *help;
	enum family_type type;
	size_t off; /* of the double in struct procstat */
	bool net; /* only when the network counters could be read */
} process_families[] = {
	{ "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
	  FAMILY_COUNTER, offsetof(struct procstat, cpu_seconds), false },
	{ "process_max_fds", "Maximum number of open file descriptors.", FAMILY_GAUGE,
	  offsetof(struct procstat, max_fds), false },
	{ "process_network_receive_bytes_total",
	  "Number of bytes received by the process over the network.", FAMILY_COUNTER,
	  offsetof(struct procstat, net_rx_bytes), true },
	{ "process_network_transmit_bytes_total",
	  "Number of bytes sent by the process over the network.", FAMILY_COUNTER,
	  offsetof(struct procstat, net_tx_bytes), true },
	{ "process_open_fds", "Number of open file descriptors.", FAMILY_GAUGE,
	  offsetof(struct procstat, open_fds), false },
	{ "process_resident_memory_bytes", "Resident memory size in bytes.", FAMILY_GAUGE,
	  offsetof(struct procstat, resident_bytes), false },
	{ "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
	  FAMILY_GAUGE, offsetof(struct procstat, start_time_seconds), false },
	{ "process_virtual_memory_bytes", "Virtual memory size in bytes.", FAMILY_GAUGE,
	  offsetof(struct procstat, virtual_bytes), false },
	{ "process_virtual_memory_max_bytes",
	  "Maximum amount of virtual memory available in bytes.", FAMILY_GAUGE,
	  offsetof(struct procstat, virtual_max_bytes), false },
};

#define N_PROCESS_FAMILIES (sizeof(process_families) / sizeof(process_families[0]))

/*
 * How full each map is: metric maps (counters and histograms) from this scrape's own read of
 * them (arrays hold max_entries keys), the other hash maps from scrape/map_fill.c's last count.
 * The two families have the same samples; max selects the value.
 */
static const struct map_family {
	const char *name, *help;
	bool max;
} map_families[] = {
	{ "ebpf_exporter_map_entries",
	  "Entries in a BPF map: counted by this scrape's read of a metric map, by the last "
	  "background count for the other hash maps of a config",
	  false },
	{ "ebpf_exporter_map_max_entries",
	  "The max_entries of a BPF map: the entries it can hold (a full hash map rejects new "
	  "keys, a full LRU map evicts)",
	  true },
};

#define N_MAP_FAMILIES (sizeof(map_families) / sizeof(map_families[0]))

/* build info, enabled configs, decoder errors, four program families, map fill, process,
 * promhttp */
#define MAX_BUILTIN_FAMILIES (3 + 4 + N_MAP_FAMILIES + N_PROCESS_FAMILIES + 2)
_Static_assert(MAX_BUILTIN_FAMILIES <= BUILTIN_FAMILIES, "BUILTIN_FAMILIES is too small");

struct map_sample_ctx {
	struct builtin *b;
	bool max;
};

static int map_fill_sample(const struct map_fill_entry *e, void *arg)
{
	struct map_sample_ctx *x = arg;

	bi_sample(x->b, x->max ? (double)e->max_entries : (double)e->entries, 2, e->config, e->map);
	return 0;
}

/* Was the map of metric k already given a sample (a counter and a histogram of one map)? */
static bool metric_map_seen(const struct collector *c, size_t k)
{
	const struct metric_state *ms = &c->metrics[k];
	size_t i;

	for (i = k; i-- > 0 && c->metrics[i].cfg_idx == ms->cfg_idx;)
		if (c->metrics[i].snap_ok && !strcmp(c->metrics[i].name, ms->name))
			return true;
	return false;
}

/* The map fill families (see map_families): called after this scrape read the metric maps. */
static void map_fill_families(struct collector *c, struct builtin *b)
{
	static const char *const l_map[] = { "config", "map" };
	size_t i, k;

	for (i = 0; i < N_MAP_FAMILIES; i++) {
		const struct map_family *mf = &map_families[i];
		struct map_sample_ctx x = { .b = b, .max = mf->max };

		bi_family(b, mf->name, mf->help, FAMILY_GAUGE, l_map, 2);
		for (k = 0; k < c->n_metrics; k++) {
			const struct metric_state *ms = &c->metrics[k];

			/* a map that could not be read has no count this scrape */
			if (!ms->snap_ok || metric_map_seen(c, k))
				continue;
			bi_sample(b, mf->max ? (double)ms->max_entries : (double)ms->snap.n, 2,
				  ms->cfg->name, ms->name);
		}
		map_fill__each(c->map_fill, map_fill_sample, &x);
	}
}

int builtins_collect(struct collector *c, struct builtin *b)
{
	static const char *const l_name[] = { "name" };
	static const char *const l_config[] = { "config" };
	static const char *const l_id[] = { "id" };
	static const char *const l_info[] = { "config", "program", "tag", "id" };
	static const char *const l_code[] = { "code" };
	static const char *const l_build[] = { "branch",   "goarch", "goos",   "goversion",
					       "revision", "tags",   "version" };
	static const char *const codes[] = { "200", "500", "503" };
	const struct build_info *bi = build_info_get();
	struct strpool *p = &b->pool;
	struct procstat ps;
	bool stats = false;
	size_t i, j;

	bi_family(b, "ebpf_exporter_build_info",
		  "A metric with a constant '1' value labeled by version, revision, branch, "
		  "goversion from which ebpf_exporter was built, and the goos and goarch for "
		  "the build.",
		  FAMILY_GAUGE, l_build, 7);
	bi_sample(b, 1, 7, bi->branch, bi->goarch, bi->goos, bi->goversion, bi->revision, bi->tags,
		  bi->version);

	if (!c->detached) {
		bi_family(b, "ebpf_exporter_enabled_configs", "The set of enabled configs",
			  FAMILY_GAUGE, l_name, 1);
		for (i = 0; i < c->n_cfgs; i++)
			bi_sample(b, 1, 1, c->cfgs[i]->name);

		bi_family(b, "ebpf_exporter_decoder_errors_total",
			  "How many times has decoders encountered errors", FAMILY_COUNTER,
			  l_config, 1);
		for (i = 0; i < c->n_cfgs; i++)
			bi_sample(b,
				  (double)(c->decoder_errors[i] +
					   perf_counters__decoder_errors(c->perf, i) +
					   tracing__decoder_errors(c->tracing, i)),
				  1, c->cfgs[i]->name);

		stats = bpf_stats_enabled();
		for (int pass = 0; pass < (stats ? 4 : 2); pass++) {
			static const char *const names[] = {
				"ebpf_exporter_ebpf_program_info",
				"ebpf_exporter_ebpf_program_attached",
				"ebpf_exporter_ebpf_program_run_time_seconds",
				"ebpf_exporter_ebpf_program_run_count_total",
			};
			static const char *const helps[] = {
				"Info about ebpf programs",
				"Whether a program is attached",
				"How long has the program been executing",
				"How many times has the program been executed",
			};
			bi_family(b, names[pass], helps[pass],
				  pass < 2 ? FAMILY_GAUGE : FAMILY_COUNTER,
				  pass == 0 ? l_info : l_id, pass == 0 ? 4 : 1);
			for (i = 0; i < c->n_cfgs; i++) {
				struct module *m = c->mods[i];

				for (j = 0; m && j < module__n_progs(m); j++) {
					const struct module_prog *mp = module__prog(m, j);
					struct bpf_prog_info info;
					__u32 len = sizeof(info);
					const char *id;

					memset(&info, 0, sizeof(info));
					if (bpf_obj_get_info_by_fd(bpf_program__fd(mp->prog), &info,
								   &len) != 0) {
						char et[128];

						if (pass == 0)
							log_msg("Error extracting program info for "
								"\"%s\" in config \"%s\": %s",
								mp->name, c->cfgs[i]->name,
								errno_text(-errno, et, sizeof(et)));
						memset(&info, 0, sizeof(info));
					}
					id = pool_printf(p, "%u", info.id);
					if (pass == 0) {
						const char *tag =
							info.id ?
								pool_printf(
									p,
									"%02x%02x%02x%02x%02x%02x%02x%02x",
									info.tag[0], info.tag[1],
									info.tag[2], info.tag[3],
									info.tag[4], info.tag[5],
									info.tag[6], info.tag[7]) :
								"";
						bi_sample(b, 1, 4, c->cfgs[i]->name, mp->name, tag,
							  id);
					} else if (pass == 1) {
						bi_sample(b, mp->link ? 1 : 0, 1, id);
					} else if (pass == 2) {
						bi_sample(
							b,
							(double)(info.run_time_ns / 1000000000ULL) +
								(double)(info.run_time_ns %
									 1000000000ULL) /
									1e9,
							1, id);
					} else {
						bi_sample(b, (double)info.run_cnt, 1, id);
					}
				}
			}
		}
	}

	if (!c->detached)
		map_fill_families(c, b);

	if (procstat_read(&ps) == 0 || ps.cpu_seconds > 0) {
		for (i = 0; i < N_PROCESS_FAMILIES; i++) {
			const struct process_family *pf = &process_families[i];

			if (pf->net && !ps.have_net)
				continue;
			bi_family(b, pf->name, pf->help, pf->type, NULL, 0);
			bi_sample(b, *(const double *)((const char *)&ps + pf->off), 0);
		}
	}

	bi_family(b, "promhttp_metric_handler_requests_in_flight",
		  "Current number of scrapes being served.", FAMILY_GAUGE, NULL, 0);
	bi_sample(b, __atomic_load_n(&c->in_flight, __ATOMIC_RELAXED), 0);
	bi_family(b, "promhttp_metric_handler_requests_total",
		  "Total number of scrapes by HTTP status code.", FAMILY_COUNTER, l_code, 1);
	for (i = 0; i < SCRAPE_CODES; i++)
		bi_sample(b, (double)__atomic_load_n(&c->requests[i], __ATOMIC_RELAXED), 1,
			  codes[i]);

	if (b->err)
		return b->err;
	bi_finish(b);
	return 0;
}
