/* One NTP source on the fake platform, polling 192.0.2.1 every 16 s
 * (minpoll = maxpoll = 4) with the source's other defaults, its new
 * samples counted: the set-up of unit tests of ntp_source's paths. The
 * options may be changed between source_fixture_init() and
 * source_fixture_start(). */
#ifndef STRATUM_TESTS_SOURCE_FIXTURE_H
#define STRATUM_TESTS_SOURCE_FIXTURE_H

#include "core/ntp_source.h"
#include "fake_platform.h"

struct source_fixture {
  struct fake_platform fp;
  struct discipline disc;
  struct tclass cls;
  struct client_source_params p;
  struct nsrc src;
  unsigned samples;
};

static inline void source_fixture_update(void *arg, struct nsrc *src, bool new_sample)
{
  (void)src;
  if (new_sample)
    ((struct source_fixture *)arg)->samples++;
}

static inline void source_fixture_init(struct source_fixture *f)
{
  fake_platform_init(&f->fp);
  disc_init(&f->disc, &f->fp.plat, false, true, 0.0, 83333.333, 500000.0);
  tclass_init(&f->cls, &f->fp.plat, &f->disc);
  client_source_defaults(&f->p);
  addr_parse("192.0.2.1", &f->p.addr);
  f->p.minpoll = f->p.maxpoll = 4;
}

/* The source made with f->p (not started). */
static inline void source_fixture_start(struct source_fixture *f)
{
  nsrc_init(&f->src, &f->p, &f->fp.plat, NULL, &f->disc, &f->cls, source_fixture_update, f);
}

static inline void source_fixture_fini(struct source_fixture *f)
{
  nsrc_fini(&f->src);
  disc_fini(&f->disc);
}

#endif
