/* tls: what the TLS server (tlsd) and client (tlsc) share: the OpenSSL
 * module's table (loaded on first use) and how a step that must wait is
 * waited on. */
#ifndef STRATUM_SYS_TLS_H
#define STRATUM_SYS_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/ossl.h"
#include "sys/loop.h"

/* The table, stratum-ossl.so loaded if it was not (sys/ossl_load.h); NULL
 * with the reason in err if it cannot be. */
const struct ossl_ops *tls_ops(char *err, size_t err_cap);
/* After a TLS step that did not finish: wait for input or room to write on
 * fd (fn handles both), true; false if the step failed. */
bool tls_wait(struct loop *loop, int fd, loop_fd_fn fn, enum ossl_io io);

#endif
