/* conf_net: directives that take network addresses: allow/deny and
 * cmdallow/cmddeny (with chrony's shortened subnets such as 192.168.1),
 * bindaddress, bindacqaddress, bindcmdaddress, bindmetricsaddress and
 * broadcast. */
#ifndef STRATUM_CONF_NET_H
#define STRATUM_CONF_NET_H

#include "conf/conf_ctx.h"

conf_parse_fn conf_allow_parse, conf_deny_parse, conf_cmdallow_parse, conf_cmddeny_parse;
conf_print_fn conf_access_print, conf_cmd_access_print;   /* allow and deny in file order */

conf_parse_fn conf_bindaddress_parse, conf_bindacqaddress_parse, conf_bindcmdaddress_parse,
    conf_bindmetricsaddress_parse;
conf_print_fn conf_bindaddress_print, conf_bindacqaddress_print, conf_bindcmdaddress_print,
    conf_bindmetricsaddress_print;

conf_parse_fn conf_broadcast_parse;
conf_print_fn conf_broadcast_print;

#endif
