/* ipaddr: addresses of the command protocol as text, both ways (pure).
 *
 * Text forms are chronyc's: "192.0.2.1", "2001:db8::1", "ID#0000000001"
 * for reference clocks, "[UNSPEC]" for no address. */
#ifndef STRATUM_STRATUMC_IPADDR_H
#define STRATUM_STRATUMC_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/cmdmon.h"

#define SC_IP_STR_LEN 64

void sc_ip_to_string(const struct cmd_ip *ip, char *buf, size_t len);
/* An IPv4 or IPv6 literal; with allow_id also "ID#N". */
bool sc_ip_parse(const char *s, bool allow_id, struct cmd_ip *ip);
/* The reference ID NTP uses for an address: IPv4 itself, IPv6 the first
 * four bytes of its MD5 digest. */
uint32_t sc_ip_refid(const struct cmd_ip *ip);
/* The printable characters of a reference ID ("GPS", "" for 7F7F0101). */
void sc_refid_to_string(uint32_t ref_id, char *buf, size_t len);
/* A reference ID of 1 to 4 characters ("GPS"); false for any other word. */
bool sc_refid_parse(const char *s, uint32_t *ref_id);
/* A mask of `bits` leading ones for the family (out of range: all ones). */
void sc_ip_mask(int bits, uint16_t family, struct cmd_ip *mask);
/* Address families are IPv4 or IPv6 (not a reference clock or nothing). */
bool sc_ip_is_real(const struct cmd_ip *ip);

#endif
