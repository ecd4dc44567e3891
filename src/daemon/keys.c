#include "daemon/keys.h"

#include <inttypes.h>

#include "core/platform.h"
#include "sys/log.h"
#include "sys/ossl_load.h"

bool keys_load(const char *path, struct key_table *table, struct ntp_keyring *ring)
{
  struct conf_diag diag = {0};
  char err[256];
  *ring = keyfile_ring(table);
  if (!path)
    return true;
  keyfile_load(table, path, &diag);
  for (unsigned i = 0; i < diag.n; i++)
    log_printf(PLAT_LOG_WARN, "%s", diag.items[i].text);
  conf_diag_free(&diag);
  bool loaded = true;
  for (unsigned i = 0; i < table->n;) {
    const struct key_entry *e = &table->v[i];
    if (!ntp_mac_needs_ossl(e->key.type) || (loaded && ossl_load(err, sizeof(err)))) {
      i++;
      continue;
    }
    log_printf(PLAT_LOG_ERR, "Key %" PRIu32 " (%s) in %s line %d needs OpenSSL: %s", e->id,
               ntp_key_type_name(e->key.type), path, e->line, err);
    loaded = false;
    keyfile_remove(table, i);
  }
  return loaded;
}
