#include "core/client.h"

#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/discipline.h"
#include "core/ntp_source.h"
#include "core/refclock.h"
#include "core/select.h"
#include "proto/ntp_ext.h"
#include "proto/ntp_packet.h"
#include "proto/nts_ke.h"
#include "proto/ntp_time.h"
#include "proto/num.h"

#define CLIENT_MAX_SOURCES 64
#define BAD_HANDLE_THRESHOLD 4        /* bad selections in a row before a source is bad */

/* chronyd's source of a name not yet resolved (see client_reserve_slots). */
struct placeholder {
  client_slot slot;
  uint32_t id;
  struct client_source_params p;   /* with what chronyc changed in it */
  int burst_good, burst_total;      /* a burst chronyc asked of it: the
                                       source makes it when it comes */
  int poll;                         /* as reported: chronyd's stays the one it
                                       was made with (minpoll does not move it) */
};

struct client {
  const struct platform *plat;
  struct client_params p;
  client_source_event_fn source_event;  /* NULL: nobody is told */
  void *source_event_arg;
  struct discipline disc;
  /* When sources send: servers', peers' (chronyd's NTP client and peer
   * timeout classes, each keeping its sampling separation). */
  struct tclass tx_class[2];
  struct reference reference;         /* updated from the selection */
  struct nsrc *src[CLIENT_MAX_SOURCES];
  struct sel_source sel[CLIENT_MAX_SOURCES + RCL_MAX_REFCLOCKS];   /* refclocks' copied in */
  int bad[CLIENT_MAX_SOURCES];        /* selections in a row it was bad in */
  unsigned reported[CLIENT_MAX_SOURCES];   /* statuses logged (1 << sel_status) */
  bool answered[CLIENT_MAX_SOURCES];  /* reported CLIENT_SOURCE_ANSWERED */
  client_slot slot[CLIENT_MAX_SOURCES];   /* their places in reports */
  unsigned n;
  client_slot next_slot;              /* the next slot not given */
  struct placeholder ph[CLIENT_MAX_SOURCES];   /* by slot */
  unsigned n_ph;
  uint32_t last_ph_id;                /* the last number given */
  /* Reference clocks: sources n .. n + n_rcl - 1 to the selection, the
   * first ones in reports (configured at start, never removed). */
  struct rcl *rcl[RCL_MAX_REFCLOCKS];
  struct sel_source rcl_sel[RCL_MAX_REFCLOCKS];
  int rcl_bad[RCL_MAX_REFCLOCKS];
  unsigned rcl_reported[RCL_MAX_REFCLOCKS];
  unsigned n_rcl;
  bool started;
  int selected;
  /* chronyd's rules for logging a failed selection (sources.c): */
  bool report_loss;              /* the next failure is to be logged */
  bool forced_first_report;      /* report_loss was set once before any selection */
  bool reported_no_majority;     /* logged since the last new selection */
  int acq_sock[2];                    /* acquisitionport: IPv4, IPv6; -1: not open */
  int server_sock[2];                 /* the owner's NTP server sockets; -1: none */
  uint16_t server_port;               /* theirs (0: none) */
  int peer_sock[2];                   /* peers' own sockets when there is none */
  int ptp_sock[2];                    /* the owner's NTP-over-PTP sockets; -1: none */
  uint16_t ptp_port;                  /* ptpport (0: none) */
  /* Which of them report kernel transmit timestamps to client_tx_timestamp. */
  bool acq_tagged[2], server_tagged[2], peer_tagged[2], ptp_tagged[2];
  struct {                            /* initstepslew mode while done is set */
    double threshold;
    void (*done)(void *arg, bool corrected);
    void *arg;
    bool ignoring;                    /* done, the owner not yet back */
  } init;
};

void client_params_defaults(struct client_params *p)
{
  memset(p, 0, sizeof(*p));
  p->control = true;
  p->logchange = 1.0;
  p->maxslewrate = 1e6 / 12.0;
  p->maxdrift = 500000.0;
  p->maxupdateskew = 1000.0;
  p->corrtimeratio = 3.0;
  p->ntsrefresh = CLIENT_DEFAULT_NTSREFRESH;
  sel_params_default(&p->selection);
  p->min_samples = SST_DEFAULT_MIN_SAMPLES;
  p->max_samples = SST_DEFAULT_MAX_SAMPLES;
  p->initial_skew = 1e6;
  p->maxchange_start = -1;
  p->acquisitionport = -1;
  p->auth_mode = SEL_AUTH_MIX;
}

static void on_clock_change(void *arg, const struct timespec *when, double dfreq, double doffset)
{
  struct client *c = arg;
  for (unsigned i = 0; i < c->n; i++)
    nsrc_slew(c->src[i], when, dfreq, doffset);
  for (unsigned i = 0; i < c->n_rcl; i++)
    rcl_slew(c->rcl[i], when, dfreq, doffset);
  for (int k = 0; k < 2; k++)
    tclass_slew(&c->tx_class[k], when, dfreq, doffset);
}

/* chronyd after an unknown step of the clock: the correction under way is
 * dropped, every source's samples are forgotten and its polling restarts
 * at minpoll, and the reference is unsynchronised until new samples come.
 * The times kept of exchanges in flight move with the clock, so their
 * replies still measure it. */
static void on_clock_jump(void *arg, double jump)
{
  struct client *c = arg;
  struct timespec now;
  plat_logf(c->plat, PLAT_LOG_WARN, "%s time jump detected!", jump > 0.0 ? "Forward" : "Backward");
  disc_cancel_correction(&c->disc);
  disc_cooked_time(&c->disc, &now);
  for (int k = 0; k < 2; k++)
    tclass_slew(&c->tx_class[k], &now, 0.0, jump);
  for (unsigned i = 0; i < c->n; i++) {
    nsrc_slew(c->src[i], &now, 0.0, jump);
    nsrc_reset_poll(c->src[i]);
  }
  client_reset_sources(c);   /* the refclocks' too */
  ref_clock_jumped(&c->reference, jump);
  if (c->p.jumped)
    c->p.jumped(c->p.jumped_arg, jump);
}

/* The settings of the reference's updates, among the client's. */
static struct ref_config reference_config(const struct client_params *p)
{
  return (struct ref_config){
    .control = p->control, .makestep_threshold = p->makestep_threshold,
    .makestep_limit = p->makestep_limit, .logchange = p->logchange,
    .mailonchange = p->mailonchange, .mail_change = p->mail_change,
    .fallbackdrift_min = p->fallbackdrift_min, .fallbackdrift_max = p->fallbackdrift_max,
    .mail_change_arg = p->mail_change_arg,
    .maxupdateskew = p->maxupdateskew, .corrtimeratio = p->corrtimeratio,
    .have_initial_freq = p->have_initial_freq, .initial_skew = p->initial_skew,
    .maxchange_offset = p->maxchange_offset, .maxchange_start = p->maxchange_start,
    .maxchange_ignore = p->maxchange_ignore, .give_up = p->give_up,
    .max_clock_error = p->selection.max_clock_error,
    .give_up_arg = p->give_up_arg, .log = p->log.tracking, .log_arg = p->log.arg,
    .leapmode = p->leapmode, .leap_lookup = p->leap_lookup, .leap_arg = p->leap_arg};
}

struct client *client_new(const struct platform *plat, const struct client_params *params,
                          struct refstate *ref)
{
  struct client *c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  c->plat = plat;
  c->p = *params;
  c->selected = -1;
  c->acq_sock[0] = c->acq_sock[1] = -1;
  c->server_sock[0] = c->server_sock[1] = c->peer_sock[0] = c->peer_sock[1] = -1;
  c->ptp_sock[0] = c->ptp_sock[1] = -1;
  disc_init(&c->disc, plat, params->control, params->have_initial_freq, params->initial_freq,
            params->maxslewrate, params->maxdrift);
  disc_add_listener(&c->disc, on_clock_change, c);
  for (int k = 0; k < 2; k++)
    tclass_init(&c->tx_class[k], plat, &c->disc);
  struct ref_config rc = reference_config(params);
  ref_init(&c->reference, plat, &c->disc, ref, &rc);
  if (plat->ops->watch_clock_jumps)
    plat->ops->watch_clock_jumps(plat->ctx, on_clock_jump, c);
  return c;
}

