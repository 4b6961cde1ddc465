// SPDX-License-Identifier: MIT
/*
 * expo_format_float(): Go's strconv.FormatFloat(v, 'g', -1, 64) with the Prometheus client's
 * special cases, the number format of every exposition line.
 */
#include "expo/expo.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal d[0].d[1]...d[nd-1] x 10^exp, digits as ASCII, no leading zero. */
struct digits {
	char d[24];
	int nd;
	int exp;
};

/* Go's strconv %e/%f choice for 'g' with shortest precision (eprec 6). */
static size_t format_digits(bool neg, const struct digits *g, char *out)
{
	char *p = out;
	int nd = g->nd, exp = g->exp;

	if (neg)
		*p++ = '-';
	if (exp < -4 || exp >= 6) {
		*p++ = g->d[0];
		if (nd > 1) {
			*p++ = '.';
			memcpy(p, g->d + 1, (size_t)(nd - 1));
			p += nd - 1;
		}
		*p++ = 'e';
		*p++ = exp < 0 ? '-' : '+';
		if (exp < 0)
			exp = -exp;
		if (exp >= 100)
			*p++ = (char)('0' + exp / 100);
		*p++ = (char)('0' + exp / 10 % 10);
		*p++ = (char)('0' + exp % 10);
	} else {
		int dp = exp + 1;

		if (dp <= 0) {
			*p++ = '0';
			*p++ = '.';
			memset(p, '0', (size_t)-dp);
			p += -dp;
			memcpy(p, g->d, (size_t)nd);
			p += nd;
		} else if (dp >= nd) {
			memcpy(p, g->d, (size_t)nd);
			p += nd;
			memset(p, '0', (size_t)(dp - nd));
			p += dp - nd;
		} else {
			memcpy(p, g->d, (size_t)dp);
			p += dp;
			*p++ = '.';
			memcpy(p, g->d + dp, (size_t)(nd - dp));
			p += nd - dp;
		}
	}
	*p = '\0';
	return (size_t)(p - out);
}

static void strip_zeros(struct digits *g)
{
	while (g->nd > 1 && g->d[g->nd - 1] == '0')
		g->nd--;
}

/*
 * Parses the value as a string without a decimal point ("12345e-3"), so the result does not
 * depend on the locale's radix character.
 */
static double digits_value(const struct digits *g)
{
	char tmp[48];
	int e = g->exp - (g->nd - 1);
	size_t n = (size_t)g->nd;
	char ebuf[12]; /* the digits of any int */
	int k = 0;

	memcpy(tmp, g->d, n);
	tmp[n++] = 'e';
	if (e < 0) {
		tmp[n++] = '-';
		e = -e;
	}
	do {
		ebuf[k++] = (char)('0' + e % 10);
		e /= 10;
	} while (e);
	while (k)
		tmp[n++] = ebuf[--k];
	tmp[n] = '\0';
	return strtod(tmp, NULL);
}

/* The next p-digit decimal above g. */
static void digits_inc(struct digits *g)
{
	int i = g->nd - 1;

	while (i >= 0 && g->d[i] == '9')
		g->d[i--] = '0';
	if (i >= 0) {
		g->d[i]++;
		return;
	}
	g->d[0] = '1';
	g->exp++;
}

/* The next p-digit decimal below g (1.00e5 -> 9.99e4). */
static void digits_dec(struct digits *g)
{
	int i;

	for (i = 1; i < g->nd && g->d[i] == '0'; i++)
		;
	if (i == g->nd && g->d[0] == '1') {
		memset(g->d, '9', (size_t)g->nd);
		g->exp--;
		return;
	}
	for (i = g->nd - 1; g->d[i] == '0'; i--)
		g->d[i] = '9';
	g->d[i]--;
}

/*
 * Is there a p-digit decimal that reads back as a (positive, finite)? The candidates are the
 * p-digit decimals just below and just above a; printf gives the nearer one, the other is one
 * unit in the last place away on the far side of a. Both are tried because near a power of
 * two the round-trip interval is lopsided and only the farther one may fit, which is then the
 * one Go's shortest formatting picks.
 */
static bool probe(double a, int p, struct digits *g)
{
	char tmp[48];
	int n = snprintf(tmp, sizeof(tmp), "%.*e", p - 1, a);
	const char *s, *e;
	double r;

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return false;
	e = strchr(tmp, 'e');
	if (!e)
		return false;
	g->nd = 0;
	for (s = tmp; s < e; s++) {
		if (*s >= '0' && *s <= '9' && g->nd < (int)sizeof(g->d))
			g->d[g->nd++] = *s;
	}
	g->exp = (int)strtol(e + 1, NULL, 10);
	if (g->nd != p)
		return false;
	r = digits_value(g);
	if (r == a)
		return true;
	if (r < a)
		digits_inc(g);
	else
		digits_dec(g);
	return digits_value(g) == a;
}

