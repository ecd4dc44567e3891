/* ntskc: the NTS-KE client's wiring (see ntskc.h). */
#include "daemon/ntskc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/atomic_file.h"
#include "sys/log.h"
#include "sys/ossl_load.h"
#include "sys/tlsc.h"

#define COOKIE_FILE_MODE 0600

struct ntskc_session {
  struct ntskc *n;
  struct ntskc_session *next;
  struct ntsc *c;
  struct tlsc *tls;
  bool offered_128gcm;
  /* a response naming its NTP server by name, kept while it resolves */
  plat_lookup lookup;
  struct ntske_message msg;
  struct aead_key c2s, s2c;
  char label[ADDR_STR_LEN + 300];       /* "ADDRESS:PORT (NAME)", as chronyd's logs */
};

struct ntskc_creds {
  struct ntskc_creds *next;
  int set;
  void *ctx;                            /* NULL: could not be loaded */
};

static double now_mono(void *arg)
{
  struct ntskc *n = arg;
  return loop_event_time(n->loop).mono;
}

static bool cookie_path(const struct ntskc *n, const struct ntsc *c, char *path, size_t cap)
{
  char name[ADDR_STR_LEN + 8];
  if (!n->cfg->ntsdumpdir)
    return false;
  int w = snprintf(path, cap, "%s/%s", n->cfg->ntsdumpdir, ntsc_dump_name(c, name, sizeof(name)));
  return w > 0 && (size_t)w < cap;
}

static void save(struct ntskc *n, const struct ntsc *c)
{
  char path[PATH_MAX], text[NTSC_DUMP_MAX];
  struct loop_stamp t = loop_event_time(n->loop);
  if (!cookie_path(n, c, path, sizeof(path)))
    return;
  size_t len = ntsc_dump_format(c, t.mono, t.real, text, sizeof(text));
  if (len == 0)
    return;
  int r = atomic_file_write(path, text, len, COOKIE_FILE_MODE);
  memset(text, 0, sizeof(text));
  if (r < 0)
    log_printf(PLAT_LOG_DEBUG, "Could not save cookies for %s : %s", c->name, strerror(-r));
}

static void *credentials(struct ntskc *n, int set);

static void on_attach(void *arg, struct ntsc *c)
{
  struct ntskc *n = arg;
  char path[PATH_MAX], text[NTSC_DUMP_MAX + 1];
  struct loop_stamp t = loop_event_time(n->loop);
  /* as chronyd: the certificates read when the source is made (for the
   * configured ones, before privileges are dropped) */
  credentials(n, c->cert_set);
  if (!cookie_path(n, c, path, sizeof(path)))
    return;
  ssize_t len = atomic_file_read(path, text, NTSC_DUMP_MAX);
  if (len < 0)
    return;
  /* as chronyd: not loaded again */
  unlink(path);
  bool ok = ntsc_dump_parse(c, text, (size_t)len, t.mono, t.real);
  memset(text, 0, sizeof(text));
  log_printf(PLAT_LOG_DEBUG, "%s cookies for %s", ok ? "Loaded" : "Could not load", c->name);
}

static struct ntskc_session **find(struct ntskc *n, const struct ntsc *c)
{
  struct ntskc_session **p = &n->sessions;
  while (*p && (*p)->c != c)
    p = &(*p)->next;
  return p;
}

static void end_session(struct ntskc *n, const struct ntsc *c)
{
  struct ntskc_session **p = find(n, c), *s = *p;
  if (!s)
    return;
  *p = s->next;
  tlsc_free(s->tls);
  if (s->lookup)
    n->plat->ops->resolve_cancel(n->plat->ctx, s->lookup);
  memset(&s->c2s, 0, sizeof(s->c2s));
  memset(&s->s2c, 0, sizeof(s->s2c));
  free(s);
}

static void on_detach(void *arg, struct ntsc *c)
{
  struct ntskc *n = arg;
  end_session(n, c);
  save(n, c);
}

/* The trusted certificates of a set, loaded once. */
static void *credentials(struct ntskc *n, int set)
{
  struct ntskc_creds *cr;
  const char *paths[64];
  unsigned n_paths = 0;
  char err[300];
  for (cr = n->creds; cr; cr = cr->next)
    if (cr->set == set)
      return cr->ctx;
  if (!(cr = calloc(1, sizeof(*cr))))
    return NULL;
  cr->set = set;
  for (unsigned i = 0; i < n->cfg->n_ntstrustedcerts && n_paths < 64; i++)
    if (n->cfg->ntstrustedcerts[i].set == (uint32_t)set)
      paths[n_paths++] = n->cfg->ntstrustedcerts[i].path;
  /* chronyd: the system's certificates for the default set only */
  cr->ctx = tlsc_context_new(set == 0 && !n->cfg->nosystemcert, paths, n_paths, err, sizeof(err));
  if (!cr->ctx)
    log_printf(PLAT_LOG_ERR, "Could not set credentials : %s", err);
  cr->next = n->creds;
  n->creds = cr;
  return cr->ctx;
}

