// SPDX-License-Identifier: MIT
#ifndef EBPF_EXPORTER_UTIL_MEMCHECK_H
#define EBPF_EXPORTER_UTIL_MEMCHECK_H

/*
 * Marks memory the kernel filled as defined for valgrind's memcheck, which does not know
 * every bpf() command (BPF_MAP_LOOKUP_BATCH, BPF_MAP_GET_NEXT_KEY's output, ...) and would
 * otherwise report every use of what they return. Outside valgrind the client request costs a
 * few instructions and does nothing; without valgrind's header it is compiled out.
 */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MEMCHECK_DEFINED(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif

#ifndef MEMCHECK_DEFINED
#define MEMCHECK_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#endif