/* Number of decimal digits of u > 0. */
static int count_digits(uint64_t u)
{
	int n = 1;

	while (u >= 10) {
		u /= 10;
		n++;
	}
	return n;
}

static void digits_from_u64(struct digits *g, uint64_t u, int exp)
{
	int n = count_digits(u);

	g->nd = n;
	g->exp = exp + n - 1;
	for (int i = n - 1; i >= 0; i--) {
		g->d[i] = (char)('0' + u % 10);
		u /= 10;
	}
}

#if FLT_EVAL_METHOD == 0
static const double pow10_exact[] = {
	1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Fast path for the shortest digits: a candidate k * 10^-s with k < 2^53 and |s| <= 22 reads
 * back (as strtod would) in a single correctly rounded IEEE operation, k / 10^s or k * 10^-s,
 * since both operands are exact (Clinger's fast path). Walking s upwards from the first digit
 * walks p upwards, and the p-digit neighbours of a are floor/ceil(a * 10^s), found among three
 * integers around the (inexact) product. When two candidates read back, Go takes the nearer
 * one; if the inexact product cannot tell, or the walk leaves the exact range, returns false
 * with *lo set to a lower bound on the digit count already ruled out plus one.
 */
static bool shortest_fast(double a, struct digits *g, int *lo)
{
	const int smax = (int)(sizeof(pow10_exact) / sizeof(pow10_exact[0])) - 1;
	int s = -(int)floor(log10(a)) - 1;

	*lo = 1;
	if (s < -smax)
		return false;
	for (; s <= smax; s++) {
		double x = s >= 0 ? a * pow10_exact[s] : a / pow10_exact[-s];
		uint64_t k0, best = 0;
		double bestd = 0, nextd = INFINITY;

		if (x >= 9007199254740991.0) /* k0 + 1 must stay below 2^53 */
			return false;
		k0 = (uint64_t)x;
		for (uint64_t c = k0 ? k0 - 1 : 1; c <= k0 + 1; c++) {
			double r = s >= 0 ? (double)c / pow10_exact[s] :
					    (double)c * pow10_exact[-s];
			double d = fabs((double)c - x);

			if (r != a)
				continue;
			if (!best || d < bestd) {
				nextd = best ? bestd : INFINITY;
				best = c;
				bestd = d;
			} else if (d < nextd) {
				nextd = d;
			}
		}
		if (best) {
			/* x is within half an ulp of the exact product. */
			if (nextd - bestd <= 2 * (nextafter(x, INFINITY) - x))
				return false;
			digits_from_u64(g, best, -s);
			return true;
		}
		if (k0 >= 2)
			*lo = count_digits(k0 - 1) + 1;
	}
	return false;
}
#else
static bool shortest_fast(double a, struct digits *g, int *lo)
{
	*lo = 1;
	return false;
}
#endif

/*
 * Shortest round-trip digits the slow way, trying p-digit decimals from printf: having a
 * round-tripping p-digit decimal is monotonic in p (its same-side neighbour with p+1 digits
 * lies between it and a), so binary search the smallest p >= lo; 17 digits always do.
 */
static bool shortest_slow(double a, int lo, struct digits *g)
{
	struct digits t;
	int hi = 17, best = 0;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (probe(a, mid, &t)) {
			hi = mid;
			*g = t;
			best = mid;
		} else {
			lo = mid + 1;
		}
	}
	return best == lo || probe(a, lo, g);
}

size_t expo_format_float(double v, char *out)
{
	struct digits g;
	bool neg = signbit(v);
	double a = fabs(v);
	int lo;

	if (v == 1) {
		memcpy(out, "1", 2);
		return 1;
	}
	if (v == 0) { /* -0 too: Go tests f == 0 */
		memcpy(out, "0", 2);
		return 1;
	}
	if (v == -1) {
		memcpy(out, "-1", 3);
		return 2;
	}
	if (isnan(v)) {
		memcpy(out, "NaN", 4);
		return 3;
	}
	if (isinf(v)) {
		memcpy(out, neg ? "-Inf" : "+Inf", 5);
		return 4;
	}

	if (a < 9007199254740992.0 && a == floor(a)) {
		/* Integers below 2^53: every digit is significant, so the exact ones are shortest. */
		digits_from_u64(&g, (uint64_t)a, 0);
	} else if (!shortest_fast(a, &g, &lo) && !shortest_slow(a, lo, &g)) {
		/* Unreachable with a correct libc; keep the output well-formed anyway. */
		int n = snprintf(out, EXPO_FLOAT_MAX, "%.17g", v);

		return n > 0 ? (size_t)n : 0;
	}
	strip_zeros(&g);
	return format_digits(neg, &g, out);
}

size_t expo_format_om_float(double v, char *out)
{
	size_t n = expo_format_float(v, out);

	if (isfinite(v) && !memchr(out, '.', n) && !memchr(out, 'e', n)) {
		memcpy(out + n, ".0", 3);
		n += 2;
	}
	return n;
}
