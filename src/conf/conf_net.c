#include "conf/conf_net.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_mem.h"
#include "conf/conf_value.h"

#define MAX_HOST_NAME 253

/* A DNS name as a host could have: letters, digits, '-', '.', '_', at
 * least one letter (so no malformed address passes for a name). */
static bool host_name(const char *s)
{
  bool letter = false;
  size_t n = 0;
  for (; s[n]; n++) {
    char ch = s[n];
    bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    if (!alpha && !(ch >= '0' && ch <= '9') && ch != '-' && ch != '.' && ch != '_')
      return false;
    letter |= alpha;
  }
  return letter && n <= MAX_HOST_NAME && s[0] != '-' && s[0] != '.';
}

/* [all] [SUBNET|NAME]: no subnet means every IPv4 and IPv6 address. As in
 * chrony, "all" is matched case-sensitively, and a host name stands for its
 * first address; it is resolved by the daemon (conf_access_resolve), and
 * one that does not resolve is an error, never a wider rule. */
static bool parse_access(struct conf_ctx *x, struct conf_list_access *list, bool allow,
                         int argc, const char *const *argv)
{
  struct conf_access a = {.allow = allow, .file = x->file, .line = x->line};
  if (argc > 0 && strcmp(argv[0], "all") == 0) {
    a.all = true;
    argc--;
    argv++;
  }
  if (!conf_arg_count(x, argc, 0, 1, "[all] [ADDRESS[/BITS]|NAME]"))
    return false;
  if (argc == 1 && !subnet_parse(argv[0], &a.net)) {
    if (!host_name(argv[0])) {
      conf_expected(x, NULL, "an IP address, subnet (ADDRESS[/BITS]) or host name", argv[0]);
      return false;
    }
    a.name = conf_xstrdup(argv[0]);
  }
  *(struct conf_access *)conf_append(&list->items, &list->n, sizeof(a)) = a;
  return true;
}

static void resolve_list(struct conf_list_access *list, const char *directive,
                         conf_resolve_fn *resolve, void *arg, struct conf_diag *d)
{
  for (unsigned i = 0; i < list->n; i++) {
    struct conf_access *a = &list->items[i];
    if (!a->name)
      continue;
    if (!resolve(arg, a->name, &a->net.addr)) {
      conf_diag_add(d, CONF_ERROR, "%s:%d: %s%s: could not resolve address of %s", a->file,
                    a->line, directive, a->allow ? "allow" : "deny", a->name);
      continue;
    }
    a->net.prefix = a->net.addr.family == ADDR_INET6 ? 128 : 32;
  }
}

void conf_access_resolve(struct config *c, conf_resolve_fn *resolve, void *arg,
                         struct conf_diag *d)
{
  resolve_list(&c->access, "", resolve, arg, d);
  resolve_list(&c->cmd_access, "cmd", resolve, arg, d);
}

bool conf_allow_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  return parse_access(x, &c->access, true, argc, argv);
}

bool conf_deny_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  return parse_access(x, &c->access, false, argc, argv);
}

bool conf_cmdallow_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  return parse_access(x, &c->cmd_access, true, argc, argv);
}

bool conf_cmddeny_parse(struct conf_ctx *x, struct config *c, int argc, const char *const *argv)
{
  return parse_access(x, &c->cmd_access, false, argc, argv);
}

static void print_access(FILE *out, const struct conf_list_access *list, const char *prefix)
{
  char buf[ADDR_STR_LEN];
  for (unsigned i = 0; i < list->n; i++) {
    const struct conf_access *a = &list->items[i];
    fprintf(out, "%s%s%s", prefix, a->allow ? "allow" : "deny", a->all ? " all" : "");
    if (a->name)
      fprintf(out, " %s", a->name);
    else if (a->net.addr.family != ADDR_UNSPEC)
      fprintf(out, " %s", subnet_format(&a->net, buf));
    fputc('\n', out);
  }
}

void conf_access_print(const struct config *c, FILE *out)
{
  print_access(out, &c->access, "");
}

void conf_cmd_access_print(const struct config *c, FILE *out)
{
  print_access(out, &c->cmd_access, "cmd");
}

/* One address per family; a later directive replaces the earlier one. */
static bool parse_bind(struct conf_ctx *x, int argc, const char *const *argv,
                       bool *have4, struct ip_addr *a4, bool *have6, struct ip_addr *a6)
{
  struct ip_addr a;
  if (!conf_arg_count(x, argc, 1, 1, "ADDRESS") || !conf_arg_addr(x, NULL, argv[0], &a))
    return false;
  if (a.family == ADDR_INET4) {
    *have4 = true;
    *a4 = a;
  } else {
    *have6 = true;
    *a6 = a;
  }
  return true;
}

