#include "conf/driftfile.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_PPM 1e6

static bool read_number(const char **p, double *out)
{
  char *end;
  while (**p == ' ' || **p == '\t')
    (*p)++;
  if (**p == '\0' || isspace((unsigned char)**p))
    return false;
  *out = strtod(*p, &end);
  if (end == *p || !isfinite(*out))
    return false;
  *p = end;
  return true;
}

bool driftfile_parse(const char *text, double *freq_ppm, double *skew_ppm)
{
  double f, s;
  const char *p = text;
  if (!read_number(&p, &f) || !read_number(&p, &s))
    return false;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  if (*p != '\0' || fabs(f) > MAX_PPM || s < 0.0 || s > MAX_PPM)
    return false;
  *freq_ppm = -f;
  *skew_ppm = s;
  return true;
}

size_t driftfile_format(char *buf, size_t cap, double freq_ppm, double skew_ppm)
{
  int n = snprintf(buf, cap, "%20.6f %20.6f\n", -freq_ppm, skew_ppm);
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
