/* ntsprep: the NTS side of `make bench-server`.
 *
 *   ntsprep -a ADDR -k KEPORT -p PORT -o FILE [-n COUNT]
 *     One NTS-KE session (TLS 1.3, ALPN ntske/1, AES-SIV-CMAC-256, no
 *     certificate check: a loopback benchmark), then COUNT NTS requests
 *     (default 4096) built with its first cookie and C2S key, each with its
 *     own unique identifier and a transmit timestamp of TAG << 32 | index,
 *     written one after the other to FILE for ntpload -t. The first is sent
 *     to ADDR:PORT and its reply verified with the S2C key, so the server is
 *     known to answer them. Prints: request_len= count= reply_ok=1
 *   ntsprep -a ADDR -k KEPORT -H SECONDS
 *     NTS-KE sessions one after the other for SECONDS; prints
 *     handshakes= elapsed= rate= failures=
 *
 * Built on Stratum's proto modules (nts_ke, nts_ntp), which interoperate
 * with chronyd 4.3 (tests/interop/test_nts_chronyd.py). */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "proto/nts_ke.h"
#include "proto/nts_ntp.h"

struct session {
  uint16_t algorithm;
  struct aead_key c2s, s2c;
  struct ntske_message response;
};

static double mono(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int tcp_connect(const struct sockaddr_in *to)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct timeval tv = {5, 0};
  if (fd < 0)
    return -1;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  /* Finished and the request are two small writes: not held for an ACK */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
  if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static bool export_key(SSL *ssl, uint16_t algorithm, bool s2c, struct aead_key *k)
{
  uint8_t ctx[NTSKE_CONTEXT_LEN];
  ntske_exporter_context(NTSKE_PROTOCOL_NTPV4, algorithm, s2c, ctx);
  k->algorithm = algorithm;
  k->len = aead_key_len(algorithm);
  return SSL_export_keying_material(ssl, k->data, k->len, NTSKE_EXPORTER_LABEL,
                                    strlen(NTSKE_EXPORTER_LABEL), ctx, sizeof(ctx), 1) == 1;
}

/* One NTS-KE session; false if anything fails. */
static bool key_exchange(SSL_CTX *ctx, const struct sockaddr_in *to, struct session *s)
{
  static const uint16_t algorithms[] = {AEAD_AES_SIV_CMAC_256};
  struct ntske_message req;
  uint8_t out[256], in[NTSKE_MAX_MESSAGE_LEN];
  size_t in_len = 0;
  bool ok = false;
  int fd = tcp_connect(to);
  if (fd < 0)
    return false;
  SSL *ssl = SSL_new(ctx);
  ntske_make_request(&req, algorithms, 1);
  size_t len = ntske_build(&req, out, sizeof(out));
  if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1 &&
      SSL_write(ssl, out, (int)len) == (int)len) {
    int n;
    while (in_len < sizeof(in) && (n = SSL_read(ssl, in + in_len, (int)(sizeof(in) - in_len))) > 0)
      in_len += (size_t)n;
    ok = ntske_parse(in, in_len, NTSKE_RESPONSE, &s->response) == NTSKE_OK &&
         s->response.n_algorithms == 1 && s->response.n_cookies > 0;
    if (ok) {
      s->algorithm = s->response.algorithms[0];
      ok = export_key(ssl, s->algorithm, false, &s->c2s) &&
           export_key(ssl, s->algorithm, true, &s->s2c);
    }
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  close(fd);
  return ok;
}

static void put_be64(uint8_t *p, uint64_t v)
{
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (uint8_t)v;
}

static int prepare(SSL_CTX *ctx, const struct sockaddr_in *ke, struct sockaddr_in ntp,
                   const char *file, unsigned count)
{
  struct session s;
  static uint8_t req[NTSNTP_MAX_PACKET_LEN], rep[NTSNTP_MAX_PACKET_LEN];
  uint8_t uid0[NTSNTP_UID_LEN];
  uint32_t tag;
  size_t len = 0;
  if (!key_exchange(ctx, ke, &s)) {
    fprintf(stderr, "ntsprep: NTS-KE failed\n");
    return 1;
  }
  if (getrandom(&tag, sizeof(tag), 0) != sizeof(tag))
    return 1;
  FILE *f = fopen(file, "wb");
  if (!f)
    return 1;
  for (unsigned i = 0; i < count; i++) {
    uint8_t uid[NTSNTP_UID_LEN], nonce[NTSNTP_NONCE_LEN];
    if (getrandom(uid, sizeof(uid), 0) != sizeof(uid) ||
        getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce))
      return 1;
    memset(req, 0, NTP_HEADER_LEN);
    req[0] = (4 << 3) | 3;
    req[2] = 6;
    req[3] = 0xec;
    put_be64(req + 40, (uint64_t)tag << 32 | i);
    len = ntsntp_build_request(req, sizeof(req), uid, &s.response.cookies[0], 0, &s.c2s, nonce);
    if (len == 0 || fwrite(req, 1, len, f) != len)
      return 1;
    if (i == 0) {
      memcpy(uid0, uid, sizeof(uid0));
      memcpy(rep, req, len);            /* request 0, sent below */
    }
  }
  if (fclose(f) != 0)
    return 1;
  /* request 0 answered and verified */
  int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct timeval tv = {2, 0};
  setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  memcpy(req, rep, len);
  struct ntp_packet p;
  struct ntsntp_reply r;
  for (int tries = 0; tries < 3; tries++) {
    if (sendto(u, req, len, 0, (struct sockaddr *)&ntp, sizeof(ntp)) < 0)
      continue;
    ssize_t n = recv(u, rep, sizeof(rep), 0);
    if (n <= 0)
      continue;
    ntp_packet_parse(rep, (size_t)n, &p);
    enum ntsntp_status st = ntsntp_parse_reply(&p, uid0, &s.s2c, &r);
    close(u);
    printf("request_len=%zu count=%u reply_ok=%d reply_status=%s\n", len, count,
           st == NTSNTP_OK, ntsntp_status_name(st));
    return st == NTSNTP_OK ? 0 : 1;
  }
  close(u);
  fprintf(stderr, "ntsprep: no reply to the NTS request\n");
  return 1;
}

