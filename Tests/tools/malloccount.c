/*
 * Counts a process's allocations, for docs/performance.md ("Allocations per event"): a count is
 * the same from run to run where CPU time on a shared machine is not.
 *
 *   cc -O2 -shared -fPIC -o /tmp/malloccount.so Tests/tools/malloccount.c
 *   LD_PRELOAD=/tmp/malloccount.so .build/release/posy bench bus --insecure-bus --count 50000
 *
 * At exit it prints "malloccount: mallocs=N frees=M" on stderr (and to MALLOCCOUNT_OUT's file). Two runs that differ only in
 * --count give the allocations per event as the difference over the difference. With
 * MALLOCCOUNT_SAMPLE=K and MALLOCCOUNT_OUT=path it also writes the return addresses of every
 * K-th allocation to path.<pid>, one line each, for symbolizing against /proc/<pid>/maps
 * (run under `setarch -R` so that addresses repeat).
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static atomic_long mallocs, frees;
static long sample;
static int out = -1;
static __thread int tracing;

static void counted(void) {
    long n = atomic_fetch_add_explicit(&mallocs, 1, memory_order_relaxed);
    if (sample <= 0 || out < 0 || n % sample != 0 || tracing) return;
    tracing = 1; /* backtrace() may allocate the first time */
    void *frames[24];
    int depth = backtrace(frames, 24);
    char line[24 * 20 + 2];
    int used = 0;
    for (int i = 2; i < depth; i++) used += snprintf(line + used, sizeof line - used, "%lx ", (unsigned long)frames[i]);
    line[used++] = '\n';
    (void)!write(out, line, used);
    tracing = 0;
}

void *malloc(size_t size) { counted(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { counted(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { if (!p) counted(); return __libc_realloc(p, size); }
void free(void *p) { if (p) atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed); __libc_free(p); }

__attribute__((constructor)) static void start(void) {
    const char *k = getenv("MALLOCCOUNT_SAMPLE"), *path = getenv("MALLOCCOUNT_OUT");
    if (k) sample = atol(k);
    if (path) {
        char name[512];
        snprintf(name, sizeof name, "%s.%d", path, (int)getpid());
        out = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    }
}

__attribute__((destructor)) static void report(void) {
    char text[96];
    int n = snprintf(text, sizeof text, "malloccount: mallocs=%ld frees=%ld\n", atomic_load(&mallocs), atomic_load(&frees));
    (void)!write(2, text, n);
    if (out >= 0) (void)!write(out, text, n); /* also where a child's stderr is not kept */
}
