/* keyfile: chrony's key file format (see keyfile.h). Lines and words come
 * from the chrony.conf lexer, which has the same comment and length rules. */
#include "conf/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf_ctx.h"
#include "conf/conf_lexer.h"
#include "conf/conf_mem.h"
#include "conf/conf_value.h"
#include "proto/wire.h"

/* Permission bits a key file may have, as chrony's check: no access for
 * others beyond execute. */
#define KEYFILE_PERMS 0771

struct parser {
  struct key_table *t;
  struct conf_diag *d;
  const char *name;
  int line;
};

static void report(struct parser *p, enum conf_severity sev, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static void report(struct parser *p, enum conf_severity sev, const char *fmt, ...)
{
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  conf_diag_add(p->d, sev, "%s:%d: %s", p->name, p->line, what);
}

static void wipe_free(const uint8_t *data, size_t len)
{
  explicit_bzero((void *)data, len);
  free((void *)data);
}

/* Pairs of hex digits into out (room for strlen(hex) / 2 bytes). */
static bool decode_hex(struct parser *p, const char *hex, uint8_t *out, size_t *len)
{
  size_t n = strlen(hex);
  if (n % 2 != 0) {
    report(p, CONF_ERROR, "expected an even number of hex digits after 'HEX:', got %zu", n);
    return false;
  }
  for (size_t i = 0; i < n; i += 2) {
    int hi = wire_hex_digit(hex[i]), lo = wire_hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      report(p, CONF_ERROR, "expected hex digits after 'HEX:', character %zu is not one",
             i + (hi < 0 ? 1 : 2));
      return false;
    }
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  *len = n / 2;
  return true;
}

/* The key bytes a KEY word stands for, in a new buffer; NULL on error. */
static uint8_t *decode_key(struct parser *p, const char *word, size_t *len)
{
  bool hex = strncmp(word, "HEX:", 4) == 0;
  const char *value = hex ? word + 4 : strncmp(word, "ASCII:", 6) == 0 ? word + 6 : word;
  size_t n = strlen(value);
  if (n == 0) {
    report(p, CONF_ERROR, "expected a key after '%s'", hex ? "HEX:" : "ASCII:");
    return NULL;
  }
  uint8_t *key = conf_xmalloc(n);
  if (!hex) {
    memcpy(key, value, n);
    *len = n;
  } else if (!decode_hex(p, value, key, len)) {
    wipe_free(key, n);
    return NULL;
  }
  return key;
}

static void type_names(char *buf, size_t cap)
{
  size_t used = 0;
  buf[0] = '\0';
  for (unsigned i = 0; i < NTP_KEY_TYPES && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
                             ntp_key_type_name((enum ntp_key_type)i));
}

/* The type of "ID TYPE KEY" or the default of "ID KEY". */
static bool parse_type(struct parser *p, int argc, const char *const *argv,
                       enum ntp_key_type *type)
{
  char names[200];
  *type = NTP_KEY_MD5;
  if (argc == 3 && !ntp_key_type_from_name(argv[1], type)) {
    type_names(names, sizeof(names));
    report(p, CONF_ERROR, "expected a key type (%s), got '%.64s'", names, argv[1]);
    return false;
  }
  enum ntp_key_type ignored;
  if (argc == 2 && ntp_key_type_from_name(argv[1], &ignored)) {
    report(p, CONF_ERROR, "expected a key after the type %s (write ASCII:%s for a key "
           "with that text)", argv[1], argv[1]);
    return false;
  }
  return true;
}

static void parse_words(struct parser *p, int argc, const char *const *argv)
{
  long long id;
  enum ntp_key_type type;
  size_t len;

  if (argc < 2 || argc > 3) {
    report(p, CONF_ERROR, "expected 'ID [TYPE] KEY', got %d word%s", argc, argc == 1 ? "" : "s");
    return;
  }
  if (!conf_to_integer(argv[0], 1, UINT32_MAX, &id)) {
    report(p, CONF_ERROR, "expected a key ID 1..4294967295, got '%.64s'", argv[0]);
    return;
  }
  if (!parse_type(p, argc, argv, &type))
    return;
  uint8_t *key = decode_key(p, argv[argc - 1], &len);
  if (!key)
    return;
  size_t need = ntp_key_type_key_len(type);
  if (need && len != need) {
    report(p, CONF_ERROR, "expected a %zu-bit key for %s, got %zu bits", 8 * need,
           ntp_key_type_name(type), 8 * len);
    wipe_free(key, len);
    return;
  }
  struct key_entry *e = conf_append(&p->t->v, &p->t->n, sizeof(*e));
  e->id = (uint32_t)id;
  e->line = p->line;
  e->key = (struct ntp_key){.type = type, .data = key, .len = len};
}

static void parse_line(struct parser *p, const struct conf_line *line)
{
  struct conf_words w;
  switch (conf_split(line, &w)) {
  case CONF_LEX_BLANK:
    break;
  case CONF_LEX_TOO_LONG:
    report(p, CONF_ERROR, "line too long (at most %d characters with the newline)",
           CONF_LINE_MAX - 1);
    break;
  case CONF_LEX_NUL:
    report(p, CONF_ERROR, "line contains a NUL byte");
    break;
  case CONF_LEX_WORDS:
    parse_words(p, w.n, w.v);
    break;
  }
  explicit_bzero(w.buf, sizeof(w.buf));
}

static int by_id_then_line(const void *a, const void *b)
{
  const struct key_entry *x = a, *y = b;
  if (x->id != y->id)
    return x->id < y->id ? -1 : 1;
  return (x->line > y->line) - (x->line < y->line);
}

/* Sort the table and keep the first definition of each ID. */
static void drop_duplicates(struct parser *p)
{
  struct key_table *t = p->t;
  unsigned kept = 0;

  if (t->n > 1)
    qsort(t->v, t->n, sizeof(*t->v), by_id_then_line);
  for (unsigned i = 0; i < t->n; i++) {
    if (kept > 0 && t->v[kept - 1].id == t->v[i].id) {
      p->line = t->v[i].line;
      report(p, CONF_WARNING, "key %u is already defined at line %d, which is used",
             (unsigned)t->v[i].id, t->v[kept - 1].line);
      wipe_free(t->v[i].key.data, t->v[i].key.len);
      continue;
    }
    t->v[kept++] = t->v[i];
  }
  t->n = kept;
}

int keyfile_parse(struct key_table *t, const char *text, size_t len, const char *name,
                  struct conf_diag *d)
{
  struct parser p = {.t = t, .d = d, .name = name};
  struct conf_line line;
  size_t pos = 0;
  unsigned errors = d->n_errors;

  *t = (struct key_table){0};
  while (conf_next_line(text, len, &pos, &line)) {
    p.line++;
    parse_line(&p, &line);
  }
  drop_duplicates(&p);
  return (int)(d->n_errors - errors);
}

/* chrony's warning for a key file others can read or write. */
static void check_permissions(FILE *f, const char *path, struct conf_diag *d)
{
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
    return;
  unsigned extra = st.st_mode & 0777 & ~KEYFILE_PERMS;
  if (extra)
    conf_diag_add(d, CONF_WARNING, "%s: %s key file (mode %04o): it should be readable only "
                  "by root and the daemon's user", path,
                  extra & 0004 ? "world-readable" : "world-writable",
                  (unsigned)(st.st_mode & 07777));
}

int keyfile_load(struct key_table *t, const char *path, struct conf_diag *d)
{
  unsigned errors = d->n_errors;
  /* O_NONBLOCK: a FIFO must not block the open (it then reads as empty). */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

  *t = (struct key_table){0};
  if (fd >= 0 && !f) {
    int err = errno;
    close(fd);
    errno = err;
  }
  if (!f) {
    conf_diag_add(d, CONF_ERROR, "%s: cannot open the key file: %s", path, strerror(errno));
    return 1;
  }
  check_permissions(f, path, d);
  char *buf = conf_xmalloc(KEYFILE_MAX_SIZE + 1);
  size_t len = fread(buf, 1, KEYFILE_MAX_SIZE + 1, f);
  if (ferror(f))
    conf_diag_add(d, CONF_ERROR, "%s: cannot read the key file: %s", path, strerror(errno));
  else if (len > KEYFILE_MAX_SIZE)
    conf_diag_add(d, CONF_ERROR, "%s: expected a key file of at most %d bytes", path,
                  KEYFILE_MAX_SIZE);
  else
    keyfile_parse(t, buf, len, path, d);
  fclose(f);
  explicit_bzero(buf, len);
  free(buf);
  return (int)(d->n_errors - errors);
}

static int compare_id(const void *key, const void *elem)
{
  uint32_t id = *(const uint32_t *)key, other = ((const struct key_entry *)elem)->id;
  return (id > other) - (id < other);
}

const struct ntp_key *keyfile_find(const struct key_table *t, uint32_t id)
{
  const struct key_entry *e = t->n ? bsearch(&id, t->v, t->n, sizeof(*t->v), compare_id) : NULL;
  return e ? &e->key : NULL;
}

static const struct ntp_key *ring_find(const void *table, uint32_t id)
{
  return keyfile_find(table, id);
}

struct ntp_keyring keyfile_ring(const struct key_table *t)
{
  return (struct ntp_keyring){ring_find, t};
}

void keyfile_remove(struct key_table *t, unsigned i)
{
  wipe_free(t->v[i].key.data, t->v[i].key.len);
  memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(t->v[0]));
  t->n--;
}

void keyfile_free(struct key_table *t)
{
  for (unsigned i = 0; i < t->n; i++)
    wipe_free(t->v[i].key.data, t->v[i].key.len);
  free(t->v);
  *t = (struct key_table){0};
}
