#ifndef POSY_CSQLITE_SHIM_H
#define POSY_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import.
static inline sqlite3_destructor_type posy_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
