#ifndef POSY_CZEROMQ_SHIM_H
#define POSY_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>

// zmq_errno() is a function already; these helpers keep Swift free of C macros it cannot import.
static inline int posy_zmq_eagain(void) { return EAGAIN; }
static inline int posy_zmq_eintr(void) { return EINTR; }
static inline int posy_zmq_eterm(void) { return ETERM; }
// ZMQ_ZAP_ENFORCE_DOMAIN is declared only with the draft API; builds without it refuse the option.
static inline int posy_zmq_zap_enforce_domain(void) { return 93; }
#endif
