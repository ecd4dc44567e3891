#include "daemon/keys.h"

#include "core/platform.h"
#include "sys/log.h"

void keys_load(const char *path, struct key_table *table, struct ntp_keyring *ring)
{
  struct conf_diag diag = {0};
  *ring = keyfile_ring(table);
  if (!path)
    return;
  keyfile_load(table, path, &diag);
  for (unsigned i = 0; i < diag.n; i++)
    log_printf(PLAT_LOG_WARN, "%s", diag.items[i].text);
  conf_diag_free(&diag);
}
