/* ntshelpers: NTS-KE helper processes (see ntshelpers.h). */
#include "daemon/ntshelpers.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/aead.h"
#include "sys/children.h"
#include "sys/log.h"
#include "sys/loop.h"
#include "sys/privileges.h"
#include "sys/seccomp.h"
#include "sys/tls.h"

#define START_TIMEOUT_MS 10000  /* for a helper to load the certificates */

/* A connection and the key to make its cookies with. */
struct request {
  struct ntsntp_server_key key;
};

struct helper {
  unsigned index;
  struct loop *loop;
  struct ntss ntss;
  struct tlsd tlsd;
};

/* Every descriptor from 3 up but a and b. */
static void close_inherited(int a, int b)
{
  int lo = a < b ? a : b, hi = a < b ? b : a;
  unsigned from = 3;
  const int keep[2] = {lo, hi};
  for (int i = 0; i < 2; i++) {
    if (keep[i] < (int)from)
      continue;
    if ((unsigned)keep[i] > from)
      close_range(from, (unsigned)keep[i] - 1, 0);
    from = (unsigned)keep[i] + 1;
  }
  close_range(from, ~0u, 0);
}

static void on_request(void *arg, int fd)
{
  struct helper *h = arg;
  struct request req;
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  struct iovec iov = {.iov_base = &req, .iov_len = sizeof(req)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof(control.buf)};
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;                     /* another helper took it */
  if (n <= 0) {
    loop_quit(h->loop, 0);      /* the main process is gone */
    return;
  }
  int conn = -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
      c->cmsg_len == CMSG_LEN(sizeof(int)))
    memcpy(&conn, CMSG_DATA(c), sizeof(int));
  if (conn >= 0 && (size_t)n == sizeof(req) && !(msg.msg_flags & MSG_CTRUNC)) {
    h->ntss.keys[h->ntss.current] = req.key;
    tlsd_adopt(&h->tlsd, conn);
  } else if (conn >= 0) {
    close(conn);
  }
  memset(&req, 0, sizeof(req));
}

/* SIGTERM or SIGINT sent to all the daemon's processes (a terminal's ^C,
 * a service manager stopping the group): counts logged as at the end. */
static void on_quit(void *arg, int signo)
{
  struct helper *h = arg;
  (void)signo;
  loop_quit(h->loop, 0);
}

static void log_counts(const struct helper *h)
{
  const struct tlsd_stats *t = &h->tlsd.stats;
  log_printf(PLAT_LOG_INFO, "NTS-KE helper %u: connections %llu, refused %llu, timed out %llu, "
             "failed handshakes %llu; keys given %llu, refusals %llu", h->index,
             (unsigned long long)t->accepted, (unsigned long long)t->refused,
             (unsigned long long)t->timed_out, (unsigned long long)t->handshake_failed,
             (unsigned long long)h->ntss.stats.ke_answered,
             (unsigned long long)h->ntss.stats.ke_refused);
}

/* A helper's word to the main process at start: ready to serve, or not. */
static void report(int sock, bool ready)
{
  uint8_t b = ready;
  (void)send(sock, &b, 1, MSG_NOSIGNAL);
}

