/* nts_client: one NTS source's client state (RFC 8915) as chronyd 4.x keeps
 * it, without the TLS: the keys and cookies an NTS-KE session gave, the
 * fields of each request, the checks of each reply, when a new NTS-KE is
 * due, and the cookie file.
 *
 *  - ntsc_prepare() before each request: with no cookie left, after a NAK
 *    that no authentic reply followed, or ntsrefresh seconds after the last
 *    NTS-KE, the cookies are dropped and a new NTS-KE is asked for (or, if
 *    one failed, waited for: 2^(factor + attempts - 1) seconds after the
 *    attempt, at most 2^19, factor 4 when the TCP connection failed, 10 when
 *    TLS did, chrony's rule). No cookie: no request (never an
 *    unauthenticated one).
 *  - A request (ntsc_build_request) takes the oldest cookie, asks for
 *    enough placeholders to get back to 8 and is sealed with the C2S key.
 *  - One reply per request is accepted (ntsc_check_reply): our unique
 *    identifier, verified with the S2C key; its encrypted cookies are kept
 *    (up to 8). An NTS NAK with our identifier marks the source for a new
 *    NTS-KE at the next request, unless an authentic reply comes first.
 *  - The cookie file (chronyd's "NNC0" format, one per NTS-KE server
 *    address, ADDRESS.nts in ntsdumpdir): the name, the wall time of the
 *    last NTS-KE, the NTP address and port, "CONTEXT-ID ALGORITHM S2C-HEX
 *    C2S-HEX", then a cookie per line in hex. A file for another name, or
 *    with keys of the wrong length or a time before 1970 or beyond
 *    NTSC_DUMP_MAX_TIME, is not used.
 *
 * Times are seconds on one steady scale of the caller's. */
#ifndef STRATUM_CORE_NTS_CLIENT_H
#define STRATUM_CORE_NTS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "proto/aead.h"
#include "proto/nts_ke.h"
#include "proto/nts_ntp.h"

#define NTSC_RETRY_FACTOR_CONNECT 4     /* log2 s, chrony's NKE_RETRY_FACTOR2_* */
#define NTSC_RETRY_FACTOR_TLS 10
#define NTSC_MAX_RETRY_INTERVAL 19
#define NTSC_DUMP_SUFFIX ".nts"
#define NTSC_DUMP_MAX_TIME 1e11         /* s since 1970: a file's times are below */
/* name, time, address, keys, 8 cookies in hex */
#define NTSC_DUMP_MAX (5 + 256 + 32 + ADDR_STR_LEN + 8 + 32 + 4 * AEAD_MAX_KEY_LEN + \
                       NTSKE_MAX_COOKIES * (2 * NTSKE_MAX_COOKIE_LEN + 1))

struct ntsc {
  char name[256];               /* the server's name, checked in its certificate */
  struct ip_addr ke_addr;       /* the NTS-KE server... */
  uint16_t ke_port;             /* ...and port (the source's ntsport) */
  int cert_set;                 /* trusted certificates (the source's certset) */
  uint16_t default_port;        /* the configured NTP port */
  struct ip_addr ntp_addr;      /* the NTP server (negotiated, or ke_addr) */
  uint16_t ntp_port;

  bool have_keys;
  struct aead_key c2s, s2c;
  uint32_t context_id;          /* NTS-KE sessions that gave keys (authdata's KeyID) */
  struct ntske_cookie cookies[NTSKE_MAX_COOKIES];   /* a ring */
  size_t n_cookies, first;

  uint8_t uid[NTSNTP_UID_LEN];  /* of the outstanding request */
  bool awaiting;                /* a request sent, no reply accepted yet */
  bool nak;                     /* a NAK answered the last request */
  bool ok_response;             /* an authentic reply to the last request */

