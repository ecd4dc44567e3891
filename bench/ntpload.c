/* ntpload: an open-loop NTP load generator for loopback benchmarks.
 *
 * Sends mode-3 requests at a set rate (sendmmsg) from many source addresses
 * in 127.0.0.0/8 through one wildcard-bound socket (each message's source
 * address chosen with an IP_PKTINFO control message), receives the replies
 * (recvmmsg), matches each to its request by the origin timestamp (which
 * carries a per-run tag and the request's sequence number) and reports the
 * loss. Open loop: the sending schedule never waits for replies, so a slow
 * server shows as loss, not as a lower request rate.
 *
 * On loopback the sender's core also carries the kernel's receive path of
 * what it sends, so a plain sendmmsg generator costs as much per request as
 * a bare responder costs per reply and would be the bottleneck. Requests are
 * therefore sent with UDP GSO (UDP_SEGMENT): one message of -g requests of
 * 48 bytes from one source address, split into separate datagrams by the
 * kernel, which the server receives like any others.
 *
 * With -t FILE, the requests are taken in turn from FILE instead: LEN
 * bytes each (-l), e.g. NTS-protected ones from bench/ntsprep, which
 * carry their transmit timestamp (TAG << 32 | index) inside what they
 * authenticate; a reply counts when it is as long as its request and names
 * one of them (requests repeat, so duplicates are not told apart).
 *
 * Output: one line of key=value pairs (see usage). Exit 0 when the run
 * completed, 1 on a usage or socket error. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SEG 64
#define NTP_LEN 48
#define MAX_LEN 1200        /* a template request at most */
#define RX_CAP 1280
#define PER_NET 65024       /* source addresses in one 127.NET.0.0/16 */

struct opts {
  const char *addr;
  int port;
  double rate;        /* requests per second */
  double duration;    /* seconds of sending */
  double wait;        /* seconds to wait for late replies */
  unsigned sources;   /* distinct source addresses */
  unsigned first_src; /* first source: 127.<first_src>.0.1 */
  unsigned seg;       /* requests per GSO message (1: no GSO) */
  const char *templates;  /* -t: requests from this file */
  unsigned len;       /* -l: their length */
  uint64_t origin;    /* -O: the origin field of every request (0: none) */
};

static void usage(void)
{
  fprintf(stderr,
          "usage: ntpload [-a ADDR] -p PORT -r RATE [-d SECONDS] [-w SECONDS] [-n SOURCES]\n"
          "               [-s NET] [-g SEG] [-t FILE -l LEN] [-O ORIGIN]\n"
          "  -a ADDR     server address (default 127.0.0.1)\n"
          "  -p PORT     server port\n"
          "  -r RATE     requests per second (open loop)\n"
          "  -d SECONDS  how long to send (default 2)\n"
          "  -w SECONDS  how long to wait for late replies afterwards (default 0.3)\n"
          "  -n SOURCES  distinct source addresses, 127.NET.x.y (default 1024; beyond\n"
          "              65024, the next NETs)\n"
          "  -s NET      second byte of the source addresses (default 77)\n"
          "  -g SEG      requests per UDP GSO message, one source address each\n"
          "              (default 8; 1 = plain sendmmsg)\n"
          "  -t FILE     send the LEN-byte requests of FILE in turn (-l LEN)\n"
          "  -O ORIGIN   the origin timestamp of every request (not with -t; default 0,\n"
          "              as chronyd's; an even one stands for an ntpd client naming the\n"
          "              server's transmit timestamp, an odd one for an interleaved\n"
          "              client naming a receive timestamp the server did not keep)\n"
          "prints: target_rate= send_rate= sent= replies= bad= dup= loss_pct= elapsed=\n"
          "        send_errors= rcvbuf_errors= (UDP RcvbufErrors of the whole host)\n"
          "        sources_answered= (source addresses that got at least one reply)\n");
}

