/* reload: SIGHUP and `stratumc reload config`, the whole configuration
 * read again and applied while the daemon serves.
 *
 * The file (with its includes and sourcedir files) is read into a new
 * config. With any error nothing changes: every message is logged with
 * its file:line and the reload fails. Otherwise conf_diff.h says what
 * differs and the run-time changes are applied: sources added and removed
 * (the kept ones keep their samples and reach), allow/deny, cmdallow/
 * cmddeny (replacing rules added by chronyc's allow and deny commands),
 * ratelimit and cmdratelimit (every client's bucket starts full), local,
 * log/logdir/logbanner, the client's selection and update settings
 * (makestep, maxupdateskew, maxchange, logchange, maxdistance, maxjitter,
 * minsources, combinelimit, reselectdist, stratumweight), opencommands,
 * metricsport/bindmetricsaddress (reopened, unless the system call filter
 * forbids it), driftfile, dumpdir, rtcsync;
 * the keyfile is read again at every reload. A change of any other
 * directive is logged as needing a restart, with its file:line, and
 * ignored (and reported again at each reload until the restart).
 * A dry run reports the same and changes nothing.
 *
 * The report of the last reload (one line per message, change, and line
 * removed "  - ..." or added "  + ...") is kept for the command protocol. */
#ifndef STRATUM_DAEMON_RELOAD_H
#define STRATUM_DAEMON_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "conf/keyfile.h"
#include "core/client.h"
#include "core/clientlog.h"
#include "core/ntp_server.h"
#include "core/reference.h"
#include "core/srclist.h"
#include "daemon/control.h"
#include "daemon/drift.h"
#include "daemon/exporter.h"
#include "daemon/logfiles.h"
#include "sys/loop.h"
#include "sys/platform_linux.h"

/* Reads the configuration as at start (file or command line, names
 * resolved, -R's changes) into out, initialised by it; messages to d. */
typedef void reload_load_fn(void *arg, struct config *out, struct conf_diag *d);

/* The daemon's parts a reload changes (all outlive it). */
struct reload_parts {
  struct config *cfg;             /* the configuration applied */
  struct config *srcdir;          /* its sourcedir files' sources */
  struct loop *loop;
  struct linux_platform *lp;
  struct refstate *ref;
  struct ntp_server *server;      /* allow/deny */
  const int *server_sock;         /* [2]: IPv4, IPv6 NTP sockets, -1: none */
  struct clientlog *clog;
  bool workers;                   /* serverworkers run: their rate limits are fixed */
  struct client *client;
  struct srclist *srclist;
  struct key_table *keys;
  struct ntp_keyring *keyring;
  struct drift *drift;
  struct logfiles *logfiles;
  struct client_log_hooks hooks;  /* what logfiles gave the client */
  struct control *control;
  struct exporter *exporter;
  int family;                     /* -4/-6 or 0 */
  bool filtered;                  /* -F above 0: the filter kills listen(2) */
  bool clock_control;             /* not -x */
  reload_load_fn *load;
  void *load_arg;
};

struct reload {
  struct reload_parts p;
  struct config started;          /* the configuration at start, from the first reload on */
  bool have_started;              /* (until then it is *p.cfg) */
  struct conf_strings report;
};

void reload_init(struct reload *r, const struct reload_parts *parts);
void reload_free(struct reload *r);
/* Returns CMD_STT_SUCCESS, or CMD_STT_FAILED if the configuration has an
 * error (nothing changed). */
int reload_run(struct reload *r, bool dry_run);
/* Line index of the last report (line 0 always exists: "" if none); false
 * past the end. */
bool reload_report_line(const struct reload *r, uint32_t index, uint32_t *total, char *text,
                        size_t size);

#endif
