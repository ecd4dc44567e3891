/* conf_mem: allocation helpers for the configuration.
 *
 * Running out of memory while reading a configuration is not recoverable for
 * the daemon, so these abort instead of returning NULL. */
#ifndef STRATUM_CONF_MEM_H
#define STRATUM_CONF_MEM_H

#include <stddef.h>

#include "conf/config.h"

void *conf_xmalloc(size_t size);
void *conf_xrealloc(void *p, size_t size);
char *conf_xstrdup(const char *s);
/* Replace *dst by a copy of s (NULL clears it). */
void conf_set_string(char **dst, const char *s);

/* Append one zeroed element of `size` bytes to the array *items of *n
 * elements and return it. The capacity doubles at powers of two, so no
 * separate capacity field is needed. */
void *conf_append(void *items, unsigned *n, size_t size);

/* The copy of name kept in c->files (one per distinct name), for the file
 * pointers of sources and refclocks. */
const char *conf_intern(struct config *c, const char *name);

void conf_strings_add(struct conf_strings *l, const char *s);
void conf_strings_free(struct conf_strings *l);

#endif
