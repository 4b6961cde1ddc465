// SPDX-License-Identifier: MIT
#include "bpf/module.h"
#include "bpf/internal.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sources/kallsyms.h"
#include "tracing/tracing.h"
#include "bpf/map_snapshot.h"
#include "util/clock.h"
#include "util/errno_text.h"
#include "util/gostr.h"
#include "util/log.h"

/* Set once by loader_init before any thread exists; read by the libbpf print callback. */
static bool loader_debug;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "warn", "info", "debug" };
	char msg[4096];
	int n;

	if (level == LIBBPF_DEBUG && !loader_debug)
		return 0;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return 0;
	log_msg("libbpf [%s]: %s", names[level <= LIBBPF_DEBUG ? level : LIBBPF_DEBUG], msg);
	return n;
}

int loader_parse_perf_event(const char *spec, struct perf_event_spec *out, char *err, size_t errlen)
{
	char *copy, *item, *next;
	int e = 0;

	memset(out, 0, sizeof(*out));
	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	/* strings.Split: every comma separates, so empty items exist and are errors. */
	for (item = copy; item; item = next) {
		char *eq, *comma = strchr(item, ',');
		char aerr[512];
		int64_t v;

		next = comma ? comma + 1 : NULL;
		if (comma)
			*comma = '\0';
		eq = strchr(item, '=');
		if (!eq) {
			snprintf(err, errlen, "invalid perf_event item: \"%s\"", item);
			e = -EINVAL;
			break;
		}
		e = gostr_atoi((const uint8_t *)eq + 1, strlen(eq + 1), &v, aerr, sizeof(aerr));
		if (e) {
			*eq = '\0';
			snprintf(err, errlen,
				 "error parsing value of item \"%s=%s\" as integer: %s", item,
				 eq + 1, aerr);
			e = -EINVAL;
			break;
		}
		*eq = '\0';
		if (strcmp(item, "type") == 0) {
			out->type = v;
		} else if (strcmp(item, "config") == 0) {
			out->config = v;
		} else if (strcmp(item, "frequency") == 0) {
			out->frequency = v;
		} else {
			snprintf(err, errlen, "unknown perf_event item \"%s=%s\"", item, eq + 1);
			e = -EINVAL;
			break;
		}
	}
	free(copy);
	return e;
}

int loader_parse_cpu_list(const char *list, int *cpus, int max)
{
	const char *p = list;
	int n = 0;

	while (*p && *p != '\n') {
		char *end;
		long a, b;

		a = strtol(p, &end, 10);
		if (end == p || a < 0)
			return -EINVAL;
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			b = strtol(p, &end, 10);
			if (end == p || b < a)
				return -EINVAL;
			p = end;
		}
		for (; a <= b; a++) {
			if (n == max)
				return -E2BIG;
			cpus[n++] = (int)a;
		}
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return n;
}

static const char *section_arg(const struct bpf_program *prog, const char *prefix)
{
	const char *sec = bpf_program__section_name(prog);
	size_t n = strlen(prefix);

	return strncmp(sec, prefix, n) == 0 ? sec + n : NULL;
}

/* Keeps libbpf's own xdp/devmap and xdp/cpumap programs as libbpf defines them. */
static int xdp_setup(struct bpf_program *prog, long cookie)
{
	const char *arg = section_arg(prog, "xdp/");

	if (arg && strcmp(arg, "devmap") == 0)
		return bpf_program__set_expected_attach_type(prog, BPF_XDP_DEVMAP);
	if (arg && strcmp(arg, "cpumap") == 0)
		return bpf_program__set_expected_attach_type(prog, BPF_XDP_CPUMAP);
	return 0;
}

static int xdp_attach(const struct bpf_program *prog, long cookie, struct bpf_link **link)
{
	const char *ifname = section_arg(prog, "xdp/");
	unsigned int ifindex;
	char et[128];
	int e;

	*link = NULL;
	if (!ifname || strcmp(ifname, "devmap") == 0 || strcmp(ifname, "cpumap") == 0)
		return -EOPNOTSUPP;
	ifindex = *ifname ? if_nametoindex(ifname) : 0;
	if (!ifindex) {
		log_msg("Error attaching XDP: failed to find device \"%s\" for program \"%s\": "
			"route ip+net: %s",
			ifname, bpf_program__name(prog),
			*ifname ? "no such network interface" : "invalid network interface name");
		/* As upstream's handler: the reason is logged above, libbpf gets EINVAL. */
		return -EINVAL;
	}
	*link = bpf_program__attach_xdp(prog, (int)ifindex);
	if (!*link) {
		e = -errno;
		log_msg("Error attaching XDP: failed to attach xdp on device \"%s\" for program %s: "
			"%s",
			ifname, bpf_program__name(prog), errno_text(e, et, sizeof(et)));
		return -EINVAL;
	}
	return 0;
}