static double mono(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* UDP RcvbufErrors from /proc/net/snmp (host-wide), or -1. */
static long long udp_rcvbuf_errors(void)
{
  FILE *f = fopen("/proc/net/snmp", "r");
  if (!f)
    return -1;
  char names[1024], values[1024];
  long long result = -1;
  while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
    if (strncmp(names, "Udp:", 4) != 0)
      continue;
    char *sn = NULL, *sv = NULL;
    char *n = strtok_r(names, " \n", &sn);
    char *v = strtok_r(values, " \n", &sv);
    while (n && v) {
      if (strcmp(n, "RcvbufErrors") == 0) {
        result = strtoll(v, NULL, 10);
        break;
      }
      n = strtok_r(NULL, " \n", &sn);
      v = strtok_r(NULL, " \n", &sv);
    }
    break;
  }
  fclose(f);
  return result;
}

static void put_be64(uint8_t *p, uint64_t v)
{
  for (int i = 7; i >= 0; i--) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
}

static uint64_t get_be64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

struct rx_state {
  uint32_t tag;
  size_t len;         /* of the requests */
  uint64_t n_templates;   /* 0: plain requests */
  uint64_t limit;     /* sequence numbers below this were sent */
  uint8_t *seen;      /* bitmap over sequence numbers */
  uint64_t replies, bad, dup;
};

static void check_reply(struct rx_state *st, const uint8_t *p, size_t len)
{
  if (len < NTP_LEN || len != st->len) {
    st->bad++;
    return;
  }
  int leap = p[0] >> 6, mode = p[0] & 7, stratum = p[1];
  uint64_t origin = get_be64(p + 24);
  uint64_t seq = origin & 0xffffffffu;
  if (mode != 4 || leap == 3 || stratum == 0 || stratum > 15 ||
      (uint32_t)(origin >> 32) != st->tag || get_be64(p + 40) == 0 ||
      seq >= (st->n_templates ? st->n_templates : st->limit)) {
    st->bad++;
    return;
  }
  if (st->n_templates) {
    st->replies++;
    return;
  }
  if (st->seen[seq >> 3] & (1u << (seq & 7))) {
    st->dup++;
    return;
  }
  st->seen[seq >> 3] |= (uint8_t)(1u << (seq & 7));
  st->replies++;
}

/* Read every reply queued now. */
static void drain(int fd, struct rx_state *st, uint8_t (*bufs)[RX_CAP], struct mmsghdr *msgs,
                  struct iovec *iovs)
{
  for (int rounds = 0; rounds < 64; rounds++) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = bufs[i];
      iovs[i].iov_len = RX_CAP;
      memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
      return;
    for (int i = 0; i < n; i++)
      check_reply(st, bufs[i], msgs[i].msg_len);
    if (n < BATCH)
      return;
  }
}

/* The requests of a -t file: *n of len bytes each; NULL (said why) if
 * the file cannot be read or is not a whole number of them. */
static uint8_t *load_templates(const char *path, size_t len, uint64_t *n)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  long size = -1;
  if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (size_t)size % len == 0 && (buf = malloc((size_t)size)) &&
      fread(buf, 1, (size_t)size, f) == (size_t)size) {
    fclose(f);
    *n = (uint64_t)size / len;
    return buf;
  }
  fprintf(stderr, "ntpload: cannot read %s as requests of %zu bytes\n", path, len);
  free(buf);
  if (f)
    fclose(f);
  return NULL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
  *o = (struct opts){"127.0.0.1", 0, 0, 2.0, 0.3, 1024, 77, 8, NULL, 0, 0};
  int c;
  while ((c = getopt(argc, argv, "a:p:r:d:w:n:s:g:t:l:O:h")) != -1) {
    switch (c) {
    case 'a': o->addr = optarg; break;
    case 'p': o->port = atoi(optarg); break;
    case 'r': o->rate = atof(optarg); break;
    case 'd': o->duration = atof(optarg); break;
    case 'w': o->wait = atof(optarg); break;
    case 'n': o->sources = (unsigned)strtoul(optarg, NULL, 10); break;
    case 's': o->first_src = (unsigned)strtoul(optarg, NULL, 10); break;
    case 'g': o->seg = (unsigned)strtoul(optarg, NULL, 10); break;
    case 't': o->templates = optarg; break;
    case 'l': o->len = (unsigned)strtoul(optarg, NULL, 10); break;
    case 'O': o->origin = strtoull(optarg, NULL, 0); break;
    default: return -1;
    }
  }
  if (o->port <= 0 || o->port > 65535 || !(o->rate > 0) || !(o->duration > 0) ||
      o->duration > 600 || o->wait < 0 || o->wait > 10 || o->sources == 0 ||
      o->first_src == 0 || o->first_src > 254 || o->sources > PER_NET * (255 - o->first_src) ||
      o->seg == 0 || o->seg > MAX_SEG ||
      o->rate * o->duration > 4e9 || (o->templates && o->origin) ||
      (o->templates && (o->len < NTP_LEN || o->len > MAX_LEN || o->len % 4 != 0 ||
                        o->seg * o->len > 65000)))
    return -1;
  return 0;
}