void client_set_source_event(struct client *c, client_source_event_fn fn, void *arg)
{
  c->source_event = fn;
  c->source_event_arg = arg;
}

void client_free(struct client *c)
{
  if (!c)
    return;
  if (c->plat->ops->watch_clock_jumps)
    c->plat->ops->watch_clock_jumps(c->plat->ctx, NULL, NULL);
  for (unsigned i = 0; i < c->n; i++) {
    nsrc_fini(c->src[i]);
    free(c->src[i]);
  }
  for (unsigned i = 0; i < c->n_rcl; i++) {
    rcl_fini(c->rcl[i]);
    free(c->rcl[i]);
  }
  for (int f = 0; f < 2; f++) {
    if (c->acq_sock[f] >= 0)
      c->plat->ops->udp_close(c->plat->ctx, c->acq_sock[f]);
    if (c->peer_sock[f] >= 0)
      c->plat->ops->udp_close(c->plat->ctx, c->peer_sock[f]);
  }
  ref_fini(&c->reference);
  disc_fini(&c->disc);
  free(c);
}

static void on_update(void *arg, struct nsrc *src, bool new_sample);

bool client_tx_timestamp(struct client *c, int sock, const struct ip_addr *to, uint16_t port,
                         uint64_t tag, const struct timespec *tx_time,
                         enum plat_ts_source source)
{
  for (unsigned i = 0; i < c->n; i++) {
    struct nsrc *src = c->src[i];
    if (src->shared_sock == sock && addr_equal(&src->p.addr, to) && src->p.port == port &&
        nsrc_tx_timestamp(src, sock, tag, tx_time, source))
      return true;
  }
  return false;
}

static void on_shared_tx(void *arg, int sock, const struct ip_addr *to, uint16_t port,
                         uint64_t tag, const struct timespec *tx_time,
                         enum plat_ts_source source)
{
  client_tx_timestamp(arg, sock, to, port, tag, tx_time, source);
}

/* Ask for kernel transmit timestamps on a socket the client opened for
 * sources to share. */
static bool tag_shared_socket(struct client *c, int sock)
{
  const struct platform_ops *ops = c->plat->ops;
  return sock >= 0 && ops->udp_tx_timestamps && ops->udp_send_tagged &&
         ops->udp_tx_timestamps(c->plat->ctx, sock, on_shared_tx, c) == 0;
}

static bool shared_socket_tagged(const struct client *c, int sock)
{
  for (int f = 0; f < 2; f++)
    if ((sock == c->acq_sock[f] && c->acq_tagged[f]) ||
        (sock == c->server_sock[f] && c->server_tagged[f]) ||
        (sock == c->peer_sock[f] && c->peer_tagged[f]) ||
        (sock == c->ptp_sock[f] && c->ptp_tagged[f]))
      return sock >= 0;
  return false;
}

/* A datagram on an acquisitionport socket, parsed once: to every source
 * polling that address and port (the nonce decides whether it is their
 * reply). */
static void on_acq_reply(void *arg, int sock, const struct plat_datagram *dg)
{
  struct client *c = arg;
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  for (unsigned i = 0; i < c->n; i++) {
    struct nsrc *src = c->src[i];
    if (src->shared_sock == sock && addr_equal(&src->p.addr, &dg->from) &&
        src->p.port == dg->from_port)
      nsrc_receive(src, sock, dg, &pkt);
  }
}

/* bindacqaddress of a family; NULL: none. */
static const struct ip_addr *bind_acq(const struct client *c, int family)
{
  const struct ip_addr *a = &c->p.bindacq[family == ADDR_INET6];
  return a->family == family && family != ADDR_UNSPEC ? a : NULL;
}

static bool acq_is_server_port(const struct client *c)
{
  return c->server_port != 0 && c->p.acquisitionport == (int)c->server_port;
}

/* The acquisitionport socket for this family, opened on first use; -1 if
 * not configured or it cannot be opened (then each request opens its own). */
static int acq_socket(struct client *c, int family)
{
  if (c->p.acquisitionport < 0 || (family != ADDR_INET4 && family != ADDR_INET6))
    return -1;
  /* chronyd's: requests leave from the server socket when its port is the
   * acquisitionport (a second socket could not have it) */
  if (acq_is_server_port(c) && c->server_sock[family == ADDR_INET6] >= 0)
    return c->server_sock[family == ADDR_INET6];
  int *sock = &c->acq_sock[family == ADDR_INET6];
  if (*sock < 0) {
    *sock = c->plat->ops->udp_open(c->plat->ctx, (enum addr_family)family, bind_acq(c, family),
                                   (uint16_t)c->p.acquisitionport, on_acq_reply, c);
    if (*sock < 0)
      plat_logf(c->plat, PLAT_LOG_ERR, "Could not open NTP socket on port %d",
                c->p.acquisitionport);
    c->acq_tagged[family == ADDR_INET6] = tag_shared_socket(c, *sock);
  }
  return *sock;
}

/* A datagram on a socket of the client's own for peers, parsed here once. */
static void on_peer_datagram(void *arg, int sock, const struct plat_datagram *dg)
{
  struct ntp_packet pkt;
  ntp_packet_parse(dg->data, dg->len, &pkt);
  client_shared_receive(arg, sock, dg, &pkt);
}

/* The socket a peer sends from: the server socket of its family, else (no
 * server there: port 0, bind failure) one of our own on a port the system
 * chooses, as chronyd does then. -1 if none can be opened. */
static int peer_socket(struct client *c, int family)
{
  if (family != ADDR_INET4 && family != ADDR_INET6)
    return -1;
  int f = family == ADDR_INET6;
  if (c->server_sock[f] >= 0)
    return c->server_sock[f];
  if (c->peer_sock[f] < 0) {
    c->peer_sock[f] = c->plat->ops->udp_open(c->plat->ctx, (enum addr_family)family, NULL, 0,
                                             on_peer_datagram, c);
    c->peer_tagged[f] = tag_shared_socket(c, c->peer_sock[f]);
  }
  return c->peer_sock[f];
}

static int shared_socket(struct client *c, const struct client_source_params *s);

void client_set_server_socket(struct client *c, enum addr_family family, int sock, uint16_t port,
                              bool tx_timestamps)
{
  if (family != ADDR_INET4 && family != ADDR_INET6)
    return;
  c->server_sock[family == ADDR_INET6] = sock;
  c->server_tagged[family == ADDR_INET6] = tx_timestamps;
  c->server_port = port;
  for (unsigned i = 0; i < c->n; i++) {
    struct nsrc *src = c->src[i];
    if (src->p.addr.family == (int)family && (src->p.peer || acq_is_server_port(c))) {
      src->shared_sock = shared_socket(c, &src->p);
      src->shared_tagged = shared_socket_tagged(c, src->shared_sock);
    }
  }
}

/* The socket a source sends from, shared (-1: a new one per request): the
 * PTP socket for a server or peer at the PTP port (chronyd's rule); else a
 * peer's; else the acquisitionport one. */
static int shared_socket(struct client *c, const struct client_source_params *s)
{
  int f = s->addr.family == ADDR_INET6;
  if (c->ptp_port != 0 && s->port == c->ptp_port && c->ptp_sock[f] >= 0)
    return c->ptp_sock[f];
  if (s->peer)
    return peer_socket(c, s->addr.family);
  return acq_socket(c, s->addr.family);
}

void client_set_ptp_socket(struct client *c, enum addr_family family, int sock, uint16_t port,
                           bool tx_timestamps)
{
  if (family != ADDR_INET4 && family != ADDR_INET6)
    return;
  c->ptp_sock[family == ADDR_INET6] = sock;
  c->ptp_tagged[family == ADDR_INET6] = tx_timestamps;
  c->ptp_port = port;
}

