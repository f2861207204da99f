#ifndef POSY_CMALLOC_SHIM_H
#define POSY_CMALLOC_SHIM_H
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
/// Limits glibc's malloc arenas; returns 1 on success (mallopt's convention), 0 elsewhere.
static inline int posy_malloc_arena_max(int n) { return mallopt(M_ARENA_MAX, n); }
#else
static inline int posy_malloc_arena_max(int n) { (void)n; return 0; }
#endif
#endif
