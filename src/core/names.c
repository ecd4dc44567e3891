#include "core/names.h"
#include "proto/num.h"

#include <math.h>

#define RESOLVE_INTERVAL_UNIT 7.0   /* s */
#define MIN_RESOLVE_EXPONENT 2
#define MAX_RESOLVE_EXPONENT 9

int names_pool_max(int maxsources)
{
  return maxsources < 1 ? 1 : maxsources > NAMES_MAX_POOL ? NAMES_MAX_POOL : maxsources;
}

int names_pool_target(int maxsources)
{
  int target = 2 * names_pool_max(maxsources);
  return target > NAMES_MAX_POOL ? NAMES_MAX_POOL : target;
}

double names_retry_delay(int *exponent)
{
  int k = *exponent + 1;
  if (k < MIN_RESOLVE_EXPONENT)
    k = MIN_RESOLVE_EXPONENT;
  if (k > MAX_RESOLVE_EXPONENT)
    k = MAX_RESOLVE_EXPONENT;
  *exponent = k;
  return num_ldexp(RESOLVE_INTERVAL_UNIT, k);
}

double names_replace_holdoff(uint32_t random)
{
  return random / (double)UINT32_MAX * num_ldexp(RESOLVE_INTERVAL_UNIT, MAX_RESOLVE_EXPONENT);
}

int names_pick(const struct ip_addr *addrs, int n, unsigned first, names_in_use_fn in_use,
               void *arg, struct ip_addr *out, int max)
{
  int picked = 0;
  for (int i = 0; i < n && picked < max; i++) {
    const struct ip_addr *a = &addrs[(first % (unsigned)n + (unsigned)i) % (unsigned)n];
    bool twice = false;
    for (int k = 0; k < picked && !twice; k++)
      twice = addr_equal(&out[k], a);
    if (!twice && !in_use(arg, a))
      out[picked++] = *a;
  }
  return picked;
}
