/* session: what the commands of one stratumc run share: the transport,
 * the output, name resolution; and chronyc's request_reply(): a request,
 * its status line when it fails (or always, for commands that only report
 * a status), and the check that the reply is the one asked for. */
#ifndef STRATUM_STRATUMC_SESSION_H
#define STRATUM_STRATUMC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "stratumc/dns.h"
#include "stratumc/out.h"
#include "proto/cmdmon.h"

/* How a request is exchanged for its reply: through a transport
 * (sc_transport_request), or a stand-in (the fuzz target's replies). */
typedef bool sc_exchange_fn(void *arg, struct cmd_request *req, struct cmd_reply *rpy);

struct sc_session {
  sc_exchange_fn *exchange;
  void *exchange_arg;
  struct sc_out *out;
  struct sc_dns dns;
  bool no_dns;                     /* -n: addresses, not names */
  bool source_names;               /* -N: sources' names as given to the daemon */
  /* The names of addresses: NULL, the system's resolver (sc_dns_reverse);
   * or a stand-in (the simulator's name table). */
  void (*reverse)(void *arg, const struct cmd_ip *ip, char *buf, size_t len);
  void *reverse_arg;
  /* "now" in settime's dates: NULL, the system's clock; or a stand-in (the
   * simulator's chronyc host's). */
  time_t (*now)(void *arg);
  void *now_arg;
};

/* Send req and wait for a reply with code `want`; print_status prints
 * "200 OK" too. False when the daemon could not be reached, refused, or
 * answered something else (chronyc's 506/5xx/508 lines are printed). */
bool sc_session_request(struct sc_session *s, struct cmd_request *req, struct cmd_reply *rpy,
                        uint16_t want, bool print_status);

/* The name the daemon was given for the NTP source at ip (chronyc's
 * get_source_name()): false if it was not answered, or is not a terminated
 * string of printable characters that fits in len. */
bool sc_session_source_name(struct sc_session *s, const struct cmd_ip *ip, char *buf, size_t len);

/* How chronyc names a source (or, if !source, a client) in its tables: the
 * reference ID's letters for reference clocks (ref); with -N a source's
 * name as given to the daemon, whole, or "?" if it cannot be had; else the
 * host name (truncated to `trunc` characters with a final '>', if
 * trunc > 0), or the address with -n and in the CSV and JSON forms. */
void sc_session_name(struct sc_session *s, char *buf, size_t len, int trunc, bool ref,
                     uint32_t ref_id, bool source, const struct cmd_ip *ip);

#endif
