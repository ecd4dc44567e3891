#include "stratumc/ipaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ntp_mac.h"

static uint32_t get_u32(const uint8_t *b)
{
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put_u32(uint8_t *b, uint32_t v)
{
  b[0] = v >> 24;
  b[1] = v >> 16;
  b[2] = v >> 8;
  b[3] = v;
}

void sc_ip_to_string(const struct cmd_ip *ip, char *buf, size_t len)
{
  switch (ip->family) {
  case CMD_IP_INET4:
    snprintf(buf, len, "%u.%u.%u.%u", ip->bytes[0], ip->bytes[1], ip->bytes[2], ip->bytes[3]);
    break;
  case CMD_IP_INET6:
    if (!inet_ntop(AF_INET6, ip->bytes, buf, len))
      snprintf(buf, len, "[UNSPEC]");
    break;
  case CMD_IP_ID:
    snprintf(buf, len, "ID#%010" PRIu32, get_u32(ip->bytes));
    break;
  default:
    snprintf(buf, len, "[UNSPEC]");
  }
}

static bool parse_id(const char *s, struct cmd_ip *ip)
{
  char *end;
  if (strncmp(s, "ID#", 3) != 0 || !isdigit((unsigned char)s[3]))
    return false;
  unsigned long long v = strtoull(s + 3, &end, 10);
  if (*end != '\0' || v > UINT32_MAX)
    return false;
  ip->family = CMD_IP_ID;
  put_u32(ip->bytes, (uint32_t)v);
  return true;
}

bool sc_ip_parse(const char *s, bool allow_id, struct cmd_ip *ip)
{
  memset(ip, 0, sizeof(*ip));
  if (inet_pton(AF_INET, s, ip->bytes) == 1) {
    ip->family = CMD_IP_INET4;
    return true;
  }
  if (inet_pton(AF_INET6, s, ip->bytes) == 1) {
    ip->family = CMD_IP_INET6;
    return true;
  }
  memset(ip, 0, sizeof(*ip));
  return allow_id && parse_id(s, ip);
}

uint32_t sc_ip_refid(const struct cmd_ip *ip)
{
  switch (ip->family) {
  case CMD_IP_INET4:
    return get_u32(ip->bytes);
  case CMD_IP_INET6:
    return ntp_mac_ipv6_refid(ip->bytes);
  default:
    return 0;
  }
}

void sc_refid_to_string(uint32_t ref_id, char *buf, size_t len)
{
  size_t n = 0;
  for (int i = 0; i < 4 && n + 1 < len; i++) {
    int c = (ref_id >> (24 - i * 8)) & 0xff;
    if (isprint(c))
      buf[n++] = (char)c;
  }
  if (len > 0)
    buf[n] = '\0';
}

bool sc_refid_parse(const char *s, uint32_t *ref_id)
{
  size_t len = strlen(s);
  if (len == 0 || len > 4)
    return false;
  *ref_id = 0;
  for (size_t i = 0; i < len; i++)
    *ref_id |= (uint32_t)(unsigned char)s[i] << (24 - 8 * i);
  return true;
}

void sc_ip_mask(int bits, uint16_t family, struct cmd_ip *mask)
{
  int max = family == CMD_IP_INET6 ? 128 : 32;
  memset(mask, 0, sizeof(*mask));
  if (family != CMD_IP_INET4 && family != CMD_IP_INET6)
    return;                      /* chronyc sends no mask for other families */
  mask->family = family;
  if (bits < 0 || bits > max)
    bits = max;
  for (int i = 0; i < bits; i++)
    mask->bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

bool sc_ip_is_real(const struct cmd_ip *ip)
{
  return ip->family == CMD_IP_INET4 || ip->family == CMD_IP_INET6;
}
