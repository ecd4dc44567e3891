/* tclass: timeout classes on the platform's timers (chronyd's
 * SCH_AddTimeoutInClass).
 *
 * A timer added to a class fires no sooner than asked, and later when
 * needed to keep `separation` seconds between it and the class's other
 * pending timers, and after the class's last timer that fired: chronyd's
 * sampling separation, which spreads the requests of several sources over
 * time instead of sending them in the same instant (at start, after
 * `online`, `burst`...). Times are the discipline's cooked time; the owner
 * passes the time scale's changes on (tclass_slew), as it does for stored
 * samples. The timers are the caller's (no allocation); a pending one must
 * be cancelled before it is freed. */
#ifndef STRATUM_CORE_TCLASS_H
#define STRATUM_CORE_TCLASS_H

#include <stdbool.h>
#include <time.h>

#include "core/discipline.h"
#include "core/platform.h"

struct tclass;

struct tclass_timer {
  struct tclass *cls;           /* while pending */
  plat_timer id;                /* 0: not pending */
  struct timespec due;          /* cooked time it fires at */
  plat_timer_fn fn;
  void *arg;
  struct tclass_timer *next;    /* the class's pending timers, by due time */
};

struct tclass {
  const struct platform *plat;
  const struct discipline *disc;
  struct tclass_timer *pending;
  bool dispatched;              /* a timer of the class has fired... */
  struct timespec last_dispatch;  /* ...at this cooked time */
};

void tclass_init(struct tclass *c, const struct platform *plat, const struct discipline *disc);
/* Arm t (first cancelled if pending) to call fn(arg) once, at least
 * min_delay seconds from now, `separation` seconds apart from the class's
 * other timers as above. false if the platform could not arm it. */
bool tclass_add(struct tclass *c, struct tclass_timer *t, double min_delay, double separation,
                plat_timer_fn fn, void *arg);
/* Nothing if t is not pending. */
void tclass_cancel(struct tclass_timer *t);
bool tclass_pending(const struct tclass_timer *t);
/* The cooked time scale changed (see disc_change_fn). */
void tclass_slew(struct tclass *c, const struct timespec *when, double dfreq, double doffset);

#endif
