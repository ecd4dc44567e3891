/* ntsd: the NTS server's wiring (see ntsd.h). */
#include "daemon/ntsd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "proto/aead.h"
#include "proto/aes.h"
#include "proto/timespec.h"
#include "sys/atomic_file.h"
#include "sys/log.h"
#include "sys/ossl_load.h"

#define KEYS_FILE_MODE 0600

static bool keys_path(const struct ntsd *n, char *path, size_t cap)
{
  if (!n->cfg->ntsdumpdir)
    return false;
  int w = snprintf(path, cap, "%s/%s", n->cfg->ntsdumpdir, NTSS_KEYS_FILE);
  return w > 0 && (size_t)w < cap;
}

static double now_mono(const struct ntsd *n)
{
  return loop_event_time(n->loop).mono;
}

static void save_keys(struct ntsd *n)
{
  char path[PATH_MAX], text[NTSS_KEYS_FILE_MAX];
  if (n->cfg->ntsrotate == 0 || !keys_path(n, path, sizeof(path)))
    return;
  size_t len = ntss_keys_format(&n->ntss, now_mono(n) - n->last_rotation, text, sizeof(text));
  int r = len > 0 ? atomic_file_write(path, text, len, KEYS_FILE_MODE) : -ENOSPC;
  if (r < 0)
    log_printf(PLAT_LOG_WARN, "Could not save server keys to %s : %s", path, strerror(-r));
  memset(text, 0, sizeof(text));
}

static bool load_keys(struct ntsd *n)
{
  char path[PATH_MAX], text[NTSS_KEYS_FILE_MAX + 1];
  double age = 0.0;
  if (!keys_path(n, path, sizeof(path)))
    return false;
  ssize_t len = atomic_file_read(path, text, NTSS_KEYS_FILE_MAX);
  bool ok = len > 0 && ntss_keys_parse(&n->ntss, text, (size_t)len, &age);
  memset(text, 0, sizeof(text));
  if (len > 0 && !ok)
    log_printf(PLAT_LOG_WARN, "Could not load server keys from %s", path);
  if (!ok)
    return false;
  n->last_rotation = now_mono(n) - age;
  log_printf(PLAT_LOG_DEBUG, "Loaded server keys from %s", path);
  return true;
}

static void on_rotate(void *arg)
{
  struct ntsd *n = arg;
  ntss_rotate(&n->ntss);
  n->last_rotation = now_mono(n);
  save_keys(n);
  n->rotate_timer = loop_add_timer(n->loop, n->cfg->ntsrotate, on_rotate, n);
}

static bool export_key(void *arg, const uint8_t context[NTSKE_CONTEXT_LEN], uint8_t *out,
                       size_t len)
{
  return tlsd_export(arg, NTSKE_EXPORTER_LABEL, context, NTSKE_CONTEXT_LEN, out, len);
}

/* arg: the struct ntss (the main loop's, or a helper's). */
static long handle(void *arg, struct tlsd_conn *c, const uint8_t *in, size_t len, uint8_t *out,
                   size_t cap)
{
  return ntss_ke_respond(arg, in, len, export_key, c, out, cap);
}

/* To a helper, with the key its cookies are made with now. */
static bool handoff(void *arg, int fd, const struct ip_addr *from)
{
  struct ntsd *n = arg;
  (void)from;
  return ntsh_pass(&n->helpers, fd, &n->ntss.keys[n->ntss.current]);
}

/* As chronyd: the NTP server's allow/deny decide who may connect, then
 * ntsratelimit (the client log counts those let in: serverstats' NTS-KE
 * connections accepted, and dropped by the limit). */
static bool admit(void *arg, const struct ip_addr *from)
{
  struct ntsd *n = arg;
  if (!access_check(&n->srv->access, from))
    return false;
  if (!n->srv->clog)
    return true;
  struct timespec now = timespec_from_double(loop_event_time(n->loop).real);
  int index = clog_access(n->srv->clog, CLOG_NTSKE, from, &now);
  if (clog_limit(n->srv->clog, CLOG_NTSKE, index) == CLOG_PASS)
    return true;
  n->limited++;
  return false;
}

static void listen_on(struct ntsd *n, const struct ip_addr *addr, uint16_t port)
{
  char a[ADDR_STR_LEN];
  int r = tlsd_listen(&n->tlsd, addr, port);
  if (r < 0)
    log_printf(PLAT_LOG_ERR, "Could not open NTS-KE socket on %s:%u : %s",
               addr_format(addr, a), port, strerror(-r));
}

