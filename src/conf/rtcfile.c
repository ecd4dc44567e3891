/* rtcfile: see rtcfile.h. */
#include "conf/rtcfile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_REF_TIME 9007199254740992.0   /* 2^53 s */
#define MAX_OFFSET 1e9
#define MAX_PPM 1e6

static const char *skip_space(const char *p)
{
  while (isspace((unsigned char)*p))
    p++;
  return p;
}

static bool read_number(const char **p, double *out)
{
  char *end;
  *p = skip_space(*p);
  if (**p == '\0')
    return false;
  *out = strtod(*p, &end);
  if (end == *p || !isfinite(*out) || (*end != '\0' && !isspace((unsigned char)*end)))
    return false;
  *p = end;
  return true;
}

bool rtcfile_parse(const char *text, struct rtcfile_coefs *out)
{
  const char *p = skip_space(text);
  char *end;
  double ref, offset, rate;

  errno = 0;
  long valid = strtol(p, &end, 10);
  if (end == p || errno || (*end != '\0' && !isspace((unsigned char)*end)))
    return false;
  p = end;
  if (!read_number(&p, &ref) || !read_number(&p, &offset) || !read_number(&p, &rate) ||
      *skip_space(p) != '\0')
    return false;
  if (!(fabs(ref) < MAX_REF_TIME) || fabs(offset) > MAX_OFFSET || fabs(rate) > MAX_PPM)
    return false;
  *out = (struct rtcfile_coefs){.valid = valid != 0, .ref_time = (int64_t)ref,
                                .offset = offset, .rate_ppm = rate};
  return true;
}

size_t rtcfile_format(char *buf, size_t cap, const struct rtcfile_coefs *c)
{
  int n = snprintf(buf, cap, "%1d %.0f %.6f %.3f\n", c->valid ? 1 : 0, (double)c->ref_time,
                   c->offset, c->rate_ppm);
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
