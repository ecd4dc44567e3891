/* ntp_server: answers NTP client requests (mode 3, versions 1-4, and
 * NTPv1's mode 0) and, as chrony does, symmetric active packets from
 * unknown peers (a mode-2 reply, no association).
 *
 * srv_process() is the whole decision: it validates a request and builds the
 * mode-4 reply from the reference state, or drops it and counts why. It
 * never returns a reply longer than the request. srv_respond() processes,
 * then sends with the transmit timestamp stamped by the platform as late as
 * possible (an authenticated reply is stamped before its MAC is computed,
 * as its MAC covers the timestamp). Both take the request as
 * ntp_packet_parse found it, parsed once where it was received: by
 * srv_receive(), the platform receive handler, or by an owner that offers
 * the datagram to others first (the daemon's peers).
 *
 * Symmetric-key authentication, as chrony 4.3: a request with a MAC trailer
 * is answered only if its key ID is in `keys` and the MAC verifies; the
 * reply then carries a MAC with the same key, in the request's version (so
 * it is as long as the request, or shorter). Any other request with a MAC
 * (unknown key, bad or truncated digest, crypto-NAK) is dropped without an
 * answer. Requests without a MAC are answered without one.
 *
 * With a client log, as chrony: every request that passes the access,
 * format and mode checks is logged, then rate limited (dropped, or with
 * `kod`, answered with a KoD RATE: leap 3, stratum 0, refid "RATE"), before
 * its MAC is checked; the reply's poll is at least the ratelimit interval.
 *
 * NTS (RFC 8915), with `nts` set: a client request carrying any NTS
 * extension field is NTS's (core/nts_server.h): answered with new cookies
 * under its S2C key, as long as the request, its transmit timestamp
 * stamped before the authenticator is made; or an NTS NAK (leap 3,
 * stratum 0, refid NTSN, the request's unique identifier); or dropped
 * (counted as auth). A KoD RATE to an NTS request carries its identifier
 * and no authenticator.
 *
 * Interleaved mode (RFC 9769), as chrony, needs the client log: its map
 * keeps the receive and transmit timestamps of replies (core/tsmap.h). A
 * request whose origin is such a receive timestamp, not yet used, gets an
 * interleaved reply: origin = the request's receive field, receive = now,
 * transmit = the saved transmit time of the previous reply, which is the
 * kernel's own when the platform reports it. As chronyd, every reply's
 * receive timestamp has its lowest bit set and its transmit timestamp
 * that bit clear, and only an NTPv4 request whose origin has that bit set
 * (it names one of our receive timestamps, not a transmit timestamp or
 * zero) and whose receive and transmit fields differ is saved and has the
 * kernel's transmit time of its reply asked for: basic clients (origin
 * zero, or our transmit timestamp) never cost one.
 *
 * chronyd's extension fields (proto/ntp_ext.h): a request carrying F323
 * or 10A gets them back, after the header and before any MAC, filled in
 * (F323: root delay and dispersion, receive time on the monotonic scale of
 * ref->cooking and its epoch; 10A, only with `ptp` set as chronyd only
 * with ptpport: a zero correction), when the reply stays no longer than
 * the request. NTS replies carry none.
 *
 * MS-SNTP (with `signd` set: ntpsigndsocket): a request proto/signd.h
 * calls MS-SNTP is not checked against the keys; its 48-byte reply is
 * stamped and handed to `signd`, which sends it once Samba signed it.
 *
 * With smoothtime (chrony's smooth.c), a server reply's receive, transmit
 * and reference timestamps carry the smoothing offset, its refid is
 * 127.127.1.255 while the offset is above the clock's precision, and with
 * leapsecmode slew no leap second is announced; such a reply's transmit
 * time is stamped here (plus the offset), not by the kernel. */
#ifndef STRATUM_CORE_NTP_SERVER_H
#define STRATUM_CORE_NTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "core/clientlog.h"
#include "core/nts_server.h"
#include "core/platform.h"
#include "core/reference.h"
#include "proto/ntp_mac.h"
#include "proto/ntp_packet.h"

/* Room for every reply: NTS replies are as long as their request. */
#define SRV_REPLY_MAX NTSNTP_MAX_PACKET_LEN

enum srv_drop {
  SRV_DROP_ACCESS,      /* source address not allowed */
  SRV_DROP_FORMAT,      /* short, bad length, bad version, bad extension fields */
  SRV_DROP_MODE,        /* not a request we answer */
  SRV_DROP_AUTH,        /* carries a MAC that does not verify with a known key */
  SRV_DROP_SEND,        /* the reply could not be sent */
  SRV_DROP_RATELIMIT,   /* the client asks too often (ratelimit) */
  SRV_DROP_COUNT
};

