/* cmdsrv: the daemon's side of chrony's command protocol (proto/cmdmon.h):
 * what each request reports or does, and who may ask.
 *
 * As chronyd 4.3: monitoring requests (by default tracking, sources,
 * sourcestats, activity, source names, manual list, rtc, smoothing; the
 * opencommands set) are answered to anyone cmdallow admits over UDP;
 * everything else, reports included (serverstats, ntpdata, selectdata,
 * authdata, clients) and every command that changes state, only to local
 * callers on the Unix socket. Replies are
 * never longer than their request; malformed requests get nothing or the
 * protocol's error status when a reply fits.
 *
 * Pure: the client, reference state and NTP server are read and steered
 * directly; what lives in the daemon (names, files, exit) goes through ops.
 *
 * With a client log, as chronyd: every request with a valid header is
 * logged (those from the Unix socket in the totals only), and one over UDP
 * from an address other than 127.0.0.1 or ::1 is dropped when cmdratelimit
 * says so; `clients` and serverstats report from the log, `clients`
 * answers CMD_STT_INACTIVE with noclientlog. */
#ifndef STRATUM_CORE_CMDSRV_H
#define STRATUM_CORE_CMDSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "core/addr.h"
#include "core/client.h"
#include "core/clientlog.h"
#include "core/manual.h"
#include "core/rtctrack.h"
#include "core/ntp_server.h"
#include "core/platform.h"
#include "core/reference.h"
#include "proto/cmdmon.h"

/* Daemon actions. Each returns an enum cmd_status; a NULL one answers
 * CMD_STT_NOTENABLED. */
struct cmdsrv_ops {
  int (*add_source)(void *arg, const struct cmd_req_source *s);
  int (*delete_source)(void *arg, const struct ip_addr *addr);
  int (*reload_sources)(void *arg);
  int (*refresh)(void *arg);           /* resolve names again */
  int (*dump)(void *arg);
  int (*rekey)(void *arg);
  int (*cyclelogs)(void *arg);
  /* Stratum's own: reload the configuration (dry_run: only tell what it
   * would change); then line `index` of the report of the last one (its
   * lines in *total; false past the end, but line 0 always exists, empty
   * when there are none). */
  int (*reload_config)(void *arg, bool dry_run);
  bool (*reload_report)(void *arg, uint32_t index, uint32_t *total, char *text, size_t size);
  int (*shutdown)(void *arg);
  /* Counts made elsewhere (server workers) added to serverstats. */
  void (*add_server_totals)(void *arg, struct srv_stats *stats, struct clog_totals *totals);
  /* Client logs kept elsewhere (server workers), listed by `clients` after
   * the main one: how many indices they span, and up to `want` records
   * from their index `first` on (clog_report's arguments); returns how
   * many were written to out, with *next the index after the last looked
   * at. */
  uint32_t (*extra_client_indices)(void *arg);
  uint32_t (*extra_client_reports)(void *arg, uint32_t first, uint32_t want, bool reset,
                                   uint32_t min_hits, const struct timespec *now,
                                   struct clog_report *out, uint32_t *next);
  void *arg;
};

/* Monitoring requests answered over UDP (chrony's opencommands). */
enum cmdsrv_open {
  CMDSRV_OPEN_ACTIVITY = 1 << 0, CMDSRV_OPEN_AUTHDATA = 1 << 1, CMDSRV_OPEN_CLIENTS = 1 << 2,
  CMDSRV_OPEN_MANUAL = 1 << 3, CMDSRV_OPEN_NTPDATA = 1 << 4, CMDSRV_OPEN_RTCDATA = 1 << 5,
  CMDSRV_OPEN_SELECTDATA = 1 << 6, CMDSRV_OPEN_SERVERSTATS = 1 << 7,
  CMDSRV_OPEN_SMOOTHING = 1 << 8, CMDSRV_OPEN_SOURCENAME = 1 << 9,
  CMDSRV_OPEN_SOURCES = 1 << 10, CMDSRV_OPEN_SOURCESTATS = 1 << 11,
  CMDSRV_OPEN_TRACKING = 1 << 12,
};
/* chronyd 4.3's set */
#define CMDSRV_OPEN_DEFAULT                                                                \
  (CMDSRV_OPEN_ACTIVITY | CMDSRV_OPEN_MANUAL | CMDSRV_OPEN_RTCDATA | CMDSRV_OPEN_SMOOTHING | \
   CMDSRV_OPEN_SOURCENAME | CMDSRV_OPEN_SOURCES | CMDSRV_OPEN_SOURCESTATS |                \
   CMDSRV_OPEN_TRACKING)

struct cmdsrv {
  uint32_t open;                       /* enum cmdsrv_open bits */
  const struct platform *plat;
  struct client *client;               /* NULL: no sources configured */
  struct refstate *ref;
  struct ntp_server *ntp;              /* allow/deny, serverstats */
  struct access_table access;          /* cmdallow/cmddeny (UDP only) */
  struct cmdsrv_ops ops;
  struct clientlog *clog;              /* NULL: none; clients, serverstats, cmdratelimit */
  struct manual *manual;               /* NULL: none; settime, manual */
  struct rtctrack *rtc;                /* NULL: no rtcfile; rtcdata, trimrtc, writertc */
  uint64_t hits, drops;                /* requests answered, dropped */
};

/* Access starts as chronyd's default: localhost only. */
void cmdsrv_init(struct cmdsrv *s, const struct platform *plat, struct refstate *ref,
                 struct ntp_server *ntp);
void cmdsrv_free(struct cmdsrv *s);
/* cmdallow/cmddeny back to that default (a reload sets them anew); false
 * if out of memory. */
bool cmdsrv_reset_access(struct cmdsrv *s);

/* One request; local: from the Unix socket. Returns the reply length (at
 * most len) written to out, or 0 to send nothing. */
size_t cmdsrv_process(struct cmdsrv *s, const uint8_t *req, size_t len, bool local,
                      uint8_t *out, size_t cap);

/* One request over UDP from `from` (received at rx; NULL: now): dropped
 * unless cmdallow admits it, then as cmdsrv_process's non-local ones
 * (logged, rate limited). Returns the reply length, or 0 to send nothing. */
size_t cmdsrv_process_udp(struct cmdsrv *s, const struct ip_addr *from, const struct timespec *rx,
                          const uint8_t *req, size_t len, uint8_t *out, size_t cap);
/* A plat_recv_fn for the UDP command sockets (arg: the struct cmdsrv). */
void cmdsrv_receive(void *arg, int sock, const struct plat_datagram *dg);

/* Addresses between the protocol and the core (CMD_IP_ID is ADDR_ID;
 * unknown families become ADDR_UNSPEC). */
struct cmd_ip cmdsrv_ip_from_addr(const struct ip_addr *a);
struct ip_addr cmdsrv_ip_to_addr(const struct cmd_ip *ip);

#endif
