#ifndef POSY_CSQLITE_SHIM_H
#define POSY_CSQLITE_SHIM_H
#include <sqlite3.h>

// sqlite3_config is variadic, which Swift cannot call. Memory statistics off: otherwise every
// allocation SQLite makes takes one process-wide mutex, shared by every connection's thread.
// Effective only before SQLite initializes (the first connection); 0 when it took effect.
static inline int posy_sqlite_configure(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
#endif
