/* nts_server: the server's side of NTS (RFC 8915) as chronyd 4.3 does it,
 * without the TLS (sys/tlsd.h carries the bytes and exports the keys):
 *
 *  - server keys: four AES-SIV-CMAC-256 keys in slots, the key ID's two low
 *    bits naming its slot; one is current (it makes cookies), the next one
 *    waits to become current, the two before it still open the cookies
 *    they made. ntss_rotate() moves on by one slot and makes a new future
 *    key (ntsrotate). They are saved and loaded in chrony's ntskeys format
 *    ("NKS0", "15 AGE", then "%08X HEX" per key, oldest first), so keys can
 *    move between chronyd and stratumd;
 *  - NTS-KE: a request answered with NTPv4, the first of the client's
 *    algorithms that ntsaeads has, NTSKE_MAX_COOKIES cookies made with the
 *    current key, and the NTP server and port records when ntsntpserver is
 *    set or the NTP port is not 123;
 *  - NTS-protected NTP: a client request carrying any NTS field is
 *    answered only if its cookie opens under a key we hold and it
 *    authenticates with the cookie's C2S key: the reply then carries new
 *    cookies under the S2C key and is as long as the request. A cookie that
 *    does not open, or a request that does not authenticate, gets an NTS
 *    NAK (chrony's answer); anything else malformed is dropped. */
#ifndef STRATUM_CORE_NTS_SERVER_H
#define STRATUM_CORE_NTS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/platform.h"
#include "proto/nts_ke.h"
#include "proto/nts_ntp.h"

#define NTSS_KEYS 4
#define NTSS_KEY_ALGORITHM AEAD_AES_SIV_CMAC_256
#define NTSS_KEYS_FILE "ntskeys"
#define NTSS_KEYS_FILE_MAX 1024         /* a file longer than this is not ours */
#define NTSS_RANDOM_POOL 4096

struct ntss_stats {
  uint64_t ke_answered;         /* NTS-KE responses granting NTPv4 */
  uint64_t ke_refused;          /* NTS-KE errors and refusals sent */
  uint64_t ntp_answered;        /* NTS-protected replies */
  uint64_t ntp_naks;            /* NTS NAKs sent */
  uint64_t ntp_dropped;         /* NTS requests dropped as malformed */
};

struct ntss {
  const struct platform *plat;
  struct ntsntp_server_key keys[NTSS_KEYS];
  unsigned current;             /* slot of the key that makes cookies */
  uint16_t aeads[NTSKE_MAX_LIST];       /* what we accept, in our order */
  size_t n_aeads;
  char ntp_server[NTSKE_MAX_SERVER_LEN + 1];    /* "": no server record */
  uint16_t ntp_port;            /* 0: no port record */
  struct ntss_stats stats;
  uint8_t pool[NTSS_RANDOM_POOL];       /* random bytes not used yet: the last pool_left */
  size_t pool_left;
};

/* New random keys. aeads: ntsaeads (those not known to aead.h are
 * skipped); ntp_server (NULL: none) and ntp_port (0: none) go into every
 * response. */
void ntss_init(struct ntss *n, const struct platform *plat, const int *aeads, size_t n_aeads,
               const char *ntp_server, uint16_t ntp_port);
/* The next key becomes current; a new future key replaces the oldest. */
void ntss_rotate(struct ntss *n);

/* The keys in chrony's format, age: seconds since the last rotation.
 * Returns the length (without the NUL), 0 if cap is too small. */
size_t ntss_keys_format(const struct ntss *n, double age, char *buf, size_t cap);
/* Keys from text in that format; *age their age. On any error the keys
 * are left as they were and false is returned. */
bool ntss_keys_parse(struct ntss *n, const char *text, size_t len, double *age);

/* Export a key from the TLS session: len bytes for the context. */
typedef bool ntss_export_fn(void *arg, const uint8_t context[NTSKE_CONTEXT_LEN], uint8_t *out,
                            size_t len);

/* Answer the NTS-KE request in req[0..len): the response's length in out
 * (cap at least NTSKE_MAX_MESSAGE_LEN), 0 if the request is not complete
 * yet (read more; a request that can never complete is answered with an
 * error), or -1 if the keys could not be exported (close without an
 * answer). */
long ntss_ke_respond(struct ntss *n, const uint8_t *req, size_t len, ntss_export_fn *export_key,
                     void *arg, uint8_t *out, size_t cap);

/* What to do with a request, and the state between check and reply. */
enum ntss_verdict {
  NTSS_NOT_NTS,                 /* no NTS field: not ours */
  NTSS_ANSWER,                  /* authenticated: answer with ntss_reply() */
  NTSS_NAK,                     /* answer with ntss_nak() */
  NTSS_DROP,
};

struct ntss_request {
  struct ntsntp_request req;
  struct aead_key c2s, s2c;     /* from its cookie */
};

enum ntss_verdict ntss_check(struct ntss *n, const struct ntp_packet *p, struct ntss_request *r);
/* Complete the reply whose header (transmit timestamp included) is in
 * buf[0..48): buf holds request_len bytes. Returns request_len, or 0 if
 * it cannot be made (drop). */
size_t ntss_reply(struct ntss *n, const struct ntss_request *r, uint8_t *buf, size_t request_len);
/* Complete a NAK (or a KoD) whose header is in buf[0..48): the request's
 * unique identifier. Returns its length (never more than request_len), 0
 * to drop; count: a NAK, for the counters. */
size_t ntss_nak(struct ntss *n, const struct ntss_request *r, uint8_t *buf, size_t request_len,
                bool count);

#endif
