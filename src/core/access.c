#include "core/access.h"

#include <stdlib.h>
#include <string.h>

void access_init(struct access_table *t, bool default_allow)
{
  memset(t, 0, sizeof(*t));
  t->default_allow = default_allow;
}

void access_free(struct access_table *t)
{
  free(t->rules);
  memset(t, 0, sizeof(*t));
}

/* Is subnet `inner` equal to or inside `outer`? */
static bool subnet_within(const struct ip_subnet *inner, const struct ip_subnet *outer)
{
  return inner->addr.family == outer->addr.family && inner->prefix >= outer->prefix &&
         subnet_contains(outer, &inner->addr);
}

static bool set_rule(struct access_table *t, const struct ip_subnet *net, bool allow, bool all)
{
  unsigned kept = 0;
  for (unsigned i = 0; i < t->n; i++) {
    bool same = t->rules[i].net.prefix == net->prefix &&
                subnet_within(&t->rules[i].net, net);
    if (same || (all && subnet_within(&t->rules[i].net, net)))
      continue;
    t->rules[kept++] = t->rules[i];
  }
  t->n = kept;
  if (t->n == t->cap) {
    unsigned cap = t->cap ? t->cap * 2 : 8;
    struct access_rule *r = realloc(t->rules, cap * sizeof(*r));
    if (!r)
      return false;
    t->rules = r;
    t->cap = cap;
  }
  t->rules[t->n++] = (struct access_rule){*net, allow};
  return true;
}

/* chronyd's table has a level every 4 bits (addrfilt.c): a prefix between
 * two levels sets each subnet of the next level down that it covers. */
#define LEVEL_BITS 4

static bool set_level_rules(struct access_table *t, const struct ip_subnet *net, bool allow,
                            bool all)
{
  int level = (net->prefix + LEVEL_BITS - 1) / LEVEL_BITS * LEVEL_BITS;
  unsigned extra = (unsigned)(level - net->prefix);
  for (unsigned i = 0; i < 1u << extra; i++) {
    struct ip_subnet sub = {net->addr, level};
    for (unsigned b = 0; b < extra; b++)   /* bit b of i: address bit level - 1 - b */
      if (i >> b & 1) {
        int bit = level - 1 - (int)b;
        sub.addr.bytes[bit / 8] |= (uint8_t)(0x80 >> bit % 8);
      }
    if (!set_rule(t, &sub, allow, all))
      return false;
  }
  return true;
}

bool access_add(struct access_table *t, const struct ip_subnet *net, bool allow, bool all)
{
  if (net->addr.family != ADDR_UNSPEC)
    return set_level_rules(t, net, allow, all);
  struct ip_subnet any4 = {.addr = {.family = ADDR_INET4}, .prefix = 0};
  struct ip_subnet any6 = {.addr = {.family = ADDR_INET6}, .prefix = 0};
  return set_rule(t, &any4, allow, all) && set_rule(t, &any6, allow, all);
}

bool access_check(const struct access_table *t, const struct ip_addr *a)
{
  struct ip_addr addr = addr_unmap_v4(a);
  int best_prefix = -1;
  bool verdict = t->default_allow;
  for (unsigned i = 0; i < t->n; i++) {
    const struct access_rule *r = &t->rules[i];
    if (r->net.prefix > best_prefix && subnet_contains(&r->net, &addr)) {
      best_prefix = r->net.prefix;
      verdict = r->allow;
    }
  }
  return verdict;
}

bool access_any_allowed(const struct access_table *t, enum addr_family family)
{
  bool root_rule = false;
  for (unsigned i = 0; i < t->n; i++) {
    if (t->rules[i].net.addr.family != family)
      continue;
    if (t->rules[i].allow)
      return true;
    root_rule |= t->rules[i].net.prefix == 0;
  }
  /* Only a default of allow with no deny of the whole family remains. */
  return t->default_allow && !root_rule;
}