static _Noreturn void helper_run(unsigned index, int sock, const struct ntsh_env *e)
{
  struct helper h = {.index = index, .ntss = *e->ntss};
  const struct config *cfg = e->cfg;
  char err[256];
  int status = 1;
  bool ready = false;

  close_inherited(sock, log_child_fd());
  signal(SIGPIPE, SIG_IGN);     /* a client gone while we write */
  /* its own random bytes and no key but the one each request brings */
  h.ntss.pool_left = 0;
  memset(h.ntss.keys, 0, sizeof(h.ntss.keys));
  aead_forget();
  /* it prints no OpenSSL error but a certificate's that does not load */
  const struct ossl_ops *ops = tls_ops(err, sizeof(err));
  if (ops)
    ops->init_without_error_texts();
  if (!(h.loop = loop_new()) ||
      !tlsd_init(&h.tlsd, h.loop, NTSKE_ALPN, (const char *const *)cfg->ntsservercert.v,
                 (const char *const *)cfg->ntsserverkey.v, cfg->ntsservercert.n,
                 (unsigned)cfg->maxntsconnections, e->timeout, e->handle, &h.ntss, err,
                 sizeof(err))) {
    log_printf(PLAT_LOG_ERR, "NTS-KE helper %u: %s", index, h.loop ? err : "out of memory");
    report(sock, false);
    _exit(1);
  }
  if (!priv_drop(e->user, false)) {
    log_printf(PLAT_LOG_ERR, "NTS-KE helper %u: could not switch to user %s : %s", index,
               e->user, strerror(errno));
  } else if (scf_install(e->seccomp_level) < 0) {
    log_printf(PLAT_LOG_ERR, "NTS-KE helper %u: could not load system call filter", index);
  } else if (loop_add_fd(h.loop, sock, on_request, &h) < 0 ||
             loop_watch_signal(h.loop, SIGTERM, on_quit, &h) < 0 ||
             loop_watch_signal(h.loop, SIGINT, on_quit, &h) < 0) {
    log_printf(PLAT_LOG_ERR, "NTS-KE helper %u: out of memory", index);
  } else {
    report(sock, true);
    ready = true;
    status = loop_run(h.loop) == 0 ? 0 : 1;
    log_counts(&h);
  }
  if (!ready)
    report(sock, false);
  tlsd_free(&h.tlsd);
  memset(&h.ntss, 0, sizeof(h.ntss));
  _exit(status);
}

/* Whether all n helpers said they are ready, each within START_TIMEOUT_MS
 * of the one before (one that failed says so, after logging why). */
static bool await_reports(int sock, unsigned n)
{
  for (unsigned ready = 0; ready < n;) {
    struct pollfd p = {.fd = sock, .events = POLLIN};
    uint8_t b;
    int r = poll(&p, 1, START_TIMEOUT_MS);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0 || recv(sock, &b, 1, MSG_DONTWAIT) != 1 || b != 1)
      return false;
    ready++;
  }
  return true;
}

bool ntsh_start(struct ntsh *h, unsigned n, const struct ntsh_env *env)
{
  int pair[2];
  h->sock = -1;
  h->last_error = -1.0;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
    log_printf(PLAT_LOG_ERR, "Could not open socket pair : %s", strerror(errno));
    return false;
  }
  for (unsigned i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      close(pair[0]);
      helper_run(i + 1, pair[1], env);
    }
    if (pid > 0)
      children_add(pid, "NTS-KE helper");
    if (pid < 0) {
      log_printf(PLAT_LOG_ERR, "Could not start NTS-KE helper : %s", strerror(errno));
      close(pair[0]);           /* those started see the end and exit */
      close(pair[1]);
      return false;
    }
  }
  close(pair[1]);
  if (!await_reports(pair[0], n)) {
    log_printf(PLAT_LOG_ERR, "NTS-KE helpers failed to start");
    close(pair[0]);
    return false;
  }
  h->sock = pair[0];
  return true;
}

bool ntsh_pass(struct ntsh *h, int fd, const struct ntsntp_server_key *key)
{
  struct request req = {.key = *key};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  memset(&control, 0, sizeof(control));
  struct iovec iov = {.iov_base = &req, .iov_len = sizeof(req)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof(control.buf)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  /* never waits: when the helpers are that far behind, refuse */
  bool ok = sendmsg(h->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) > 0;
  if (!ok && errno == EPIPE && log_rate_ok(&h->last_error, LOG_ERROR_INTERVAL))
    log_printf(PLAT_LOG_ERR, "NTS-KE helpers failed");
  memset(&req, 0, sizeof(req));
  return ok;
}

void ntsh_stop(struct ntsh *h)
{
  if (h->sock >= 0)
    close(h->sock);
  h->sock = -1;
}
