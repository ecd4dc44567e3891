/* scenario_chronyc: chrony's chronyc_conf in the simulator (test.common's
 * chronyc node): command lines run by stratumc's own shell
 * (stratumc/shell.h), with stratumc's options, as a chronyc on another
 * host sends them to the client's command server over UDP (its open
 * commands only), or a local one over its Unix socket: each request built, answered by cmdsrv, its reply
 * checked and decoded as stratumc's transport does, and the text stratumc
 * would print (standard output and error together, as chrony's test's log
 * holds both) kept. Every line runs at the same instant of simulated time;
 * names are resolved, and addresses named (without -n), from the
 * scenario's name table. */
#ifndef STRATUM_SIM_SCENARIO_CHRONYC_H
#define STRATUM_SIM_SCENARIO_CHRONYC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cmdsrv.h"
#include "sim/scenarios.h"

/* The scenario's chronyc_host, chronyc_options (stratumc's, space-separated: "-n -c")
 * and chronyc lines (one command a line); its names[] name servers[]'
 * addresses. The text goes to out (NUL-terminated, cut at cap). False
 * when the options are bad or out of memory. */
bool scenario_chronyc_run(struct cmdsrv *srv, const struct scenario *s,
                          const struct ip_addr servers[SCENARIO_MAX_SERVERS], char *out,
                          size_t cap);

#endif
