#include "core/refstate.h"

#include <math.h>
#include <string.h>

#include "proto/ntp_packet.h"
#include "proto/ntp_time.h"

void refstate_init(struct refstate *r, int precision_log2)
{
  memset(r, 0, sizeof(*r));
  r->leap = NTP_LEAP_UNSYNC;
  r->stratum = NTP_MAX_STRATUM;
  r->refid = REFID_UNSYNC;
  r->precision_log2 = precision_log2;
}

void refstate_set_local(struct refstate *r, bool enabled, int stratum)
{
  r->local_enabled = enabled;
  r->local_stratum = stratum;
}

void refstate_params(const struct refstate *r, const struct timespec *now, struct ref_params *out)
{
  memset(out, 0, sizeof(*out));
  out->precision = (int8_t)r->precision_log2;
  if (r->synchronised) {
    out->leap = r->leap;
    out->stratum = (uint8_t)r->stratum;
    out->refid = r->refid;
    out->ref_time = r->ref_time;
    out->root_delay = r->root_delay;
    double age = timespec_diff(now, &r->ref_time);
    out->root_dispersion = r->root_dispersion + r->dispersion_rate * (age > 0.0 ? age : 0.0);
  } else if (r->local_enabled) {
    out->leap = NTP_LEAP_NONE;
    out->stratum = (uint8_t)r->local_stratum;
    out->refid = NTP_REFID_LOCAL;
    /* A second in the past, so no transmit timestamp can precede it. */
    out->ref_time = *now;
    out->ref_time.tv_sec -= 1;
    out->root_dispersion = 0.0;           /* chronyd's: the local clock is the reference */
  } else {
    /* Unsynchronised: clients ignore the rest; stratum 16 is sent as 0. */
    out->leap = NTP_LEAP_UNSYNC;
    out->stratum = 0;
    out->refid = REFID_UNSYNC;
    out->root_delay = 1.0;
    out->root_dispersion = 1.0;
  }
}

bool refstate_leap_day(time_t utc)
{
  struct tm tm;
  if (!gmtime_r(&utc, &tm))
    return false;
  return (tm.tm_mon == 5 && tm.tm_mday == 30) || (tm.tm_mon == 11 && tm.tm_mday == 31);
}
