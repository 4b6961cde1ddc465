// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_PROCSTAT_H
#define EBPF_EXPORTER_PROCSTAT_H

#include <stdbool.h>

/* The standard process_* metrics of Prometheus clients, read from /proc/self. */
struct procstat {
	double cpu_seconds;
	double resident_bytes;
	double virtual_bytes;
	double virtual_max_bytes;
	double start_time_seconds;
	double open_fds;
	double max_fds;
	double net_rx_bytes;
	double net_tx_bytes;
	bool have_net;
};

/* Fills ps from /proc. Returns 0 or a negative errno (ps is then partially filled). */
int procstat_read(struct procstat *ps);

#endif