bool client_shared_receive(struct client *c, int sock, const struct plat_datagram *dg,
                           const struct ntp_packet *pkt)
{
  /* Requests are the server's, whoever sends them; symmetric packets are
   * a peer's, the rest a server's answers. */
  if (pkt->status == NTP_PARSE_SHORT || pkt->hdr.mode == NTP_MODE_CLIENT)
    return false;
  bool symmetric = pkt->hdr.mode == NTP_MODE_ACTIVE || pkt->hdr.mode == NTP_MODE_PASSIVE;
  bool consumed = false;
  for (unsigned i = 0; i < c->n; i++) {
    struct nsrc *src = c->src[i];
    if (src->p.peer == symmetric && src->shared_sock == sock &&
        addr_equal(&src->p.addr, &dg->from) && src->p.port == dg->from_port) {
      nsrc_receive(src, sock, dg, pkt);
      consumed = true;
    }
  }
  return consumed;
}

/* A source's options as configured, to the selection's. */
static void configured_options(const struct client_source_params *p, struct sel_source *o)
{
  o->noselect = p->noselect;
  o->prefer = p->prefer;
  o->trust = p->trust;
  o->require = p->require;
  o->authenticated = p->key != 0 || p->nts;
}

/* Up to one authenticated and one unauthenticated selectable source among
 * the placeholders (and the sources too, with_sources), placeholder skip
 * left out (n_ph: none): authselectmode only asks whether there is one of
 * each, so they stand for them all. Returns how many went to out. */
static int standins(const struct client *c, bool with_sources, unsigned skip,
                    struct sel_source out[2])
{
  struct sel_source o;
  bool have[2] = {false, false};
  int n = 0;
  memset(&o, 0, sizeof(o));
  for (unsigned i = with_sources ? 0 : c->n; i < c->n + c->n_ph; i++) {
    if (i == c->n + skip)
      continue;
    configured_options(i < c->n ? &c->src[i]->p : &c->ph[i - c->n].p, &o);
    if (!o.noselect && !have[o.authenticated]) {
      have[o.authenticated] = true;
      out[n++] = o;
    }
  }
  return n;
}

/* The options every NTP source is selected with: its own, then
 * authselectmode's, which counts the placeholders as chronyd counts its
 * sources of names not resolved yet (chrony updates them whenever a source
 * is added or removed or its options change). */
static void apply_options(struct client *c)
{
  struct sel_source o[CLIENT_MAX_SOURCES + 2];
  memset(o, 0, sizeof(o));
  for (unsigned i = 0; i < c->n; i++)
    configured_options(&c->src[i]->p, &o[i]);
  int n = (int)c->n + standins(c, false, c->n_ph, &o[c->n]);
  sel_apply_auth_mode(c->p.auth_mode, o, n);
  for (unsigned i = 0; i < c->n; i++) {
    c->sel[i].noselect = o[i].noselect;
    c->sel[i].prefer = o[i].prefer;
    c->sel[i].trust = o[i].trust;
    c->sel[i].require = o[i].require;
    c->sel[i].authenticated = o[i].authenticated;
  }
}

/* Placeholder k's options as authselectmode makes them, counting everyone. */
static void placeholder_options(const struct client *c, unsigned k, struct sel_source *out)
{
  struct sel_source o[3];
  memset(o, 0, sizeof(o));
  configured_options(&c->ph[k].p, &o[0]);
  int n = 1 + standins(c, true, k, &o[1]);
  sel_apply_auth_mode(c->p.auth_mode, o, n);
  *out = o[0];
}

/* Source i (new or pointed elsewhere) with the client's limits, from scratch;
 * without minsamples or maxsamples of its own it takes the client's. */
static void setup_source(struct client *c, unsigned i, const struct client_source_params *s)
{
  struct nsrc *src = c->src[i];
  struct client_source_params p = *s;
  if (p.minsamples < 0)
    p.minsamples = c->p.min_samples;
  if (p.maxsamples < 0)
    p.maxsamples = c->p.max_samples;
  nsrc_init(src, &p, c->plat, c->p.keys, &c->disc, &c->tx_class[s->peer], on_update, c);
  src->shared_sock = shared_socket(c, s);
  /* chronyd sends 10A only with ptpport (the version stays as chosen) */
  if (c->ptp_port == 0)
    src->p.ext_fields &= ~NTPEXT_FLAG_NET_CORRECTION;
  src->shared_tagged = shared_socket_tagged(c, src->shared_sock);
  src->local = bind_acq(c, s->addr.family);
  src->peer.ref = c->reference.state;
  src->hwts_timeout = c->p.hwtstimeout;
  src->reference = &c->reference;
  src->max_clock_error = c->p.selection.max_clock_error;
  src->log = &c->p.log;
  src->stats.max_jitter = c->p.selection.max_jitter;
  if (p.nts && !p.peer)
    nsrc_use_nts(src, c->p.nts_ke, c->p.ntsrefresh);
  if (c->reference.state->precision_log2 < 0)
    src->stats.precision = num_ldexp(1.0, c->reference.state->precision_log2);
  memset(&c->sel[i], 0, sizeof(c->sel[i]));
  c->sel[i].status = SEL_BAD_STATS;   /* chronyd's new source: M until selected */
  c->bad[i] = 0;
  c->reported[i] = 0;
  c->answered[i] = false;
  if (c->started)
    nsrc_start(src);
}

/* The NTP sources and placeholders before slot `slot` in reports; for
 * equal slots, which a careless owner could give, sources come before
 * placeholders, each by index (ph: is it placeholder i or source i). */
static unsigned rows_before(const struct client *c, client_slot slot, bool ph, unsigned i)
{
  unsigned rank = 0;
  for (unsigned k = 0; k < c->n; k++)
    rank += c->slot[k] < slot || (c->slot[k] == slot && (ph || k < i));
  for (unsigned k = 0; k < c->n_ph; k++)
    rank += c->ph[k].slot < slot || (c->ph[k].slot == slot && ph && k < i);
  return rank;
}

/* The report order (client_reserve_slots) of the NTP source with internal
 * index i among the NTP sources and placeholders. */
static unsigned ntp_rank(const struct client *c, unsigned i)
{
  return rows_before(c, c->slot[i], false, i);
}

/* The reports' index to a placeholder's; false if i is none. */
static bool placeholder_index(const struct client *c, unsigned i, unsigned *out)
{
  for (unsigned k = 0; k < c->n_ph; k++)
    if (c->n_rcl + rows_before(c, c->ph[k].slot, true, k) == i) {
      *out = k;
      return true;
    }
  return false;
}

/* Internal index (the selection's: NTP sources, then refclocks) to the
 * reports' index. */
static unsigned report_index(const struct client *c, unsigned i)
{
  return i >= c->n ? i - c->n : c->n_rcl + ntp_rank(c, i);
}

/* The reports' index to the internal one; false if there is no source i
 * (a placeholder is none). */
static bool internal_index(const struct client *c, unsigned i, unsigned *out)
{
  if (i < c->n_rcl) {
    *out = c->n + i;
    return true;
  }
  for (unsigned k = 0; k < c->n; k++)
    if (c->n_rcl + ntp_rank(c, k) == i) {
      *out = k;
      return true;
    }
  return false;
}

/* NTP source i's internal index; false if it is none (or a refclock). */
static bool internal_ntp_index(const struct client *c, unsigned i, unsigned *out)
{
  return internal_index(c, i, out) && *out < c->n;
}

client_slot client_reserve_slots(struct client *c, unsigned count)
{
  client_slot first = c->next_slot;
  c->next_slot += count;
  return first;
}

client_slot client_add_placeholders(struct client *c, const struct client_source_params *p,
                                    unsigned count)
{
  client_slot first = client_reserve_slots(c, count);
  for (unsigned k = 0; k < count && c->n_ph < CLIENT_MAX_SOURCES; k++)
    c->ph[c->n_ph++] = (struct placeholder){.slot = first + k, .id = ++c->last_ph_id, .p = *p,
                                            .poll = nsrc_first_poll(p)};
  apply_options(c);
  return first;
}

