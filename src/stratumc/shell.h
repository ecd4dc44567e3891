/* shell: one chronyc command line run as chronyc runs it: parsed, its
 * request sent or its report printed, a client setting applied; with -j
 * each command's JSON object around it, with -e a line "." after it.
 *
 * Both stratumc (its arguments, standard input, the terminal) and the
 * simulator's operator (chrony's chronyc_conf lines against a simulated
 * daemon) run their commands through it. */
#ifndef STRATUM_STRATUMC_SHELL_H
#define STRATUM_STRATUMC_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "stratumc/cmdparse.h"
#include "stratumc/session.h"

/* Fill buf with len random bytes; false if they cannot be had. */
typedef bool sc_random_fn(void *arg, void *buf, size_t len);

struct sc_shell {
  struct sc_session *session;      /* its out takes help and the "." too */
  const struct sc_resolver *resolver;
  int *timeout_ms, *retries;       /* the transport's settings (NULL: none) */
  bool end_dot;                    /* -e, but not with -j (a line that is no JSON) */
  bool quit;                       /* set by quit and exit */
  sc_random_fn *random;            /* keygen's keys: the system's (sc_shell_random), or
                                      the simulator's seeded stream */
  void *random_arg;
};

/* The system's random source (getrandom). */
bool sc_shell_random(void *arg, void *buf, size_t len);

/* Run one line (modified in place); *action tells what it was (NULL: not
 * wanted). Returns its success as chronyc counts it. */
bool sc_shell_line(struct sc_shell *sh, char *line, enum sc_action *action);

#endif
