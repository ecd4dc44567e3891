#include "stratumc/out.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stratumc/format.h"

/* One parsed field specification. */
struct spec {
  bool sign, left;
  int width, prec;
  char conv;
  char key[32];
};

void sc_out_init(struct sc_out *o, FILE *f, enum sc_mode mode)
{
  memset(o, 0, sizeof(*o));
  o->f = f;
  o->err = stderr;
  o->mode = mode;
}

static void json_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      fprintf(f, "\\u%04x", c);   /* bytes of names are not trusted to be UTF-8 */
    else
      fputc(c, f);
  }
  fputc('"', f);
}

/* The next "key": of the current JSON object. */
static void json_key(struct sc_out *o, const char *key)
{
  if (!o->first_member)
    fputc(',', o->f);
  o->first_member = false;
  json_string(o->f, key);
  fputc(':', o->f);
}

void sc_out_begin(struct sc_out *o, const char *command)
{
  if (o->mode != SC_JSON)
    return;
  fputc('{', o->f);
  o->in_object = true;
  o->first_member = true;
  json_key(o, "command");
  json_string(o->f, command);
}

static void close_list(struct sc_out *o)
{
  if (o->in_list)
    fputc(']', o->f);
  o->in_list = false;
}

void sc_out_end(struct sc_out *o)
{
  if (o->mode != SC_JSON || !o->in_object)
    return;
  close_list(o);
  fputs("}\n", o->f);
  o->in_object = false;
}

void sc_out_list(struct sc_out *o, const char *key)
{
  if (o->mode != SC_JSON)
    return;
  close_list(o);
  json_key(o, key);
  fputc('[', o->f);
  o->in_list = true;
  o->first_item = true;
}

void sc_out_text(struct sc_out *o, const char *text)
{
  if (o->mode == SC_HUMAN)
    fputs(text, o->f);
}

void sc_out_header(struct sc_out *o, const char *header)
{
  if (o->mode != SC_HUMAN)
    return;
  fprintf(o->f, "%s\n", header);
  for (size_t i = strlen(header); i > 0; i--)
    fputc('=', o->f);
  fputc('\n', o->f);
}

void sc_out_status(struct sc_out *o, const char *line)
{
  if (o->mode != SC_JSON) {
    fprintf(o->f, "%s\n", line);
    return;
  }
  close_list(o);
  json_key(o, "status");
  fprintf(o->f, "%d", atoi(line));
  json_key(o, "message");
  const char *space = strchr(line, ' ');
  json_string(o->f, space ? space + 1 : line);
}

void sc_out_error(struct sc_out *o, const char *message)
{
  if (*message)
    fprintf(o->err, "%s\n", message);
  if (o->mode != SC_JSON || !o->in_object)
    return;
  close_list(o);
  json_key(o, "error");
  json_string(o->f, message);
}

/* ---------------------------------------------------------------- fields */

/* Parse "%[+-][width][.prec]X{key}" at *p (just after the '%'). */
static const char *parse_spec(const char *p, struct spec *s)
{
  memset(s, 0, sizeof(*s));
  s->prec = 5;
  if (*p == '+' || *p == '-') {
    s->sign = *p == '+';
    s->left = *p == '-';
    p++;
  }
  while (isdigit((unsigned char)*p))
    s->width = s->width * 10 + (*p++ - '0');
  if (*p == '.') {
    s->prec = 0;
    for (p++; isdigit((unsigned char)*p); p++)
      s->prec = s->prec * 10 + (*p - '0');
  }
  s->conv = *p ? *p++ : '\0';
  if (*p == '{') {
    const char *end = strchr(p, '}');
    assert(end && (size_t)(end - p - 1) < sizeof(s->key));
    memcpy(s->key, p + 1, (size_t)(end - p - 1));
    p = end + 1;
  }
  return p;
}

/* chronyc -c: no widths or signs, offsets with 9 decimals, frequencies
 * with 3, intervals and client log intervals as plain numbers. */
static void csv_spec(struct spec *s)
{
  s->sign = s->left = false;
  s->width = 0;
  switch (s->conv) {
  case 'C': s->conv = 'd'; break;
  case 'F': case 'P': s->prec = 3; s->conv = 'f'; break;
  case 'O': case 'S': s->prec = 9; s->conv = 'f'; break;
  case 'I': s->conv = 'U'; break;
  default: break;
  }
}

static void text_double(FILE *f, const struct spec *s, double d, char *buf, size_t len)
{
  switch (s->conv) {
  case 'O':
  case 'F':
    /* a positive correction means the clock is slow; positive frequency fast */
    fprintf(f, "%*.*f %s %s", s->width, s->prec, fabs(d), s->conv == 'O' ? "seconds" : "ppm",
            (d > 0.0) == (s->conv == 'O') ? "slow" : "fast");
    return;
  case 'P':
    sc_fmt_freq(buf, len, d, s->sign);
    break;
  case 'S':
    sc_fmt_offset(buf, len, d, s->sign);
    break;
  default:
    snprintf(buf, len, s->sign ? "%+*.*f" : "%*.*f", s->width, s->prec, d);
  }
  fputs(buf, f);
}

