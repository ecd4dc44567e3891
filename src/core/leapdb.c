#include "core/leapdb.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"

#define DAY 86400
#define TZIF_HEADER_LEN 44

static bool add_entry(struct leapdb *db, int64_t at, int tai)
{
  if (db->n == LEAPDB_MAX || (db->n > 0 && at <= db->e[db->n - 1].at))
    return false;
  db->e[db->n].at = at;
  db->e[db->n].tai = tai;
  db->n++;
  return true;
}

/* ---- TZif ---- */

struct tzif_counts {
  uint32_t isut, isstd, leap, time, type, chars;
};

static bool tzif_header(struct wire_reader *r, int *version, struct tzif_counts *c)
{
  const uint8_t *h = wire_get_span(r, TZIF_HEADER_LEN);
  if (!h || memcmp(h, "TZif", 4) != 0)
    return false;
  if (h[4] == 0)
    *version = 1;
  else if (h[4] >= '2' && h[4] <= '9')
    *version = h[4] - '0';
  else
    return false;
  struct wire_reader hr;
  wire_reader_init(&hr, h + 20, TZIF_HEADER_LEN - 20);
  c->isut = wire_get_u32(&hr);
  c->isstd = wire_get_u32(&hr);
  c->leap = wire_get_u32(&hr);
  c->time = wire_get_u32(&hr);
  c->type = wire_get_u32(&hr);
  c->chars = wire_get_u32(&hr);
  /* RFC 8536 3.1: at least one local time type; the indicators are
   * absent or one per type. */
  return c->type > 0 && (c->isut == 0 || c->isut == c->type) &&
         (c->isstd == 0 || c->isstd == c->type) && c->leap <= LEAPDB_MAX + 1;
}

/* Skip a data block's parts before the leap records; false if short. */
static bool tzif_skip(struct wire_reader *r, uint64_t n)
{
  return n <= wire_remaining(r) && (n == 0 || wire_get_span(r, (size_t)n) != NULL);
}

/* One data block (time size 4 or 8): its leap records into db. */
static bool tzif_block(struct wire_reader *r, int version, const struct tzif_counts *c,
                       size_t tsize, struct leapdb *db)
{
  if (!tzif_skip(r, (uint64_t)c->time * (tsize + 1) + (uint64_t)c->type * 6 + c->chars))
    return false;
  int prev = 0;
  memset(db, 0, sizeof(*db));
  for (uint32_t i = 0; i < c->leap; i++) {
    int64_t occur = tsize == 8 ? (int64_t)wire_get_u64(r) : (int32_t)wire_get_u32(r);
    int corr = (int32_t)wire_get_u32(r);
    if (r->err)
      return false;
    if (corr == prev && i + 1 == c->leap && version >= 4 && i > 0)
      break;                               /* version 4: the table's expiry */
    if (corr != prev + 1 && corr != prev - 1)
      return false;
    /* The occurrence is counted in the zone's time, which includes the
     * earlier leap seconds: the UTC midnight is `prev` seconds before it. */
    if (!add_entry(db, occur - prev, LEAPDB_BASE_TAI + corr))
      return false;
    prev = corr;
  }
  return tzif_skip(r, (uint64_t)c->isstd + c->isut);
}

bool leapdb_parse_tzif(const uint8_t *buf, size_t len, struct leapdb *db)
{
  struct wire_reader r;
  struct tzif_counts c;
  int version;
  wire_reader_init(&r, buf, len);
  if (!tzif_header(&r, &version, &c) || !tzif_block(&r, version, &c, 4, db))
    return false;
  if (version == 1)
    return true;
  /* Version 2+: the 64-bit block that follows is the one that counts. */
  int version2;
  return tzif_header(&r, &version2, &c) && version2 == version &&
         tzif_block(&r, version, &c, 8, db);
}

/* ---- leap-seconds.list ---- */