/* Take placeholder k out (into *out if not NULL). */
static void take_placeholder(struct client *c, unsigned k, struct placeholder *out)
{
  if (out)
    *out = c->ph[k];
  c->n_ph--;
  memmove(&c->ph[k], &c->ph[k + 1], (c->n_ph - k) * sizeof(c->ph[0]));
}

/* The placeholder in this slot, or -1. */
static int placeholder_in_slot(const struct client *c, client_slot slot)
{
  for (unsigned k = 0; k < c->n_ph; k++)
    if (c->ph[k].slot == slot)
      return (int)k;
  return -1;
}

void client_drop_placeholders(struct client *c, client_slot first, unsigned count)
{
  for (unsigned k = c->n_ph; k-- > 0;)
    if (c->ph[k].slot >= first && c->ph[k].slot - first < count)
      take_placeholder(c, k, NULL);
  apply_options(c);
}

/* The placeholder with this address (ADDR_ID), or -1. */
static int find_placeholder(const struct client *c, const struct ip_addr *addr)
{
  uint32_t id = addr_id(addr);
  for (unsigned k = 0; id && k < c->n_ph; k++)
    if (c->ph[k].id == id)
      return (int)k;
  return -1;
}

bool client_placeholder_slot(const struct client *c, const struct ip_addr *addr,
                             client_slot *slot)
{
  int k = find_placeholder(c, addr);
  if (k >= 0)
    *slot = c->ph[k].slot;
  return k >= 0;
}

int client_add_source_in(struct client *c, const struct client_source_params *s,
                         client_slot slot)
{
  if (c->n == CLIENT_MAX_SOURCES)
    return -1;
  struct nsrc *src = malloc(sizeof(*src));
  if (!src)
    return -1;
  /* The source takes the place of the placeholder there and, as chronyd's
   * placeholder becomes the source, keeps what chronyc changed in it. */
  struct placeholder ph = {.p = *s};
  int k = placeholder_in_slot(c, slot);
  if (k >= 0)
    take_placeholder(c, (unsigned)k, &ph);
  ph.p.addr = s->addr;
  c->src[c->n] = src;
  c->slot[c->n] = slot;
  setup_source(c, c->n, &ph.p);
  if (ph.burst_total > 0 && c->started)
    nsrc_burst(src, ph.burst_good, ph.burst_total);
  if (c->selected >= (int)c->n)    /* a refclock: one further down now */
    c->selected++;
  c->n++;
  apply_options(c);
  return (int)report_index(c, c->n - 1);
}

int client_add_source(struct client *c, const struct client_source_params *s)
{
  return client_add_source_in(c, s, client_reserve_slots(c, 1));
}

static void on_refclock_update(void *arg, struct rcl *r, bool new_sample);

static void adjust_to_local(void *arg, double offset, double dfreq, const struct timespec *now)
{
  ref_adjust(arg, offset, dfreq, now);
}

int client_add_refclock(struct client *c, const struct rcl_params *p)
{
  if (c->n_rcl == RCL_MAX_REFCLOCKS)
    return -1;
  struct rcl *r = malloc(sizeof(*r));
  if (!r)
    return -1;
  /* Without minsamples or maxsamples of its own it takes the client's. */
  struct rcl_params own = *p;
  if (own.minsamples < 0)
    own.minsamples = c->p.min_samples;
  if (own.maxsamples < 0)
    own.maxsamples = c->p.max_samples;
  p = &own;
  if (!rcl_init(r, p, c->plat, &c->disc, c->reference.state,
                c->reference.state->precision_log2, on_refclock_update, c)) {
    rcl_fini(r);
    free(r);
    return -1;
  }
  r->stats.max_jitter = c->p.selection.max_jitter;
  r->log = c->p.log.refclock;
  r->log_arg = c->p.log.arg;
  r->leap_lookup = c->p.leap_lookup;
  r->leap_arg = c->p.leap_arg;
  r->adjust = adjust_to_local;
  r->adjust_arg = &c->reference;
  memset(&c->rcl_sel[c->n_rcl], 0, sizeof(c->rcl_sel[0]));
  c->rcl_sel[c->n_rcl].status = SEL_BAD_STATS;
  c->rcl[c->n_rcl] = r;
  if (c->started)
    rcl_start(r);
  return (int)c->n_rcl++;
}

const struct rcl *client_refclock(const struct client *c, unsigned k)
{
  return k < c->n_rcl ? c->rcl[k] : NULL;
}

/* Each refclock with a lock gets its partner, as chronyd pairs them when
 * the refclocks start. */
static void lock_refclocks(struct client *c)
{
  for (unsigned i = 0; i < c->n_rcl; i++) {
    struct rcl *r = c->rcl[i];
    if (!r->p.lock_refid)
      continue;
    struct rcl *lock = NULL;
    for (unsigned j = 0; j < c->n_rcl && !lock; j++)
      if (c->rcl[j]->p.refid == r->p.lock_refid)
        lock = c->rcl[j];
    rcl_set_lock(r, lock);
  }
}

void client_start(struct client *c)
{
  c->started = true;
  lock_refclocks(c);
  for (unsigned i = 0; i < c->n_rcl; i++)
    rcl_start(c->rcl[i]);
  for (unsigned i = 0; i < c->n; i++)
    nsrc_start(c->src[i]);
}

/* The internal index of the NTP source with this address, or -1. */
static int find_ntp(const struct client *c, const struct ip_addr *addr)
{
  for (unsigned i = 0; i < c->n; i++)
    if (addr_equal(&c->src[i]->p.addr, addr))
      return (int)i;
  return -1;
}

int client_find_source(const struct client *c, const struct ip_addr *addr)
{
  int k = find_placeholder(c, addr);
  if (k >= 0)
    return (int)(c->n_rcl + rows_before(c, c->ph[k].slot, true, (unsigned)k));
  int i = find_ntp(c, addr);
  return i < 0 ? -1 : (int)report_index(c, (unsigned)i);
}

/* The selected source is gone: select again among the others. */
static void forget_selected(struct client *c, unsigned i)
{
  if (c->selected == (int)i) {
    c->selected = -1;
    c->report_loss = true;
    on_update(c, NULL, false);
  } else if (c->selected > (int)i) {
    c->selected--;
  }
}

void client_remove_source(struct client *c, unsigned index)
{
  unsigned i;
  if (!internal_ntp_index(c, index, &i))
    return;
  nsrc_fini(c->src[i]);
  free(c->src[i]);
  unsigned after = --c->n - i;
  memmove(&c->src[i], &c->src[i + 1], after * sizeof(c->src[0]));
  memmove(&c->sel[i], &c->sel[i + 1], after * sizeof(c->sel[0]));
  memmove(&c->bad[i], &c->bad[i + 1], after * sizeof(c->bad[0]));
  memmove(&c->reported[i], &c->reported[i + 1], after * sizeof(c->reported[0]));
  memmove(&c->answered[i], &c->answered[i + 1], after * sizeof(c->answered[0]));
  memmove(&c->slot[i], &c->slot[i + 1], after * sizeof(c->slot[0]));
  apply_options(c);
  forget_selected(c, i);
}

bool client_replace_source(struct client *c, unsigned index, const struct ip_addr *addr)
{
  char a[ADDR_STR_LEN], b[ADDR_STR_LEN];
  unsigned i;
  if (!internal_ntp_index(c, index, &i))
    return false;
  struct client_source_params p = c->src[i]->p;
  plat_logf(c->plat, PLAT_LOG_INFO, "Source %s replaced with %s (%s)", addr_format(&p.addr, a),
            addr_format(addr, b), p.name);
  p.addr = *addr;
  p.iburst = false;
  nsrc_fini(c->src[i]);
  setup_source(c, i, &p);
  apply_options(c);
  if (c->selected == (int)i)
    forget_selected(c, i);
  return true;
}

