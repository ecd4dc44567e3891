/* resolve: blocking name resolution for the one-shot modes (-Q, -q).
 * The daemon resolves asynchronously (dns.h). */
#ifndef STRATUM_SYS_RESOLVE_H
#define STRATUM_SYS_RESOLVE_H

#include "core/addr.h"

/* family: 4, 6 or 0 for either. Returns the number of addresses written
 * (at most max), or 0 if the name does not resolve. */
int resolve_name(const char *name, int family, struct ip_addr *out, int max);

#endif
