/* nts_ntp: NTS extension fields of NTP packets (RFC 8915 sections 5.3-5.7),
 * both sides, and the server's cookies, with chrony's layouts and limits.
 *
 * A client request carries, after the 48-byte header: Unique Identifier
 * (0x0104, 32 random bytes), one NTS Cookie (0x0204), Cookie Placeholders
 * (0x0304, as long as the cookie) asking for more cookies, and last the
 * Authenticator and Encrypted Extension Fields (0x0404): nonce length,
 * ciphertext length, nonce, ciphertext, each padded to 4 bytes. The AEAD's
 * associated data is the packet before the authenticator; the plaintext is
 * empty in a request and holds the new cookies (as 0x0204 fields) in a
 * reply. Keys: C2S for requests, S2C for replies, exported at NTS-KE.
 *
 * chrony's rules kept here: nonces of 16 bytes, cut to the AEAD's maximum
 * (12 for AES-128-GCM-SIV), padded so that nonce plus padding is at least
 * 16 bytes where the AEAD allows; the authenticator field at least 28 bytes
 * (RFC 7822's last field); a reply exactly as long as its request, so it
 * carries as many new cookies as fit (never more than asked for) and is
 * never larger; unencrypted cookies in a reply are ignored.
 *
 * Packets come parsed by ntp_packet_parse() (struct ntp_packet); builders
 * append to a buffer whose first 48 bytes the caller has encoded. Random
 * bytes (unique identifiers, nonces) are the caller's to supply. */
#ifndef STRATUM_PROTO_NTS_NTP_H
#define STRATUM_PROTO_NTS_NTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/aead.h"
#include "proto/ntp_packet.h"
#include "proto/nts_ke.h"

#define NTSNTP_EF_UNIQUE_ID 0x0104
#define NTSNTP_EF_COOKIE 0x0204
#define NTSNTP_EF_PLACEHOLDER 0x0304
#define NTSNTP_EF_AUTH 0x0404

#define NTSNTP_UID_LEN 32               /* RFC 8915's minimum; chrony's */
#define NTSNTP_NONCE_LEN 16             /* supplied; cut to the AEAD's maximum */
#define NTSNTP_KOD_NAK 0x4E54534Eu      /* "NTSN": the NTS NAK kiss code */
/* chrony's largest NTP packet: header, 1024 bytes of fields, longest MAC. */
#define NTSNTP_MAX_PACKET_LEN (NTP_HEADER_LEN + 1024 + NTP_MAC_MAX_LEN)

enum ntsntp_status {
  NTSNTP_OK = 0,
  NTSNTP_BAD_PACKET,        /* not a well-formed NTPv4 packet, or a MAC trailer */
  NTSNTP_MISSING,           /* no unique identifier, cookie (requests) or authenticator */
  NTSNTP_DUPLICATE,         /* a second unique identifier, cookie or authenticator */
  NTSNTP_BAD_COOKIE,        /* longer than NTSKE_MAX_COOKIE_LEN, or a placeholder
                               of another length than the cookie */
  NTSNTP_AUTH_NOT_LAST,     /* a field after the authenticator */
  NTSNTP_BAD_AUTH,          /* the authenticator's lengths, padding or nonce */
  NTSNTP_AUTH_FAILED,       /* did not decrypt under the key */
  NTSNTP_BAD_ENCRYPTED,     /* the decrypted fields are not well formed */
  NTSNTP_BAD_UID,           /* a reply's identifier is not the request's */
  NTSNTP_NAK,               /* a reply that is an NTS NAK */
  NTSNTP_NO_COOKIES,        /* a verified reply with no usable cookie */
};

const char *ntsntp_status_name(enum ntsntp_status status);

/* ---- client ---- */

/* How many placeholders a request should carry, as chrony's client asks:
 * enough to get back to NTSKE_MAX_COOKIES cookies once the one sent is
 * used (cookies_held counts it), but no more than 864 bytes of cookies. */
size_t ntsntp_request_placeholders(size_t cookies_held, size_t cookie_len);

/* Append to the request whose header is in buf[0..48): the unique
 * identifier, the cookie, n_placeholders placeholders and the authenticator
 * under the C2S key (nonce: NTSNTP_NONCE_LEN random bytes). Returns the
 * packet's length, or 0 if it does not fit in cap or cannot be encrypted. */
