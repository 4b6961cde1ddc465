// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_BPF_INTERNAL_H
#define EBPF_EXPORTER_BPF_INTERNAL_H

/* The module's state, for the bpf folder (and its tests) only; others have module.h. */

#include <stddef.h>

#include "bpf/module.h"

/* One config's BPF object and the state of its programs. */
struct module {
	const struct config *cfg; /* borrowed */
	struct bpf_object *obj;
	struct module_prog *progs;
	size_t n_progs;
	struct bpf_map **maps; /* the object's own maps (module__n_maps()) */
	size_t n_maps;
	uint64_t loaded_at_ns; /* CLOCK_REALTIME */
};

#endif
