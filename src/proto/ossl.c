/* ossl: the table of OpenSSL's functions in use (see ossl.h). */
#include "proto/ossl.h"

static const struct ossl_ops *table;

/* Set once by the main thread, read by the server workers' threads. */
void ossl_set(const struct ossl_ops *ops)
{
  __atomic_store_n(&table, ops, __ATOMIC_RELEASE);
}

const struct ossl_ops *ossl_get(void)
{
  return __atomic_load_n(&table, __ATOMIC_ACQUIRE);
}
