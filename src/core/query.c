#include "core/query.h"

#include <math.h>
#include <string.h>

#include "proto/ntp_packet.h"

bool query_nts_failed(const struct query_server *s)
{
  return s->nts && !s->nts->have_keys && !s->nts->ke_running && s->nts->ke_attempts > 0;
}

static bool server_finished(const struct query_server *s)
{
  unsigned needed = s->good_needed ? s->good_needed : QUERY_GOOD_SAMPLES;
  return s->sock < 0 || s->key_missing || s->valid >= needed ||
         s->sent >= QUERY_MAX_REQUESTS || s->ticks >= QUERY_MAX_TICKS || query_nts_failed(s);
}

static void close_server(struct query *q, struct query_server *s)
{
  if (s->sock >= 0)
    q->plat->ops->udp_close(q->plat->ctx, s->sock);
  s->sock = -1;
  s->nonce = 0;
}

static void finish(struct query *q)
{
  if (q->done)
    return;
  q->done = true;
  query_stop(q);
  q->on_done(q->arg);
}

/* Report the servers that just finished; true if all have. */
static bool report_finished(struct query *q)
{
  bool all = true;
  for (unsigned i = 0; i < q->n_servers; i++) {
    struct query_server *s = &q->servers[i];
    if (!server_finished(s)) {
      all = false;
    } else if (!s->reported) {
      s->reported = true;
      if (q->on_server)
        q->on_server(q->arg, s);
    }
  }
  return all;
}

static void on_reply(void *arg, int sock, const struct plat_datagram *dg)
{
  struct query *q = arg;
  struct exch_sample sample;
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  for (unsigned i = 0; i < q->n_servers; i++) {
    struct query_server *s = &q->servers[i];
    if (s->sock != sock || s->nonce == 0)
      continue;
    /* A reply from anywhere but the server is not an answer. */
    if (!addr_equal(&dg->from, &s->addr) || dg->from_port != s->port)
      return;
    enum exch_result r = exch_check_reply(&pkt, s->nonce, &s->tx_time, &dg->rx_time, &sample);
    if (r == EXCH_BAD_ORIGIN || r == EXCH_BAD_FORMAT || r == EXCH_BAD_MODE)
      return;  /* keep waiting for the real reply */
    bool authentic = s->nts ? ntsc_check_reply(s->nts, &pkt) == NTSNTP_OK
                            : exch_check_auth(&pkt, s->key, ntp_keyring_find(q->keys, s->key));
    if (!authentic) {
      s->unauthenticated++;  /* counted, so -Q can say why nothing was valid */
      return;
    }
    s->nonce = 0;
    s->last_error = r;
    if (r != EXCH_OK)
      return;
    s->valid++;
    if (!s->have_best || sample.delay < s->best.delay)
      s->best = sample;
    s->have_best = true;
    if (server_finished(s))
      close_server(q, s);
    if (report_finished(q))
      finish(q);
    return;
  }
}

/* With NTS: whether a request may go now, starting an NTS-KE when one is
 * due; the NTP server it named is the one asked. */
static bool nts_ready(struct query *q, struct query_server *s)
{
  if (!s->nts)
    return true;
  switch (ntsc_prepare(s->nts, q->nts_ke->now(q->nts_ke->arg))) {
  case NTSC_READY:
    s->addr = s->nts->ntp_addr;
    s->port = s->nts->ntp_port;
    return true;
  case NTSC_START_KE:
    q->nts_ke->start(q->nts_ke->arg, s->nts);
    return false;
  case NTSC_WAIT:
    break;
  }
  return false;
}

static void send_request(struct query *q, struct query_server *s)
{
  uint8_t buf[NTSNTP_MAX_PACKET_LEN];
  ntp_ts nonce = plat_random_nonzero64(q->plat);
  const struct ntp_key *key = ntp_keyring_find(q->keys, s->key);
  s->ticks++;
  if (!nts_ready(q, s))
    return;
  size_t len = exch_build_auth_request(buf, sizeof(buf), exch_request_version(s->version, key),
                                       s->poll, nonce, s->key, key);
  if (len != 0 && s->nts) {
    uint8_t uid[NTSNTP_UID_LEN], nts_nonce[NTSNTP_NONCE_LEN];
    q->plat->ops->random_bytes(q->plat->ctx, uid, sizeof(uid));
    q->plat->ops->random_bytes(q->plat->ctx, nts_nonce, sizeof(nts_nonce));
    len = ntsc_build_request(s->nts, buf, sizeof(buf), uid, nts_nonce);
  }
  q->plat->ops->now(q->plat->ctx, &s->tx_time);
  if (len == 0)
    return;
  s->sent++;
  if (q->plat->ops->udp_send(q->plat->ctx, s->sock, NULL, &s->addr, s->port, buf, len, 0) == 0)
    s->nonce = nonce;
}

static void on_timer(void *arg)
{
  struct query *q = arg;
  q->timer = 0;
  if (report_finished(q)) {
    finish(q);
    return;
  }
  for (unsigned i = 0; i < q->n_servers; i++)
    if (!server_finished(&q->servers[i]))
      send_request(q, &q->servers[i]);
  q->timer = q->plat->ops->timer_add(q->plat->ctx, QUERY_INTERVAL, on_timer, q);
}

bool query_start(struct query *q, const struct platform *plat, const struct ntp_keyring *keys,
                 const struct ntsc_ke_ops *nts_ke, struct query_server *servers, unsigned n,
                 void (*on_server)(void *arg, const struct query_server *s),
                 void (*on_done)(void *arg), void *arg)
{
  bool any = false;
  memset(q, 0, sizeof(*q));
  q->plat = plat;
  q->keys = keys;
  q->nts_ke = nts_ke;
  q->servers = servers;
  q->n_servers = n;
  q->on_server = on_server;
  q->on_done = on_done;
  q->arg = arg;
  for (unsigned i = 0; i < n; i++) {
    struct query_server *s = &servers[i];
    int sock = plat->ops->udp_open(plat->ctx, (enum addr_family)s->addr.family, NULL, 0,
                                   on_reply, q);
    s->sock = sock >= 0 ? sock : -1;
    if (s->nts)
      nts_ke->attach(nts_ke->arg, s->nts);
    exch_warn_key(plat, s->key, ntp_keyring_find(keys, s->key));
    s->key_missing = s->key != 0 && !ntp_keyring_find(keys, s->key);
    if (sock < 0)
      plat_logf(plat, PLAT_LOG_ERR, "Could not open socket for %s", s->name);
    any |= sock >= 0;
  }
  if (any)
    on_timer(q);
  return any;
}

void query_stop(struct query *q)
{
  if (q->timer)
    q->plat->ops->timer_cancel(q->plat->ctx, q->timer);
  q->timer = 0;
  for (unsigned i = 0; i < q->n_servers; i++) {
    struct query_server *s = &q->servers[i];
    close_server(q, s);
    if (s->nts && q->nts_ke)
      q->nts_ke->detach(q->nts_ke->arg, s->nts);
  }
  q->nts_ke = NULL;                     /* detached once */
}

const struct query_server *query_best(const struct query *q)
{
  const struct query_server *best = NULL;
  double best_dist = INFINITY;
  for (unsigned i = 0; i < q->n_servers; i++) {
    const struct query_server *s = &q->servers[i];
    if (!s->have_best)
      continue;
    double dist = (s->best.delay + s->best.root_delay) / 2.0 + s->best.root_dispersion;
    if (dist < best_dist) {
      best_dist = dist;
      best = s;
    }
  }
  return best;
}