static int check_response(void *arg, const uint8_t *in, size_t len)
{
  struct ntske_message m;
  (void)arg;
  switch (ntske_parse(in, len, NTSKE_RESPONSE, &m)) {
  case NTSKE_OK: return 1;
  case NTSKE_INCOMPLETE: return 0;
  default: return -1;
  }
}

static bool export_key(struct tlsc *tls, uint16_t alg, bool compliant, bool s2c,
                       struct aead_key *k)
{
  uint8_t context[NTSKE_CONTEXT_LEN];
  memset(k, 0, sizeof(*k));
  k->algorithm = alg;
  k->len = aead_key_len(alg);
  ntske_exporter_context(NTSKE_PROTOCOL_NTPV4, ntske_exporter_algorithm(alg, compliant), s2c,
                         context);
  return k->len > 0 &&
         tlsc_export(tls, NTSKE_EXPORTER_LABEL, context, NTSKE_CONTEXT_LEN, k->data, k->len);
}

static void finish_response(struct ntskc_session *s)
{
  bool ok = ntsc_ke_done(s->c, now_mono(s->n), &s->msg, &s->c2s, &s->s2c);
  if (ok && s->msg.has_server)
    log_printf(PLAT_LOG_DEBUG, "Negotiated server %s", s->msg.server);
  if (!ok)
    log_printf(PLAT_LOG_ERR, "Received invalid NTS-KE response from %s", s->c->name);
}

/* The NTP server the response named, resolved (chronyd takes the first
 * address of the NTS-KE server's family). */
static void on_resolved(void *arg, const struct ip_addr *addrs, int n_addrs, const char *error)
{
  struct ntskc_session *s = arg;
  char a[ADDR_STR_LEN];
  (void)error;
  s->lookup = 0;
  if (n_addrs > 0) {
    snprintf(s->msg.server, sizeof(s->msg.server), "%s", addr_format(&addrs[0], a));
    finish_response(s);
  } else {
    log_printf(PLAT_LOG_ERR, "Could not resolve NTP server %s from %s", s->msg.server,
               s->c->name);
    ntsc_ke_failed(s->c, NTSC_RETRY_FACTOR_TLS);
  }
  end_session(s->n, s->c);
}

/* A response: keys exported for the algorithm granted, then the core's
 * (after resolving the NTP server it names, if by name). false: the
 * session is over; true: a lookup runs. */
static bool take_response(struct ntskc_session *s, const uint8_t *in, size_t len)
{
  struct ntske_message *m = &s->msg;
  struct ip_addr unused;
  bool offered = false;
  if (ntske_parse(in, len, NTSKE_RESPONSE, m) != NTSKE_OK) {
    log_printf(PLAT_LOG_ERR, "Received invalid NTS-KE response from %s", s->c->name);
    ntsc_ke_failed(s->c, NTSC_RETRY_FACTOR_TLS);
    return false;
  }
  for (unsigned i = 0; m->n_algorithms == 1 && i < s->n->cfg->n_ntsaeads; i++)
    offered |= s->n->cfg->ntsaeads[i] == m->algorithms[0];
  bool compliant = m->compliant_128gcm && s->offered_128gcm;
  if (!offered || !export_key(s->tls, m->algorithms[0], compliant, false, &s->c2s) ||
      !export_key(s->tls, m->algorithms[0], compliant, true, &s->s2c))
    s->c2s = s->s2c = (struct aead_key){.algorithm = 0};
  if (m->has_server && !addr_parse(m->server, &unused) && s->c2s.len > 0 &&
      m->n_cookies > 0 && !m->has_error) {
    s->lookup = s->n->plat->ops->resolve(s->n->plat->ctx, m->server, s->c->ke_addr.family, 1,
                                         on_resolved, s);
    if (s->lookup)
      return true;
  }
  finish_response(s);
  return false;
}

static void on_done(void *arg, struct tlsc *tls, enum tlsc_result r, const char *why,
                    const uint8_t *in, size_t len)
{
  struct ntskc_session *s = arg;
  struct ntskc *n = s->n;
  (void)tls;
  switch (r) {
  case TLSC_OK:
    if (take_response(s, in, len)) {
      tlsc_free(s->tls);                /* the lookup ends the session */
      s->tls = NULL;
      return;
    }
    break;
  case TLSC_CONNECT_FAILED:
    log_printf(PLAT_LOG_ERR, "Could not connect to %s : %s", s->label, why);
    ntsc_ke_failed(s->c, NTSC_RETRY_FACTOR_CONNECT);
    break;
  case TLSC_TLS_FAILED:
    log_printf(PLAT_LOG_ERR, "TLS handshake with %s failed : %s", s->label, why);
    ntsc_ke_failed(s->c, NTSC_RETRY_FACTOR_TLS);
    break;
  case TLSC_BAD_RESPONSE:
    log_printf(PLAT_LOG_ERR, "Received invalid NTS-KE response from %s", s->c->name);
    ntsc_ke_failed(s->c, NTSC_RETRY_FACTOR_TLS);
    break;
  case TLSC_TIMED_OUT:
    log_printf(PLAT_LOG_ERR, "NTS-KE session with %s timed out", s->label);
    ntsc_ke_failed(s->c, NTSC_RETRY_FACTOR_TLS);
    break;
  }
  end_session(n, s->c);
}

