// SPDX-License-Identifier: MIT
#include "scrape/histogram.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>

double histogram_multiplier(const struct histogram_conf *h)
{
	return h->bucket_multiplier == 0 ? 1 : h->bucket_multiplier;
}

size_t histogram_bucket_count(const struct histogram_conf *h)
{
	if (h->bucket_type == BUCKET_FIXED)
		return h->n_bucket_keys;
	if (h->bucket_max < h->bucket_min)
		return 0;
	return (size_t)(h->bucket_max - h->bucket_min) + 1;
}

int histogram_bounds(const struct histogram_conf *h, double *le)
{
	double m = histogram_multiplier(h);
	size_t i, n = histogram_bucket_count(h);

	for (i = 0; i < n; i++) {
		int64_t idx = h->bucket_min + (int64_t)i;

		switch (h->bucket_type) {
		case BUCKET_EXP2:
			le[i] = ldexp(1.0, (int)idx) * m;
			break;
		case BUCKET_EXP2ZERO:
			le[i] = idx == 0 ? 0 : ldexp(1.0, (int)(idx - 1)) * m;
			break;
		case BUCKET_LINEAR:
			le[i] = (double)idx * m;
			break;
		case BUCKET_FIXED:
			le[i] = h->bucket_keys[i] * m;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

bool histogram_native(const struct histogram_conf *h, bool *zero, int32_t *first)
{
	double m = histogram_multiplier(h);
	int e;
	/* Bucket indexes of the first and last bound that is a power of two. */
	int64_t lo = h->bucket_min, hi = h->bucket_max;

	if (h->bucket_type != BUCKET_EXP2 && h->bucket_type != BUCKET_EXP2ZERO)
		return false;
	/* 2^i itself (before the multiplier) must be exact: a subnormal or normal double. */
	if (hi < lo || lo < -1074 || hi > DBL_MAX_EXP - 1 || !isfinite(m) || frexp(m, &e) != 0.5)
		return false;
	e -= 1; /* m == 2^e */
	*zero = false;
	if (h->bucket_type == BUCKET_EXP2ZERO) {
		/* Bucket 0 is le = 0, bucket i > 0 is 2^(i-1)·m: bounds only grow from 0 up. */
		if (lo < 0)
			return false;
		*zero = lo == 0;
		if (lo == 0)
			lo = 1;
		lo--;
		hi--;
	}
	/* Normal doubles only: the bounds are then exact powers of two. */
	if (hi >= lo && (lo + e < DBL_MIN_EXP - 1 || hi + e > DBL_MAX_EXP - 1))
		return false;
	*first = (int32_t)(lo + e);
	return true;
}

long histogram_slot(const struct histogram_conf *h, uint64_t idx)
{
	size_t n = histogram_bucket_count(h);

	if (h->bucket_type == BUCKET_FIXED) {
		size_t lo = 0, hi = h->n_bucket_keys;
		/* Keys are matched as floats, as upstream looks them up. */
		double key = (double)idx;

		if (n && key == h->bucket_keys[n - 1] + 1)
			return (long)n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (h->bucket_keys[mid] < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo < n && h->bucket_keys[lo] == key ? (long)lo : -1;
	}
	if (idx > (uint64_t)INT64_MAX)
		return -1;
	if (h->bucket_max < INT64_MAX && (int64_t)idx == h->bucket_max + 1)
		return (long)n;
	if ((int64_t)idx < h->bucket_min || (int64_t)idx > h->bucket_max)
		return -1;
	return (long)((int64_t)idx - h->bucket_min);
}

void histogram_finish(const struct histogram_conf *h, const double *acc, size_t n, uint64_t *cum,
		      uint64_t *count, double *sum)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		total += (uint64_t)acc[i];
		cum[i] = total;
	}
	*count = total;
	*sum = (double)(uint64_t)acc[n] * histogram_multiplier(h);
}

int histogram_parse_index(const char *s, uint64_t *out)
{
	unsigned base = 10;
	/* `_` may follow a base prefix or a digit, never start the number or repeat (Go). */
	bool us_ok = false, last_us = false, any = false;
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	if (s[0] == '0' && s[1]) {
		us_ok = true;
		if (s[1] == 'x' || s[1] == 'X') {
			base = 16;
			s += 2;
		} else if (s[1] == 'b' || s[1] == 'B') {
			base = 2;
			s += 2;
		} else if (s[1] == 'o' || s[1] == 'O') {
			base = 8;
			s += 2;
		} else {
			base = 8;
			s += 1;
			any = true;
		}
	}
	for (; *s; s++) {
		unsigned d;

		if (*s == '_') {
			if (!us_ok || last_us)
				return -EINVAL;
			last_us = true;
			continue;
		}
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'z')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'Z')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
		any = true;
		us_ok = true;
		last_us = false;
	}
	if (!any || last_us)
		return -EINVAL;
	*out = v;
	return 0;
}
