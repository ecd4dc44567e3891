#include "stratumc/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

void sc_transport_interrupt(void)
{
  interrupted = 1;
}

static void debug(const struct sc_transport *t, const char *what, int value)
{
  if (t->debug)
    fprintf(stderr, "stratumc: %s %d\n", what, value);
}

/* ---------------------------------------------------------------- addresses */

static bool add_unix(struct sc_transport *t, const char *path)
{
  struct sockaddr_un *un = (struct sockaddr_un *)&t->servers[t->n_servers].sa;
  if (strlen(path) >= sizeof(un->sun_path))
    return false;
  memset(un, 0, sizeof(*un));
  un->sun_family = AF_UNIX;
  memcpy(un->sun_path, path, strlen(path) + 1);
  t->servers[t->n_servers].is_unix = true;
  t->servers[t->n_servers++].sa_len = sizeof(*un);
  return true;
}

static void add_ip(struct sc_transport *t, const struct cmd_ip *ip, int port)
{
  struct sc_server *s = &t->servers[t->n_servers++];
  memset(s, 0, sizeof(*s));
  if (ip->family == CMD_IP_INET4) {
    struct sockaddr_in *in = (struct sockaddr_in *)&s->sa;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    memcpy(&in->sin_addr, ip->bytes, 4);
    s->sa_len = sizeof(*in);
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&s->sa;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    memcpy(&in6->sin6_addr, ip->bytes, 16);
    s->sa_len = sizeof(*in6);
  }
}

