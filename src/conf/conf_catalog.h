/* conf_catalog: what this build does with each directive and each
 * server/pool/peer option, for scripts and for the documentation's tests
 * (`stratumd --directives`). One line each, fields separated by a tab:
 *   directive NAME acted|ignored|obsolete|obsolete-silent
 *   option server NAME acted|ignored|refused
 * in the order of the parser's tables ("ignored": accepted with the
 * warning that this build does not act on it; "refused": a source with the
 * option is an error). */
#ifndef STRATUM_CONF_CATALOG_H
#define STRATUM_CONF_CATALOG_H

#include <stdio.h>

void conf_catalog_print(FILE *out);

#endif