static void print_bind(FILE *out, const char *name, bool have4, const struct ip_addr *a4,
                       bool have6, const struct ip_addr *a6)
{
  char buf[ADDR_STR_LEN];
  if (have4)
    fprintf(out, "%s %s\n", name, addr_format(a4, buf));
  if (have6)
    fprintf(out, "%s %s\n", name, addr_format(a6, buf));
}

bool conf_bindaddress_parse(struct conf_ctx *x, struct config *c, int argc,
                            const char *const *argv)
{
  return parse_bind(x, argc, argv, &c->have_bind4, &c->bind4, &c->have_bind6, &c->bind6);
}

void conf_bindaddress_print(const struct config *c, FILE *out)
{
  print_bind(out, "bindaddress", c->have_bind4, &c->bind4, c->have_bind6, &c->bind6);
}

bool conf_bindacqaddress_parse(struct conf_ctx *x, struct config *c, int argc,
                               const char *const *argv)
{
  return parse_bind(x, argc, argv, &c->have_bindacq4, &c->bindacq4, &c->have_bindacq6,
                    &c->bindacq6);
}

void conf_bindacqaddress_print(const struct config *c, FILE *out)
{
  print_bind(out, "bindacqaddress", c->have_bindacq4, &c->bindacq4, c->have_bindacq6,
             &c->bindacq6);
}

/* ADDRESS, or the path of the Unix command socket ("/" disables it). */
bool conf_bindcmdaddress_parse(struct conf_ctx *x, struct config *c, int argc,
                               const char *const *argv)
{
  if (!conf_arg_count(x, argc, 1, 1, "ADDRESS|PATH"))
    return false;
  if (argv[0][0] == '/') {
    conf_set_string(&c->bindcmdpath, strcmp(argv[0], "/") == 0 ? NULL : argv[0]);
    return true;
  }
  return parse_bind(x, argc, argv, &c->have_bindcmd4, &c->bindcmd4, &c->have_bindcmd6,
                    &c->bindcmd6);
}

void conf_bindcmdaddress_print(const struct config *c, FILE *out)
{
  print_bind(out, "bindcmdaddress", c->have_bindcmd4, &c->bindcmd4, c->have_bindcmd6,
             &c->bindcmd6);
  if (!c->bindcmdpath)
    fputs("bindcmdaddress /\n", out);
  else if (strcmp(c->bindcmdpath, CONF_DEFAULT_CMDSOCKET) != 0)
    fprintf(out, "bindcmdaddress %s\n", c->bindcmdpath);
}

/* The address of the metrics server (one per family; metricsport). */
bool conf_bindmetricsaddress_parse(struct conf_ctx *x, struct config *c, int argc,
                                   const char *const *argv)
{
  return parse_bind(x, argc, argv, &c->have_bindmetrics4, &c->bindmetrics4,
                    &c->have_bindmetrics6, &c->bindmetrics6);
}

void conf_bindmetricsaddress_print(const struct config *c, FILE *out)
{
  print_bind(out, "bindmetricsaddress", c->have_bindmetrics4, &c->bindmetrics4,
             c->have_bindmetrics6, &c->bindmetrics6);
}

bool conf_broadcast_parse(struct conf_ctx *x, struct config *c, int argc,
                          const char *const *argv)
{
  struct conf_broadcast b = {.port = 123};
  if (!conf_arg_count(x, argc, 2, 3, "INTERVAL ADDRESS [PORT]") ||
      !conf_arg_int(x, NULL, argv[0], 1, INT_MAX, &b.interval) ||
      !conf_arg_addr(x, NULL, argv[1], &b.addr) ||
      (argc == 3 && !conf_arg_port(x, NULL, argv[2], &b.port)))
    return false;
  *(struct conf_broadcast *)conf_append(&c->broadcasts, &c->n_broadcasts, sizeof(b)) = b;
  return true;
}

void conf_broadcast_print(const struct config *c, FILE *out)
{
  char buf[ADDR_STR_LEN];
  for (unsigned i = 0; i < c->n_broadcasts; i++) {
    const struct conf_broadcast *b = &c->broadcasts[i];
    fprintf(out, "broadcast %d %s %u\n", b->interval, addr_format(&b->addr, buf),
            (unsigned)b->port);
  }
}