static int handshakes(SSL_CTX *ctx, const struct sockaddr_in *ke, double seconds)
{
  unsigned long done = 0, failed = 0;
  double start = mono(), now = start;
  while ((now = mono()) - start < seconds) {
    struct session s;
    if (key_exchange(ctx, ke, &s))
      done++;
    else if (++failed > 100)
      break;
  }
  printf("handshakes=%lu elapsed=%.3f rate=%.1f failures=%lu\n", done, now - start,
         done / (now - start), failed);
  return done > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
  const char *addr = "127.0.0.1", *file = NULL;
  int keport = 0, port = 0, c;
  unsigned count = 4096;
  double hs_seconds = 0;
  while ((c = getopt(argc, argv, "a:k:p:o:n:H:")) != -1) {
    switch (c) {
    case 'a': addr = optarg; break;
    case 'k': keport = atoi(optarg); break;
    case 'p': port = atoi(optarg); break;
    case 'o': file = optarg; break;
    case 'n': count = (unsigned)strtoul(optarg, NULL, 10); break;
    case 'H': hs_seconds = atof(optarg); break;
    default:
      fprintf(stderr, "usage: ntsprep -a ADDR -k KEPORT (-p PORT -o FILE [-n COUNT] | "
                      "-H SECONDS)\n");
      return 1;
    }
  }
  struct sockaddr_in ke = {.sin_family = AF_INET, .sin_port = htons((uint16_t)keport)};
  struct sockaddr_in ntp = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, addr, &ke.sin_addr) != 1 || keport <= 0 || count == 0 ||
      count > UINT32_MAX / 2)
    return 1;
  ntp.sin_addr = ke.sin_addr;
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  static const unsigned char alpn[] = "\x07ntske/1";
  if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1) != 0)
    return 1;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  int r = hs_seconds > 0 ? handshakes(ctx, &ke, hs_seconds)
          : file && port > 0 ? prepare(ctx, &ke, ntp, file, count) : 1;
  SSL_CTX_free(ctx);
  return r;
}
