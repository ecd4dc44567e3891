#include "stratumc/dns.h"

#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "stratumc/ipaddr.h"

static bool from_sockaddr(const struct sockaddr *sa, struct cmd_ip *ip)
{
  memset(ip, 0, sizeof(*ip));
  if (sa->sa_family == AF_INET) {
    ip->family = CMD_IP_INET4;
    memcpy(ip->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    ip->family = CMD_IP_INET6;
    memcpy(ip->bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    return true;
  }
  return false;
}

int sc_dns_lookup(const struct sc_dns *d, const char *name, struct cmd_ip *ips, int max)
{
  struct addrinfo hints, *list, *ai;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = d->family == 4 ? AF_INET : d->family == 6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(name, NULL, &hints, &list) != 0)
    return 0;
  int n = 0;
  for (ai = list; ai && n < max; ai = ai->ai_next)
    if (from_sockaddr(ai->ai_addr, &ips[n]))
      n++;
  freeaddrinfo(list);
  return n;
}

bool sc_dns_resolve(void *arg, const char *name, struct cmd_ip *ip)
{
  return sc_dns_lookup(arg, name, ip, 1) == 1;
}

void sc_dns_reverse(const struct cmd_ip *ip, char *buf, size_t len)
{
  struct sockaddr_storage ss;
  socklen_t sl = 0;
  memset(&ss, 0, sizeof(ss));
  if (ip->family == CMD_IP_INET4) {
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, ip->bytes, 4);
    sl = sizeof(*in);
  } else if (ip->family == CMD_IP_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    in6->sin6_family = AF_INET6;
    memcpy(&in6->sin6_addr, ip->bytes, 16);
    sl = sizeof(*in6);
  }
  if (sl == 0 || len > NI_MAXHOST ||
      getnameinfo((struct sockaddr *)&ss, sl, buf, (socklen_t)len, NULL, 0, NI_NAMEREQD) != 0)
    sc_ip_to_string(ip, buf, len);
}
