/*
 * Records which pages of a process's own code it runs, for the startup order the executables are
 * linked with (docs/performance.md, "Memory at rest"; `make startup-order` drives it).
 *
 *   cc -O2 -shared -fPIC -pthread -o /tmp/pagetrace.so Tests/tools/pagetrace.c
 *   PAGETRACE_OUT=/tmp/trace PAGETRACE_AFTER=10 SWIFT_BACKTRACE=enable=no \
 *     LD_PRELOAD=/tmp/pagetrace.so .build/release/posy up ...
 *
 * At load it takes every access away from the executable's code; the first run of each page traps
 * once, is noted and given back. PAGETRACE_AFTER seconds later (default 10), or at exit if that
 * comes first, it writes the executable's path and the file offset of every page run so far, one
 * per line in hex, to PAGETRACE_OUT.<pid>. With PAGETRACE_REST=<s> (before PAGETRACE_AFTER) it
 * takes the access away again <s> seconds after load, and a page run from then on is written with
 * " rest" after its offset: the code a process runs at rest, apart from its start. On a build whose
 * sections each start a page of their own (the tracing build of `make startup-order`) a page run is a
 * function run. Swift's crash handler must be off (SWIFT_BACKTRACE=enable=no): it would take the
 * traps for itself.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned long text_lo, text_hi, text_offset;
static unsigned char *ran;
static char exe[4096];
static atomic_int written;
static atomic_int phase = 1; /* 1 while starting, 2 once at rest (PAGETRACE_REST) */

static void on_fault(int sig, siginfo_t *info, void *context) {
    (void)context;
    unsigned long at = (unsigned long)info->si_addr;
    if (at >= text_lo && at < text_hi) {
        unsigned long page = at & ~4095UL;
        ran[(page - text_lo) >> 12] |= (unsigned char)atomic_load(&phase);
        mprotect((void *)page, 4096, PROT_READ | PROT_EXEC);
        return;
    }
    /* Not a trace trap: the fault is real, so it must crash as it would have. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void report(void) {
    if (!ran || atomic_exchange(&written, 1)) return;
    char path[4200];
    snprintf(path, sizeof path, "%s.%d", getenv("PAGETRACE_OUT"), (int)getpid());
    FILE *out = fopen(path, "w");
    if (!out) return;
    fprintf(out, "%s\n", exe);
    for (unsigned long i = 0; i < (text_hi - text_lo) >> 12; i++)
        if (ran[i]) fprintf(out, "%lx%s\n", text_offset + (i << 12), ran[i] & 2 ? " rest" : "");
    fclose(out);
}

static void *report_later(void *unused) {
    (void)unused;
    const char *after_text = getenv("PAGETRACE_AFTER"), *rest_text = getenv("PAGETRACE_REST");
    unsigned after = after_text ? (unsigned)atoi(after_text) : 10, rest = rest_text ? (unsigned)atoi(rest_text) : 0;
    if (rest > 0 && rest < after) {
        sleep(rest);
        atomic_store(&phase, 2);
        mprotect((void *)text_lo, text_hi - text_lo, PROT_NONE);
        after -= rest;
    }
    sleep(after);
    report();
    return NULL;
}

__attribute__((destructor)) static void report_at_exit(void) { report(); }

__attribute__((constructor)) static void start(void) {
    if (!getenv("PAGETRACE_OUT")) return;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps) return;
    char line[8192];
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi, offset;
        char perms[8], path[4096] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &lo, &hi, perms, &offset, path) >= 4
            && strcmp(path, exe) == 0 && perms[2] == 'x' && !text_lo) {
            text_lo = lo, text_hi = hi, text_offset = offset;
        }
    }
    fclose(maps);
    if (!text_lo || !(ran = calloc((text_hi - text_lo) >> 12, 1))) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGSEGV, &action, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, report_later, NULL) != 0) return;
    pthread_detach(thread);
    mprotect((void *)text_lo, text_hi - text_lo, PROT_NONE);
}
