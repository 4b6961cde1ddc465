// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_BITS_BPF_H
#define EBPF_EXPORTER_BITS_BPF_H

/*
 * Integer logarithms for BPF programs, without loops or data-dependent branches, so the
 * verifier sees one straight path whatever the input.
 *
 * Include after "vmlinux.h" (for the u32/u64 types) and <bpf/bpf_helpers.h>.
 */

/*
 * log2 - floor(log2(v)) for a 32-bit value, i.e. the index of the highest set bit.
 * log2(0) is 0, like log2(1).
 *
 * Binary search over the bit position: each step tests whether anything is set in the upper
 * half of the remaining window and, if so, shifts it down and records the half's width.
 */
static __always_inline u64 log2(u32 v)
{
	u32 shift, r;

	r = (v > 0xffff) << 4;
	v >>= r;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/*
 * log2l - floor(log2(v)) for a 64-bit value; log2l(0) is 0.
 */
static __always_inline u64 log2l(u64 v)
{
	u32 hi = v >> 32;

	if (hi)
		return log2(hi) + 32;
	return log2((u32)v);
}

#endif