  bool ke_running;
  int ke_attempts;              /* since the last authentic reply */
  int retry_factor;
  double ke_started;            /* when the last attempt started */
  double next_ke;               /* no NTS-KE before this */
  double last_ke;               /* when the last one succeeded */
  double refresh;               /* ntsrefresh */
};

/* name: as configured; addr: its address (the NTS-KE server and, until one
 * is negotiated, the NTP server); refresh: ntsrefresh in seconds. */
void ntsc_init(struct ntsc *c, const char *name, const struct ip_addr *addr, uint16_t ntp_port,
               uint16_t ke_port, int cert_set, double refresh);

/* Who runs the NTS-KE sessions (the daemon, over TLS). attach: a source's
 * state is new (load its cookie file); detach: it goes away (cancel its
 * session, save its cookies); start: begin a session for it after
 * NTSC_START_KE, whose outcome comes later through ntsc_ke_done() or
 * ntsc_ke_failed(). Times given to those are on the scale of `now`. */
struct ntsc_ke_ops {
  void (*attach)(void *arg, struct ntsc *c);
  void (*detach)(void *arg, struct ntsc *c);
  void (*start)(void *arg, struct ntsc *c);
  double (*now)(void *arg);
  void *arg;
};

enum ntsc_ready {
  NTSC_READY,                   /* a cookie: send a request */
  NTSC_START_KE,                /* start an NTS-KE session now (counted as an attempt) */
  NTSC_WAIT,                    /* one is running, or the next may not start yet */
};
enum ntsc_ready ntsc_prepare(struct ntsc *c, double now);

/* The session started by NTSC_START_KE failed before (retry_factor:
 * NTSC_RETRY_FACTOR_CONNECT) or after (NTSC_RETRY_FACTOR_TLS) the TCP
 * connection. */
void ntsc_ke_failed(struct ntsc *c, int retry_factor);
/* It ended with this response and keys. The response must grant NTPv4
 * with the keys' algorithm and carry cookies; a server record must be an
 * address (names are not resolved here). False (counted as a failure of
 * TLS) otherwise. */
bool ntsc_ke_done(struct ntsc *c, double now, const struct ntske_message *resp,
                  const struct aead_key *c2s, const struct aead_key *s2c);

/* Append the NTS fields to the request whose header is in buf[0..48),
 * with uid and nonce random bytes of the caller's. Returns the length, or
 * 0 (nothing taken) without a cookie or if it does not fit. */
size_t ntsc_build_request(struct ntsc *c, uint8_t *buf, size_t cap,
                          const uint8_t uid[NTSNTP_UID_LEN],
                          const uint8_t nonce[NTSNTP_NONCE_LEN]);
/* A reply to the outstanding request: NTSNTP_OK if it is authentic (its
 * cookies are then kept); NTSNTP_NAK for our NAK (noted). Any other
 * status: not authentic, nothing changes. */
enum ntsntp_status ntsc_check_reply(struct ntsc *c, const struct ntp_packet *p);

/* chronyc authdata's NTS columns. */
struct ntsc_report {
  uint32_t key_id;              /* context ID */
  uint16_t key_type;            /* the AEAD (0: no keys) */
  uint16_t key_length;          /* bits */
  int ke_attempts;
  double last_ke_ago;           /* < 0: no keys */
  int cookies, cookie_length;
  bool nak;
};
void ntsc_report(const struct ntsc *c, double now, struct ntsc_report *r);

/* The cookie file: text (NUL-terminated) and its length, 0 if there are no
 * cookies to save or it does not fit; wall_now: the real time at `now`. */
size_t ntsc_dump_format(const struct ntsc *c, double now, double wall_now, char *buf,
                        size_t cap);
/* Load it (len bytes); false, nothing changed, if it is not valid for this
 * source. */
bool ntsc_dump_parse(struct ntsc *c, const char *text, size_t len, double now, double wall_now);
/* The file's name for this source: ADDRESS.nts. */
const char *ntsc_dump_name(const struct ntsc *c, char *buf, size_t cap);

#endif