/* A field as text: the human form, or the CSV one after csv_spec(). */
static void text_field(FILE *f, const struct spec *s, union sc_val v, bool csv)
{
  char buf[SC_FMT_LEN];
  switch (s->conv) {
  case 'B': fputs(v.i ? "Yes" : "No", f); return;
  case 'C': sc_fmt_log_interval(buf, sizeof(buf), (int)v.i); break;
  case 'I': sc_fmt_interval(buf, sizeof(buf), (uint32_t)v.i); break;
  case 'L': fputs(sc_leap_name((int)v.i, s->width == 1), f); return;
  case 'M': fputs(sc_ntp_mode_name((int)v.i), f); return;
  case 'N': fputs(sc_timestamp_source_name((int)v.i), f); return;
  case 'R': snprintf(buf, sizeof(buf), "%08llX", v.i & 0xffffffffLL); break;
  case 'T':
    (csv ? sc_fmt_epoch : sc_fmt_utc)(buf, sizeof(buf), v.t);
    break;
  case 'b': sc_fmt_bits(buf, sizeof(buf), (unsigned)v.i, s->prec); break;
  case 'c': snprintf(buf, sizeof(buf), "%c", (int)v.i); break;
  case 'd': case 'u': case 'U':
    snprintf(buf, sizeof(buf), "%*lld", s->width, v.i);
    break;
  case 'Q': snprintf(buf, sizeof(buf), "%*llu", s->width, (unsigned long long)v.i); break;
  case 'o': snprintf(buf, sizeof(buf), "%*llo", s->width, (unsigned long long)v.i); break;
  case 's': fprintf(f, s->left ? "%-*s" : "%*s", s->width, v.s); return;
  default: text_double(f, s, v.d, buf, sizeof(buf)); return;
  }
  fputs(buf, f);
}

/* A measured value (the protocol's Float has 25 bits: 9 digits say it
 * all), always written as a real number (1.0, not 1) so that a parser's
 * type does not depend on the value. */
static void json_number(FILE *f, double d)
{
  char buf[40];
  if (!isfinite(d)) {
    fputs("null", f);
    return;
  }
  snprintf(buf, sizeof(buf), "%.9g", d);
  fputs(buf, f);
  if (!strpbrk(buf, ".eE"))
    fputs(".0", f);
}

static void json_field(FILE *f, const struct spec *s, union sc_val v)
{
  char buf[SC_FMT_LEN];
  switch (s->conv) {
  case 'B': fputs(v.i ? "true" : "false", f); return;
  case 'C': if (v.i >= 127) fputs("null", f); else fprintf(f, "%lld", v.i); return;
  case 'I': if (v.i == UINT32_MAX) fputs("null", f); else fprintf(f, "%lld", v.i); return;
  case 'd': case 'u': case 'U': case 'o': fprintf(f, "%lld", v.i); return;
  case 'Q': fprintf(f, "%llu", (unsigned long long)v.i); return;
  case 'L': json_string(f, sc_leap_name((int)v.i, 0)); return;
  case 'M': json_string(f, sc_ntp_mode_name((int)v.i)); return;
  case 'N': json_string(f, sc_timestamp_source_name((int)v.i)); return;
  case 'R': snprintf(buf, sizeof(buf), "%08llX", v.i & 0xffffffffLL); break;
  case 'T': sc_fmt_epoch(buf, sizeof(buf), v.t); fputs(buf, f); return;
  case 'b': sc_fmt_bits(buf, sizeof(buf), (unsigned)v.i, s->prec); break;
  case 'c': snprintf(buf, sizeof(buf), "%c", (int)v.i); break;
  case 's': json_string(f, v.s); return;
  default: json_number(f, v.d); return;
  }
  json_string(f, buf);
}

static void record_field(struct sc_out *o, struct spec *s, union sc_val v, int index)
{
  switch (o->mode) {
  case SC_HUMAN:
    text_field(o->f, s, v, false);
    break;
  case SC_CSV:
    if (index > 0)
      fputc(',', o->f);
    csv_spec(s);
    text_field(o->f, s, v, true);
    break;
  case SC_JSON:
    if (s->key[0]) {
      json_key(o, s->key);
      json_field(o->f, s, v);
    }
    break;
  }
}

static void record_open(struct sc_out *o)
{
  if (o->mode != SC_JSON || !o->in_list)
    return;
  if (!o->first_item)
    fputc(',', o->f);
  o->first_item = false;
  fputc('{', o->f);
  o->first_member = true;
}

static void record_close(struct sc_out *o)
{
  if (o->mode == SC_CSV)
    fputc('\n', o->f);
  else if (o->mode == SC_JSON && o->in_list)
    fputc('}', o->f);
}

void sc_out_record(struct sc_out *o, const char *format, const union sc_val *v, int n)
{
  int index = 0;
  record_open(o);
  while (*format) {
    const char *pct = strchr(format, '%');
    size_t lit = pct ? (size_t)(pct - format) : strlen(format);
    if (o->mode == SC_HUMAN)
      fwrite(format, 1, lit, o->f);
    format += lit;
    if (!pct)
      break;
    struct spec s;
    format = parse_spec(format + 1, &s);
    assert(index < n);             /* a format/values mismatch is our bug */
    record_field(o, &s, v[index], index);
    index++;
  }
  assert(index == n);
  record_close(o);
}