int main(int argc, char **argv)
{
  struct opts o;
  if (parse_opts(argc, argv, &o) < 0) {
    usage();
    return 1;
  }
  struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o.port)};
  if (inet_pton(AF_INET, o.addr, &server.sin_addr) != 1) {
    fprintf(stderr, "ntpload: bad address %s\n", o.addr);
    return 1;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("ntpload: socket");
    return 1;
  }
  /* A large receive buffer so that our own socket is not where replies are
   * lost (SO_RCVBUFFORCE needs CAP_NET_ADMIN; otherwise up to rmem_max). */
  int rcvbuf = 16 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  int sndbuf = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  /* The wildcard address, so replies to any 127.x.y.z reach this socket. */
  struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
    perror("ntpload: bind");
    return 1;
  }

  uint64_t total = (uint64_t)(o.rate * o.duration) + BATCH;
  size_t len = o.templates ? o.len : NTP_LEN;
  struct rx_state st = {.seen = calloc(total / 8 + 1, 1), .len = len};
  uint8_t *tmpl = NULL;
  if (o.templates && !(tmpl = load_templates(o.templates, len, &st.n_templates)))
    return 1;
  /* Source addresses: 127.NET.x.y with y in 1..254. */
  struct in_addr *srcs = calloc(o.sources, sizeof(*srcs));
  uint8_t (*txbufs)[MAX_SEG * MAX_LEN] = calloc(BATCH, sizeof(*txbufs));
  static uint8_t rxbufs[BATCH][RX_CAP];
  static struct mmsghdr txmsgs[BATCH], rxmsgs[BATCH];
  static struct iovec txiovs[BATCH], rxiovs[BATCH];
  static union {
    char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } ctl[BATCH];
  if (!st.seen || !srcs || !txbufs) {
    fprintf(stderr, "ntpload: out of memory\n");
    return 1;
  }
  for (unsigned i = 0; i < o.sources; i++)
    srcs[i].s_addr = htonl(0x7f000000u | ((o.first_src + i / PER_NET) << 16) |
                           ((i % PER_NET / 254) << 8) | (i % 254 + 1));
  if (tmpl)
    st.tag = (uint32_t)(get_be64(tmpl + 40) >> 32);
  else if (getrandom(&st.tag, sizeof(st.tag), 0) != sizeof(st.tag))
    st.tag = (uint32_t)getpid() * 2654435761u;

  for (int i = 0; i < BATCH; i++) {
    for (unsigned j = 0; j < o.seg; j++) {
      uint8_t *q = txbufs[i] + j * NTP_LEN;
      memset(q, 0, NTP_LEN);
      q[0] = (0 << 6) | (4 << 3) | 3; /* leap 0, version 4, mode 3 */
      q[2] = 6;                      /* poll */
      q[3] = 0xec;                   /* precision -20 */
      put_be64(q + 24, o.origin);
    }
    txiovs[i] = (struct iovec){txbufs[i], NTP_LEN};
    struct msghdr *m = &txmsgs[i].msg_hdr;
    m->msg_name = &server;
    m->msg_namelen = sizeof(server);
    m->msg_iov = &txiovs[i];
    m->msg_iovlen = 1;
    m->msg_control = ctl[i].buf;
    m->msg_controllen = sizeof(ctl[i].buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(m);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    if (o.seg > 1) {
      c = CMSG_NXTHDR(m, c);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      uint16_t gso = (uint16_t)len;
      memcpy(CMSG_DATA(c), &gso, sizeof(gso));
    } else {
      m->msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
    }
  }

  long long rcvbuf_before = udp_rcvbuf_errors();
  uint64_t sent = 0, send_errors = 0;
  uint64_t goal = (uint64_t)(o.rate * o.duration);
  double start = mono(), now = start, end_send = start + o.duration;
  while (sent < goal && (now = mono()) < end_send) {
    uint64_t due = (uint64_t)((now - start) * o.rate) + 1;
    if (due > goal)
      due = goal;
    if (due > sent) {
      /* Messages of up to seg requests each: requests k * seg to k * seg +
       * seg - 1 come from source address k % sources, the next ones from
       * the next address. */
      uint64_t want = due - sent, seq = sent;
      int n = 0;
      while (want > 0 && n < BATCH) {
        /* A message ends at the next multiple of seg. */
        unsigned k = o.seg - (unsigned)(seq % o.seg);
        if (want < k)
          k = (unsigned)want;
        for (unsigned j = 0; j < k; j++) {
          if (tmpl)
            memcpy(txbufs[n] + j * len, tmpl + (seq + j) % st.n_templates * len, len);
          else
            put_be64(txbufs[n] + j * NTP_LEN + 40, ((uint64_t)st.tag << 32) | (seq + j));
        }
        txiovs[n].iov_len = (size_t)k * len;
        struct in_pktinfo pi = {.ipi_spec_dst = srcs[(seq / o.seg) % o.sources]};
        memcpy(CMSG_DATA(CMSG_FIRSTHDR(&txmsgs[n].msg_hdr)), &pi, sizeof(pi));
        seq += k;
        want -= k;
        n++;
      }
      st.limit = seq;
      int m = sendmmsg(fd, txmsgs, (unsigned)n, 0);
      if (m > 0) {
        for (int i = 0; i < m; i++)
          sent += txiovs[i].iov_len / len;
      } else if (m < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
        perror("ntpload: sendmmsg");
        return 1;
      } else {
        send_errors++;
      }
      st.limit = sent;
    }
    drain(fd, &st, rxbufs, rxmsgs, rxiovs);
  }
  double send_end = mono();
  /* Late replies. */
  double deadline = send_end + o.wait;
  while ((now = mono()) < deadline && st.replies + st.bad + st.dup < sent) {
    struct pollfd p = {fd, POLLIN, 0};
    int ms = (int)((deadline - now) * 1000.0) + 1;
    if (poll(&p, 1, ms) > 0)
      drain(fd, &st, rxbufs, rxmsgs, rxiovs);
  }
  long long rcvbuf_after = udp_rcvbuf_errors();
  /* Source addresses with at least one reply: request seq came from source
   * (seq / seg) % sources. */
  uint64_t sources_answered = 0;
  uint8_t *answered = calloc(o.sources / 8 + 1, 1);
  if (!answered) {
    fprintf(stderr, "ntpload: out of memory\n");
    return 1;
  }
  for (uint64_t seq = 0; seq < sent; seq++) {
    if (!(st.seen[seq >> 3] & (1u << (seq & 7))))
      continue;
    uint64_t src = (seq / o.seg) % o.sources;
    if (!(answered[src >> 3] & (1u << (src & 7)))) {
      answered[src >> 3] |= (uint8_t)(1u << (src & 7));
      sources_answered++;
    }
  }
  free(answered);
  double elapsed = send_end - start;
  double loss = sent ? 100.0 * (double)(sent - st.replies) / (double)sent : 100.0;
  printf("target_rate=%.0f send_rate=%.0f sent=%" PRIu64 " replies=%" PRIu64 " bad=%" PRIu64
         " dup=%" PRIu64 " loss_pct=%.3f elapsed=%.3f send_errors=%" PRIu64
         " rcvbuf_errors=%lld sources_answered=%" PRIu64 "\n",
         o.rate, elapsed > 0 ? (double)sent / elapsed : 0.0, sent, st.replies, st.bad, st.dup,
         loss, elapsed, send_errors,
         rcvbuf_before >= 0 && rcvbuf_after >= 0 ? rcvbuf_after - rcvbuf_before : -1LL,
         sources_answered);
  free(st.seen);
  free(srcs);
  free(txbufs);
  free(tmpl);
  close(fd);
  return 0;
}
