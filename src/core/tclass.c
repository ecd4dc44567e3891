#include "core/tclass.h"

#include <string.h>

#include "proto/timespec.h"

void tclass_init(struct tclass *c, const struct platform *plat, const struct discipline *disc)
{
  memset(c, 0, sizeof(*c));
  c->plat = plat;
  c->disc = disc;
}

static void unlink_timer(struct tclass_timer *t)
{
  for (struct tclass_timer **p = &t->cls->pending; *p; p = &(*p)->next) {
    if (*p == t) {
      *p = t->next;
      break;
    }
  }
  t->next = NULL;
  t->id = 0;
}

static void fire(void *arg)
{
  struct tclass_timer *t = arg;
  struct tclass *c = t->cls;
  unlink_timer(t);
  disc_cooked_time(c->disc, &c->last_dispatch);
  c->dispatched = true;
  t->fn(t->arg);
}

/* chronyd's rule: away from the last dispatch, then from each pending
 * timer in the order they fire (a delay pushed past one is checked against
 * the next). */
static double separated_delay(const struct tclass *c, const struct timespec *now, double delay,
                              double separation)
{
  if (c->dispatched) {
    double since = timespec_diff(now, &c->last_dispatch);
    if (since >= 0.0 && since < separation && since + delay < separation)
      delay = separation - since;
  }
  for (const struct tclass_timer *p = c->pending; p; p = p->next) {
    double due = timespec_diff(&p->due, now);
    double gap = delay > due ? delay - due : due - delay;
    if (gap < separation)
      delay = due + separation;
  }
  return delay;
}

bool tclass_add(struct tclass *c, struct tclass_timer *t, double min_delay, double separation,
                plat_timer_fn fn, void *arg)
{
  struct timespec now;
  tclass_cancel(t);
  disc_cooked_time(c->disc, &now);
  double delay = separated_delay(c, &now, min_delay, separation);
  t->id = c->plat->ops->timer_add(c->plat->ctx, delay, fire, t);
  if (t->id == 0)
    return false;
  t->cls = c;
  t->due = timespec_add_double(&now, delay);
  t->fn = fn;
  t->arg = arg;
  struct tclass_timer **p = &c->pending;
  while (*p && timespec_diff(&(*p)->due, &t->due) <= 0.0)
    p = &(*p)->next;
  t->next = *p;
  *p = t;
  return true;
}

void tclass_cancel(struct tclass_timer *t)
{
  if (!tclass_pending(t))
    return;
  t->cls->plat->ops->timer_cancel(t->cls->plat->ctx, t->id);
  unlink_timer(t);
}

bool tclass_pending(const struct tclass_timer *t)
{
  return t->id != 0;
}

void tclass_slew(struct tclass *c, const struct timespec *when, double dfreq, double doffset)
{
  if (c->dispatched)
    disc_slew_time(&c->last_dispatch, when, dfreq, doffset);
  for (struct tclass_timer *p = c->pending; p; p = p->next)
    disc_slew_time(&p->due, when, dfreq, doffset);
}