#define SRV_TS_SOURCES 3              /* daemon, kernel, hardware */
struct srv_stats {
  uint64_t received;
  uint64_t replied;
  uint64_t auth_replied;        /* authenticated replies made */
  uint64_t kod_replied;         /* KoD RATE replies made (ratelimit kod) */
  uint64_t interleaved_replied; /* interleaved replies made */
  uint64_t dropped[SRV_DROP_COUNT];
  /* Replies sent, by the source of their request's receive timestamp and
   * of the transmit timestamp they carry (enum plat_ts_source; chronyc
   * serverstats from 4.4) */
  uint64_t rx_ts[SRV_TS_SOURCES], tx_ts[SRV_TS_SOURCES];
};

/* What srv_process decided about the reply it made last. */
struct srv_last_reply {
  bool save_ts;                 /* save its timestamps (interleaved mode) */
  uint64_t rx;                  /* the reply's receive timestamp (NTP format) */
  bool interleaved;             /* carries an earlier reply's transmit time */
  bool want_tx;                 /* the client may go interleaved: get the
                                   kernel's transmit time of this reply */
  double correction;            /* added to the platform's clock in its
                                   timestamps: the cooked time's correction
                                   (-x's virtual clock, what is still to be
                                   slewed) and smoothtime's offset, s */
  bool smoothed;                /* smoothtime's offset is in it */
  bool stamped;                 /* its transmit time is set (it is sent as it is) */
  uint32_t mssntp_keyid;        /* an MS-SNTP reply for this key id (not 0):
                                   for Samba to sign (srv_signd_fn) */
};

/* Hand an MS-SNTP reply (NTP_HEADER_LEN bytes, stamped) to Samba's signing
 * daemon, to be sent signed to dg's sender from sock. */
typedef void (*srv_signd_fn)(void *arg, int sock, const struct plat_datagram *dg,
                             uint32_t keyid, const uint8_t *reply);

struct ntp_server {
  const struct platform *plat;
  const struct refstate *ref;
  struct access_table access;
  const struct ntp_keyring *keys;   /* NULL: none (set by the caller) */
  struct clientlog *clog;           /* NULL: none (set by the caller) */
  struct ntss *nts;                 /* NULL: NTS requests are not NTS's (set by the caller) */
  bool tx_timestamps;               /* the sockets report kernel transmit times */
  bool batched_sends;               /* replies may leave with others (see
                                       srv_enable_batched_sends) */
  bool ptp;                         /* ptpport is set: 10A is answered (set by
                                       the caller) */
  srv_signd_fn signd;               /* NULL: MS-SNTP requests are symmetric-key
                                       ones (set by the caller: ntpsigndsocket) */
  void *signd_arg;
  struct srv_stats stats;
  struct srv_last_reply last;
};

void srv_init(struct ntp_server *s, const struct platform *plat, const struct refstate *ref);
void srv_free(struct ntp_server *s);

/* req: dg parsed (any status: a malformed request is dropped). Returns the
 * reply length or 0 to drop. `reply` holds cap bytes, at least
 * NTP_HEADER_LEN (SRV_REPLY_MAX for every authenticated reply to fit). A
 * reply with s->last.stamped false has its transmit timestamp left zero,
 * for the sender to stamp. Otherwise a MAC or an authenticator covers the
 * transmit timestamp (or Samba is to sign it: last.mssntp_keyid): that is
 * already set from the platform's clock and the reply must be sent as it
 * is. */
size_t srv_process(struct ntp_server *s, const struct plat_datagram *dg,
                   const struct ntp_packet *req, uint8_t *reply, size_t cap);

/* Process req (dg parsed) and send the reply, if any, from sock. */
void srv_respond(struct ntp_server *s, int sock, const struct plat_datagram *dg,
                 const struct ntp_packet *req);

/* plat_recv_fn for server sockets (parse, then srv_respond); arg is the
 * struct ntp_server. */
void srv_receive(void *arg, int sock, const struct plat_datagram *dg);

/* Ask the platform for kernel transmit timestamps on a server socket, for
 * the interleaved mode (with the client log, where they are kept). They go
 * to fn (NULL: srv_tx_timestamp with s), which an owner sharing the socket
 * sets to take its own and pass the rest to srv_tx_timestamp. 0, or -1 if
 * unavailable. */
int srv_enable_tx_timestamps(struct ntp_server *s, int sock, plat_tx_fn fn, void *arg);

/* Let the replies to one receive batch on sock leave together (one system
 * call), if the platform can: one that fails then is counted as one whose
 * send fails at once (dropped "send", not replied). 0, or -1 if the
 * platform sends each at once. */
int srv_enable_batched_sends(struct ntp_server *s, int sock);

/* plat_tx_fn of the server sockets; arg is the struct ntp_server. */
void srv_tx_timestamp(void *arg, int sock, const struct ip_addr *to, uint16_t port, uint64_t tag,
                      const struct timespec *tx_time, enum plat_ts_source source);

const char *srv_drop_name(enum srv_drop d);

#endif