/* A decimal integer (optional sign) at *p, then at least one blank or the
 * end of the line. */
static bool list_number(const char **p, const char *end, int64_t lo, int64_t hi, int64_t *out)
{
  const char *s = *p;
  char digits[24];
  size_t n = 0;
  while (s < end && (*s == ' ' || *s == '\t'))
    s++;
  if (s < end && (*s == '-' || *s == '+'))
    digits[n++] = *s++;
  while (s < end && isdigit((unsigned char)*s) && n < sizeof(digits) - 1)
    digits[n++] = *s++;
  if (n == 0 || !isdigit((unsigned char)digits[n - 1]) ||
      (s < end && *s != ' ' && *s != '\t' && *s != '#'))
    return false;
  digits[n] = '\0';
  errno = 0;
  long long v = strtoll(digits, NULL, 10);
  if (errno != 0 || v < lo || v > hi)
    return false;
  *out = v;
  *p = s;
  return true;
}

/* What is left of a line is blanks and perhaps a comment. */
static bool list_rest_empty(const char *s, const char *end)
{
  while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
    s++;
  return s == end || *s == '#';
}

static bool list_line(const char *s, const char *end, struct leapdb *db, int64_t *updated)
{
  int64_t when, tai;
  if (list_rest_empty(s, end) && (s == end || *s != '#'))
    return true;                                     /* blank */
  if (*s == '#') {
    if (end - s < 2 || (s[1] != '$' && s[1] != '@'))
      return true;                                   /* a comment */
    const char *p = s + 2;
    if (!list_number(&p, end, 1, INT64_MAX / 2, &when) || !list_rest_empty(p, end))
      return false;
    if (s[1] == '$')
      *updated = when;
    else
      db->expiry = when - (int64_t)NTP_UNIX_OFFSET;
    return true;
  }
  return list_number(&s, end, 1, INT64_MAX / 2, &when) &&
         list_number(&s, end, -10000, 10000, &tai) && list_rest_empty(s, end) &&
         add_entry(db, when - (int64_t)NTP_UNIX_OFFSET, (int)tai);
}

bool leapdb_parse_list(const char *text, size_t len, struct leapdb *db)
{
  const char *p = text, *end = text + len;
  int64_t updated = 0;
  memset(db, 0, sizeof(*db));
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *eol = nl ? nl : end;
    if (memchr(p, '\0', (size_t)(eol - p)) || !list_line(p, eol, db, &updated))
      return false;
    p = nl ? nl + 1 : end;
  }
  return updated != 0 && db->expiry != 0;
}

/* ---- questions ---- */

static int64_t day_end(time_t when)
{
  int64_t t = (int64_t)when;
  int64_t day = t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
  return (day + 1) * DAY;
}

enum ntp_leap leapdb_get(const struct leapdb *db, time_t when, int *tai)
{
  int64_t end = day_end(when);
  int offset = LEAPDB_BASE_TAI;
  enum ntp_leap leap = NTP_LEAP_NONE;
  for (size_t i = 0; i < db->n && db->e[i].at <= end; i++) {
    if (db->e[i].at == end) {
      /* The offset changes at the end of this day: a leap second. */
      if (db->e[i].tai > offset)
        leap = NTP_LEAP_INSERT;
      else if (db->e[i].tai < offset)
        leap = NTP_LEAP_DELETE;
      break;
    }
    offset = db->e[i].tai;
  }
  *tai = offset;
  return leap;
}

bool leapdb_check(const struct leapdb *db)
{
  int tai;
  if (leapdb_get(db, (time_t)1341014400, &tai) != NTP_LEAP_INSERT || tai != 34)
    return false;
  return leapdb_get(db, (time_t)1356912000, &tai) == NTP_LEAP_NONE && tai == 35;
}

bool leapdb_expired(const struct leapdb *db, time_t when)
{
  return db->expiry != 0 && day_end(when) >= db->expiry;
}