bool ntsd_start(struct ntsd *n, const struct config *cfg, int family, struct loop *loop,
                const struct platform *plat, struct ntp_server *srv, const char *user,
                int seccomp_level)
{
  char err[256];
  struct ip_addr any4, any6;
  memset(n, 0, sizeof(*n));
  if (cfg->ntsservercert.n == 0 && cfg->ntsserverkey.n == 0)
    return true;
  if (cfg->ntsservercert.n != cfg->ntsserverkey.n) {
    log_printf(PLAT_LOG_ERR, "Missing %s", cfg->ntsservercert.n < cfg->ntsserverkey.n
                                             ? "ntsservercert" : "ntsserverkey");
    return false;
  }
  n->loop = loop;
  n->cfg = cfg;
  /* with helpers, only they load the certificates (as chronyd): the
   * main process has no TLS */
  bool tls_here = cfg->ntsprocesses == 0;
  if (!tlsd_init(&n->tlsd, loop, NTSKE_ALPN,
                 tls_here ? (const char *const *)cfg->ntsservercert.v : NULL,
                 (const char *const *)cfg->ntsserverkey.v, tls_here ? cfg->ntsservercert.n : 0,
                 (unsigned)cfg->maxntsconnections, NTSD_CONNECTION_TIMEOUT, handle, &n->ntss,
                 err, sizeof(err))) {
    log_printf(PLAT_LOG_ERR, "NTS-KE server: %s", err);
    return false;
  }
  /* the cookies' AES in this process without AES-NI (tlsd_init loaded the
   * module already if TLS is here) */
  if (!aes_hw() && !ossl_load(err, sizeof(err))) {
    log_printf(PLAT_LOG_ERR, "NTS server: %s", err);
    tlsd_free(&n->tlsd);
    return false;
  }
  n->started = true;
  n->helpers.sock = -1;
  /* clients are sent to our NTP port when it is not the standard one */
  ntss_init(&n->ntss, plat, cfg->ntsaeads, cfg->n_ntsaeads, cfg->ntsntpserver,
            cfg->port != NTP_PORT ? cfg->port : 0);
  if (cfg->ntsprocesses > 0) {
    const struct ntsh_env env = {cfg, &n->ntss, handle, NTSD_CONNECTION_TIMEOUT, user,
                                 seccomp_level};
    if (!ntsh_start(&n->helpers, (unsigned)cfg->ntsprocesses, &env))
      return false;
    n->tlsd.handoff = handoff;
  }
  n->last_rotation = now_mono(n);
  if (!load_keys(n))
    save_keys(n);
  if (cfg->ntsrotate > 0) {
    double delay = cfg->ntsrotate - (now_mono(n) - n->last_rotation);
    n->rotate_timer = loop_add_timer(loop, delay, on_rotate, n);
  }
  addr_parse("0.0.0.0", &any4);
  addr_parse("::", &any6);
  if (family == 0 || family == ADDR_INET4)
    listen_on(n, cfg->have_bind4 ? &cfg->bind4 : &any4, cfg->ntsport);
  if (family == 0 || family == ADDR_INET6)
    listen_on(n, cfg->have_bind6 ? &cfg->bind6 : &any6, cfg->ntsport);
  if (n->tlsd.listen.n == 0)
    return false;
  n->srv = srv;
  n->tlsd.admit = admit;
  n->tlsd.policy_arg = n;
  srv->nts = &n->ntss;
  return true;
}

void ntsd_save_keys(struct ntsd *n)
{
  if (n->started)
    save_keys(n);
}

void ntsd_reload_keys(struct ntsd *n)
{
  /* keys this instance makes are loaded already: reloading them would only
   * put the next rotation off */
  if (n->started && n->cfg->ntsrotate == 0)
    load_keys(n);
}

void ntsd_stop(struct ntsd *n)
{
  if (!n->started)
    return;
  save_keys(n);
  if (n->rotate_timer)
    loop_cancel_timer(n->loop, n->rotate_timer);
  tlsd_free(&n->tlsd);
  ntsh_stop(&n->helpers);
  memset(&n->ntss.keys, 0, sizeof(n->ntss.keys));
  aead_forget();
  n->started = false;
}

void ntsd_log_stats(const struct ntsd *n)
{
  const struct tlsd_stats *t = &n->tlsd.stats;
  const struct ntss_stats *s = &n->ntss.stats;
  if (!n->started)
    return;
  log_printf(PLAT_LOG_INFO, "NTS-KE connections accepted %llu, denied %llu (rate limit %llu), "
             "refused %llu, timed out %llu, failed handshakes %llu; keys given %llu, "
             "refusals %llu",
             (unsigned long long)t->accepted, (unsigned long long)t->denied,
             (unsigned long long)n->limited, (unsigned long long)t->refused,
             (unsigned long long)t->timed_out, (unsigned long long)t->handshake_failed,
             (unsigned long long)s->ke_answered, (unsigned long long)s->ke_refused);
  log_printf(PLAT_LOG_INFO, "NTS packets answered %llu, NAKs %llu, dropped %llu",
             (unsigned long long)s->ntp_answered, (unsigned long long)s->ntp_naks,
             (unsigned long long)s->ntp_dropped);
}
