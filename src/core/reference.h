/* reference: our reference, as chrony's reference.c keeps it — what the
 * daemon serves.
 *
 * The served state (struct refstate) is a plain value the daemon owns, so
 * the NTP server and its workers can read it (and copy it). Until the
 * client synchronises the clock, it is either unsynchronised (leap 3) or,
 * with `local stratum N`, the local reference as chrony serves it: stratum
 * N, refid 127.127.1.1, leap 0, reference time one second ago, root
 * dispersion of the clock precision. ref_fill_header() puts it into every
 * packet we send, a server's reply or a peer's packet. */
#ifndef STRATUM_CORE_REFERENCE_H
#define STRATUM_CORE_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "proto/ntp_packet.h"

#define REFID_LOCAL 0x7F7F0101u   /* 127.127.1.1 */
#define REFID_UNSYNC 0u
#define NTP_MAX_STRATUM 16        /* "unsynchronised" */

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

/* The parameters a packet we send carries at `now`. */
struct ref_params {
  uint8_t leap;
  uint8_t stratum;             /* wire value: 0 when unsynchronised */
  int8_t precision;
  uint32_t refid;
  struct timespec ref_time;    /* zero when unsynchronised */
  double root_delay, root_dispersion;
};

void ref_state_init(struct refstate *r, int precision_log2);
void ref_set_local(struct refstate *r, bool enabled, int stratum);
void ref_get_params(const struct refstate *r, const struct timespec *now, struct ref_params *out);
/* The reference fields of a packet we send at `now` (h zeroed before):
 * leap, stratum, precision, refid, reference time, root delay and
 * dispersion. */
void ref_fill_header(const struct refstate *r, const struct timespec *now, struct ntp_header *h);
/* chronyd's is_leap_second_day (reference.c): a leap second is accepted
 * only on the last day of June or December, UTC; an announcement on any
 * other day is taken as no leap. */
bool ref_leap_day(time_t utc);

#endif