/* The selection's view of a source's statistics at `now`. */
static void fill_sel_stats(struct sel_source *o, const struct sst *stats,
                           const struct timespec *now)
{
  struct sst_selection sd;
  struct sst_tracking td;
  bool have = sst_get_selection_data(stats, now, &sd);
  o->has_stats = have && sd.select_ok && sst_get_tracking_data(stats, now, &td);
  /* Its interval and the age of its newest sample are told (the selection
   * log) before it has enough samples, as chronyd's. */
  o->offset = have ? sd.offset : 0.0;
  o->root_distance = have ? sd.root_distance : 0.0;
  o->last_sample_ago = have ? sd.last_sample_ago : 0.0;
  if (!o->has_stats)
    return;
  o->leap = sd.leap;
  o->stratum = sd.stratum;
  o->std_dev = sd.std_dev;
  o->first_sample_ago = sd.first_sample_ago;
  o->track_offset = td.offset_now;
  o->offset_sd = td.offset_sd + fabs(timespec_diff(now, &td.ref_time)) * td.frequency_sd;
  o->frequency = td.frequency;
  o->frequency_sd = td.frequency_sd;
  o->skew = td.skew;
  o->root_delay = td.root_delay;
  o->root_dispersion = td.root_dispersion;
}

static void fill_sel_source(struct client *c, unsigned i, const struct timespec *now)
{
  const struct nsrc *s = c->src[i];
  struct sel_source *o = &c->sel[i];
  o->refclock = false;
  /* Orphans compare addresses: the source's and ours towards it, as
   * chronyd (0: no reply yet, no local address known). */
  o->ref_id = addr_refid(&s->p.addr);
  o->local_ref_id = s->last.valid && s->last.local.family != ADDR_UNSPEC
                        ? addr_refid(&s->last.local) : 0;
  o->reach = s->reach;
  o->unreachable_run = s->unreachable_run;
  o->max_unreach = s->p.maxunreach;
  o->reach_size = nsrc_reach_size(s);
  fill_sel_stats(o, &s->stats, now);
}

static void fill_sel_refclock(struct client *c, unsigned k, struct sel_source *o,
                              const struct timespec *now)
{
  const struct rcl *r = c->rcl[k];
  *o = c->rcl_sel[k];
  o->noselect = r->p.noselect;
  o->prefer = r->p.prefer;
  o->trust = r->p.trust;
  o->require = r->p.require;
  o->refclock = true;
  o->ref_id = r->p.refid;
  o->reach = r->reach;
  o->reach_size = r->reach_size;
  o->unreachable_run = r->unreachable_run;
  o->max_unreach = r->p.maxunreach;
  fill_sel_stats(o, &r->stats, now);
}

/* The address and reference ID of source i in the selection's numbering
 * (refclocks after the NTP sources: no address). */
static void selected_id(const struct client *c, unsigned i, struct ip_addr *addr, uint32_t *refid)
{
  memset(addr, 0, sizeof(*addr));
  if (i < c->n) {
    *addr = c->src[i]->p.addr;
    *refid = nsrc_reference_id(c->src[i]);
  } else {
    *refid = c->rcl[i - c->n]->p.refid;
  }
}

/* A source's address and its name as configured in brackets. */
#define SOURCE_TEXT_LEN (ADDR_STR_LEN + sizeof(((struct client_source_params *)0)->name) + 3)

/* How chronyd names a source in its selection messages (addr_format_named),
 * or a refclock's refid. */
static const char *source_text(const struct client *c, unsigned i, char buf[SOURCE_TEXT_LEN])
{
  struct ip_addr addr;
  uint32_t refid;
  selected_id(c, i, &addr, &refid);
  if (i >= c->n)
    return rcl_refid_text(refid, buf);
  return addr_format_named(&addr, c->src[i]->p.name, buf, SOURCE_TEXT_LEN);
}

/* chronyc's and the selection log's score: at least 1. */
static double shown_score(const struct sel_source *o)
{
  return o->mem.score >= 1.0 ? o->mem.score : 1.0;
}

/* `log selection`: every source as the selection left it. */
static void log_selection(const struct client *c, unsigned n, const struct timespec *now)
{
  if (!c->p.log.selection)
    return;
  for (unsigned i = 0; i < n; i++) {
    const struct sel_source *o = &c->sel[i];
    struct client_log_selection l = {
      .time = *now, .status = o->status, .noselect = o->noselect, .prefer = o->prefer,
      .trust = o->trust, .require = o->require, .reach = o->reach,
      .score = shown_score(o),
      .last_sample_ago = o->noselect ? 0.0 : o->last_sample_ago, .lo = o->lo, .hi = o->hi};
    selected_id(c, i, &l.addr, &l.refid);
    c->p.log.selection(c->p.log.arg, &l);
  }
}

/* Tell the owner about source i after a selection it triggered: its first
 * sample, and chrony's reasons to replace it (SRC_UpdateReachability,
 * set_source_status). */
static void report_source(struct client *c, unsigned i, bool new_sample)
{
  const struct nsrc *s = c->src[i];
  bool answered = false, bad;
  if (new_sample) {
    bad = c->bad[i] >= BAD_HANDLE_THRESHOLD;
    answered = !c->answered[i];
    c->answered[i] = true;
  } else {
    bad = s->reach == 0 && nsrc_reach_size(s) == SEL_REACH_BITS;
  }
  if (!c->source_event)
    return;
  if (answered)
    c->source_event(c->source_event_arg, &s->p.addr, CLIENT_SOURCE_ANSWERED);
  if (bad)
    c->source_event(c->source_event_arg, &s->p.addr, CLIENT_SOURCE_BAD);
}

/* chronyd's special_mode_end: no source can still complete its initial
 * burst with enough samples for a selection (3 within 7 polls). */
static bool init_hopeless(const struct client *c)
{
  for (unsigned i = 0; i < c->n; i++) {
    const struct nsrc *s = c->src[i];
    int size = nsrc_reach_size(s);
    if (!s->online || size >= SEL_REACH_BITS - 1)
      continue;
    if (SEL_REACH_BITS - 1 - size + sst_samples(&s->stats) >= 3)
      return false;
  }
  return true;
}

static void end_init(struct client *c, bool corrected)
{
  void (*done)(void *arg, bool corrected) = c->init.done;
  if (!corrected)
    plat_logf(c->plat, PLAT_LOG_WARN, "No suitable source for initstepslew");
  c->init.done = NULL;
  c->init.ignoring = true;
  done(c->init.arg, corrected);
}

/* Log a failed selection as chronyd does: once after the selected source
 * was lost (or, before the first selection, once a source has polled 8
 * times), "no majority" once until a new selection. quiet: nothing logged,
 * the same flags kept (chronyd in initstepslew mode). */
static void report_selection(struct client *c, const struct sel_result *r, int prev, bool quiet)
{
  char text[128];
  if (r->reason == SEL_OK) {
    if (r->selected != prev) {
      c->report_loss = c->reported_no_majority = false;
      c->forced_first_report = true;
    }
    return;
  }
  if (r->reach_full && !c->forced_first_report)
    c->report_loss = c->forced_first_report = true;
  if (r->reason == SEL_NO_MAJORITY) {
    if (!c->reported_no_majority && sel_result_text(r, text, sizeof(text)) && !quiet)
      plat_logf(c->plat, PLAT_LOG_WARN, "%s", text);
    c->reported_no_majority = true;
    c->report_loss = false;
    return;
  }
  c->report_loss |= prev >= 0;
  /* The transient reasons have no text: they wait for the next call. */
  if (c->report_loss && sel_result_text(r, text, sizeof(text))) {
    if (!quiet)
      plat_logf(c->plat, PLAT_LOG_WARN, "%s", text);
    c->report_loss = false;
  }
}

/* chronyd's set_source_status: selections in a row in which source k (the
 * selection's numbering), updated, was bad. */
static void count_bad(struct client *c, unsigned k)
{
  int *bad = k < c->n ? &c->bad[k] : &c->rcl_bad[k - c->n];
  enum sel_status st = c->sel[k].status;
  if (st == SEL_FALSETICKER || st == SEL_BAD_DISTANCE || st == SEL_BAD_STRATUM ||
      st == SEL_JITTERY)
    *bad = *bad < INT_MAX ? *bad + 1 : INT_MAX;
  else
    *bad = 0;
}

/* chronyd 4.6's mark_source: a falseticker, and a source too distant or
 * jittery BAD_HANDLE_THRESHOLD selections in a row, is logged once until
 * another source is selected. */