/* perf_event/ programs are attached by module__attach itself (one link per CPU). */
static int perf_event_attach(const struct bpf_program *prog, long cookie, struct bpf_link **link)
{
	*link = NULL;
	return -EOPNOTSUPP;
}

static int perf_handler_id = -1, xdp_handler_id = -1;

int loader_init(bool debug, char *err, size_t errlen)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, perf_opts, .prog_attach_fn = perf_event_attach);
	LIBBPF_OPTS(libbpf_prog_handler_opts, xdp_opts, .prog_setup_fn = xdp_setup,
		    .prog_attach_fn = xdp_attach);
	char et[128];

	loader_debug = debug;
	libbpf_set_print(libbpf_print);
	perf_handler_id = libbpf_register_prog_handler("perf_event/", BPF_PROG_TYPE_PERF_EVENT,
						       BPF_PERF_EVENT, &perf_opts);
	if (perf_handler_id < 0) {
		snprintf(err, errlen,
			 "error registering libbpf handlers: error registering prog handler: %s",
			 errno_text(perf_handler_id, et, sizeof(et)));
		return perf_handler_id;
	}
	xdp_handler_id =
		libbpf_register_prog_handler("xdp/", BPF_PROG_TYPE_XDP, BPF_XDP, &xdp_opts);
	if (xdp_handler_id < 0) {
		snprintf(err, errlen, "error registering xdp handlers: %s",
			 errno_text(xdp_handler_id, et, sizeof(et)));
		return xdp_handler_id;
	}
	return 0;
}

void loader_fini(void)
{
	if (perf_handler_id >= 0)
		libbpf_unregister_prog_handler(perf_handler_id);
	if (xdp_handler_id >= 0)
		libbpf_unregister_prog_handler(xdp_handler_id);
	perf_handler_id = xdp_handler_id = -1;
	libbpf_set_print(NULL);
}

static void destroy_cpu_links(struct module_prog *p)
{
	size_t i;

	for (i = 0; i < p->n_cpu_links; i++)
		bpf_link__destroy(p->cpu_links[i]);
	free(p->cpu_links);
	p->cpu_links = NULL;
	p->n_cpu_links = 0;
}

/*
 * One software or hardware perf event per online CPU, each with its own link, all owned by
 * the program (none leaked, every one destroyed at detach).
 */
static int attach_perf_event(struct module *m, struct module_prog *p, const char *spec)
{
	struct perf_event_spec pe;
	struct perf_event_attr attr;
	char msg[512], et[128], online[256] = "";
	int cpus[1024], n, i, e;
	FILE *f;

	e = loader_parse_perf_event(spec, &pe, msg, sizeof(msg));
	if (e) {
		log_msg("Error attaching perf event: failed to parse section \"%s\": %s",
			bpf_program__section_name(p->prog), msg);
		return -EINVAL;
	}
	if (!pe.frequency)
		log_msg("Warning: program \"%s\" for config \"%s\": perf event \"%s\" has no "
			"frequency and will never fire",
			p->name, m->cfg->name, spec);
	f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f || !fgets(online, sizeof(online), f)) {
		e = f ? -EIO : -errno;
		if (f)
			fclose(f);
		log_msg("Error attaching perf event: failed to determine online cpus: %s",
			errno_text(e, et, sizeof(et)));
		return -EINVAL;
	}
	fclose(f);
	n = loader_parse_cpu_list(online, cpus, (int)(sizeof(cpus) / sizeof(cpus[0])));
	if (n <= 0) {
		online[strcspn(online, "\n")] = '\0';
		log_msg("Error attaching perf event: failed to determine online cpus: bad cpu "
			"list \"%s\"",
			online);
		return -EINVAL;
	}
	p->cpu_links = calloc((size_t)n, sizeof(*p->cpu_links));
	if (!p->cpu_links)
		return -ENOMEM;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (__u32)pe.type;
	attr.config = (__u64)pe.config;
	if (pe.frequency) {
		attr.freq = 1;
		attr.sample_freq = (__u64)pe.frequency;
	}
	for (i = 0; i < n; i++) {
		struct bpf_link *link;
		int pfd = (int)syscall(__NR_perf_event_open, &attr, -1, cpus[i], -1,
				       PERF_FLAG_FD_CLOEXEC);

		if (pfd < 0) {
			e = -errno;
			log_msg("Error attaching perf event: failed to open perf_event: "
				"perf_event_open: %s",
				errno_text(e, et, sizeof(et)));
			destroy_cpu_links(p);
			return -EINVAL;
		}
		link = bpf_program__attach_perf_event(p->prog, pfd);
		if (!link) {
			e = -errno;
			close(pfd);
			log_msg("Error attaching perf event: failed to attach perf event %lld:%lld to "
				"program \"%s\" on cpu %d: %s",
				pe.type, pe.config, p->name, cpus[i],
				errno_text(e, et, sizeof(et)));
			destroy_cpu_links(p);
			return -EINVAL;
		}
		p->cpu_links[p->n_cpu_links++] = link;
	}
	return 0;
}

