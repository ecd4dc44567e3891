/* format: chronyc's way of writing numbers and codes, as text into a
 * caller's buffer (pure, no I/O).
 *
 * Widths, units and rounding are chronyc 4.3's, so that columns line up
 * with what scripts parsing chronyc expect: an offset of 2.846 us is
 * "2846ns", 12.5 ms is "  13ms", an interval of 4000 s is " 66m". */
#ifndef STRATUM_STRATUMC_FORMAT_H
#define STRATUM_STRATUMC_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SC_FMT_LEN 64              /* enough for any single formatted value */

/* An offset or error with a unit (ns, us, ms, s, m, h, d, y): 6 columns,
 * or 7 with a sign (with_sign: "+11ns" style). */
void sc_fmt_offset(char *buf, size_t len, double seconds, int with_sign);
/* An interval in seconds as chronyc prints "LastRx"/"Last": 4 columns,
 * "   -" for UINT32_MAX. */
void sc_fmt_interval(char *buf, size_t len, uint32_t seconds);
/* A frequency in ppm: 10 columns (3 decimals below 99999.5 ppm). */
void sc_fmt_freq(char *buf, size_t len, double ppm, int with_sign);
/* A client log interval (log2 of seconds): 2 columns, " -" when unknown. */
void sc_fmt_log_interval(char *buf, size_t len, int rate);
/* A time in UTC as "Wed Nov 25 04:12:19 2026", and as seconds since the
 * epoch with nanoseconds ("1795579939.824656434", chronyc's CSV form). */
void sc_fmt_utc(char *buf, size_t len, const struct timespec *t);
void sc_fmt_epoch(char *buf, size_t len, const struct timespec *t);
/* The low `bits` bits of v, most significant first ("111"). */
void sc_fmt_bits(char *buf, size_t len, unsigned v, int bits);

/* Names of codes as chronyc prints them; short is the one-letter leap
 * form of selectdata. */
const char *sc_leap_name(int leap, int short_form);
const char *sc_ntp_mode_name(int mode);
const char *sc_timestamp_source_name(int c);
/* "200 OK", "501 Not authorised"... for a reply status. */
const char *sc_status_text(int status);
/* 2^log2 as chronyc computes it for poll and precision (clamped to +-31). */
double sc_log2_to_double(int log2);

#endif
