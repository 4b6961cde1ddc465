// SPDX-License-Identifier: MIT
/*
 * Python module imports, by module name, from CPython's USDT probe
 * python:import__find__load__start(module_name), which fires when an import has to find and
 * load a module that is not loaded yet (the first `import json` of a process, not the later
 * ones). CPython fires the probe only while its semaphore is set: libbpf hands the semaphore's
 * offset to the kernel with the uprobe, and the kernel sets it in every process running the
 * binary, those started before the exporter included.
 *
 * The section names Debian's interpreter by its absolute path, /usr/bin/python3: upstream's
 * `python3` is looked up in PATH, where a version manager's shim (a shell script without
 * probes) may come first. Point it at another build with probes (configure --with-dtrace) by
 * changing the path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>
#include "maps.bpf.h"

#define MODULE_LEN 128
#define MAX_MODULES 1024

struct module_key {
	char module[MODULE_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_MODULES);
	__type(key, struct module_key);
	__type(value, u64);
} python_module_imports_total SEC(".maps");

SEC("usdt//usr/bin/python3:python:import__find__load__start")
int BPF_USDT(import_start, const char *module)
{
	struct module_key key = {};

	if (bpf_probe_read_user_str(key.module, sizeof(key.module), module) < 0)
		return 0;
	return increment_map(&python_module_imports_total, &key, 1);
}

char LICENSE[] SEC("license") = "GPL";
