/* addr: IPv4/IPv6 addresses and subnets, parsed and printed as chrony does.
 *
 * Subnets accept chrony's shortened forms: "192.168.1" means 192.168.1.0/24,
 * "10" means 10.0.0.0/8; a bare address is a host (/32 or /128). Addresses
 * are stored in network order bytes; IPv4 uses the first 4 bytes. */
#ifndef STRATUM_CORE_ADDR_H
#define STRATUM_CORE_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* ADDR_ID: chronyd's IPADDR_ID, the address a source whose name is not
 * resolved yet is known by (its placeholder's number, big-endian in the
 * first 4 bytes): given only by the command server (chronyc's ID#), never
 * parsed, printed as chronyd prints it. */
enum addr_family { ADDR_UNSPEC = 0, ADDR_ID = 1, ADDR_INET4 = 4, ADDR_INET6 = 6 };

struct ip_addr {
  uint8_t family;        /* enum addr_family */
  uint8_t bytes[16];
};

struct ip_subnet {
  struct ip_addr addr;   /* masked to prefix bits */
  int prefix;            /* 0..32 or 0..128 */
};

#define ADDR_STR_LEN 64

/* Whole-string parses; return false on anything malformed. */
bool addr_parse(const char *s, struct ip_addr *out);
/* "ADDR", "ADDR/BITS", or shortened IPv4 "A", "A.B", "A.B.C" (with
 * optional /BITS). */
bool subnet_parse(const char *s, struct ip_subnet *out);

bool addr_equal(const struct ip_addr *a, const struct ip_addr *b);
bool subnet_contains(const struct ip_subnet *net, const struct ip_addr *a);
/* Map ::ffff:a.b.c.d to a.b.c.d; other addresses unchanged. */
struct ip_addr addr_unmap_v4(const struct ip_addr *a);

const char *addr_format(const struct ip_addr *a, char buf[ADDR_STR_LEN]);
/* As chronyd names a source in its log: the address, and the name it was
 * given in brackets if that is not the address's text ("::1
 * (0:0:0:0:0:0:0:1)"); into buf (cap bytes, cut to fit). */
const char *addr_format_named(const struct ip_addr *a, const char *name, char *buf, size_t cap);
const char *subnet_format(const struct ip_subnet *n, char buf[ADDR_STR_LEN]);

/* The reference ID a server synchronised to this address sends: the IPv4
 * address itself, or a hash of an IPv6 address. */
uint32_t addr_refid(const struct ip_addr *a);

/* A stable hash (for tables keyed by address). */
uint32_t addr_hash(const struct ip_addr *a, uint32_t seed);

/* A placeholder's address (ADDR_ID) from its number, and back (0: a is
 * none). */
struct ip_addr addr_from_id(uint32_t id);
uint32_t addr_id(const struct ip_addr *a);

#endif
