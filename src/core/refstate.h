/* refstate: the daemon's reference state, as served to clients.
 *
 * Until the client side (sources, selection) synchronises the clock, the
 * state is either unsynchronised (leap 3) or, with `local stratum N`, the
 * local reference as chrony serves it: stratum N, refid 127.127.1.1, leap 0,
 * reference time one second ago, root dispersion of the clock precision. */
#ifndef STRATUM_CORE_REFSTATE_H
#define STRATUM_CORE_REFSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define REFID_UNSYNC 0u

struct refstate {
  bool synchronised;
  uint8_t leap;                /* enum ntp_leap */
  int stratum;
  uint32_t refid;
  struct timespec ref_time;
  double root_delay, root_dispersion;
  double dispersion_rate;      /* growth of root dispersion after ref_time, s/s */
  int precision_log2;          /* of reading the clock */
  bool local_enabled;
  int local_stratum;
};

/* The parameters a reply carries at `now`. */
struct ref_params {
  uint8_t leap;
  uint8_t stratum;             /* wire value: 0 when unsynchronised */
  int8_t precision;
  uint32_t refid;
  struct timespec ref_time;    /* zero when unsynchronised */
  double root_delay, root_dispersion;
};

void refstate_init(struct refstate *r, int precision_log2);
void refstate_set_local(struct refstate *r, bool enabled, int stratum);
void refstate_params(const struct refstate *r, const struct timespec *now, struct ref_params *out);
/* chronyd's is_leap_second_day (reference.c): a leap second is accepted
 * only on the last day of June or December, UTC; an announcement on any
 * other day is taken as no leap. */
bool refstate_leap_day(time_t utc);

#endif
