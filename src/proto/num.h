/* num: the few functions of the C math library the daemon uses, so that
 * stratumd links no libm: loading libm alone maps about 370 KiB into a
 * process (its relocations and symbol tables), 520 KiB once these
 * functions are called, for ten small functions (sqrt is one instruction
 * with -fno-math-errno). Each returns what glibc's function returns: the
 * exact ones bit for bit (signed zeros and NaNs as glibc's x86-64 code);
 * num_log2 and num_exp computed with the x87 unit's 64-bit mantissas and
 * rounded once to double, which leaves them one ulp from glibc's for about
 * one argument in 1000 to 4000 (tests/unit/test_num.c counts them); on a
 * CPU without one they are libm's, which is then linked. */
#ifndef STRATUM_PROTO_NUM_H
#define STRATUM_PROTO_NUM_H

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t num_bits(double x)
{
  uint64_t u;
  memcpy(&u, &x, sizeof(u));
  return u;
}

static inline double num_from_bits(uint64_t u)
{
  double x;
  memcpy(&x, &u, sizeof(x));
  return x;
}

/* A NaN whose quiet bit is clear (glibc's issignaling is in libm). */
static inline int num_signaling(double x)
{
  return isnan(x) && !(num_bits(x) >> 51 & 1);
}

/* As fmax/fmin: a quiet NaN argument loses to a number, a signaling one
 * makes the result NaN; x when they compare equal (fmax(-0.0, 0.0) is
 * -0.0, as glibc's). */
static inline double num_fmax(double x, double y)
{
  if (num_signaling(x) || num_signaling(y))
    return x + y;
  return isgreaterequal(x, y) || isnan(y) ? x : y;
}

static inline double num_fmin(double x, double y)
{
  if (num_signaling(x) || num_signaling(y))
    return x + y;
  return islessequal(x, y) || isnan(y) ? x : y;
}

/* 2^e for e in the normal range -1022..1023. */
static inline double num_pow2(int e)
{
  return num_from_bits((uint64_t)(e + 1023) << 52);
}

/* x * 2^e, rounded once (as ldexp): exponents beyond the normal range are
 * applied in steps that are exact until the last, and the last step
 * into the subnormal range goes through 2^53 above it so that it rounds
 * only once. */
static inline double num_ldexp(double x, int e)
{
  if (e > 1023) {
    x *= num_pow2(1023);
    e -= 1023;
    if (e > 1023) {
      x *= num_pow2(1023);
      e -= 1023;
      if (e > 1023)
        e = 1023;
    }
  } else if (e < -1022) {
    x *= num_pow2(-1022) * num_pow2(53);
    e += 1022 - 53;
    if (e < -1022) {
      x *= num_pow2(-1022) * num_pow2(53);
      e += 1022 - 53;
      if (e < -1022)
        e = -1022;
    }
  }
  return x * num_pow2(e);
}

/* As frexp: x = m * 2^*e with 0.5 <= |m| < 1; zeros returned as they
 * are, infinities and NaNs as x + x, with *e = 0. */
static inline double num_frexp(double x, int *e)
{
  uint64_t u = num_bits(x);
  int biased = (int)(u >> 52 & 0x7ff);
  if (biased == 0) {
    if (x == 0.0) {
      *e = 0;
      return x;
    }
    x = num_frexp(x * num_pow2(64), e);   /* subnormal: made normal */
    *e -= 64;
    return x;
  }
  if (biased == 0x7ff) {
    *e = 0;
    return x + x;
  }
  *e = biased - 1022;
  return num_from_bits((u & ~(0x7ffull << 52)) | (0x3feull << 52));
}

/* As round: halfway cases away from zero, the sign kept (-0.4 -> -0.0). */
static inline double num_round(double x)
{
  if (!(fabs(x) < 0x1p52))
    return x;                   /* an integer already, or inf/NaN */
  double t = (double)(int64_t)x;  /* toward zero; x - t is exact */
  if (fabs(x - t) >= 0.5)
    t += x > 0.0 ? 1.0 : -1.0;
  return copysign(t, x);
}

/* As lround and llround on x86-64: out of range (or NaN), the type's
 * smallest value. */
static inline long num_lround(double x)
{
  double r = num_round(x);
  return r >= (double)LONG_MIN && r < -(double)LONG_MIN ? (long)r : LONG_MIN;
}

static inline long long num_llround(double x)
{
  double r = num_round(x);
  return r >= (double)LLONG_MIN && r < -(double)LLONG_MIN ? (long long)r : LLONG_MIN;
}

#if defined(__x86_64__) || defined(__i386__)
/* log2(x) for x > 0 (x87 fyl2x: 1 * log2(x)). */
static inline double num_log2(double x)
{
  long double r;
  __asm__("fyl2x" : "=t"(r) : "0"((long double)x), "u"(1.0L) : "st(1)");
  return (double)r;
}

/* e^x = 2^n * e^r with n the integer nearest x / ln 2 and |r| <= ln 2 / 2;
 * ln 2 in two parts (the first with 53 bits, so that n times it is exact
 * in 64), r's error stays near 2^-64 of r for any x; 2^(r / ln 2) from
 * f2xm1, scaled by 2^n with fscale. */
static inline double num_exp(double x)
{
  static const long double log2e = 1.44269504088896340735992468100189214L;
  static const long double ln2_hi = 0x1.62e42fefa39efp-1L;
  static const long double ln2_lo = 2.31904681384629955841777107924232e-17L;
  if (isnan(x))
    return x;
  if (x > 709.8)
    return HUGE_VAL;
  if (x < -745.2)
    return 0.0;
  long double n, p;
  __asm__("frndint" : "=t"(n) : "0"(x * log2e));
  long double f = (((long double)x - n * ln2_hi) - n * ln2_lo) * log2e;
  __asm__("f2xm1" : "=t"(p) : "0"(f));
  p += 1.0L;
  __asm__("fscale" : "=t"(p) : "0"(p), "u"(n));
  return (double)p;
}

#else
/* No x87 unit: the C library's (proto is then linked with libm). */
static inline double num_log2(double x)
{
  return log2(x);
}

static inline double num_exp(double x)
{
  return exp(x);
}
#endif

#endif
