#ifndef POSY_CMALLOC_SHIM_H
#define POSY_CMALLOC_SHIM_H
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
/// Limits glibc's malloc arenas; returns 1 on success (mallopt's convention), 0 elsewhere.
static inline int posy_malloc_arena_max(int n) { return mallopt(M_ARENA_MAX, n); }
#include <sys/prctl.h>
/// Names the calling thread for `top -H`, `ps -L` and profiles (the kernel keeps 15 bytes).
static inline void posy_name_thread(const char *name) { (void)prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
/// Asks the kernel to reclaim the pages of [start, start + length) now (Linux 5.4+): file pages only
/// this process maps leave memory, shared ones stay. Data (`random`) is marked for random access
/// first, so that what is read again comes a page at a time; code is not, so that it comes back in
/// the large folios the kernel maps it with, not page by page. Returns 0, or the errno.
static inline int posy_page_out(void *start, size_t length, int random) {
    if (random && madvise(start, length, MADV_RANDOM) != 0) return errno;
    return madvise(start, length, MADV_PAGEOUT) == 0 ? 0 : errno;
}
#else
static inline int posy_malloc_arena_max(int n) { (void)n; return 0; }
static inline int posy_page_out(void *start, size_t length, int random) { (void)start; (void)length; (void)random; return 38; }
static inline void posy_name_thread(const char *name) { (void)name; }
#endif
#endif
