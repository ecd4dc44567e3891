/* conf_value: one argument word -> number, port, keyword or address.
 *
 * The whole word must be the value: "4x", "1.5s" or "" are errors, unlike
 * chrony's sscanf which ignores what follows a number. Each conf_arg_*
 * reports "[OPT: ]expected ..., got 'WORD'" through the context. */
#ifndef STRATUM_CONF_VALUE_H
#define STRATUM_CONF_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf_ctx.h"
#include "core/addr.h"

#define CONF_NUM_LEN 32

/* Decimal integer in [min, max]; an optional sign is allowed. */
bool conf_to_integer(const char *s, long long min, long long max, long long *out);
/* Decimal without sign, whole uint64_t range. */
bool conf_to_u64(const char *s, uint64_t *out);
/* A finite floating-point number (strtod syntax). */
bool conf_to_double(const char *s, double *out);

/* Report "[OPT: ]expected WHAT, got 'S'". opt names the option for
 * messages; NULL for a directive's own argument. */
void conf_expected(struct conf_ctx *x, const char *opt, const char *what, const char *s);

bool conf_arg_integer(struct conf_ctx *x, const char *opt, const char *s,
                      long long min, long long max, long long *out);
bool conf_arg_int(struct conf_ctx *x, const char *opt, const char *s, int min, int max, int *out);
bool conf_arg_port(struct conf_ctx *x, const char *opt, const char *s, uint16_t *out);
bool conf_arg_double(struct conf_ctx *x, const char *opt, const char *s, double *out);
bool conf_arg_addr(struct conf_ctx *x, const char *opt, const char *s, struct ip_addr *out);
/* Case-insensitive match against names[0..n); NULL entries cannot be written. */
bool conf_arg_keyword(struct conf_ctx *x, const char *opt, const char *s,
                      const char *const *names, int n, int *out);

/* Check min <= argc <= max, else "missing/too many arguments (usage: ...)". */
bool conf_arg_count(struct conf_ctx *x, int argc, int min, int max, const char *usage);

/* Shortest text that reads back as exactly v. */
const char *conf_fmt_double(double v, char buf[CONF_NUM_LEN]);

#endif
