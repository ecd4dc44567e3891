/* md5: the MD5 digest (RFC 1321), here so that MD5 keys and the reference
 * ID of an IPv6 server (ntp_mac.h) need no OpenSSL. Not for new uses: MD5
 * is broken; NTP keeps it for compatibility. */
#ifndef STRATUM_PROTO_MD5_H
#define STRATUM_PROTO_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_LEN 16

struct md5 {
  uint32_t s[4];
  uint64_t len;                 /* bytes so far */
  uint8_t buf[64];
};

void md5_init(struct md5 *m);
void md5_update(struct md5 *m, const uint8_t *data, size_t len);
/* The digest; m is wiped. */
void md5_final(struct md5 *m, uint8_t out[MD5_LEN]);

#endif