/*
 * Finds global variable `name` in the object's .rodata or .data section and returns the
 * internal map holding it and the variable's offset and size.
 */
static int find_global(struct bpf_object *obj, const char *name, struct bpf_map **map_out,
		       __u32 *off, __u32 *size)
{
	static const char *const secs[] = { ".rodata", ".data" };
	const struct btf *btf = bpf_object__btf(obj);
	size_t i;

	if (!btf)
		return -ENOENT;
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		const struct btf_var_secinfo *vs;
		const struct btf_type *sec;
		struct bpf_map *map;
		int id, j;

		id = btf__find_by_name_kind(btf, secs[i], BTF_KIND_DATASEC);
		if (id < 0)
			continue;
		sec = btf__type_by_id(btf, id);
		vs = btf_var_secinfos(sec);
		for (j = 0; j < btf_vlen(sec); j++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, var->name_off), name) != 0)
				continue;
			bpf_object__for_each_map(map, obj) {
				const char *mn = bpf_map__name(map);
				size_t ml = strlen(mn), sl = strlen(secs[i]);

				if (!bpf_map__is_internal(map) || ml < sl ||
				    strcmp(mn + ml - sl, secs[i]) != 0)
					continue;
				*map_out = map;
				*off = vs->offset;
				*size = vs->size;
				return 0;
			}
		}
	}
	return -ENOENT;
}

static int pass_kaddrs(const struct config *cfg, struct bpf_object *obj, struct kallsyms *ks,
		       char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < cfg->n_kaddrs; i++) {
		const char *sym = cfg->kaddrs[i];
		char var[512];
		struct bpf_map *map = NULL;
		__u32 off = 0, size = 0;
		uint64_t addr = 0;
		size_t vsize = 0;
		uint8_t *data;
		int e;

		if (!ks || kallsyms__addr(ks, sym, &addr) != 0) {
			snprintf(
				err, errlen,
				"error passing kaddrs to config \"%s\": error finding kaddr for \"%s\"",
				cfg->name, sym);
			return -ENOENT;
		}
		snprintf(var, sizeof(var), "kaddr_%s", sym);
		e = find_global(obj, var, &map, &off, &size);
		if (!e && size != sizeof(uint64_t))
			e = -EINVAL;
		data = e ? NULL : (uint8_t *)bpf_map__initial_value(map, &vsize);
		if (!e && (!data || (size_t)off + size > vsize))
			e = -EINVAL;
		if (e) {
			snprintf(
				err, errlen,
				"error passing kaddrs to config \"%s\": error setting kaddr value for "
				"\"%s\" (const volatile \"%s\") to 0x%llx: %s",
				cfg->name, sym, var, (unsigned long long)addr,
				e == -ENOENT ? "variable not found in .rodata or .data" :
					       "variable is not a u64");
			return e;
		}
		memcpy(data + off, &addr, sizeof(addr));
		log_debug("loader: config %s: kaddr_%s = 0x%llx", cfg->name, sym,
			  (unsigned long long)addr);
	}
	return 0;
}

