/* ntpbare: the ceiling for the server benchmark. A bare batch UDP responder:
 * recvmmsg up to 64 requests, answer each mode-3 request of 48 bytes or more
 * with a valid 48-byte mode-4 reply (stratum 1, refid LOCL, version and poll
 * copied, origin = the request's transmit timestamp, receive and transmit
 * timestamps from one clock reading each per batch), sendmmsg the batch.
 * No access control, no client log, no parsing beyond the first byte: what
 * any NTP server on this host could at best do per core.
 *
 * usage: ntpbare [-a ADDR] -p PORT    (runs until SIGTERM/SIGINT) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define RX_CAP 1024
#define NTP_LEN 48
#define NTP_UNIX_OFFSET 2208988800u

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
  (void)sig;
  stop = 1;
}

static void put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void put_ntp(uint8_t *p, const struct timespec *ts)
{
  put_be32(p, (uint32_t)((uint64_t)ts->tv_sec + NTP_UNIX_OFFSET));
  put_be32(p + 4, (uint32_t)(((uint64_t)ts->tv_nsec << 32) / 1000000000u));
}

int main(int argc, char **argv)
{
  const char *addr = "127.0.0.1";
  int port = 0, c;
  while ((c = getopt(argc, argv, "a:p:")) != -1) {
    if (c == 'a')
      addr = optarg;
    else if (c == 'p')
      port = atoi(optarg);
    else
      return 1;
  }
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (port <= 0 || port > 65535 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    fprintf(stderr, "usage: ntpbare [-a ADDR] -p PORT\n");
    return 1;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    perror("ntpbare");
    return 1;
  }
  struct sigaction act = {.sa_handler = on_signal};
  sigaction(SIGTERM, &act, NULL);
  sigaction(SIGINT, &act, NULL);

  static uint8_t rx[BATCH][RX_CAP], tx[BATCH][NTP_LEN];
  static struct sockaddr_in from[BATCH];
  static struct mmsghdr rmsg[BATCH], smsg[BATCH];
  static struct iovec riov[BATCH], siov[BATCH];
  unsigned long long replies = 0;

  while (!stop) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0)
      continue;
    for (int rounds = 0; rounds < 64 && !stop; rounds++) {
      for (int i = 0; i < BATCH; i++) {
        riov[i] = (struct iovec){rx[i], RX_CAP};
        memset(&rmsg[i].msg_hdr, 0, sizeof(rmsg[i].msg_hdr));
        rmsg[i].msg_hdr.msg_name = &from[i];
        rmsg[i].msg_hdr.msg_namelen = sizeof(from[i]);
        rmsg[i].msg_hdr.msg_iov = &riov[i];
        rmsg[i].msg_hdr.msg_iovlen = 1;
      }
      int n = recvmmsg(fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
      if (n <= 0)
        break;
      struct timespec rxt, txt;
      clock_gettime(CLOCK_REALTIME, &rxt);
      int k = 0;
      for (int i = 0; i < n; i++) {
        const uint8_t *q = rx[i];
        if (rmsg[i].msg_len < NTP_LEN || (q[0] & 7) != 3)
          continue;
        uint8_t *r = tx[k];
        memset(r, 0, NTP_LEN);
        r[0] = (uint8_t)((q[0] & 0x38) | 4); /* leap 0, version copied, mode 4 */
        r[1] = 1;                             /* stratum */
        r[2] = q[2];                          /* poll */
        r[3] = 0xec;                          /* precision -20 */
        memcpy(r + 12, "LOCL", 4);
        put_ntp(r + 16, &rxt);                /* reference */
        memcpy(r + 24, q + 40, 8);            /* origin */
        put_ntp(r + 32, &rxt);                /* receive */
        siov[k] = (struct iovec){r, NTP_LEN};
        memset(&smsg[k].msg_hdr, 0, sizeof(smsg[k].msg_hdr));
        smsg[k].msg_hdr.msg_name = &from[i];
        smsg[k].msg_hdr.msg_namelen = rmsg[i].msg_hdr.msg_namelen;
        smsg[k].msg_hdr.msg_iov = &siov[k];
        smsg[k].msg_hdr.msg_iovlen = 1;
        k++;
      }
      clock_gettime(CLOCK_REALTIME, &txt);
      for (int i = 0; i < k; i++)
        put_ntp(tx[i] + 40, &txt);
      for (int done = 0, tries = 0; done < k && tries < 8; tries++) {
        int s = sendmmsg(fd, smsg + done, (unsigned)(k - done), 0);
        if (s < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS)
          break;
        if (s > 0)
          done += s;
        replies += s > 0 ? (unsigned long long)s : 0;
      }
      if (n < BATCH)
        break;
    }
  }
  fprintf(stderr, "ntpbare: %llu replies\n", replies);
  close(fd);
  return 0;
}
