/* ossl_load: the OpenSSL module stratum-ossl.so (proto/ossl.h) loaded into
 * the process when its configuration needs it, from a fixed path: the
 * build directory's when the executable runs from it, else the installed
 * one (libdir/stratum). As chronyd checks its files, a module not owned by
 * root (or by the user running the process) or writable by group or
 * others is refused. Load it before dropping privileges: it stays loaded. */
#ifndef STRATUM_SYS_OSSL_LOAD_H
#define STRATUM_SYS_OSSL_LOAD_H

#include <stdbool.h>
#include <stddef.h>

/* Load the module (once) and set its table; false with the reason in err
 * (naming the file) if it cannot be. */
bool ossl_load(char *err, size_t err_cap);
/* The same from this file (tests). */
bool ossl_load_file(const char *path, char *err, size_t err_cap);
/* Where ossl_load looks. */
const char *ossl_load_path(void);

#endif
