/* md5: RFC 1321's MD5 (see md5.h). */
#include "proto/md5.h"

#include <string.h>

/* Each round's shifts, by step within the round modulo 4. */
static const unsigned shifts[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23},
                                      {6, 10, 15, 21}};

/* floor(abs(sin(i + 1)) * 2^32), RFC 1321 section 3.4's table T. */
static const uint32_t sines[64] = {
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
  0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
  0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
  0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
  0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
  0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
  0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
  0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
  0xeb86d391};

static uint32_t rotl(uint32_t x, unsigned n)
{
  return x << n | x >> (32 - n);
}

static void block(uint32_t s[4], const uint8_t p[64])
{
  uint32_t x[16], a = s[0], b = s[1], c = s[2], d = s[3];
  for (unsigned i = 0; i < 16; i++)
    x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
           (uint32_t)p[4 * i + 3] << 24;
  for (unsigned i = 0; i < 64; i++) {
    uint32_t f;
    unsigned k;
    switch (i / 16) {
    case 0:
      f = (b & c) | (~b & d);
      k = i;
      break;
    case 1:
      f = (b & d) | (c & ~d);
      k = (5 * i + 1) % 16;
      break;
    case 2:
      f = b ^ c ^ d;
      k = (3 * i + 5) % 16;
      break;
    default:
      f = c ^ (b | ~d);
      k = 7 * i % 16;
      break;
    }
    uint32_t t = d;
    d = c;
    c = b;
    b += rotl(a + f + sines[i] + x[k], shifts[i / 16][i % 4]);
    a = t;
  }
  s[0] += a;
  s[1] += b;
  s[2] += c;
  s[3] += d;
}

void md5_init(struct md5 *m)
{
  *m = (struct md5){.s = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}};
}

void md5_update(struct md5 *m, const uint8_t *data, size_t len)
{
  size_t used = m->len % 64;
  m->len += len;
  while (len > 0) {
    size_t n = 64 - used < len ? 64 - used : len;
    memcpy(m->buf + used, data, n);
    used += n;
    data += n;
    len -= n;
    if (used == 64) {
      block(m->s, m->buf);
      used = 0;
    }
  }
}

void md5_final(struct md5 *m, uint8_t out[MD5_LEN])
{
  uint64_t bits = m->len * 8;
  uint8_t pad[72] = {0x80};
  size_t pad_len = (m->len % 64 < 56 ? 56 : 120) - m->len % 64;
  for (unsigned i = 0; i < 8; i++)
    pad[pad_len + i] = (uint8_t)(bits >> (8 * i));
  md5_update(m, pad, pad_len + 8);
  for (unsigned i = 0; i < 16; i++)
    out[i] = (uint8_t)(m->s[i / 4] >> (8 * (i % 4)));
  explicit_bzero(m, sizeof(*m));
}
