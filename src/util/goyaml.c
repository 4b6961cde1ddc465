// SPDX-License-Identifier: MIT
#include "util/goyaml.h"

#include <errno.h>
#include <string.h>

static const char *const null_forms[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_forms[] = { "true", "True", "TRUE", "y",	"Y",  "yes",
					  "Yes",  "YES",  "on",	  "On", "ON", NULL };
static const char *const false_forms[] = { "false", "False", "FALSE", "n",   "N",   "no",
					   "No",    "NO",    "off",   "Off", "OFF", NULL };

static bool is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool goyaml_text_is(const yaml_node_t *n, const char *s)
{
	size_t len = strlen(s);

	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
	       !memcmp(n->data.scalar.value, s, len);
}

bool goyaml_text_in(const yaml_node_t *n, const char *const *set)
{
	for (; *set; set++)
		if (goyaml_text_is(n, *set))
			return true;
	return false;
}

bool goyaml_is_null(const yaml_node_t *n)
{
	return is_plain(n) && goyaml_text_in(n, null_forms);
}

bool goyaml_bool(const yaml_node_t *n, bool *out)
{
	if (!is_plain(n))
		return false;
	if (goyaml_text_in(n, true_forms)) {
		*out = true;
		return true;
	}
	if (goyaml_text_in(n, false_forms)) {
		*out = false;
		return true;
	}
	return false;
}

int goyaml_syntax_error(struct buf *msg, const yaml_parser_t *yp, const char *text, size_t len)
{
	const char *problem = yp->problem ? yp->problem : "unknown error";
	size_t i, line = 1;
	int err;

	if (yp->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (yp->error == YAML_READER_ERROR) {
		for (i = 0; i < len && i < yp->problem_offset; i++)
			line += text[i] == '\n';
		err = buf_printf(msg, "line %zu: %s", line, problem);
	} else {
		err = buf_printf(msg, "line %zu column %zu: %s", yp->problem_mark.line + 1,
				 yp->problem_mark.column + 1, problem);
		if (!err && yp->context)
			err = buf_printf(msg, " (%s at line %zu column %zu)", yp->context,
					 yp->context_mark.line + 1, yp->context_mark.column + 1);
	}
	return err ? -ENOMEM : 0;
}