int module__open_load(const struct config *cfg, const char *btf_path, struct kallsyms *ks,
		      struct lifecycle *lc, struct lc_span *parent, struct module **out, char *err,
		      size_t errlen)
{
	struct lc_span *span;
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct bpf_program *prog;
	struct bpf_map *map;
	struct module *m;
	char et[128];
	size_t n = 0;
	int e;

	if (btf_path && *btf_path) {
		struct stat st;

		if (stat(btf_path, &st) != 0) {
			e = -errno;
			if (e == -ENOENT)
				snprintf(err, errlen, "could not find BTF file \"%s\"", btf_path);
			else
				snprintf(err, errlen, "failed to retrieve file info for \"%s\": %s",
					 btf_path, errno_text(e, et, sizeof(et)));
			return e;
		}
		opts.btf_custom_path = btf_path;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = cfg;
	span = lifecycle__begin(lc, parent, "new_module");
	m->obj = bpf_object__open_file(cfg->obj_path, &opts);
	if (!m->obj) {
		e = -errno;
		snprintf(err, errlen, "error creating module from \"%s\" for config \"%s\": %s",
			 cfg->obj_path, cfg->name, errno_text(e, et, sizeof(et)));
		lifecycle__error(span, err);
		lifecycle__end(lc, span);
		goto out_free;
	}
	lifecycle__end(lc, span);

	if (cfg->n_kaddrs) {
		size_t i;

		span = lifecycle__begin(lc, parent, "pass_kaddrs");
		for (i = 0; i < cfg->n_kaddrs; i++)
			lifecycle__event(span, "kaddr", "symbol", cfg->kaddrs[i]);
		{
			struct lc_span *pop = lifecycle__begin(lc, span, "populate_kaddrs");

			e = pass_kaddrs(cfg, m->obj, ks, err, errlen);
			if (e)
				lifecycle__error(pop, err);
			lifecycle__end(lc, pop);
		}
		if (e)
			lifecycle__error(span, err);
		lifecycle__end(lc, span);
		if (e)
			goto out_close;
	}

	span = lifecycle__begin(lc, parent, "bpf_load_object");
	if (bpf_object__load(m->obj) != 0) {
		e = -errno;
		snprintf(err, errlen, "error loading bpf object from \"%s\" for config \"%s\": %s",
			 cfg->obj_path, cfg->name, errno_text(e, et, sizeof(et)));
		lifecycle__error(span, err);
		lifecycle__end(lc, span);
		goto out_close;
	}
	lifecycle__end(lc, span);

	bpf_object__for_each_program(prog, m->obj) {
		n++;
	}
	m->progs = calloc(n ? n : 1, sizeof(*m->progs));
	if (!m->progs) {
		e = -ENOMEM;
		snprintf(err, errlen, "config \"%s\": out of memory", cfg->name);
		goto out_close;
	}
	bpf_object__for_each_program(prog, m->obj) {
		struct module_prog *p = &m->progs[m->n_progs++];

		p->prog = prog;
		p->name = bpf_program__name(prog);
		p->attach_err = -ENOTCONN; /* not attached yet */
	}
	m->loaded_at_ns = clock_ns(CLOCK_REALTIME);
	n = 0;
	bpf_object__for_each_map(map, m->obj) {
		n += !bpf_map__is_internal(map);
	}
	m->maps = calloc(n ? n : 1, sizeof(*m->maps));
	if (!m->maps) {
		e = -ENOMEM;
		snprintf(err, errlen, "config \"%s\": out of memory", cfg->name);
		goto out_close;
	}
	bpf_object__for_each_map(map, m->obj) {
		if (!bpf_map__is_internal(map))
			m->maps[m->n_maps++] = map;
	}
	*out = m;
	return 0;

out_close:
	bpf_object__close(m->obj);
	free(m->progs);
out_free:
	free(m);
	return e;
}

int module__attach(struct module *m, struct lifecycle *lc, struct lc_span *parent)
{
	struct lc_span *span = lifecycle__begin(lc, parent, "attach_module");
	int failed = 0;
	size_t i;

	for (i = 0; i < m->n_progs; i++) {
		struct module_prog *p = &m->progs[i];
		char et[128], msg[256];

		const char *pe = section_arg(p->prog, "perf_event/");
		int e = 0;

		if (pe) {
			e = attach_perf_event(m, p, pe);
			/* The first CPU's link marks the program attached; all are owned here. */
			p->link = e ? NULL : p->cpu_links[0];
		} else {
			p->link = bpf_program__attach(p->prog);
			if (!p->link)
				e = errno ? -errno : -EINVAL;
		}
		lifecycle__event(span, "prog_attach", "SEC", bpf_program__section_name(p->prog));
		if (!p->link) {
			p->attach_err = e;
			log_msg("Failed to attach program \"%s\" for config \"%s\": failed to attach "
				"program: %s",
				p->name, m->cfg->name, errno_text(p->attach_err, et, sizeof(et)));
			snprintf(msg, sizeof(msg), "failed to attach program: %s", et);
			lifecycle__error(span, msg);
			failed++;
			continue;
		}
		p->attach_err = 0;
		log_debug("loader: config %s: program %s attached (%s)", m->cfg->name, p->name,
			  bpf_program__section_name(p->prog));
	}
	lifecycle__end(lc, span);
	return failed;
}

/* Key bytes the labels describe, as the map must hold them. */
static int check_key_size(const struct config *cfg, const char *kind, const char *metric, int line,
			  const struct label_conf *labels, size_t n_labels,
			  const struct bpf_map *map, char *err, size_t errlen)
{
	uint32_t key_size = bpf_map__key_size(map);
	bool percpu = map_type_percpu(bpf_map__type(map));
	bool cpu_label = percpu && n_labels > 0 && strcmp(labels[n_labels - 1].name, "cpu") == 0;
	uint64_t sum = 0, expect;
	size_t i;

	for (i = 0; i < n_labels; i++)
		sum += labels[i].size + labels[i].padding;

	if (n_labels == 0) {
		if (key_size == 4)
			return 0;
		snprintf(
			err, errlen,
			"error validating maps for config \"%s\": %s \"%s\" (%s line %d) has no "
			"labels, so map \"%s\" must have a 4-byte key, but its key size is %u bytes",
			cfg->name, kind, metric, cfg->yaml_path, line, metric, key_size);
		return -EINVAL;
	}
	if (cpu_label) {
		/* The exporter appends the CPU index as 2 bytes. */
		expect = (uint64_t)key_size + 2;
		/* A map keyed by a zero u32 with only a cpu label drops the key. */
		if (n_labels == 1 && key_size == 4 && sum == 2)
			return 0;
		if (sum == expect)
			return 0;
		snprintf(
			err, errlen,
			"error validating maps for config \"%s\": %s \"%s\" (%s line %d): labels "
			"add up to %llu bytes (size + padding, including the 2-byte cpu label), but "
			"map \"%s\" has a key size of %u bytes (expected labels of %llu bytes)",
			cfg->name, kind, metric, cfg->yaml_path, line, (unsigned long long)sum,
			metric, key_size, (unsigned long long)expect);
		return -EINVAL;
	}
	if (sum == key_size)
		return 0;
	snprintf(err, errlen,
		 "error validating maps for config \"%s\": %s \"%s\" (%s line %d): labels add up "
		 "to %llu bytes (size + padding), but map \"%s\" has a key size of %u bytes",
		 cfg->name, kind, metric, cfg->yaml_path, line, (unsigned long long)sum, metric,
		 key_size);
	return -EINVAL;
}

static int check_map(const struct module *m, const char *kind, const char *metric, int line,
		     const struct label_conf *labels, size_t n_labels, char *err, size_t errlen)
{
	const struct config *cfg = m->cfg;
	const struct bpf_map *map = bpf_object__find_map_by_name(m->obj, metric);
	uint32_t vs;
	int e;

	if (!map) {
		snprintf(
			err, errlen,
			"error validating maps for config \"%s\": failed to get map \"%s\": no map "
			"named \"%s\" in \"%s\" (%s \"%s\", %s line %d)",
			cfg->name, metric, metric, cfg->obj_path, kind, metric, cfg->yaml_path,
			line);
		return -ENOENT;
	}
	vs = bpf_map__value_size(map);
	if (vs != 8) {
		snprintf(
			err, errlen,
			"error validating maps for config \"%s\": value size for map \"%s\" is not "
			"expected 8 bytes (u64), it is %u bytes (%s \"%s\", %s line %d)",
			cfg->name, metric, vs, kind, metric, cfg->yaml_path, line);
		return -EINVAL;
	}
	e = check_key_size(cfg, kind, metric, line, labels, n_labels, map, err, errlen);
	if (e || strcmp(kind, "histogram") != 0)
		return e;
	/*
	 * The config check saw the last label; on a per-CPU map with a trailing `cpu` label the
	 * bucket is the label before it, and it must decode to an integer too.
	 */
	if (map_type_percpu(bpf_map__type(map)) && n_labels >= 2 &&
	    strcmp(labels[n_labels - 1].name, "cpu") == 0) {
		const struct label_conf *b = &labels[n_labels - 2];

		if (!b->n_decoders || strcmp(b->decoders[b->n_decoders - 1].name, "uint") != 0) {
			snprintf(
				err, errlen,
				"error validating maps for config \"%s\": histogram \"%s\" (%s line "
				"%d): bucket label \"%s\" (the label before \"cpu\") must end with "
				"the uint decoder",
				cfg->name, metric, cfg->yaml_path, b->line ? b->line : line,
				b->name);
			return -EINVAL;
		}
	}
	return 0;
}

int module__validate_maps(const struct module *m, char *err, size_t errlen)
{
	const struct config *cfg = m->cfg;
	size_t i;
	int e;

	for (i = 0; i < cfg->n_counters; i++) {
		const struct counter_conf *c = &cfg->counters[i];

		if (c->perf_event_array)
			continue;
		e = check_map(m, "counter", c->name, c->line, c->labels, c->n_labels, err, errlen);
		if (e)
			return e;
	}
	for (i = 0; i < cfg->n_histograms; i++) {
		const struct histogram_conf *h = &cfg->histograms[i];

		e = check_map(m, "histogram", h->name, h->line, h->labels, h->n_labels, err,
			      errlen);
		if (e)
			return e;
	}
	return 0;
}

void module__detach(struct module *m, struct lifecycle *lc, struct lc_span *parent)
{
	struct lc_span *span;
	size_t i;

	if (!m)
		return;
	span = lifecycle__begin(lc, parent, "close_module");
	lifecycle__attr(span, "config", m->cfg->name);
	for (i = 0; i < m->n_progs; i++) {
		struct module_prog *p = &m->progs[i];
		char et[128];
		int e;

		if (p->n_cpu_links) {
			lifecycle__event(span, "prog_detach", "SEC",
					 bpf_program__section_name(p->prog));
			destroy_cpu_links(p);
			p->link = NULL;
			continue;
		}
		if (!p->link)
			continue;
		lifecycle__event(span, "prog_detach", "SEC", bpf_program__section_name(p->prog));
		e = bpf_link__destroy(p->link);
		if (e)
			log_msg("Failed to detach program \"%s\" for config \"%s\": %s", p->name,
				m->cfg->name, errno_text(e, et, sizeof(et)));
		p->link = NULL;
	}
	lifecycle__event(span, "close", NULL, NULL);
	lifecycle__end(lc, span);
}

void module__free(struct module *m)
{
	if (!m)
		return;
	module__detach(m, NULL, NULL);
	bpf_object__close(m->obj);
	free(m->progs);
	free(m->maps);
	free(m);
}

struct bpf_object *module__object(const struct module *m)
{
	return m->obj;
}

size_t module__n_progs(const struct module *m)
{
	return m->n_progs;
}

const struct module_prog *module__prog(const struct module *m, size_t i)
{
	return &m->progs[i];
}

const char *module__prog_section(const struct module *m, size_t i)
{
	return bpf_program__section_name(m->progs[i].prog);
}

int module__prog_stats(const struct module *m, size_t i, struct module_prog_stats *out)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(out, 0, sizeof(*out));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(m->progs[i].prog), &info, &len) != 0)
		return -errno;
	out->id = info.id;
	out->run_cnt = info.run_cnt;
	out->run_time_ns = info.run_time_ns;
	return 0;
}

uint64_t module__loaded_at_ns(const struct module *m)
{
	return m->loaded_at_ns;
}

size_t module__n_maps(const struct module *m)
{
	return m->n_maps;
}

void module__map_info(const struct module *m, size_t i, struct module_map_info *out)
{
	const struct bpf_map *map = m->maps[i];
	const char *type = libbpf_bpf_map_type_str(bpf_map__type(map));

	out->name = bpf_map__name(map);
	out->type = type ? type : "";
	out->key_size = bpf_map__key_size(map);
	out->value_size = bpf_map__value_size(map);
	out->max_entries = bpf_map__max_entries(map);
	out->fd = bpf_map__fd(map);
}
