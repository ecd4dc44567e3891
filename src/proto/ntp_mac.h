/* ntp_mac: the symmetric-key MAC trailer of NTP packets (RFC 5905 section
 * 7.3), computed as chrony computes it (keys.c, ntp_auth.c).
 *
 * The digest covers `data`, everything before the trailer (header and
 * extension fields). A hash key's digest is H(key || data), the plain keyed
 * hash of RFC 5905, not HMAC; an AES key's digest is AES-CMAC(key, data)
 * (RFC 4493). The trailer is the 4-byte key ID then the digest. In NTPv4 a
 * digest is cut to 20 bytes, so the trailer stays 20 or 24 bytes, the MAC
 * lengths RFC 7822 keeps apart from extension fields; versions 1-3 carry the
 * whole digest. Digest bytes sent:
 *
 *   type                   NTPv4   NTPv1-3
 *   MD5                     16      16
 *   SHA1                    20      20
 *   SHA256, SHA3-256        20      32
 *   SHA3-224                20      28
 *   SHA384, SHA3-384        20      48
 *   SHA512, SHA3-512        20      64
 *   AES128, AES256 (CMAC)   16      16
 *
 * (chrony's client therefore defaults to NTPv3 with a key whose digest is
 * longer than 20 bytes, so the peer gets the whole digest.)
 *
 * Verification accepts exactly what chrony accepts: the digest must be as
 * long as the one ntp_mac_generate would send for the packet's version,
 * except that an NTPv4 trailer longer than 24 bytes must carry the whole
 * digest; the bytes are compared in constant time.
 *
 * MD5 is computed here (proto/md5.h); OpenSSL 3 (EVP, through proto/ossl.h's
 * table) does the other types' arithmetic. A type that needs OpenSSL when
 * no table is set (ntp_mac_needs_ossl), or that the OpenSSL in use cannot
 * compute (e.g. under a FIPS-only configuration), makes generation fail
 * and verification reject. No state is kept between calls. */
#ifndef STRATUM_PROTO_NTP_MAC_H
#define STRATUM_PROTO_NTP_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTP_MAC_KEYID_LEN 4
#define NTP_MAC_DIGEST_MAX 64       /* SHA512 and SHA3-512 */
#define NTP_MAC_DIGEST_MAX_V4 20    /* RFC 7822: trailer of at most 24 bytes */

enum ntp_key_type {
  NTP_KEY_MD5,
  NTP_KEY_SHA1,
  NTP_KEY_SHA256,
  NTP_KEY_SHA384,
  NTP_KEY_SHA512,
  NTP_KEY_SHA3_224,
  NTP_KEY_SHA3_256,
  NTP_KEY_SHA3_384,
  NTP_KEY_SHA3_512,
  NTP_KEY_AES128,
  NTP_KEY_AES256,
  NTP_KEY_TYPES
};

/* One key: its type and secret bytes (owned by whoever made it, e.g. the
 * key table of conf/keyfile.h). */
struct ntp_key {
  enum ntp_key_type type;
  const uint8_t *data;
  size_t len;
};

/* Keys by ID, as seen by code that only looks them up (the core) in a table
 * it does not own (e.g. conf/keyfile's, through keyfile_find): find returns
 * the key or NULL. The table must outlive the ring. */
struct ntp_keyring {
  const struct ntp_key *(*find)(const void *table, uint32_t id);
  const void *table;
};

/* The key with this ID, or NULL (also for a NULL ring or ID 0, which no
 * key has). */
static inline const struct ntp_key *ntp_keyring_find(const struct ntp_keyring *ring, uint32_t id)
{
  return ring && ring->find && id != 0 ? ring->find(ring->table, id) : NULL;
}

/* chrony's name of a type ("MD5", "SHA3-256", "AES128"...). */
const char *ntp_key_type_name(enum ntp_key_type type);
/* The type named exactly (case-sensitive, as chrony); false if none. */
bool ntp_key_type_from_name(const char *name, enum ntp_key_type *out);
/* The key length a cipher requires (16 for AES128, 32 for AES256); 0 for a
 * hash, which takes a key of any length. */
size_t ntp_key_type_key_len(enum ntp_key_type type);
/* Whether keys of this type need OpenSSL (proto/ossl.h): all but MD5. */
bool ntp_mac_needs_ossl(enum ntp_key_type type);
/* Digest bytes a packet of NTP `version` carries for this type (table above). */
size_t ntp_mac_digest_len(enum ntp_key_type type, int version);

/* Write the trailer for the `data_len` bytes at `data` (a packet of NTP
 * `version`) into out: keyid (big-endian) then the digest. Returns its
 * length, 4 + ntp_mac_digest_len(), or 0 if it does not fit in out_cap or
 * the digest cannot be computed. */
size_t ntp_mac_generate(const struct ntp_key *key, uint32_t keyid, const uint8_t *data,
                        size_t data_len, int version, uint8_t *out, size_t out_cap);

/* Is `digest` (the trailer without its key ID, as ntp_packet_parse finds it)
 * a valid MAC of the data_len bytes at data under key? The version is read
 * from data's first byte; data shorter than an NTP header is rejected. */
bool ntp_mac_verify(const struct ntp_key *key, const uint8_t *data, size_t data_len,
                    const uint8_t *digest, size_t digest_len);
/* The same for the MAC trailer of a parsed packet (ntp_packet_parse: well
 * formed, with a trailer): does it verify with key? */
struct ntp_packet;
bool ntp_mac_verify_packet(const struct ntp_key *key, const struct ntp_packet *p);

/* The reference ID of a server synchronised to this IPv6 address: the
 * first four bytes of the address's MD5 digest (RFC 5905, as chrony; here
 * for the digest); 0 if the digest cannot be made. */
uint32_t ntp_mac_ipv6_refid(const uint8_t addr[16]);

#endif