static void on_start(void *arg, struct ntsc *c)
{
  struct ntskc *n = arg;
  struct ntskc_session *s = calloc(1, sizeof(*s));
  struct ntske_message req;
  uint16_t aeads[NTSKE_MAX_LIST];
  uint8_t buf[TLSC_MAX_REQUEST];
  size_t n_aeads = 0;
  char a[ADDR_STR_LEN], err[300];
  if (!s) {
    ntsc_ke_failed(c, NTSC_RETRY_FACTOR_CONNECT);
    return;
  }
  s->n = n;
  s->c = c;
  snprintf(s->label, sizeof(s->label), "%s:%u (%s)", addr_format(&c->ke_addr, a), c->ke_port,
           c->name);
  for (unsigned i = 0; i < n->cfg->n_ntsaeads && n_aeads < NTSKE_MAX_LIST; i++)
    if (aead_key_len((uint16_t)n->cfg->ntsaeads[i]) > 0)
      aeads[n_aeads++] = (uint16_t)n->cfg->ntsaeads[i];
  ntske_make_request(&req, aeads, n_aeads);
  s->offered_128gcm = req.compliant_128gcm;
  size_t len = ntske_build(&req, buf, sizeof(buf));
  bool skip_time = !n->ref->synchronised && n->time_checks_skipped < n->cfg->nocerttimecheck;
  /* as chronyd, from bindacqaddress */
  const struct config *cfg = n->cfg;
  const struct ip_addr *local = c->ke_addr.family == ADDR_INET6
                                  ? (cfg->have_bindacq6 ? &cfg->bindacq6 : NULL)
                                  : (cfg->have_bindacq4 ? &cfg->bindacq4 : NULL);
  struct tlsc_params p = {
    .ctx = credentials(n, c->cert_set), .addr = &c->ke_addr, .port = c->ke_port,
    .local = local,
    .name = c->name, .alpn = NTSKE_ALPN, .no_time_check = skip_time,
    .timeout = NTSKC_TIMEOUT, .request = buf, .request_len = len};
  if (!p.ctx || len == 0) {
    free(s);
    ntsc_ke_failed(c, NTSC_RETRY_FACTOR_TLS);
    return;
  }
  if (skip_time) {
    n->time_checks_skipped++;
    log_printf(PLAT_LOG_DEBUG, "Disabled time checks");
  }
  if (!(s->tls = tlsc_start(n->loop, &p, check_response, on_done, s, err, sizeof(err)))) {
    log_printf(PLAT_LOG_ERR, "Could not connect to %s : %s", s->label, err);
    free(s);
    ntsc_ke_failed(c, NTSC_RETRY_FACTOR_CONNECT);
    return;
  }
  s->next = n->sessions;
  n->sessions = s;
}

void ntskc_init(struct ntskc *n, const struct config *cfg, struct loop *loop,
                const struct platform *plat, const struct refstate *ref)
{
  memset(n, 0, sizeof(*n));
  n->loop = loop;
  n->plat = plat;
  n->cfg = cfg;
  n->ref = ref;
  n->ops = (struct ntsc_ke_ops){.attach = on_attach, .detach = on_detach, .start = on_start,
                                .now = now_mono, .arg = n};
}

bool ntskc_preload(const struct config *cfg)
{
  char err[256];
  for (unsigned i = 0; i < cfg->n_sources; i++) {
    const struct conf_source *s = &cfg->sources[i];
    if (s->client.nts && !ossl_load(err, sizeof(err))) {
      log_printf(PLAT_LOG_FATAL, "NTS source %s (%s:%d) needs OpenSSL: %s", s->name, s->file,
                 s->line, err);
      return false;
    }
  }
  return true;
}

void ntskc_save_all(struct ntskc *n, const struct client *c)
{
  struct client_source_report r;
  for (unsigned i = 0; i < client_n_sources(c); i++)
    if (client_source_report(c, i, &r) && r.nts)
      save(n, r.nts);
}

void ntskc_free(struct ntskc *n)
{
  while (n->sessions)
    end_session(n, n->sessions->c);
  while (n->creds) {
    struct ntskc_creds *next = n->creds->next;
    tlsc_context_free(n->creds->ctx);
    free(n->creds);
    n->creds = next;
  }
}
