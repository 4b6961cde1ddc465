// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_CLI_H
#define EBPF_EXPORTER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Command-line options, parsed the way kingpin parses upstream's flags. */
struct cli_opts {
	char *config_dir;
	char *config_names; /* as given; split with cli_split_names() */
	bool config_check;
	bool config_strict;
	long long skip_cache_size;
	bool debug;
	bool log_no_timestamps;
	bool web_systemd_socket; /* serve the sockets systemd passes instead of the addresses */
	/* repeatable: the first one given replaces the default ":9435"; NULL-terminated */
	char **web_listen_addresses;
	size_t n_web_listen_addresses;
	char *web_config_file; /* default "": no TLS, no authentication */
	char *web_telemetry_path; /* default "/metrics" */
	char *capabilities_keep; /* default "all" */
	char *btf_path; /* default "" */
	/* this exporter's own */
	long long web_max_connections; /* 0: from RLIMIT_NOFILE */
	int64_t web_request_timeout_ns; /* default 10s */
	int64_t web_idle_timeout_ns; /* default 5m */
	int64_t tracing_shutdown_timeout_ns; /* default 5s */
	bool web_enable_lifecycle; /* POST /-/reload reloads, as Prometheus's flag */
	bool web_enable_openmetrics; /* OpenMetrics 1.0.0 text is negotiated too */
};

enum cli_result {
	CLI_OK = 0, /* run the exporter */
	CLI_EXIT = 1, /* --help or --version printed; exit 0 */
	CLI_ERROR = 2, /* error printed as "<prog>: error: <msg>, try --help"; exit 1 */
};

/*
 * Parses argv into opts (defaults filled first). Writes help, version and errors to stderr
 * (--help-long, --help-man and the completion flags write to stdout, as kingpin does).
 * Strings in opts are owned by opts; release them with cli_opts_free(). After CLI_EXIT or
 * CLI_ERROR opts holds nothing to release (calling cli_opts_free() is still safe).
 */
enum cli_result cli_parse(int argc, char **argv, struct cli_opts *opts);
/* Frees the strings and zeroes opts; NULL-tolerant and safe to call twice. */
void cli_opts_free(struct cli_opts *opts);

/*
 * Splits --config.names on ',' with no trimming; empty items are kept. (The exporter
 * resolves the items, glob patterns included, with generation_resolve_names().)
 * Returns a NULL-terminated array (free with cli_names_free()) and the count in *n, or NULL
 * with errno set.
 */
char **cli_split_names(const char *names, int *n);
/* Frees a cli_split_names() result; NULL-tolerant. */
void cli_names_free(char **names);

#endif
