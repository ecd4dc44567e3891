/* out: one report record in chronyc's human layout, chronyc's CSV (-c), or
 * JSON (-j), from one format string.
 *
 * The format is chronyc-like: literal text (human output only) and fields
 * %[+|-][width][.prec]X{key}, X one of
 *   d u U o Q   integers          C  client log interval (127: unknown)
 *   I  interval in s (4 columns)  f  double      c  character   s  string
 *   O  offset "s fast/slow"       F  frequency "ppm fast/slow"
 *   P  frequency, 10 columns      S  offset with a unit (ns, us...)
 *   R  reference ID in hex        L  leap status (width 1: one letter)
 *   M  NTP mode  N  timestamping  B  Yes/No  b  bits (prec of them)
 *   T  time: a UTC date (CSV: seconds since the epoch)
 * CSV drops the text and joins the fields with commas, as chronyc -c;
 * JSON writes "key": value members (numbers as numbers) of the command's
 * object, or of one element of its list. */
#ifndef STRATUM_STRATUMC_OUT_H
#define STRATUM_STRATUMC_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

enum sc_mode { SC_HUMAN, SC_CSV, SC_JSON };

union sc_val {
  long long i;                     /* every integer spec, B, c */
  double d;                        /* f O F P S */
  const char *s;                   /* s */
  const struct timespec *t;        /* T */
};
#define SV_I(x) ((union sc_val){.i = (long long)(x)})
#define SV_D(x) ((union sc_val){.d = (x)})
#define SV_S(x) ((union sc_val){.s = (x)})
#define SV_T(x) ((union sc_val){.t = (x)})

struct sc_out {
  FILE *f;
  FILE *err;                       /* messages: stderr unless the caller sets another */
  enum sc_mode mode;
  bool in_object, in_list, first_member, first_item;
};

void sc_out_init(struct sc_out *o, FILE *f, enum sc_mode mode);
/* The command's JSON object (nothing in the other modes). */
void sc_out_begin(struct sc_out *o, const char *command);
void sc_out_end(struct sc_out *o);
/* A JSON list member whose elements the following records are. */
void sc_out_list(struct sc_out *o, const char *key);
void sc_out_record(struct sc_out *o, const char *format, const union sc_val *v, int n);
/* Text of the human form only (legends, headers, info lines). */
void sc_out_text(struct sc_out *o, const char *text);
/* A table header and its line of '=' (human form only). */
void sc_out_header(struct sc_out *o, const char *header);
/* A reply status or client error line such as "506 Cannot talk to daemon":
 * printed as such, in JSON "status" and "message" members. */
void sc_out_status(struct sc_out *o, const char *line);
/* A message for stderr; in JSON also an "error" member. */
void sc_out_error(struct sc_out *o, const char *message);

#endif
