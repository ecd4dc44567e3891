#include "core/client_source.h"

#include <string.h>

#include "core/srcstats.h"
#include "proto/ntp_packet.h"
#include "proto/nts_ke.h"

void client_source_defaults(struct client_source_params *s)
{
  memset(s, 0, sizeof(*s));
  s->port = NTP_PORT;
  s->minpoll = 6;
  s->maxpoll = 10;
  s->polltarget = 8;
  s->minsamples = -1;
  s->maxunreach = CLIENT_DEFAULT_MAXUNREACH;
  s->maxsamples = -1;
  s->maxdelay = 3.0;
  s->maxdelaydevratio = 10.0;
  s->asymmetry = SST_DEFAULT_ASYMMETRY;
  s->presend = 100;
  s->ntsport = NTSKE_PORT;
}

static int bound_poll(int poll, int dflt)
{
  if (poll < CLIENT_MIN_POLL)
    return dflt;
  return poll > CLIENT_MAX_POLL ? CLIENT_MAX_POLL : poll;
}

double client_source_clamp(double lo, double value, double hi)
{
  return value > lo ? (value < hi ? value : hi) : lo;
}

void client_source_bound(struct client_source_params *s)
{
  struct client_source_params d;
  client_source_defaults(&d);
  s->minpoll = bound_poll(s->minpoll, d.minpoll);
  s->maxpoll = bound_poll(s->maxpoll, d.maxpoll);
  if (s->maxpoll < s->minpoll)
    s->maxpoll = s->minpoll;
  if (s->polltarget < 1)
    s->polltarget = 1;
  if (s->minstratum > NTP_MAX_STRATUM - 1)
    s->minstratum = NTP_MAX_STRATUM - 1;
  s->maxdelay = client_source_clamp(0.0, s->maxdelay, CLIENT_MAX_MAXDELAY);
  s->maxdelayratio = client_source_clamp(0.0, s->maxdelayratio, CLIENT_MAX_MAXDELAYRATIO);
  s->maxdelaydevratio = client_source_clamp(0.0, s->maxdelaydevratio,
                                            CLIENT_MAX_MAXDELAYDEVRATIO);
  if (s->maxsamples > SST_MAX_SAMPLES)
    s->maxsamples = SST_MAX_SAMPLES;
  int max_samples = s->maxsamples > 0 ? s->maxsamples : SST_MAX_SAMPLES;
  if (s->minsamples != -1 && s->minsamples < 1)
    s->minsamples = 1;
  else if (s->minsamples > max_samples)
    s->minsamples = max_samples;
}