static void report_status(struct client *c, unsigned k, bool quiet)
{
  unsigned *reported = k < c->n ? &c->reported[k] : &c->rcl_reported[k - c->n];
  int bad = k < c->n ? c->bad[k] : c->rcl_bad[k - c->n];
  enum sel_status st = c->sel[k].status;
  char a[SOURCE_TEXT_LEN];
  if ((st != SEL_FALSETICKER && bad < BAD_HANDLE_THRESHOLD) || (*reported & (1u << st)))
    return;
  if (st == SEL_FALSETICKER && !quiet)
    plat_logf(c->plat, PLAT_LOG_WARN, "Detected falseticker %s", source_text(c, k, a));
  else if (st == SEL_BAD_DISTANCE && !quiet)
    plat_logf(c->plat, PLAT_LOG_WARN, "Root distance of %s exceeds maxdistance of %.3f seconds",
              source_text(c, k, a), c->p.selection.max_distance);
  else if (st == SEL_JITTERY && !quiet)
    plat_logf(c->plat, PLAT_LOG_WARN, "Jitter of %s exceeds maxjitter of %.3f seconds",
              source_text(c, k, a), c->p.selection.max_jitter);
  else
    return;
  *reported |= 1u << st;
}

/* Select among every source after source `updated` (the selection's
 * numbering, -1: none) had a new sample or was left unreachable. */
static void select_sources(struct client *c, int updated_index, bool new_sample)
{
  struct timespec now;
  struct sel_result r;
  char a[SOURCE_TEXT_LEN];

  disc_cooked_time(&c->disc, &now);
  apply_options(c);
  for (unsigned i = 0; i < c->n; i++)
    fill_sel_source(c, i, &now);
  for (unsigned k = 0; k < c->n_rcl; k++)
    fill_sel_refclock(c, k, &c->sel[c->n + k], &now);
  unsigned n = c->n + c->n_rcl;
  int prev = c->selected;
  /* As chronyd's REF_GetOrphanStratum: none in initstepslew mode; `local`
   * may change at run time (reload, chronyc local). */
  c->p.selection.orphan_stratum =
      c->init.done ? NTP_MAX_STRATUM : ref_orphan_stratum(&c->reference.state->local);
  sel_select(&c->p.selection, c->sel, (int)n, prev, new_sample ? updated_index : -1, &r);
  for (unsigned k = 0; k < c->n_rcl; k++)
    c->rcl_sel[k] = c->sel[c->n + k];
  log_selection(c, n, &now);
  if (r.orphan_refid_unknown)
    plat_logf(c->plat, PLAT_LOG_ERR, "Unknown local refid in orphan mode");   /* chronyd's */

  /* chronyd logs nothing of the selection in initstepslew mode. */
  bool quiet = c->init.done != NULL;
  if (new_sample && updated_index >= 0)
    count_bad(c, (unsigned)updated_index);
  /* with no majority chronyd marks them all at once, unlogged */
  for (unsigned k = 0; k < n && r.reason != SEL_NO_MAJORITY; k++)
    report_status(c, k, quiet || c->init.ignoring);
  /* as chronyd, after the statuses of this selection were logged */
  if (r.selected >= 0 && r.selected != prev) {
    memset(c->reported, 0, sizeof(c->reported));
    memset(c->rcl_reported, 0, sizeof(c->rcl_reported));
  }
  if (r.selected >= 0 && r.selected != prev && !quiet)
    plat_logf(c->plat, PLAT_LOG_INFO, "Selected source %s", source_text(c, (unsigned)r.selected, a));
  c->selected = r.selected;
  for (unsigned i = 0; i < c->n; i++)
    c->src[i]->sync_peer = r.selected >= 0 && (unsigned)r.selected == i;
  /* chronyd is in initstepslew mode until the temporary sources are gone. */
  report_selection(c, &r, prev, quiet || c->init.ignoring);
  /* As chronyd: only disagreement makes the reference unsynchronised; a
   * lost source leaves it to age (its dispersion grows). */
  if (r.reason == SEL_NO_MAJORITY && !quiet)
    ref_set_unsynchronised(&c->reference);
  bool corrected = false;
  if (r.update_reference && r.selected >= 0 && c->init.done) {
    ref_init_correction(&c->reference, r.offset, c->init.threshold);
    corrected = true;
  } else if (r.update_reference && r.selected >= 0 && !c->init.ignoring) {
    struct ip_addr addr;
    uint32_t refid;
    selected_id(c, (unsigned)r.selected, &addr, &refid);
    ref_update(&c->reference, &r, &addr, refid, &now);
  }
  if (updated_index >= 0 && (unsigned)updated_index < c->n)
    report_source(c, (unsigned)updated_index, new_sample);
  if (c->init.done && (corrected || init_hopeless(c)))
    end_init(c, corrected);
}

void client_set_initstepslew(struct client *c, double threshold,
                             void (*done)(void *arg, bool corrected), void *arg)
{
  c->init.threshold = threshold;
  c->init.done = done;
  c->init.arg = arg;
}

void client_end_initstepslew(struct client *c)
{
  c->init.ignoring = false;
}

/* An NTP source has a new sample or missed a reply (updated may be NULL: a
 * source went away). */
static void on_update(void *arg, struct nsrc *updated, bool new_sample)
{
  struct client *c = arg;
  int updated_index = -1;
  for (unsigned i = 0; i < c->n; i++)
    if (c->src[i] == updated)
      updated_index = (int)i;
  select_sources(c, updated_index, new_sample);
}

static void on_refclock_update(void *arg, struct rcl *r, bool new_sample)
{
  struct client *c = arg;
  if (new_sample) {
    struct ip_addr none = {.family = ADDR_UNSPEC};
    client_log_statistics(&c->p.log, &r->stats, &r->last_sample_time, &r->before,
                          r->n_before, &none, r->p.refid);
  }
  for (unsigned k = 0; k < c->n_rcl; k++)
    if (c->rcl[k] == r)
      select_sources(c, (int)(c->n + k), new_sample);
}

unsigned client_n_sources(const struct client *c)
{
  return c->n + c->n_ph + c->n_rcl;
}

unsigned client_n_ntp_sources(const struct client *c)
{
  return c->n + c->n_ph;
}

bool client_source_address(const struct client *c, unsigned index, struct ip_addr *out)
{
  unsigned i;
  if (!internal_ntp_index(c, index, &i))
    return false;
  *out = c->src[i]->p.addr;
  return true;
}

/* A reference clock as chronyc sees it: its refid for a name, mode '#'. */
static void refclock_report(const struct client *c, unsigned k, struct client_source_report *r)
{
  const struct rcl *rc = c->rcl[k];
  const struct sel_source *sel = &c->rcl_sel[k];
  struct timespec now;
  struct sst_selection sd;
  memset(r, 0, sizeof(*r));
  disc_cooked_time(&c->disc, &now);
  r->refclock = true;
  rcl_refid_text(rc->p.refid, r->name);
  r->refid = rc->p.refid;
  r->stratum = rc->p.stratum;
  r->poll = rc->p.poll;
  r->reach = rc->reach;
  r->reach_size = rc->reach_size;
  r->state = sel_state_char(sel->status);
  r->sel_state = sel_status_char(sel->status);
  r->noselect = rc->p.noselect;
  r->prefer = rc->p.prefer;
  r->trust = rc->p.trust;
  r->require = rc->p.require;
  /* a refclock is selected with its options as they are (apply_options) */
  r->eff_noselect = r->noselect;
  r->eff_prefer = r->prefer;
  r->eff_trust = r->trust;
  r->eff_require = r->require;
  r->online = true;
  r->last_offset = rc->last_offset;
  r->n_samples = (unsigned)sst_samples(&rc->stats);
  r->valid_replies = rc->counters[RCL_SAMPLES];
  r->bad_replies = rc->counters[RCL_BAD_MESSAGE] + rc->counters[RCL_BAD_SAMPLE] +
                   rc->counters[RCL_BAD_PULSE];
  sst_get_report(&rc->stats, &now, &r->stats);
  if (sst_get_selection_data(&rc->stats, &now, &sd)) {
    r->have_selection = true;
    r->sel_lo = sd.lo_limit;
    r->sel_hi = sd.hi_limit;
    r->sel_last_sample_ago = sd.last_sample_ago;
    r->sel_leap = sd.leap;
  }
  r->sel_score = shown_score(sel);
  r->good_replies = rc->counters[RCL_SAMPLES];
}

