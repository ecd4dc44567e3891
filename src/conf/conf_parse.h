/* conf_parse: the text parser shared by config.c and conf_include.c. */
#ifndef STRATUM_CONF_PARSE_H
#define STRATUM_CONF_PARSE_H

#include "conf/conf_ctx.h"

/* Parse text as file `name`; loader is NULL when no file may be read. */
void conf_parse_buffer(struct config *c, const char *text, size_t len, const char *name,
                       struct conf_diag *d, struct conf_loader *loader);

#endif
