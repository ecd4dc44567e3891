/* rtctrack: chronyd's RTC driver (rtc_linux.c) with rtcfile: how fast the
 * RTC is of the system clock and how fast it gains, measured at its update
 * interrupts; chronyc's rtcdata, trimrtc and writertc; rtcautotrim.
 *
 * The RTC is opened through the platform as the RTC reference clock device
 * (refclock_open, PLAT_REFCLOCK_RTC), which gives a struct
 * plat_rtc_reading at each update interrupt (the first after opening is
 * skipped, as chronyd skips it). It stays open, its interrupts on
 * (chronyd switches them off between measurements; a daemon without root
 * could not open it again). As chronyd: a measurement is one interrupt:
 * its RTC second and the cooked system time it began at; then the
 * readings rest for the measurement period (15 s, doubling with the
 * samples kept to 240 s). Every sample runs chronyd's robust fit
 * (core/regress.h, to 1e-9) of the RTC's offset against its own time;
 * the newest sample is the reference; oldest samples failing the runs
 * test are dropped, and at 64 samples the oldest 4. The samples follow the
 * clock's corrections (rtct_clock_changed), and so do the coefficients.
 *
 * With -s (params.initial, after core/rtcinit.h set the clock from the
 * RTC): chronyd's initial trim first: eight samples a second apart are
 * fitted, the clock's error from them and the file's coefficients
 * (params.file: the RTC's error at the fit's reference time, less how fast
 * the fit finds it of the clock) is slewed away ("System clock off from
 * RTC by %f seconds (slew)"; "No valid rtcfile coefficients" without
 * them), the samples are dropped and params.initial_done is called (the
 * daemon starts its sources then); normal measurements follow.
 *
 * trimrtc: an RTC more than a second off is set to the system time's
 * second; eight samples a second apart then give its offset, saved with
 * the rate from before the trim. rtcautotrim: after a fit, with the clock
 * synchronised, an offset of the threshold or more trims. Coefficients
 * are saved through the caller's hook (writertc, at exit, after a trim).
 * A device without update interrupts is no RTC to track: rtct_start fails
 * ("RTC driver could not be initialised"). */
#ifndef STRATUM_CORE_RTCTRACK_H
#define STRATUM_CORE_RTCTRACK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/discipline.h"
#include "core/platform.h"
#include "core/reference.h"

#define RTCT_MAX_SAMPLES 64

/* What chronyd's rtc.log prints for each measurement. */
struct rtct_log {
  struct timespec sys_time;      /* cooked, when the RTC's second began */
  double rtc_fast;               /* this reading: RTC minus system, s */
  bool valid;
  double est_fast;               /* the coefficients */
  double slope_ppm;
  int n_samples, n_runs, period;
};

/* The coefficients (the rtcfile's numbers). */
struct rtct_coefs {
  bool valid;
  int64_t ref_time;              /* RTC seconds */
  double fast;                   /* s the RTC is fast of the system clock there */
  double gain;                   /* s/s the RTC gains */
};

struct rtct_params {
  const char *device;
  bool utc;                      /* the RTC keeps UTC */
  double autotrim;               /* rtcautotrim threshold, s; 0: off */
  /* Save the coefficients (rtcfile); false if they could not be. */
  bool (*save)(void *arg, const struct rtct_coefs *c);
  void (*log)(void *arg, const struct rtct_log *l);   /* NULL: no rtc.log */
  bool initial;                  /* -s: the initial trim first */
  struct rtct_coefs file;        /* ...with the rtcfile's coefficients */
  void (*initial_done)(void *arg);   /* ...then this (may be NULL) */
  void *arg;
};

enum rtct_mode { RTCT_NORMAL, RTCT_INITIAL, RTCT_AFTERTRIM };

struct rtctrack {
  const struct platform *plat;
  struct discipline *disc;
  const struct refstate *state;  /* synchronised? (autotrim) */
  struct rtct_params p;
  int handle;                    /* the device */
  bool resting;                  /* between measurements: readings ignored */
  plat_timer timer;
  enum rtct_mode mode;
  int period;                    /* s between measurements */
  int n, since_fit, n_runs;
  int64_t rtc_sec[RTCT_MAX_SAMPLES];
  struct timespec sys_time[RTCT_MAX_SAMPLES];   /* cooked */
  struct rtct_coefs c;
  double saved_gain;             /* from before a trim */
};

/* Open the device and see that it gives interrupts; false if not (then
 * nothing is kept and rtct_stop does nothing). Measurements start at once. */
bool rtct_start(struct rtctrack *r, const struct platform *plat, struct discipline *disc,
                const struct refstate *state, const struct rtct_params *p);
/* Closes the device and saves valid coefficients (as chronyd at exit);
 * again, or after a failed start, nothing. */
void rtct_stop(struct rtctrack *r);
/* A disc_change_fn (arg: the struct rtctrack). */
void rtct_clock_changed(void *arg, const struct timespec *when, double dfreq, double doffset);
/* Someone else stepped the clock by `jump` s: the samples are dropped, the
 * coefficients moved with it (chronyd's unknown step). */
void rtct_clock_jumped(struct rtctrack *r, double jump);

/* chronyc rtcdata. */
struct rtct_report {
  int64_t ref_time;
  int n_samples, n_runs;
  int64_t span;                  /* s from the oldest sample to the newest */
  double fast, gain_ppm;
};
void rtct_report(const struct rtctrack *r, struct rtct_report *out);
/* chronyc trimrtc (and autotrim). */
void rtct_trim(struct rtctrack *r);
/* chronyc writertc: save valid coefficients (else keep the file as it
 * is); false if the save failed. */
bool rtct_write(struct rtctrack *r);

#endif