/* A placeholder as chronyd reports its source of a name not yet resolved:
 * a new source that never polled. */
static void placeholder_report(const struct client *c, unsigned k,
                               struct client_source_report *r)
{
  static const struct nsrc_ntp_data no_measurement;
  const struct placeholder *ph = &c->ph[k];
  struct client_source_params p = ph->p;
  struct sel_source eff;
  struct sst stats;
  struct timespec now;
  memset(r, 0, sizeof(*r));
  client_source_bound(&p);
  disc_cooked_time(&c->disc, &now);
  r->placeholder_id = ph->id;
  r->port = p.port;
  memcpy(r->name, p.name, sizeof(r->name));
  r->poll = ph->poll;
  r->state = sel_state_char(SEL_BAD_STATS);
  r->sel_state = sel_status_char(SEL_BAD_STATS);
  r->noselect = p.noselect;
  r->prefer = p.prefer;
  r->trust = p.trust;
  r->require = p.require;
  placeholder_options(c, k, &eff);
  r->eff_noselect = eff.noselect;
  r->eff_prefer = eff.prefer;
  r->eff_trust = eff.trust;
  r->eff_require = eff.require;
  r->peer = p.peer;
  r->online = !p.offline;
  r->key = p.key;
  r->uses_nts = p.nts && !p.peer;
  r->nts_report.last_ke_ago = -1.0;
  sst_init(&stats, p.minsamples >= 0 ? p.minsamples : c->p.min_samples,
           p.maxsamples >= 0 ? p.maxsamples : c->p.max_samples);
  stats.max_jitter = c->p.selection.max_jitter;
  sst_get_report(&stats, &now, &r->stats);
  r->sel_score = 1.0;
  r->ntp = &no_measurement;
}

bool client_source_report(const struct client *c, unsigned index,
                          struct client_source_report *r)
{
  unsigned i;
  if (placeholder_index(c, index, &i)) {
    placeholder_report(c, i, r);
    return true;
  }
  if (!internal_index(c, index, &i))
    return false;
  if (i >= c->n) {
    refclock_report(c, i - c->n, r);
    return true;
  }
  const struct nsrc *s = c->src[i];
  struct timespec now;
  struct sst_selection sd;
  memset(r, 0, sizeof(*r));
  disc_cooked_time(&c->disc, &now);
  r->addr = s->p.addr;
  r->port = s->p.port;
  memcpy(r->name, s->p.name, sizeof(r->name));
  r->stratum = s->stratum;
  r->poll = s->poll;
  r->reach = s->reach;
  r->reach_size = nsrc_reach_size(s);
  r->state = sel_state_char(c->sel[i].status);
  r->sel_state = sel_status_char(c->sel[i].status);
  r->noselect = s->p.noselect;
  r->prefer = s->p.prefer;
  r->trust = s->p.trust;
  r->require = s->p.require;
  r->eff_noselect = c->sel[i].noselect;
  r->eff_prefer = c->sel[i].prefer;
  r->eff_trust = c->sel[i].trust;
  r->eff_require = c->sel[i].require;
  r->peer = s->p.peer;
  r->online = s->online;
  r->in_burst = s->burst_total > 0;
  r->key = s->p.key;
  r->nts = s->nts;
  r->uses_nts = s->nts != NULL;
  if (s->nts)
    ntsc_report(s->nts, s->nts_ke ? s->nts_ke->now(s->nts_ke->arg) : 0.0, &r->nts_report);
  r->refid = s->refid;
  r->last_offset = s->last_offset;
  r->last_delay = s->last_delay;
  r->n_samples = (unsigned)sst_samples(&s->stats);
  r->valid_replies = s->counters[NSRC_RX_VALID];
  r->bad_replies = s->counters[NSRC_RX_BAD];
  r->requests = s->counters[NSRC_TX];
  sst_get_report(&s->stats, &now, &r->stats);
  if (sst_get_selection_data(&s->stats, &now, &sd)) {
    r->have_selection = true;
    r->sel_lo = sd.lo_limit;
    r->sel_hi = sd.hi_limit;
    r->sel_last_sample_ago = sd.last_sample_ago;
    r->sel_leap = sd.leap;
  }
  r->sel_score = shown_score(&c->sel[i]);
  r->good_replies = s->counters[NSRC_RX_GOOD];
  r->kod_replies = s->counters[NSRC_RX_KOD];
  r->kernel_rx_ts = s->counters[NSRC_RX_KERNEL_TS];
  r->kernel_tx_ts = s->counters[NSRC_TX_KERNEL_TS];
  r->hw_rx_ts = s->counters[NSRC_RX_HW_TS];
  r->hw_tx_ts = s->counters[NSRC_TX_HW_TS];
  r->ntp = &s->last;
  return true;
}

bool client_selected_address(const struct client *c, struct ip_addr *out)
{
  memset(out, 0, sizeof(*out));
  if (c->selected < 0 || (unsigned)c->selected >= c->n)
    return false;
  *out = c->src[c->selected]->p.addr;
  return true;
}

struct reference *client_reference(struct client *c)
{
  return &c->reference;
}

/* Is source i in net (family ADDR_UNSPEC: every source)? */
static bool source_in(const struct client *c, unsigned i, const struct ip_subnet *net)
{
  return net->addr.family == ADDR_UNSPEC || subnet_contains(net, &c->src[i]->p.addr);
}

/* chronyd's online, offline and burst reach its placeholders too: given
 * every source, or the placeholder's ID#. */
static bool placeholder_in(const struct client *c, unsigned k, const struct ip_subnet *net)
{
  struct ip_addr a = addr_from_id(c->ph[k].id);
  return net->addr.family == ADDR_UNSPEC || subnet_contains(net, &a);
}

int client_set_online(struct client *c, const struct ip_subnet *net, bool online,
                      bool placeholders)
{
  char a[ADDR_STR_LEN];
  int n = 0;
  for (unsigned i = 0; i < c->n; i++)
    if (source_in(c, i, net)) {
      nsrc_set_online(c->src[i], online);
      n++;
    }
  for (unsigned k = 0; k < c->n_ph; k++)
    if (placeholder_in(c, k, net) && (placeholders || net->addr.family == ADDR_ID)) {
      struct ip_addr id = addr_from_id(c->ph[k].id);
      if (c->ph[k].p.offline == online)
        plat_logf(c->plat, PLAT_LOG_INFO, "Source %s %s", addr_format(&id, a),
                  online ? "online" : "offline");
      c->ph[k].p.offline = !online;
      n++;
    }
  return n;
}

int client_burst(struct client *c, const struct ip_subnet *net, int good, int total)
{
  int n = 0;
  for (unsigned i = 0; i < c->n; i++)
    if (source_in(c, i, net)) {
      nsrc_burst(c->src[i], good, total);
      n++;
    }
  for (unsigned k = 0; k < c->n_ph; k++)
    if (placeholder_in(c, k, net)) {
      struct placeholder *ph = &c->ph[k];
      /* chronyd: not a peer's, and a burst asked already stays */
      if (!ph->p.peer && ph->burst_total == 0 && good > 0 && total > 0) {
        ph->burst_good = good;
        ph->burst_total = total;
      }
      n++;
    }
  return n;
}

void client_reset_sources(struct client *c)
{
  for (unsigned i = 0; i < c->n; i++) {
    sst_reset(&c->src[i]->stats);
    memset(&c->src[i]->last, 0, sizeof(c->src[i]->last));
  }
  for (unsigned k = 0; k < c->n_rcl; k++)
    rcl_reset(c->rcl[k]);
  on_update(c, NULL, false);
}

