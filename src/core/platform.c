#include "core/platform.h"

#include <stdarg.h>
#include <stdio.h>

void plat_logf(const struct platform *p, int level, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  p->ops->log(p->ctx, level, msg);
}

uint64_t plat_random_nonzero64(const struct platform *p)
{
  uint64_t v = 0;
  for (int tries = 0; v == 0 && tries < 8; tries++)
    p->ops->random_bytes(p->ctx, &v, sizeof(v));
  return v ? v : 1;
}
