/* samplefilt: chrony's median filter for an NTP source (the `filter N`
 * source option, chrony's samplefilt.c as ntp_core.c configures it).
 *
 * The filter collects N samples (times strictly increasing), then turns
 * them into one: samples whose peer dispersion is above 1.5 times the
 * smallest are set aside when more than 4 were collected and at least 4
 * remain; of the rest, sorted by offset, only the median (odd count) or
 * the two middle ones (even count) are kept. The result has their mean
 * time, offset, delays and dispersions; its dispersions are at least the
 * spread of the kept offsets, or the filter's long-term average of it when
 * that is clearly larger. The filter then starts over, except after a
 * result dropped because its offset variance exceeds the maximum dispersion
 * (16 s) squared: then each new sample slides the window of N and tries
 * again, as chrony.
 *
 * Pure: no OS calls, no allocation. */
#ifndef STRATUM_CORE_SAMPLEFILT_H
#define STRATUM_CORE_SAMPLEFILT_H

#include <stdbool.h>

#include "core/srcstats.h"

#define SPF_MAX_SAMPLES 256      /* N is clamped to 1..256, as chrony */

struct spf {
  int length;                    /* N */
  int used;                      /* samples collected */
  struct sst_sample samples[SPF_MAX_SAMPLES];   /* oldest first */
  struct timespec last_time;     /* of the newest sample ever accepted */
  double last_delay;             /* its peer delay */
  bool have_last;
  int avg_var_n;                 /* degrees of freedom in avg_var */
  double avg_var;                /* long-term average offset variance */
};

void spf_init(struct spf *f, int length);
/* Add a sample. False (nothing changes) if its time is not after the
 * previous sample's, or a value is not finite. */
bool spf_accumulate(struct spf *f, const struct sst_sample *s);
/* Samples collected since the last result. */
int spf_samples(const struct spf *f);
/* The peer delay of the newest sample ever accepted; false if none. */
bool spf_last_delay(const struct spf *f, double *delay);
/* With N samples collected: the combined sample into *out, true, and the
 * filter starts over. Fewer than N, or too noisy: false. precision (of
 * reading the local clock, s) is the first estimate of the noise. */
bool spf_get_filtered(struct spf *f, double precision, struct sst_sample *out);
/* The local clock was adjusted (as sst_slew_samples; ignored unless
 * |dfreq| < 1 and |doffset| <= SST_MAX_VALUE). */
void spf_slew(struct spf *f, const struct timespec *when, double dfreq, double doffset);

#endif
