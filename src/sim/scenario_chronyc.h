/* scenario_chronyc: chrony's chronyc_conf in the simulator (test.common's
 * chronyc node): command lines run by stratumc's own shell
 * (stratumc/shell.h), with stratumc's options, as a chronyc on another
 * host sends them to the client's command server over UDP (its open
 * commands only), or a local one over its Unix socket: each request
 * built, answered by cmdsrv, its reply checked and decoded as stratumc's
 * transport does, and the text stratumc would print (standard output and
 * error together, as chrony's test's log holds both) kept; the first line
 * that fails ends them, as chronyc -m, unless the scenario's chronyc_each
 * says otherwise. The caller runs one line at a time (a request's round trip apart: names the daemon
 * resolves in between are resolved, as there); names are resolved, and
 * addresses named (without -n), from the scenario's name table. */
#ifndef STRATUM_SIM_SCENARIO_CHRONYC_H
#define STRATUM_SIM_SCENARIO_CHRONYC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/cmdsrv.h"
#include "sim/scenarios.h"

struct scenario_chronyc;

/* The scenario's chronyc_host, chronyc_options (stratumc's,
 * space-separated: "-n -c") and chronyc lines (one command a line); its
 * names[] name servers[]' addresses (kept, as s, until the end); now():
 * the chronyc host's clock (settime's dates); seed: keygen's random
 * stream. NULL when the options are bad or out of memory. */
struct scenario_chronyc *scenario_chronyc_start(struct cmdsrv *srv, const struct scenario *s,
                                                const struct ip_addr *servers,
                                                time_t (*now)(void *arg), void *now_arg,
                                                uint64_t seed);
/* Run the next line; false when none is left (after quit, or a line that
 * failed). */
bool scenario_chronyc_next(struct scenario_chronyc *c);
/* The text so far into out (NUL-terminated, cut at cap), and free c. */
void scenario_chronyc_end(struct scenario_chronyc *c, char *out, size_t cap);

#endif
