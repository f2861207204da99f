#ifndef POSY_CZEROMQ_SHIM_H
#define POSY_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>

// zmq_errno() is a function already; these helpers keep Swift free of C macros it cannot import.
static inline int posy_zmq_eagain(void) { return EAGAIN; }
static inline int posy_zmq_eintr(void) { return EINTR; }
static inline int posy_zmq_eterm(void) { return ETERM; }
#endif
