/* hwts: see hwts.h. */
#include "core/hwts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/num.h"
#include "proto/timespec.h"

#define MAX_TS_DELAY 1.0             /* s between a hardware and the kernel's stamp */
#define FCS_LEN 4                    /* a frame's check sequence, after the data */
#define MAX_INTERFACES 64            /* looked at for `*` */

static int clampi(int x, int lo, int hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

static struct hwts_iface *find_name(struct hwts *h, const char *name)
{
  for (unsigned i = 0; i < h->n; i++)
    if (strcmp(h->ifaces[i].name, name) == 0)
      return &h->ifaces[i];
  return NULL;
}

static struct hwts_iface *find_index(struct hwts *h, int if_index)
{
  for (unsigned i = 0; i < h->n; i++)
    if (h->ifaces[i].if_index == if_index)
      return &h->ifaces[i];
  return NULL;
}

/* chronyd's add_interface: true if on (or already). */
static bool add_interface(struct hwts *h, const struct hwts_params *p, const char *name)
{
  const struct platform_ops *ops = h->plat->ops;
  struct plat_nic nic;
  if (find_name(h, name))
    return true;
  if (strlen(name) >= PLAT_IFNAME_LEN || !ops->hwts_enable ||
      ops->hwts_enable(h->plat->ctx, name, p->rxfilter, &nic) < 0)
    return false;
  int phc = ops->refclock_open(h->plat->ctx, PLAT_REFCLOCK_PHC, name,
                               p->nocrossts ? PLAT_PHC_NOCROSSTS : 0, NULL, NULL);
  if (phc < 0)
    return false;
  struct hwts_iface *grown = realloc(h->ifaces, (h->n + 1) * sizeof(*grown));
  if (!grown) {
    ops->refclock_close(h->plat->ctx, phc);
    return false;
  }
  h->ifaces = grown;
  struct hwts_iface *f = &h->ifaces[h->n++];
  memset(f, 0, sizeof(*f));
  snprintf(f->name, sizeof(f->name), "%s", name);
  f->if_index = nic.if_index;
  f->phc = phc;
  /* chronyd's start: 1 Gb/s, no VLAN tag nor IP options. */
  f->link_speed = 1000;
  f->l2_udp4_start = 42;
  f->l2_udp6_start = 62;
  f->txcomp = p->txcomp;
  f->rxcomp = p->rxcomp;
  f->minpoll = clampi(p->minpoll, HWTS_MIN_POLL, HWTS_MAX_POLL);
  f->maxpoll = clampi(p->maxpoll, f->minpoll, HWTS_MAX_POLL);
  f->minsamples = p->minsamples;
  f->maxsamples = p->maxsamples;
  f->precision = p->precision;
  plat_logf(h->plat, PLAT_LOG_INFO, "Enabled HW timestamping %son %s",
            nic.rx ? "" : "(TX only) ", name);
  return true;
}

static bool add_all(struct hwts *h, const struct hwts_params *p)
{
  char (*names)[PLAT_IFNAME_LEN] = calloc(MAX_INTERFACES, sizeof(*names));
  bool any = false;
  int n = names && h->plat->ops->net_interfaces
              ? h->plat->ops->net_interfaces(h->plat->ctx, names, MAX_INTERFACES)
              : -ENOSYS;
  for (int i = 0; i < n; i++)
    any |= add_interface(h, p, names[i]);
  free(names);
  return any;
}

void hwts_init(struct hwts *h, const struct platform *plat)
{
  memset(h, 0, sizeof(*h));
  h->plat = plat;
}

bool hwts_add(struct hwts *h, const struct hwts_params *lines, unsigned n)
{
  for (unsigned i = 0; i < n; i++) {
    if (strcmp(lines[i].iface, "*") == 0)
      continue;
    if (!add_interface(h, &lines[i], lines[i].iface)) {
      plat_logf(h->plat, PLAT_LOG_FATAL, "Could not enable HW timestamping on %s",
                lines[i].iface);
      return false;
    }
  }
  for (unsigned i = 0; i < n; i++) {
    if (strcmp(lines[i].iface, "*") == 0) {
      add_all(h, &lines[i]);   /* only the first such line counts */
      break;
    }
  }
  return true;
}

static void on_clock_change(void *arg, const struct timespec *when, double dfreq, double doffset)
{
  struct hwts *h = arg;
  for (unsigned i = 0; i < h->n; i++)
    hcl_slew(&h->ifaces[i].hcl, when, dfreq, doffset);
}

bool hwts_start(struct hwts *h, const struct discipline *disc, double sys_precision)
{
  if (h->n == 0)
    return true;
  if (!disc_add_listener((struct discipline *)disc, on_clock_change, h))
    return false;
  h->disc = disc;
  for (unsigned i = 0; i < h->n; i++) {
    struct hwts_iface *f = &h->ifaces[i];
    f->owner = h;
    hcl_init(&f->hcl, disc, f->minsamples, f->maxsamples, num_ldexp(1.0, f->minpoll), f->precision,
             sys_precision, plat_random_nonzero64(h->plat));
  }
  h->plat->ops->hwts_set_converter(h->plat->ctx, hwts_convert, h);
  return true;
}

static void poll_phc(struct hwts_iface *f, const struct timespec *now);

static void poll_timeout(void *arg)
{
  struct hwts_iface *f = arg;
  struct timespec now;
  f->poll_timer = 0;
  disc_cooked_time(f->owner->disc, &now);
  poll_phc(f, &now);
}

/* A sample of the NIC's clock if one is due (now: cooked); the next one
 * 2^maxpoll s later unless a stamp comes first. */
static void poll_phc(struct hwts_iface *f, const struct timespec *now)
{
  const struct platform *plat = f->owner->plat;
  struct plat_phc_reading rd[PLAT_PHC_READINGS];
  if (!hcl_needs_sample(&f->hcl, now))
    return;
  int n = plat->ops->refclock_read(plat->ctx, f->phc, (uint8_t *)rd, sizeof(rd), NULL);
  if (f->poll_timer)
    plat->ops->timer_cancel(plat->ctx, f->poll_timer);
  f->poll_timer = plat->ops->timer_add(plat->ctx, num_ldexp(1.0, f->maxpoll), poll_timeout, f);
  struct timespec phc, sys;
  double err;
  int quality;
  if (n < (int)sizeof(rd[0]) ||
      !hcl_process_readings(&f->hcl, rd, n / (int)sizeof(rd[0]), &phc, &sys, &err, &quality) ||
      quality <= 0)
    return;
  struct timespec local = disc_cook(f->owner->disc, &sys);
  hcl_accumulate(&f->hcl, &phc, &local, err);
  if (plat->ops->nic_link_speed) {
    int speed = plat->ops->nic_link_speed(plat->ctx, f->name);
    if (speed > 0)
      f->link_speed = speed;
  }
}

bool hwts_convert(void *arg, const struct plat_hw_stamp *s, struct timespec *out)
{
  struct hwts *h = arg;
  struct hwts_iface *f = find_index(h, s->if_index);
  if (!f) {
    plat_logf(h->plat, PLAT_LOG_DEBUG, "HW clock not found for interface %d", s->if_index);
    return false;
  }
  /* A sent frame tells where the UDP data start in the interface's frames
   * (VLAN tags, IP options), for the received ones' guess (chronyd's). */
  if (s->rx_len == 0 && s->tx_len > 0 && s->l2_len > (int)s->tx_len)
    *(s->family == ADDR_INET6 ? &f->l2_udp6_start : &f->l2_udp4_start) =
        s->l2_len - (int)s->tx_len;
  struct timespec sys_cooked = disc_cook(h->disc, &s->sys), hw = s->hw, cooked;
  poll_phc(f, &sys_cooked);
  /* NICs stamp a frame's start; NTP wants a received packet's end. */
  if (s->rx_len > 0) {
    int l2 = s->l2_len > 0 ? s->l2_len
                           : (s->family == ADDR_INET6 ? f->l2_udp6_start : f->l2_udp4_start) +
                                 (int)s->rx_len;
    hw = timespec_add_double(&hw, (l2 + FCS_LEN) / (1.0e6 / 8 * f->link_speed));
  }
  if (!hcl_cook(&f->hcl, &hw, &cooked, NULL))
    return false;
  cooked = timespec_add_double(&cooked, s->rx_len > 0 ? -f->rxcomp : f->txcomp);
  double delay = timespec_diff(&sys_cooked, &cooked);
  if (fabs(delay) > MAX_TS_DELAY) {
    plat_logf(h->plat, PLAT_LOG_DEBUG, "Unacceptable timestamp delay %.9f", delay);
    return false;
  }
  /* Back to the platform's time: the cooking's correction barely changes
   * over the stamps' distance, and a second step makes it exact. */
  struct timespec t = timespec_add_double(&s->sys, -delay), t_cooked = disc_cook(h->disc, &t);
  *out = timespec_add_double(&t, timespec_diff(&cooked, &t_cooked));
  return true;
}

void hwts_fini(struct hwts *h)
{
  const struct platform_ops *ops = h->plat ? h->plat->ops : NULL;
  for (unsigned i = 0; i < h->n; i++) {
    if (h->ifaces[i].poll_timer)
      ops->timer_cancel(h->plat->ctx, h->ifaces[i].poll_timer);
    ops->refclock_close(h->plat->ctx, h->ifaces[i].phc);
  }
  if (h->n > 0 && ops->hwts_set_converter)
    ops->hwts_set_converter(h->plat->ctx, NULL, NULL);
  free(h->ifaces);
  memset(h, 0, sizeof(*h));
}
