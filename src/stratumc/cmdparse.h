/* cmdparse: one command line as chronyc 4.3 accepts it -> what to do
 * (a request to send, a report to print, or a setting of the client).
 *
 * Pure apart from the resolver the caller passes for host names, so the
 * fuzz target can drive it without DNS. The line is modified in place.
 * Syntax errors are reported in cmd->message with chronyc's wording. */
#ifndef STRATUM_STRATUMC_CMDPARSE_H
#define STRATUM_STRATUMC_CMDPARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/cmdmon.h"

#define SC_MAX_LINE 2048           /* chronyc's limit for a command line */

enum sc_action {
  SC_ACT_NONE,                     /* empty line or comment */
  SC_ACT_REQUEST,                  /* send cmd->req, print its status */
  SC_ACT_REPORT,                   /* fetch and print cmd->report */
  SC_ACT_SETTING,                  /* change cmd->setting of the client */
  SC_ACT_HELP,
  SC_ACT_KEYGEN,                   /* print a new key line (cmd->key_*) */
  SC_ACT_QUIT,
  SC_ACT_WARN,                     /* print cmd->message, succeed */
  SC_ACT_ERROR                     /* print cmd->message (may be empty), fail */
};

enum sc_report {
  SC_REP_TRACKING, SC_REP_SOURCES, SC_REP_SOURCESTATS, SC_REP_SELECTDATA, SC_REP_ACTIVITY,
  SC_REP_SERVERSTATS, SC_REP_CLIENTS, SC_REP_NTPDATA, SC_REP_AUTHDATA, SC_REP_SOURCENAME,
  SC_REP_WAITSYNC, SC_REP_SMOOTHING, SC_REP_RTCDATA, SC_REP_MANUAL_LIST,
  SC_REP_SETTIME,                  /* the time read (stratumc/date.h), then sent */
  SC_REP_METRICS,                  /* Stratum's own: Prometheus' text format */
  SC_REP_RELOAD                    /* Stratum's own: reload config [--dry-run] */
};

enum sc_setting { SC_SET_DNS, SC_SET_FAMILY, SC_SET_TIMEOUT, SC_SET_RETRIES };

struct sc_command {
  enum sc_action action;
  char name[16];                   /* the command word, for JSON */
  struct cmd_request req;          /* SC_ACT_REQUEST */
  enum sc_report report;           /* SC_ACT_REPORT, with its options: */
  bool all, verbose;               /* sources, sourcestats, selectdata, authdata */
  bool have_address;               /* ntpdata ADDRESS, sourcename ADDRESS */
  struct cmd_ip address;
  uint32_t min_hits;               /* clients -p */
  bool reset, nke;                 /* clients -r, -k */
  bool dry_run;                    /* reload config --dry-run */
  const char *date;                /* settime: its text, within the parsed line */
  int max_tries;                   /* waitsync */
  double max_correction, max_skew, interval;
  enum sc_setting setting;         /* SC_ACT_SETTING and its value: */
  int value;                       /* dns: 1 resolve, 0 not; family 0/4/6; ms; retries */
  unsigned key_id, key_len;        /* keygen: the key's ID and length in bytes, */
  char key_type[16];               /* and its type's name */
  char message[96];
};

/* Resolve a host name to one address; false if it has none. */
typedef bool sc_resolve_fn(void *arg, const char *name, struct cmd_ip *ip);
struct sc_resolver {
  sc_resolve_fn *resolve;
  void *arg;
};

void sc_parse_command(char *line, const struct sc_resolver *r, struct sc_command *cmd);
/* The name of command i (in order), NULL past the last: for completion. */
const char *sc_command_name(unsigned i);

/* chronyc's normalisation: leading and repeated white space removed,
 * comment lines (starting with ! ; # %) emptied. */
void sc_normalize_line(char *line);

#endif