/* chronyd's message for a new minpoll or maxpoll; it ignores a value out of
 * range silently, this log says why nothing changed. */
static void log_poll_change(const struct client *c, const struct ip_addr *addr,
                            const char *what, int value, bool done)
{
  char a[ADDR_STR_LEN];
  if (done)
    plat_logf(c->plat, PLAT_LOG_INFO, "Source %s new %s %d", addr_format(addr, a), what, value);
  else
    plat_logf(c->plat, PLAT_LOG_WARN, "Source %s %s %d ignored (not within %d..%d)",
              addr_format(addr, a), what, value, CLIENT_MIN_POLL, CLIENT_MAX_POLL);
}

/* chronyd's "Source ADDR new SETTING VALUE" (with the value it kept). */
static void log_setting(const struct client *c, const struct ip_addr *addr, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void log_setting(const struct client *c, const struct ip_addr *addr, const char *fmt, ...)
{
  char a[ADDR_STR_LEN], what[64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  plat_logf(c->plat, PLAT_LOG_INFO, "Source %s new %s", addr_format(addr, a), what);
}

bool client_modify_source(struct client *c, const struct ip_addr *addr, enum client_modify what,
                          double value)
{
  /* a placeholder's settings are its source's once it comes */
  int i = find_ntp(c, addr), k = find_placeholder(c, addr);
  if (i < 0 && k < 0)
    return false;
  struct nsrc *s = i >= 0 ? c->src[i] : NULL;
  struct client_source_params *p = s ? &s->p : &c->ph[k].p;
  int n = (int)num_fmax(INT_MIN, num_fmin(INT_MAX, value));   /* of the integer settings */
  switch (what) {
  case CLIENT_MINPOLL:
    log_poll_change(c, addr, "minpoll", n, s ? nsrc_set_minpoll(s, n) : nsrc_limit_minpoll(p, n));
    break;
  case CLIENT_MAXPOLL:
    log_poll_change(c, addr, "maxpoll", n, s ? nsrc_set_maxpoll(s, n) : nsrc_limit_maxpoll(p, n));
    break;
  case CLIENT_MAXDELAY:
    p->maxdelay = client_source_clamp(0.0, value, CLIENT_MAX_MAXDELAY);
    log_setting(c, addr, "maxdelay %f", p->maxdelay);
    break;
  case CLIENT_MAXDELAYRATIO:
    p->maxdelayratio = client_source_clamp(0.0, value, CLIENT_MAX_MAXDELAYRATIO);
    log_setting(c, addr, "maxdelayratio %f", p->maxdelayratio);
    break;
  case CLIENT_MAXDELAYDEVRATIO:
    p->maxdelaydevratio = client_source_clamp(0.0, value, CLIENT_MAX_MAXDELAYDEVRATIO);
    log_setting(c, addr, "maxdelaydevratio %f", p->maxdelaydevratio);
    break;
  case CLIENT_MINSTRATUM:
    p->minstratum = n;
    log_setting(c, addr, "minstratum %d", n);
    break;
  case CLIENT_POLLTARGET:
    p->polltarget = n < 1 ? 1 : n;   /* chronyd 4.4 */
    log_setting(c, addr, "polltarget %d", n);
    break;
  }
  return true;
}

/* The options of a source or refclock as bits, and back. */
struct sel_options {
  bool *noselect, *prefer, *trust, *require;
};

static unsigned options_bits(const struct sel_options *o)
{
  return (*o->noselect ? CLIENT_SEL_NOSELECT : 0u) | (*o->prefer ? CLIENT_SEL_PREFER : 0u) |
         (*o->trust ? CLIENT_SEL_TRUST : 0u) | (*o->require ? CLIENT_SEL_REQUIRE : 0u);
}

static void options_set(const struct sel_options *o, unsigned bits)
{
  *o->noselect = bits & CLIENT_SEL_NOSELECT;
  *o->prefer = bits & CLIENT_SEL_PREFER;
  *o->trust = bits & CLIENT_SEL_TRUST;
  *o->require = bits & CLIENT_SEL_REQUIRE;
}

/* The NTP source or placeholder (*ntp, its parameters) or refclock (*rcl)
 * chronyc's selectopts and offset name (chronyd's SRC_ModifySelectOptions
 * lookup); its name for logs. */
static bool find_named(struct client *c, const struct ip_addr *addr, uint32_t refid,
                       struct client_source_params **ntp, struct rcl **rcl,
                       char name[ADDR_STR_LEN])
{
  *ntp = NULL;
  *rcl = NULL;
  if (addr->family != ADDR_UNSPEC) {
    int i = find_ntp(c, addr), k = find_placeholder(c, addr);
    if (i < 0 && k < 0)
      return false;
    *ntp = i >= 0 ? &c->src[i]->p : &c->ph[k].p;
    addr_format(addr, name);
    return true;
  }
  for (unsigned k = 0; k < c->n_rcl; k++) {
    if (c->rcl[k]->p.refid == refid) {
      *rcl = c->rcl[k];
      rcl_refid_text(refid, name);
      return true;
    }
  }
  return false;
}

bool client_modify_select_options(struct client *c, const struct ip_addr *addr, uint32_t refid,
                                  unsigned options, unsigned mask)
{
  struct client_source_params *s;
  struct rcl *r;
  char name[ADDR_STR_LEN];
  if (!find_named(c, addr, refid, &s, &r, name))
    return false;
  struct sel_options o = s ? (struct sel_options){&s->noselect, &s->prefer, &s->trust,
                                                  &s->require}
                           : (struct sel_options){&r->p.noselect, &r->p.prefer, &r->p.trust,
                                                  &r->p.require};
  unsigned old = options_bits(&o);
  if ((old & mask) == options)   /* chronyd: nothing to change, nothing logged */
    return true;
  options_set(&o, (old & ~mask) | options);
  plat_logf(c->plat, PLAT_LOG_INFO, "Source %s selection options modified", name);
  if (s)
    apply_options(c);            /* authselectmode's effective options */
  return true;
}

bool client_modify_offset(struct client *c, const struct ip_addr *addr, uint32_t refid,
                          double offset)
{
  struct client_source_params *s;
  struct rcl *r;
  char name[ADDR_STR_LEN];
  if (!find_named(c, addr, refid, &s, &r, name))
    return false;
  if (s)
    s->offset = offset;
  else
    r->p.offset = offset;
  plat_logf(c->plat, PLAT_LOG_INFO, "Source %s new offset %f", name, offset);
  return true;
}

void client_reselect(struct client *c)
{
  on_update(c, NULL, false);
}

void client_retune(struct client *c, const struct client_params *p)
{
  double max_clock_error = c->p.selection.max_clock_error;
  c->p.selection = p->selection;
  c->p.selection.max_clock_error = max_clock_error;
  c->p.log = p->log;              /* sources point to it */
  /* The reference keeps its own settings: it takes what a reload changes. */
  struct ref_config rc = reference_config(p);
  ref_retune(&c->reference, &rc);
  for (unsigned i = 0; i < c->n; i++)
    c->src[i]->stats.max_jitter = c->p.selection.max_jitter;
}

void client_set_reselectdist(struct client *c, double dist)
{
  c->p.selection.reselect_dist = dist;
}

int client_selected(const struct client *c)
{
  return c->selected < 0 ? -1 : (int)report_index(c, (unsigned)c->selected);
}

unsigned client_steps(const struct client *c)
{
  return c->disc.steps;
}

/* Source `index`'s statistics (the reports' numbering). */
static struct sst *source_stats(const struct client *c, unsigned index)
{
  unsigned i;
  if (!internal_index(c, index, &i))
    return NULL;
  return i < c->n ? &c->src[i]->stats : &c->rcl[i - c->n]->stats;
}

bool client_source_export(const struct client *c, unsigned i, struct sst_dump *out)
{
  const struct sst *s = source_stats(c, i);
  if (s)
    sst_export(s, out);
  return s != NULL;
}

bool client_source_import(struct client *c, unsigned i, const struct sst_dump *in)
{
  struct sst *s = source_stats(c, i);
  return s && sst_import(s, in);
}
