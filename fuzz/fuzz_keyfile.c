/* Fuzz target: arbitrary text through keyfile_parse. The table must come out
 * sorted with one entry per ID, each key valid for its type and found by
 * keyfile_find; the return value must count the errors reported. No file is
 * read. */
#include <stdint.h>
#include <stdlib.h>

#include "conf/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
  if (!ok)
    abort();
}

static void check_entry(const struct key_table *t, unsigned i)
{
  const struct key_entry *e = &t->v[i];
  size_t need = ntp_key_type_key_len(e->key.type);

  check(e->id != 0 && e->line > 0);
  check(i == 0 || t->v[i - 1].id < e->id);
  check(e->key.type < NTP_KEY_TYPES && e->key.data != NULL && e->key.len > 0);
  check(need == 0 || e->key.len == need);
  check(keyfile_find(t, e->id) == &e->key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct key_table t;
  struct conf_diag d = {0};
  int errors = keyfile_parse(&t, (const char *)data, size, "fuzz.keys", &d);

  check(errors >= 0 && (unsigned)errors == d.n_errors);
  for (unsigned i = 0; i < t.n; i++)
    check_entry(&t, i);
  keyfile_free(&t);
  conf_diag_free(&d);
  return 0;
}
