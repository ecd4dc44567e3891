#include "sys/resolve.h"

#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

int resolve_name(const char *name, int family, struct ip_addr *out, int max)
{
  struct addrinfo hints, *res, *ai;
  int n = 0;

  if (max > 0 && addr_parse(name, &out[0]))
    return (family == 0 || family == out[0].family) ? 1 : 0;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(name, NULL, &hints, &res) != 0)
    return 0;
  for (ai = res; ai && n < max; ai = ai->ai_next) {
    memset(&out[n], 0, sizeof(out[n]));
    if (ai->ai_family == AF_INET) {
      out[n].family = ADDR_INET4;
      memcpy(out[n].bytes, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
    } else if (ai->ai_family == AF_INET6) {
      out[n].family = ADDR_INET6;
      memcpy(out[n].bytes, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    n++;
  }
  freeaddrinfo(res);
  return n;
}
