#ifndef POSY_CMALLOC_SHIM_H
#define POSY_CMALLOC_SHIM_H
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
/// Limits glibc's malloc arenas; returns 1 on success (mallopt's convention), 0 elsewhere.
static inline int posy_malloc_arena_max(int n) { return mallopt(M_ARENA_MAX, n); }
#include <sys/prctl.h>
/// Names the calling thread for `top -H`, `ps -L` and profiles (the kernel keeps 15 bytes).
static inline void posy_name_thread(const char *name) { (void)prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }
#else
static inline int posy_malloc_arena_max(int n) { (void)n; return 0; }
static inline void posy_name_thread(const char *name) { (void)name; }
#endif
#endif
