/* keyfile: chrony's key file (the keyfile directive) -> a table of keys.
 *
 * The format, as chrony reads it (keys.c, cmdparse.c):
 *   ID [TYPE] KEY
 * one key a line, words separated by white space. Blank lines, and lines
 * whose first word starts with ! ; # or %, are comments. A line, with its
 * newline, must be at most 2047 bytes long.
 *  - ID: decimal, 1 to 4294967295 (chrony's documented range).
 *  - TYPE: MD5 (the default), SHA1, SHA256, SHA384, SHA512, SHA3-224,
 *    SHA3-256, SHA3-384, SHA3-512, AES128 or AES256, spelt exactly so
 *    (chrony compares case-sensitively). chrony's TIGER and WHIRLPOOL are
 *    not in OpenSSL 3's default provider and are rejected.
 *  - KEY: "HEX:" then pairs of hex digits (either case), or "ASCII:" then
 *    text, or text alone: the bytes as written. The prefixes are
 *    case-sensitive ("hex:ab" is the 6-byte text key). An AES key must be
 *    exactly 16 (AES128) or 32 (AES256) bytes; a hash key may have any
 *    length of at least one byte.
 *
 * Every problem is added to a conf_diag list as "FILE:LINE: what was
 * expected"; no message quotes key material. chrony logs bad lines and
 * skips them; so does this table: it holds every valid key, and the caller
 * decides whether errors are fatal. Stricter than chrony, which takes
 * whatever its sscanf and strtol accept: an ID or hex digit followed by
 * junk ("12x", "HEX:+f") is an error, and so is a two-word line whose key
 * is a type name ("5 SHA1": chrony would use the text "SHA1" as an MD5 key).
 * A duplicate ID is a warning; the first definition in the file is used
 * (chrony uses one of them, unspecified which). */
#ifndef STRATUM_CONF_KEYFILE_H
#define STRATUM_CONF_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "proto/ntp_mac.h"

#define KEYFILE_MAX_SIZE (1024 * 1024)   /* keyfile_load reads no more */

struct key_entry {
  uint32_t id;
  int line;                     /* where it was defined */
  struct ntp_key key;           /* key.data is owned by the table */
};

/* Sorted by ID, one entry per ID. */
struct key_table {
  struct key_entry *v;
  unsigned n;
};

/* Parse text as if it were file `name` into t, which is overwritten (free a
 * previous table first). Reads no file. Returns the number of errors added
 * to d. */
int keyfile_parse(struct key_table *t, const char *text, size_t len, const char *name,
                  struct conf_diag *d);

/* Read and parse the file at path (at most KEYFILE_MAX_SIZE bytes). A file
 * that others may read or write gets a warning, as in chrony ("world-readable
 * key file"); the group may read it (e.g. root:_chrony 0640). A file that
 * cannot be read is an error and leaves t empty. Returns the errors added. */
int keyfile_load(struct key_table *t, const char *path, struct conf_diag *d);

/* The key with this ID, or NULL. */
const struct ntp_key *keyfile_find(const struct key_table *t, uint32_t id);

/* The core's view of t (which must outlive it). */
struct ntp_keyring keyfile_ring(const struct key_table *t);

/* Take entry i (< t->n) out of t, its bytes wiped and freed. */
void keyfile_remove(struct key_table *t, unsigned i);

/* Wipe the key bytes and free them. */
void keyfile_free(struct key_table *t);

#endif
