/* samplefilt: chrony's sample filter (samplefilt.c), as ntp_core.c
 * configures it for an NTP source's `filter N` (spf_init: up to N samples,
 * the median) and as refclock.c does for a reference clock (spf_configure: one
 * to `filter` samples, 60 % of them around the median, maxdispersion).
 *
 * The filter keeps the last max_samples samples (times strictly
 * increasing). With at least min_samples of them it turns them into one:
 * samples whose peer dispersion is above 1.5 times the smallest are set
 * aside when more than 4 were collected and at least 4 remain; the rest,
 * sorted by offset, lose as many at each end as the combine ratio says
 * (always at least one when more than two, so a ratio of 0 keeps the
 * median or the two middle ones). The result has their mean time, offset,
 * delays and dispersions; its dispersions are at least the spread of the
 * kept offsets (the intercept's error of a weighted line fit through 4 or
 * more), or the filter's long-term average of it when that is clearly
 * larger. The filter then starts over, except after a result dropped
 * because its offset variance exceeds the maximum dispersion squared:
 * then each new sample slides the window and it tries again, as chrony.
 *
 * Pure: no OS calls, no allocation. */
#ifndef STRATUM_CORE_SAMPLEFILT_H
#define STRATUM_CORE_SAMPLEFILT_H

#include <stdbool.h>

#include "core/srcstats.h"

#define SPF_MAX_SAMPLES 256      /* N is clamped to 1..256, as chrony */

struct spf {
  int min_samples, max_samples;
  double max_var;                /* maximum dispersion squared; 0: no limit */
  double combine_ratio;          /* 0..1 */
  int used;                      /* samples collected */
  struct sst_sample samples[SPF_MAX_SAMPLES];   /* oldest first */
  struct timespec last_time;     /* of the newest sample ever accepted */
  double last_delay;             /* its peer delay */
  bool have_last;
  bool keep_newest;              /* samples[used - 1] or, after a result,
                                    newest is the newest sample (until a drop) */
  struct sst_sample newest;
  int avg_var_n;                 /* degrees of freedom in avg_var */
  double avg_var;                /* long-term average offset variance */
};

/* An NTP source's `filter N` (N clamped to 1..SPF_MAX_SAMPLES): up to N
 * samples, a result from one or more (the source counts its exchanges,
 * answered or not, and asks for a result after N, as chrony's ntp_core). */
void spf_init(struct spf *f, int length);
/* Any of chrony's configurations (counts clamped to 1..SPF_MAX_SAMPLES,
 * max at least min, ratio to 0..1; max_dispersion 0: no limit). */
void spf_configure(struct spf *f, int min_samples, int max_samples, double max_dispersion,
                   double combine_ratio);
/* Add a sample. False (nothing changes) if its time is not after the
 * previous sample's, or a value is not finite. */
bool spf_accumulate(struct spf *f, const struct sst_sample *s);
/* Samples collected since the last result. */
int spf_samples(const struct spf *f);
/* The peer delay of the newest sample ever accepted; false if none. */
bool spf_last_delay(const struct spf *f, double *delay);
/* The newest sample collected since the last result or drop; false if none
 * (a PPS refclock locks to another's). */
bool spf_last_sample(const struct spf *f, struct sst_sample *out);
/* The long-term average spread of the results (s); 0 before the first. */
double spf_avg_dispersion(const struct spf *f);
/* Forget the samples collected (not the long-term average). */
void spf_drop(struct spf *f);
/* Every sample collected has grown more uncertain by this much (s). */
void spf_add_dispersion(struct spf *f, double dispersion);
/* With min_samples collected: the combined sample into *out, true, and the
 * filter starts over. Fewer, or too noisy: false. precision (of reading
 * the local clock, s) is the first estimate of the noise. */
bool spf_get_filtered(struct spf *f, double precision, struct sst_sample *out);
/* The local clock was adjusted (as sst_slew_samples; ignored unless
 * |dfreq| < 1 and |doffset| <= SST_MAX_VALUE). */
void spf_slew(struct spf *f, const struct timespec *when, double dfreq, double doffset);

#endif