bool sc_transport_init(struct sc_transport *t, const char *hosts, int port,
                       const struct sc_dns *dns, bool debug)
{
  char list[1024], *save = NULL;
  memset(t, 0, sizeof(*t));
  t->fd = -1;
  t->timeout_ms = SC_DEFAULT_TIMEOUT_MS;
  t->retries = SC_DEFAULT_RETRIES;
  t->debug = debug;
  snprintf(list, sizeof(list), "%s", hosts);
  for (char *h = strtok_r(list, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
    if (h[0] == '/') {
      if (t->n_servers < SC_MAX_SERVERS)
        add_unix(t, h);
      continue;
    }
    struct cmd_ip ips[SC_MAX_SERVERS];
    int n = sc_dns_lookup(dns, h, ips, SC_MAX_SERVERS);
    for (int i = 0; i < n && t->n_servers < SC_MAX_SERVERS; i++)
      add_ip(t, &ips[i], port);
  }
  return t->n_servers > 0;
}

/* ---------------------------------------------------------------- sockets */

static void remove_client_socket(struct sc_transport *t)
{
  if (t->path[0])
    unlink(t->path);
  if (t->dir2[0])
    rmdir(t->dir2);
  if (t->dir1[0])
    rmdir(t->dir1);
  t->path[0] = t->dir1[0] = t->dir2[0] = '\0';
}

static void random_name(char *buf, size_t len)
{
  static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char r[32];
  if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
    memset(r, 0, sizeof(r));
  size_t n = len - 1 < sizeof(r) ? len - 1 : sizeof(r);
  for (size_t i = 0; i < n; i++)
    buf[i] = chars[r[i] % (sizeof(chars) - 1)];
  buf[n] = '\0';
}

/* DIR/stratumc.PID/RANDOM/sock next to the daemon's socket: the random
 * level keeps an attacker from preparing the path in advance. An empty
 * path (and true) when that would be too long for a socket address. */
static bool make_client_path(struct sc_transport *t, const char *server_path)
{
  char dir[sizeof(t->path)], rnd[17];
  snprintf(dir, sizeof(dir), "%s", server_path);
  char *slash = strrchr(dir, '/');
  if (slash == dir)
    slash[1] = '\0';
  else
    *slash = '\0';
  random_name(rnd, sizeof(rnd));
  if (snprintf(t->dir1, sizeof(t->dir1), "%s/stratumc.%d", dir, (int)getpid()) >=
          (int)sizeof(t->dir1) ||
      snprintf(t->dir2, sizeof(t->dir2), "%s/%s", t->dir1, rnd) >= (int)sizeof(t->dir2) ||
      snprintf(t->path, sizeof(t->path), "%s/sock", t->dir2) >= (int)sizeof(t->path)) {
    /* Too long for a socket address: an abstract address the kernel
     * chooses instead (Linux autobind), which any user can answer. */
    t->path[0] = t->dir1[0] = t->dir2[0] = '\0';
    return true;
  }
  if (mkdir(t->dir1, 0711) < 0 && errno != EEXIST) {
    t->path[0] = t->dir1[0] = t->dir2[0] = '\0';
    return false;
  }
  if (mkdir(t->dir2, 0711) < 0) {
    t->dir2[0] = t->path[0] = '\0';
    return false;
  }
  return true;
}

static int open_unix(struct sc_transport *t, const struct sc_server *s)
{
  const struct sockaddr_un *server = (const struct sockaddr_un *)&s->sa;
  struct sockaddr_un local = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  /* the daemon's socket must exist and accept us before we create files */
  if (connect(fd, (const struct sockaddr *)server, s->sa_len) < 0 ||
      !make_client_path(t, server->sun_path))
    goto fail;
  close(fd);
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  memcpy(local.sun_path, t->path, strlen(t->path) + 1);
  bool autobind = t->path[0] == '\0';
  /* the daemon may run as another user: it must be able to answer */
  if (fd < 0 ||
      bind(fd, (struct sockaddr *)&local, autobind ? sizeof(sa_family_t) : sizeof(local)) < 0 ||
      (!autobind && chmod(t->path, 0666) < 0) ||
      connect(fd, (const struct sockaddr *)server, s->sa_len) < 0)
    goto fail;
  return fd;
fail:
  if (fd >= 0)
    close(fd);
  remove_client_socket(t);
  return -1;
}

static int open_udp(const struct sc_server *s)
{
  int fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (const struct sockaddr *)&s->sa, s->sa_len) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void sc_transport_close(struct sc_transport *t)
{
  if (t->fd >= 0)
    close(t->fd);
  t->fd = -1;
  remove_client_socket(t);
}

/* Like chronyc's open_io(): an open socket is closed and the next address
 * tried; after the last one, the next call starts from the first again. */
bool sc_transport_open(struct sc_transport *t)
{
  if (t->fd >= 0) {
    sc_transport_close(t);
    t->current++;
  }
  for (; t->current < t->n_servers; t->current++) {
    const struct sc_server *s = &t->servers[t->current];
    t->fd = s->is_unix ? open_unix(t, s) : open_udp(s);
    debug(t, "opened address", t->current);
    if (t->fd >= 0)
      return true;
  }
  t->current = 0;
  return false;
}

/* ---------------------------------------------------------------- exchange */

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t get16(const uint8_t *b)
{
  return (uint16_t)(b[0] << 8 | b[1]);
}

bool sc_transport_matches(const uint8_t *buf, size_t len, const struct cmd_request *req)
{
  uint32_t seq;
  if (len < CMD_REPLY_HEADER_LEN || buf[0] != CMD_PROTO_VERSION || buf[1] != CMD_PKT_REPLY ||
      buf[2] != 0 || buf[3] != 0 || get16(buf + 4) != req->command)
    return false;
  seq = (uint32_t)buf[16] << 24 | (uint32_t)buf[17] << 16 | (uint32_t)buf[18] << 8 | buf[19];
  return seq == req->sequence;
}

bool sc_transport_decode(const uint8_t *buf, size_t len, struct cmd_reply *rpy)
{
  uint16_t code = get16(buf + 6);
  if (cmd_reply_length(code) == 0) {
    memset(rpy, 0, sizeof(*rpy));
    rpy->command = get16(buf + 4);
    rpy->reply = code;
    rpy->status = get16(buf + 8);
    return true;
  }
  return cmd_parse_reply(buf, len, rpy);
}

static bool send_attempt(struct sc_transport *t, struct cmd_request *req, int attempt)
{
  uint8_t buf[CMD_MAX_PACKET];
  if (getrandom(&req->sequence, sizeof(req->sequence), 0) != (ssize_t)sizeof(req->sequence))
    req->sequence ^= (uint32_t)now() * 2654435761u;
  req->attempt = (uint16_t)attempt;
  size_t n = cmd_build_request(req, buf, sizeof(buf));
  debug(t, "sending command", req->command);
  return n > 0 && send(t->fd, buf, n, 0) == (ssize_t)n;
}

enum wait_result { WAIT_REPLY, WAIT_RETRY, WAIT_FAIL };

/* poll's timeout for `left` seconds, rounded up; at most an hour (the
 * caller polls again), as a long timeout doubled at each retry may not
 * fit in an int of milliseconds. */
static int wait_ms(double left)
{
  return left < 3600.0 ? (int)(left * 1000.0) + 1 : 3600000;
}

/* Wait up to `seconds` for the reply to req. */
static enum wait_result wait_reply(struct sc_transport *t, const struct cmd_request *req,
                                   struct cmd_reply *rpy, double deadline)
{
  uint8_t buf[CMD_MAX_PACKET];
  for (;;) {
    double left = deadline - now();
    if (left <= 0)
      return WAIT_RETRY;
    struct pollfd p = {.fd = t->fd, .events = POLLIN};
    int r = poll(&p, 1, wait_ms(left));
    if (interrupted || (r < 0 && errno != EINTR))
      return WAIT_FAIL;
    if (r <= 0)
      continue;
    ssize_t len = recv(t->fd, buf, sizeof(buf), 0);
    if (len < 0)
      return WAIT_RETRY;           /* e.g. refused: nobody listens there */
    if (!sc_transport_matches(buf, (size_t)len, req)) {
      debug(t, "ignored a reply of length", (int)len);
      continue;
    }
    return sc_transport_decode(buf, (size_t)len, rpy) ? WAIT_REPLY : WAIT_RETRY;
  }
}

static bool submit(struct sc_transport *t, struct cmd_request *req, struct cmd_reply *rpy)
{
  if (t->fd < 0)
    return false;
  for (int attempt = 0; attempt <= t->retries; attempt++) {
    double start = now();
    if (!send_attempt(t, req, attempt))
      return false;
    double timeout = t->timeout_ms / 1000.0 * (double)(1U << attempt);
    switch (wait_reply(t, req, rpy, start + timeout)) {
    case WAIT_REPLY: return true;
    case WAIT_FAIL: return false;
    case WAIT_RETRY: break;
    }
  }
  return false;
}

bool sc_transport_request(struct sc_transport *t, struct cmd_request *req,
                          struct cmd_reply *rpy)
{
  req->version = CMD_PROTO_VERSION;
  while (!submit(t, req, rpy)) {
    if (interrupted || !sc_transport_open(t))
      return false;
  }
  return true;
}
