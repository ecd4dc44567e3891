/* rtcfile: chronyd's rtcfile, the RTC's drift saved between runs: one
 * line "VALID REF_TIME OFFSET RATE" (chronyd writes "%1d %.0f %.6f %.3f"):
 * whether the numbers mean anything (0 or 1), the RTC's time (Unix
 * seconds) they refer to, how many seconds the RTC was fast of true time
 * then, and how fast it gains, in ppm. */
#ifndef STRATUM_CONF_RTCFILE_H
#define STRATUM_CONF_RTCFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtcfile_coefs {
  bool valid;
  int64_t ref_time;
  double offset;                 /* s the RTC is fast */
  double rate_ppm;               /* > 0: the RTC gains */
};

/* The four numbers separated by white space (chronyd reads them with
 * fscanf), nothing after but white space; VALID an integer (non-zero:
 * valid), |REF_TIME| < 2^53, |OFFSET| <= 1e9 s, |RATE| <= 1e6 ppm. */
bool rtcfile_parse(const char *text, struct rtcfile_coefs *out);
/* Returns the length written (< cap), or 0 if it does not fit. */
size_t rtcfile_format(char *buf, size_t cap, const struct rtcfile_coefs *c);

#endif
