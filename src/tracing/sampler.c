// SPDX-License-Identifier: MIT
#include "tracing/sampler.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum sampler_kind kind;
} names[] = {
	{ "always_on", SAMPLER_ALWAYS_ON },
	{ "always_off", SAMPLER_ALWAYS_OFF },
	{ "traceidratio", SAMPLER_TRACEIDRATIO },
	{ "parentbased_always_on", SAMPLER_PARENTBASED_ALWAYS_ON },
	{ "parentbased_always_off", SAMPLER_PARENTBASED_ALWAYS_OFF },
	{ "parentbased_traceidratio", SAMPLER_PARENTBASED_TRACEIDRATIO },
};

int sampler_parse(struct sampler *s, const char *name, const char *arg)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->kind = SAMPLER_PARENTBASED_ALWAYS_ON;
	s->ratio = 1;
	if (name && *name) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(name, names[i].name) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -EINVAL;
		s->kind = names[i].kind;
	}
	if ((s->kind == SAMPLER_TRACEIDRATIO || s->kind == SAMPLER_PARENTBASED_TRACEIDRATIO) &&
	    arg && *arg) {
		char *end;
		double r;

		errno = 0;
		r = strtod(arg, &end);
		if (errno || *end || end == arg || !(r >= 0 && r <= 1))
			return -EINVAL;
		s->ratio = r;
	}
	/* As the Go SDK: bound = ratio * 2^63, compared with the low 63 bits' top. */
	if (s->ratio >= 1)
		s->bound = UINT64_MAX;
	else
		s->bound = (uint64_t)(s->ratio * 9223372036854775808.0);
	return 0;
}

static bool ratio_sample(const struct sampler *s, const uint8_t trace_id[16])
{
	uint64_t x = 0;
	int i;

	if (s->ratio >= 1)
		return true;
	for (i = 8; i < 16; i++)
		x = x << 8 | trace_id[i];
	return (x >> 1) < s->bound;
}

bool sampler_sample(const struct sampler *s, const uint8_t trace_id[16], bool has_parent,
		    bool parent_sampled)
{
	switch (s->kind) {
	case SAMPLER_ALWAYS_ON:
		return true;
	case SAMPLER_ALWAYS_OFF:
		return false;
	case SAMPLER_TRACEIDRATIO:
		return ratio_sample(s, trace_id);
	case SAMPLER_PARENTBASED_ALWAYS_ON:
		return has_parent ? parent_sampled : true;
	case SAMPLER_PARENTBASED_ALWAYS_OFF:
		return has_parent ? parent_sampled : false;
	case SAMPLER_PARENTBASED_TRACEIDRATIO:
		return has_parent ? parent_sampled : ratio_sample(s, trace_id);
	}
	return true;
}

const char *sampler_name(const struct sampler *s)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].kind == s->kind)
			return names[i].name;
	return "?";
}
