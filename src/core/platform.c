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
