// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_GOYAML_H
#define EBPF_EXPORTER_UTIL_GOYAML_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "util/buf.h"

/*
 * Scalars of a libyaml document read the way Go's YAML decoder (gopkg.in/yaml.v2) resolves
 * them, for the two files the exporter reads in Go's YAML: the configs and the web config.
 */

/* n is a scalar whose text is s. */
bool goyaml_text_is(const yaml_node_t *n, const char *s);

/* n is a scalar whose text is one of set (NULL-terminated). */
bool goyaml_text_in(const yaml_node_t *n, const char *const *set);

/* A plain null scalar (`~`, `null`, an empty value...): the decoder leaves the zero value. */
bool goyaml_is_null(const yaml_node_t *n);

/* A plain boolean (`true`, `yes`, `on`, `False`...): true, with its value in *out. */
bool goyaml_bool(const yaml_node_t *n, bool *out);

/*
 * Appends libyaml's error of yp as `line L column C: problem (context at line L column C)`,
 * or `line L: problem` for a reader error (invalid UTF-8), where L counts the lines of
 * text[0..len) up to the problem. Returns 0 or -ENOMEM (also when yp ran out of memory).
 */
int goyaml_syntax_error(struct buf *msg, const yaml_parser_t *yp, const char *text, size_t len);

#endif
