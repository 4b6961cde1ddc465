// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_SYSTEMD_H
#define EBPF_EXPORTER_UTIL_SYSTEMD_H

#include <stddef.h>

/*
 * libsystemd's sd_notify() and sd_listen_fds(), loaded with dlopen() only when systemd
 * asked for them (NOTIFY_SOCKET, LISTEN_FDS in the environment): an exporter started any
 * other way never maps libsystemd and its compression and crypto libraries.
 */

/* First descriptor systemd passes (SD_LISTEN_FDS_START). */
#define SYSTEMD_LISTEN_FDS_START 3

/*
 * sd_notify(0, state) when NOTIFY_SOCKET is set; otherwise nothing. Returns sd_notify's result
 * (> 0 sent), 0 when there is no one to notify, or -ENOPKG when libsystemd cannot be loaded.
 */
int systemd_notify(const char *state);

/*
 * sd_listen_fds(0): the number of sockets passed by socket activation, 0 when LISTEN_FDS is
 * unset, negative errno on failure (with a message in err naming libsystemd when it cannot be
 * loaded).
 */
int systemd_listen_fds(char *err, size_t errlen);

#endif
