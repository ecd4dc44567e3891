/* ossl_builtin: for programs that link the OpenSSL module's code instead of
 * loading it (stratum-sim, unit tests and fuzz targets that need OpenSSL):
 * its table set before main, as stratumd sets it after loading the module. */
#include "proto/ossl.h"

__attribute__((constructor)) static void set_builtin(void)
{
  ossl_set(&stratum_ossl_ops);
}
