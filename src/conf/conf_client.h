/* conf_client: the configuration as the parameters of the core's NTP client
 * (core/client.h): its clock and selection directives, and each server,
 * pool or peer line as its source list takes it (core/srclist.h). Pure: it
 * reads a parsed configuration and fills the core's structs, nothing else;
 * the owner adds what is not configuration (keys, hooks, the drift file's
 * frequency). */
#ifndef STRATUM_CONF_CLIENT_H
#define STRATUM_CONF_CLIENT_H

#include <stdbool.h>

#include "conf/config.h"
#include "core/client.h"
#include "core/clientlog.h"
#include "core/cmdsrv.h"
#include "core/srclist.h"

/* control: adjust the clock (false: -x). */
void conf_client_params(const struct config *c, bool control, struct client_params *p);
/* The local directive as the reference takes it (disabled without one). */
void conf_ref_local(const struct config *c, struct ref_local *out);
/* A server, pool or peer line as the core's source list takes it: the
 * client's parameters (with the name, not an address), the family of its
 * addresses and a pool's maxsources. This is all of the line that acts:
 * its other options are `ignored` in the option table. */
void conf_srclist_source(const struct conf_source *s, struct srclist_source *out);
/* A server or pool line's address as stratumd -q/-Q queries it
 * (core/query.h): its name, port, key, version, minpoll and maxsamples; no
 * NTS (the daemon adds it). */
struct query_server;
void conf_query_server(const struct conf_source *s, const struct ip_addr *addr,
                       struct query_server *out);
/* ratelimit, ntsratelimit or cmdratelimit as the client log takes it. */
/* opencommands, cmdallow and cmddeny onto a command server (just
 * initialised); false if out of memory. */
bool conf_cmdsrv(const struct config *c, struct cmdsrv *srv);

void conf_clog_ratelimit(const struct conf_ratelimit *r, struct clog_ratelimit *out);
/* The client log's parameters (noclientlog, clientloglimit, the three
 * rate limits), its hash keyed by `seed`. */
struct clog_params conf_clog_params(const struct config *c, uint64_t seed);

/* refclock line number `index` (0-based among all refclock lines, which
 * names it by default as chronyd does) as the core's refclock parameters.
 * False for an option after the parameter that the driver does not take
 * (err says which, in chronyd's words). */
struct rcl_params;
bool conf_refclock_params(const struct conf_refclock *r, unsigned index, struct rcl_params *out,
                          char *err, size_t err_len);
/* conf_refclock_params for c's refclock line `index`, then checked against
 * the rest of c as chronyd checks it (an RTC refclock with rtcsync or
 * rtcfile, tai without a leap second source). */
bool conf_client_refclock(const struct config *c, unsigned index, struct rcl_params *out,
                          char *err, size_t err_len);

/* The hwtimestamp lines (c->n_hwtimestamps of them, in an array to free)
 * as the core's hardware timestamping takes them (their interface names
 * stay c's); NULL when out of memory. */
struct hwts_params;
struct hwts_params *conf_client_hwts(const struct config *c);

/* The reference the server reports, as c sets it: the clock's precision
 * (clockprecision, else `measured`, log2 seconds), local (unsynchronised
 * from `now`, the start) and smoothtime. */
struct refstate;
void conf_reference(const struct config *c, int measured, const struct timespec *now,
                    struct refstate *ref);

#endif
