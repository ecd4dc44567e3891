/* ntp_mac: keyed digests of NTP packets: MD5 here, the others with
 * OpenSSL 3 (see ntp_mac.h). */
#include "proto/ntp_mac.h"

#include <string.h>

#include "proto/md5.h"
#include "proto/ntp_packet.h"
#include "proto/ossl.h"
#include "proto/wire.h"

struct type_info {
  const char *name;         /* chrony's */
  const char *algorithm;    /* OpenSSL's digest, or CMAC's cipher */
  size_t digest_len;        /* whole digest */
  size_t key_len;           /* required by a cipher; 0 for a hash */
};

static const struct type_info types[NTP_KEY_TYPES] = {
  [NTP_KEY_MD5] = {"MD5", "MD5", 16, 0},
  [NTP_KEY_SHA1] = {"SHA1", "SHA1", 20, 0},
  [NTP_KEY_SHA256] = {"SHA256", "SHA2-256", 32, 0},
  [NTP_KEY_SHA384] = {"SHA384", "SHA2-384", 48, 0},
  [NTP_KEY_SHA512] = {"SHA512", "SHA2-512", 64, 0},
  [NTP_KEY_SHA3_224] = {"SHA3-224", "SHA3-224", 28, 0},
  [NTP_KEY_SHA3_256] = {"SHA3-256", "SHA3-256", 32, 0},
  [NTP_KEY_SHA3_384] = {"SHA3-384", "SHA3-384", 48, 0},
  [NTP_KEY_SHA3_512] = {"SHA3-512", "SHA3-512", 64, 0},
  [NTP_KEY_AES128] = {"AES128", "AES-128-CBC", 16, 16},
  [NTP_KEY_AES256] = {"AES256", "AES-256-CBC", 16, 32},
};

const char *ntp_key_type_name(enum ntp_key_type type)
{
  return type < NTP_KEY_TYPES ? types[type].name : "?";
}

bool ntp_key_type_from_name(const char *name, enum ntp_key_type *out)
{
  for (unsigned i = 0; i < NTP_KEY_TYPES; i++) {
    if (strcmp(name, types[i].name) == 0) {
      *out = (enum ntp_key_type)i;
      return true;
    }
  }
  return false;
}

size_t ntp_key_type_key_len(enum ntp_key_type type)
{
  return type < NTP_KEY_TYPES ? types[type].key_len : 0;
}

bool ntp_mac_needs_ossl(enum ntp_key_type type)
{
  return type != NTP_KEY_MD5;
}

size_t ntp_mac_digest_len(enum ntp_key_type type, int version)
{
  if (type >= NTP_KEY_TYPES)
    return 0;
  size_t len = types[type].digest_len;
  return version == 4 && len > NTP_MAC_DIGEST_MAX_V4 ? NTP_MAC_DIGEST_MAX_V4 : len;
}

/* H(key || data) into out; returns the digest length or 0 on failure. */
static size_t keyed_hash(const struct ntp_key *key, const uint8_t *data, size_t len,
                         uint8_t out[NTP_MAC_DIGEST_MAX])
{
  if (key->type == NTP_KEY_MD5) {
    struct md5 m;
    md5_init(&m);
    md5_update(&m, key->data, key->len);
    md5_update(&m, data, len);
    md5_final(&m, out);
    return MD5_LEN;
  }
  const struct ossl_ops *o = ossl_get();
  return o ? o->digest(types[key->type].algorithm, key->data, key->len, data, len, out,
                       NTP_MAC_DIGEST_MAX)
           : 0;
}

/* AES-CMAC(key, data) into out; returns 16 or 0 on failure (including a key
 * of the wrong length). */
static size_t cmac(const struct ntp_key *key, const uint8_t *data, size_t len,
                   uint8_t out[NTP_MAC_DIGEST_MAX])
{
  const struct ossl_ops *o = ossl_get();
  if (key->len != types[key->type].key_len || !o)
    return 0;
  return o->cmac(types[key->type].algorithm, key->data, key->len, data, len, out,
                 NTP_MAC_DIGEST_MAX);
}

/* The whole digest of data under key; returns its length or 0. */
static size_t compute_digest(const struct ntp_key *key, const uint8_t *data, size_t len,
                     uint8_t out[NTP_MAC_DIGEST_MAX])
{
  if (key->type >= NTP_KEY_TYPES)
    return 0;
  size_t n = types[key->type].key_len ? cmac(key, data, len, out)
                                       : keyed_hash(key, data, len, out);
  return n == types[key->type].digest_len ? n : 0;
}

size_t ntp_mac_generate(const struct ntp_key *key, uint32_t keyid, const uint8_t *data,
                        size_t data_len, int version, uint8_t *out, size_t out_cap)
{
  uint8_t buf[NTP_MAC_DIGEST_MAX];
  struct wire_writer w;

  if (compute_digest(key, data, data_len, buf) == 0)
    return 0;
  wire_writer_init(&w, out, out_cap);
  wire_put_u32(&w, keyid);
  wire_put_bytes(&w, buf, ntp_mac_digest_len(key->type, version));
  return w.err ? 0 : w.pos;
}

bool ntp_mac_verify(const struct ntp_key *key, const uint8_t *data, size_t data_len,
                    const uint8_t *digest, size_t digest_len)
{
  uint8_t buf[NTP_MAC_DIGEST_MAX];
  size_t full, limit, expected;
  int version;

  if (data_len < NTP_HEADER_LEN)
    return false;
  full = compute_digest(key, data, data_len, buf);
  if (full == 0)
    return false;
  /* As chrony: in NTPv4 a trailer of at most 24 bytes holds a digest cut to
   * 20 bytes; any other trailer holds the whole digest. */
  version = (data[0] >> 3) & 7;
  limit = version == 4 && digest_len <= NTP_MAC_DIGEST_MAX_V4 ? NTP_MAC_DIGEST_MAX_V4
                                                               : NTP_MAC_DIGEST_MAX;
  expected = full < limit ? full : limit;
  return digest_len == expected && wire_equal_ct(buf, digest, expected);
}

bool ntp_mac_verify_packet(const struct ntp_key *key, const struct ntp_packet *p)
{
  return ntp_mac_verify(key, p->data, p->len - p->mac_len, p->mac_digest, p->mac_digest_len);
}

uint32_t ntp_mac_ipv6_refid(const uint8_t addr[16])
{
  uint8_t digest[MD5_LEN];
  struct md5 m;
  md5_init(&m);
  md5_update(&m, addr, 16);
  md5_final(&m, digest);
  return (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 |
         digest[3];
}