size_t ntsntp_build_request(uint8_t *buf, size_t cap, const uint8_t uid[NTSNTP_UID_LEN],
                            const struct ntske_cookie *cookie, size_t n_placeholders,
                            const struct aead_key *c2s, const uint8_t nonce[NTSNTP_NONCE_LEN]);

/* New cookies from a reply. */
struct ntsntp_reply {
  size_t n_cookies;
  struct ntske_cookie cookies[NTSKE_MAX_COOKIES];
};

/* Check a server's reply to the request with this identifier: the unique
 * identifier must be ours, the authenticator last and valid under the S2C
 * key, the encrypted fields well formed; cookies (encrypted 0x0204 fields of
 * 12 to NTSKE_MAX_COOKIE_LEN bytes, the first NTSKE_MAX_COOKIES of them) go
 * to *out. NTSNTP_NAK for a NAK (our identifier, no authenticator, stratum
 * 0, reference ID NTSN). */
enum ntsntp_status ntsntp_parse_reply(const struct ntp_packet *p,
                                      const uint8_t uid[NTSNTP_UID_LEN],
                                      const struct aead_key *s2c, struct ntsntp_reply *out);

/* ---- server ---- */

/* A request's NTS fields (pointing into the packet). */
struct ntsntp_request {
  const uint8_t *uid;
  size_t uid_len;
  const uint8_t *cookie;
  size_t cookie_len;
  size_t n_placeholders;      /* outside the authenticator; verification adds
                                 those inside */
  const struct ntp_ef *auth;
  size_t auth_offset;         /* the authenticator's start: the AD's length */
};

/* Find the NTS fields of a request: one unique identifier, one cookie,
 * placeholders as long as the cookie, the authenticator last. */
enum ntsntp_status ntsntp_parse_request(const struct ntp_packet *p, struct ntsntp_request *req);
/* Authenticate a parsed request with the C2S key from its cookie and count
 * the placeholders among its encrypted fields. */
enum ntsntp_status ntsntp_verify_request(const struct ntp_packet *p, struct ntsntp_request *req,
                                         const struct aead_key *c2s);
/* Cookies a verified request asks for: the one it used and one per
 * placeholder, at most NTSKE_MAX_COOKIES. */
size_t ntsntp_cookies_wanted(const struct ntsntp_request *req);

/* Append to the reply whose header is in buf[0..48) the request's unique
 * identifier and an authenticator under the S2C key holding the first
 * cookies that fit, padded so that the reply is exactly request_len bytes
 * (buf holds that many). Returns request_len, with *n_sent cookies; 0 if
 * not even a reply without cookies fits or encryption fails. */
size_t ntsntp_build_reply(uint8_t *buf, size_t request_len, const struct ntsntp_request *req,
                          const struct ntske_cookie *cookies, size_t n_cookies,
                          const struct aead_key *s2c, const uint8_t nonce[NTSNTP_NONCE_LEN],
                          size_t *n_sent);

/* Append to a NAK's header in buf[0..48) (the caller sets stratum 0 and
 * reference ID NTSNTP_KOD_NAK) the request's unique identifier. Returns the
 * length, or 0 if it does not fit in cap. */
size_t ntsntp_build_nak(uint8_t *buf, size_t cap, const struct ntsntp_request *req);

/* ---- the server's cookies ---- */

/* A key of the server's, which encrypts the cookies it gives out. */
struct ntsntp_server_key {
  uint32_t id;
  struct aead_key key;
};

/* A cookie in chrony's layout: the key's ID (4 bytes), a nonce
 * (NTSNTP_NONCE_LEN bytes cut to the key's AEAD maximum), then the C2S and
 * S2C keys encrypted under the server key with empty associated data. The
 * two keys' algorithm is not stored but follows from their length (16:
 * AES-128-GCM-SIV, 32: AES-SIV-CMAC-256, 64: AES-SIV-CMAC-512). False if the
 * keys differ in algorithm or are not of their algorithm's length. */
bool ntsntp_cookie_encode(const struct ntsntp_server_key *key,
                          const uint8_t nonce[NTSNTP_NONCE_LEN], const struct aead_key *c2s,
                          const struct aead_key *s2c, struct ntske_cookie *out);
/* The keys in a cookie encrypted with one of the n keys (found by ID);
 * false if no key has its ID, or it is malformed or does not decrypt. */
bool ntsntp_cookie_decode(const struct ntsntp_server_key *keys, size_t n_keys,
                          const uint8_t *cookie, size_t len, struct aead_key *c2s,
                          struct aead_key *s2c);

#endif
