#include "core/addr.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_mac.h"

static size_t addr_len(uint8_t family)
{
  return family == ADDR_INET4 || family == ADDR_ID ? 4 : 16;
}

bool addr_parse(const char *s, struct ip_addr *out)
{
  memset(out, 0, sizeof(*out));
  if (strchr(s, ':')) {
    if (inet_pton(AF_INET6, s, out->bytes) != 1)
      return false;
    out->family = ADDR_INET6;
    return true;
  }
  if (inet_pton(AF_INET, s, out->bytes) != 1)
    return false;
  out->family = ADDR_INET4;
  return true;
}

static void mask_to_prefix(struct ip_addr *a, int prefix)
{
  size_t len = addr_len(a->family);
  for (size_t i = 0; i < len; i++) {
    int bits = prefix - (int)i * 8;
    if (bits >= 8)
      continue;
    a->bytes[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
  }
}

/* Parse a decimal in [0, max] occupying all of s. */
static bool parse_bounded_uint(const char *s, long max, long *out)
{
  if (*s < '0' || *s > '9')
    return false;
  char *end;
  long v = strtol(s, &end, 10);
  if (*end != '\0' || v < 0 || v > max)
    return false;
  *out = v;
  return true;
}

/* chrony's shortened IPv4 subnets: 1 to 3 octets imply /8, /16, /24. */
static bool parse_short_v4(const char *s, struct ip_subnet *out)
{
  int octets = 0;
  const char *p = s;
  memset(out, 0, sizeof(*out));
  out->addr.family = ADDR_INET4;
  for (;;) {
    char part[4];
    size_t n = strcspn(p, ".");
    long v;
    if (n == 0 || n >= sizeof(part))
      return false;
    memcpy(part, p, n);
    part[n] = '\0';
    if (!parse_bounded_uint(part, 255, &v))
      return false;
    out->addr.bytes[octets++] = (uint8_t)v;
    if (p[n] == '\0')
      break;
    if (octets == 3)   /* four numbers are a full address: inet_pton's job */
      return false;
    p += n + 1;
  }
  out->prefix = octets * 8;
  return true;
}

bool subnet_parse(const char *s, struct ip_subnet *out)
{
  char host[ADDR_STR_LEN];
  const char *slash = strchr(s, '/');
  size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
  if (hlen == 0 || hlen >= sizeof(host))
    return false;
  memcpy(host, s, hlen);
  host[hlen] = '\0';

  memset(out, 0, sizeof(*out));
  if (addr_parse(host, &out->addr)) {
    out->prefix = out->addr.family == ADDR_INET4 ? 32 : 128;
  } else if (strchr(host, ':') || !parse_short_v4(host, out)) {
    return false;
  }
  if (slash) {
    long bits;
    if (!parse_bounded_uint(slash + 1, out->addr.family == ADDR_INET4 ? 32 : 128, &bits))
      return false;
    out->prefix = (int)bits;
  }
  mask_to_prefix(&out->addr, out->prefix);
  return true;
}

bool addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
  return a->family == b->family && a->family != ADDR_UNSPEC &&
         memcmp(a->bytes, b->bytes, addr_len(a->family)) == 0;
}

bool subnet_contains(const struct ip_subnet *net, const struct ip_addr *a)
{
  if (a->family != net->addr.family)
    return false;
  struct ip_addr masked = *a;
  mask_to_prefix(&masked, net->prefix);
  return memcmp(masked.bytes, net->addr.bytes, addr_len(a->family)) == 0;
}

struct ip_addr addr_unmap_v4(const struct ip_addr *a)
{
  static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  struct ip_addr r = *a;
  if (a->family == ADDR_INET6 && memcmp(a->bytes, v4mapped, 12) == 0) {
    memset(&r, 0, sizeof(r));
    r.family = ADDR_INET4;
    memcpy(r.bytes, a->bytes + 12, 4);
  }
  return r;
}

const char *addr_format(const struct ip_addr *a, char buf[ADDR_STR_LEN])
{
  if (a->family == ADDR_ID)
    snprintf(buf, ADDR_STR_LEN, "ID#%010" PRIu32, addr_id(a));
  else if (a->family == ADDR_UNSPEC ||
      !inet_ntop(a->family == ADDR_INET4 ? AF_INET : AF_INET6, a->bytes, buf, ADDR_STR_LEN))
    snprintf(buf, ADDR_STR_LEN, "[UNSPEC]");
  return buf;
}

const char *addr_format_named(const struct ip_addr *a, const char *name, char *buf, size_t cap)
{
  char text[ADDR_STR_LEN];
  addr_format(a, text);
  if (*name && strcmp(name, text) != 0)
    snprintf(buf, cap, "%s (%s)", text, name);
  else
    snprintf(buf, cap, "%s", text);
  return buf;
}

const char *subnet_format(const struct ip_subnet *n, char buf[ADDR_STR_LEN])
{
  char a[ADDR_STR_LEN];
  snprintf(buf, ADDR_STR_LEN, "%s/%d", addr_format(&n->addr, a), n->prefix);
  return buf;
}

uint32_t addr_hash(const struct ip_addr *a, uint32_t seed)
{
  /* FNV-1a over family and bytes, mixed with a per-instance seed. */
  uint32_t h = 2166136261u ^ seed;
  size_t len = addr_len(a->family);
  h = (h ^ a->family) * 16777619u;
  for (size_t i = 0; i < len; i++)
    h = (h ^ a->bytes[i]) * 16777619u;
  return h;
}

uint32_t addr_refid(const struct ip_addr *a)
{
  if (a->family == ADDR_INET4)
    return (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
           (uint32_t)a->bytes[2] << 8 | a->bytes[3];
  return ntp_mac_ipv6_refid(a->bytes);
}

struct ip_addr addr_from_id(uint32_t id)
{
  struct ip_addr a = {.family = ADDR_ID};
  uint32_t be = htonl(id);
  memcpy(a.bytes, &be, sizeof(be));
  return a;
}

uint32_t addr_id(const struct ip_addr *a)
{
  uint32_t be;
  if (a->family != ADDR_ID)
    return 0;
  memcpy(&be, a->bytes, sizeof(be));
  return ntohl(be);
}
