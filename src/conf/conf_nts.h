/* conf_nts: NTS directives that take lists: ntsaeads ID..., ntsservercert
 * FILE, ntsserverkey FILE (both repeatable, paired in order) and
 * ntstrustedcerts [SET-ID] FILE|DIRECTORY. */
#ifndef STRATUM_CONF_NTS_H
#define STRATUM_CONF_NTS_H

#include "conf/conf_ctx.h"

/* chrony's default AEAD list: AES-128-GCM-SIV, then AES-SIV-CMAC-256 */
void conf_ntsaeads_defaults(struct config *c);

conf_parse_fn conf_ntsaeads_parse, conf_ntsservercert_parse, conf_ntsserverkey_parse,
  conf_ntstrustedcerts_parse;
conf_print_fn conf_ntsaeads_print, conf_ntsservercert_print, conf_ntsserverkey_print,
  conf_ntstrustedcerts_print;

#endif
