#include "sim/scenarios.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/client.h"
#include "core/reference.h"
#include "sim/sim_metrics.h"
#include "sim/sim_server.h"
#include "sim/sim_world.h"

/* chrony's test/simulation/test.common defaults, in the simulator's units:
 * time_offset 0.1 s, freq_offset 1e-4 (100 ppm, the clock runs fast),
 * wander 1e-9 per one-second step (1e-3 ppm/sqrt(s)), base_delay 1e-4 s
 * plus jitter 1e-4 s * exponential, on each direction; minpoll 6, maxpoll
 * 10, no makestep, limit 10000 s. */
#define CLIENT_CLOCK {.offset = 0.1, .freq = 100.0, .wander = 1e-3}
#define LAN {.delay = 100e-6, .jitter = 100e-6, .jitter_kind = SIM_JITTER_EXP}
/* 101-poll and 109-makestep: 1 us or 10 us of jitter, no wander. */
#define STILL_CLOCK(off) {.offset = (off), .freq = 100.0, .wander = 0.0}
#define JITTER(j) {.delay = 100e-6, .jitter = (j), .jitter_kind = SIM_JITTER_EXP}
#define QUIET {.delay = 100e-6, .jitter = 0.0, .jitter_kind = SIM_JITTER_EXP}

#define SAMPLE_INTERVAL 1.0        /* s, metrics and selection sampling */
#define CLIENT_PRECISION (-20)
#define CLIENT_ADDR "192.168.123.100"
#define SERVER_ADDR_FMT "192.168.123.%u"   /* servers 1..N, as chrony's tests */
#define ERA_2036 ((time_t)2085978496)      /* 2036-02-07T06:28:16Z */

static const struct scenario scenarios[] = {
  {
    .name = "defaults",
    .about = "chrony's default test settings (001-defaults), longer run",
    .duration = 20000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "iburst",
    .about = "defaults with iburst (102-iburst, without its makestep and drift file)",
    .duration = 20000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10, .iburst = true,
  },
  {
    .name = "large-offset",
    .about = "client 100 s ahead at start, slewed at maxslewrate (004-largetimeoffset)",
    .duration = 10000.0,
    .client_clock = {.offset = 100.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "large-offset-behind",
    .about = "client 100 s behind at start, slewed at maxslewrate (004-largetimeoffset)",
    .duration = 10000.0,
    .client_clock = {.offset = -100.0, .freq = 100.0, .wander = 1e-3},
    .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "large-jitter",
    .about = "10 ms exponential jitter each way (006-largejitter, scaled)",
    .duration = 20000.0, .settle = 2000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 10e-3}, .down = {.delay = 100e-6, .jitter = 10e-3},
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "large-wander",
    .about = "frequency random walk of 0.1 ppm/sqrt(s) (007-largewander: wander 1e-7)",
    .duration = 20000.0, .settle = 1000.0,
    .client_clock = {.offset = 0.1, .freq = 100.0, .wander = 0.1},
    .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "falsetickers",
    .about = "5 servers, 1 ms away, 2 of them 1 s and 2 s wrong (009-sourceselection)",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 5,
    .server_offset = {1.0, 2.0, 0.0, 0.0, 0.0},
    .up = {.delay = 1e-3, .jitter = 100e-6}, .down = {.delay = 1e-3, .jitter = 100e-6},
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "asym-jitter",
    .about = "1 ms exponential jitter on requests only, none on replies",
    .duration = 20000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 1e-3}, .down = QUIET,
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "packet-loss",
    .about = "33 % of datagrams lost in each direction (55 % of exchanges)",
    .duration = 20000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1,
    .up = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.33},
    .down = {.delay = 100e-6, .jitter = 100e-6, .loss = 0.33},
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "intermittent",
    .about = "server reachable 1200 s of every 10000 s (014-intermittent)",
    .duration = 100000.0, .settle = 1200.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
    .outage_period = 10000.0, .outage_open = 1200.0,
  },
  {
    .name = "external-step",
    .about = "client clock stepped +0.5 s by an outside force at 20000 s (005-externalstep)",
    .duration = 40000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
    .ext_step_at = 20000.0, .ext_step = 0.5,
  },
  {
    .name = "external-step-forward",
    .about = "client clock stepped +100 s by an outside force at 150 s (005-externalstep)",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
    .ext_step_at = 150.0, .ext_step = 100.0,
  },
  {
    .name = "external-step-backward",
    .about = "client clock stepped -100 s by an outside force at 150 s (005-externalstep)",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
    .ext_step_at = 150.0, .ext_step = -100.0,
  },
  {
    .name = "era-2036",
    .about = "start 500 s before the NTP era rollover, 2036-02-07T06:28:16Z (008-ntpera)",
    .duration = 10000.0, .start = ERA_2036 - 500,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10,
  },
  {
    .name = "fast-poll",
    .about = "minpoll 4 maxpoll 4 (101-poll)",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 4, .maxpoll = 4,
  },
  {
    .name = "fuzzed-server",
    .about = "defaults, the server's stamps fuzzed below its precision as chronyd's (001)",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 6, .maxpoll = 10, .server_fuzz = true,
  },
  {
    .name = "poll-1",
    .about = "minpoll 1 maxpoll 1, makestep 1e-2 1, 1 us jitter, no wander (101-poll)",
    .duration = 20.0, .sync_threshold = 1e-5, .late_from = 10.0,
    .client_clock = STILL_CLOCK(0.1), .n_servers = 1, .up = JITTER(1e-6), .down = JITTER(1e-6),
    .minpoll = 1, .maxpoll = 1, .makestep_threshold = 1e-2, .makestep_limit = 1,
  },
  {
    .name = "makestep-1e8",
    .about = "client 1e8 s ahead, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(1e8), .n_servers = 1, .up = JITTER(1e-5), .down = JITTER(1e-5),
    .minpoll = 6, .maxpoll = 10, .makestep_threshold = 2.0, .makestep_limit = 1,
  },
  {
    .name = "makestep-minus-1e8",
    .about = "client 1e8 s behind, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(-1e8), .n_servers = 1, .up = JITTER(1e-5),
    .down = JITTER(1e-5), .minpoll = 6, .maxpoll = 10, .makestep_threshold = 2.0,
    .makestep_limit = 1,
  },
  {
    .name = "makestep-1",
    .about = "client 1 s ahead, makestep 2 1, 10 us jitter, no wander (109-makestep)",
    .duration = 200.0, .late_from = 150.0,
    .client_clock = STILL_CLOCK(1.0), .n_servers = 1, .up = JITTER(1e-5), .down = JITTER(1e-5),
    .minpoll = 6, .maxpoll = 10, .makestep_threshold = 2.0, .makestep_limit = 1,
  },
  {
    .name = "ratelimit",
    .about = "minpoll 3 maxpoll 3, server ratelimit interval 6 burst 2 leak 4 (135-ratelimit)",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 3, .maxpoll = 3,
    .server_ratelimit = {.enabled = true, .interval = 6, .burst = 2, .leak = 4},
  },
  {
    .name = "ratelimit-kod",
    .about = "as ratelimit, with kod 2: KoD RATE slows the client (135-ratelimit)",
    .duration = 10000.0,
    .client_clock = CLIENT_CLOCK, .n_servers = 1, .up = LAN, .down = LAN,
    .minpoll = 3, .maxpoll = 3,
    .server_ratelimit = {.enabled = true, .interval = 6, .burst = 2, .leak = 4, .kod = 2},
  },
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

size_t scenario_count(void)
{
  return N_SCENARIOS;
}

const struct scenario *scenario_get(size_t i)
{
  return i < N_SCENARIOS ? &scenarios[i] : NULL;
}

const struct scenario *scenario_find(const char *name)
{
  for (size_t i = 0; i < N_SCENARIOS; i++)
    if (strcmp(scenarios[i].name, name) == 0)
      return &scenarios[i];
  return NULL;
}

/* ------------------------------------------------------------------ runner */

/* Reads the client's selection once a second, from the start to the end. */
struct observer {
  struct sim_sched *sched;
  sim_time next;
  const struct client *client;
  const struct ip_addr *falsetickers;
  unsigned n_falsetickers;
  int last_selected;
  struct scenario_result *out;
  bool trace;                      /* keep every sample's selection */
  int *selections;
  size_t n_selections, cap_selections;
};

static void keep_selection(struct observer *o, int sel)
{
  if (o->n_selections == o->cap_selections) {
    size_t cap = o->cap_selections ? o->cap_selections * 2 : 1024;
    int *p = realloc(o->selections, cap * sizeof(*p));
    if (!p) {
      o->trace = false;
      return;
    }
    o->selections = p;
    o->cap_selections = cap;
  }
  o->selections[o->n_selections++] = sel;
}

static void observe(void *arg)
{
  struct observer *o = arg;
  struct scenario_result *r = o->out;
  int sel = client_selected(o->client);
  if (o->trace)
    keep_selection(o, sel);
  if (sel != o->last_selected) {
    if (sel >= 0 || o->last_selected >= 0)
      r->selection_changes++;
    o->last_selected = sel;
  }
  if (sel >= 0) {
    struct ip_addr addr;
    r->selected_seconds++;
    if (isinf(r->first_selected))
      r->first_selected = sim_sched_elapsed(o->sched);
    if (client_source_address(o->client, (unsigned)sel, &addr))
      for (unsigned i = 0; i < o->n_falsetickers; i++)
        if (addr_equal(&addr, &o->falsetickers[i]))
          r->falseticker_selected = true;
  }
  o->next += sim_ns(SAMPLE_INTERVAL);
  sim_sched_add(o->sched, o->next, observe, o, o);
}

struct ext_step {
  struct sim_platform *host;
  double seconds;
};

static void do_external_step(void *arg)
{
  struct ext_step *e = arg;
  sim_platform_external_step(e->host, e->seconds);
}

static double cpu_now(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0.0;
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Both directions between the client and a server, and the outages. */
static int wire_paths(struct sim_world *w, const struct scenario *s, struct sim_platform *client,
                      struct sim_platform *server)
{
  struct sim_net *net = sim_world_net(w);
  int c = sim_platform_node(client), v = sim_platform_node(server);
  int r = sim_net_set_link(net, c, v, &s->up);
  if (r == 0)
    r = sim_net_set_link(net, v, c, &s->down);
  if (r == 0 && s->outage_period > 0.0)
    for (double t = 0.0; r == 0 && t < s->duration; t += s->outage_period)
      r = sim_world_add_outage(w, client, server, t + s->outage_open, t + s->outage_period);
  return r;
}

static void server_addr(unsigned i, char buf[ADDR_STR_LEN])
{
  snprintf(buf, ADDR_STR_LEN, SERVER_ADDR_FMT, i + 1);
}

static void write_trace(FILE *f, const struct scenario *s, const struct sim_metrics *m,
                        const struct observer *o)
{
  size_t n;
  const struct sim_metrics_sample *smp = sim_metrics_samples(m, &n);
  fprintf(f, "# %s: elapsed_s offset_s freq_error_ppm selected\n", s->name);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%.0f %.9g %.9g %d\n", smp[i].t, smp[i].offset, smp[i].freq_error,
            o->trace && i < o->n_selections ? o->selections[i] : -1);
}

int scenario_run(const struct scenario *s, uint64_t seed, const struct scenario_options *opt,
                 struct scenario_result *out)
{
  double cpu0 = cpu_now();
  struct timespec start = {.tv_sec = s->start ? s->start : SCENARIO_DEFAULT_START};
  struct sim_platform *hosts[SCENARIO_MAX_SERVERS] = {0};
  struct sim_server *servers[SCENARIO_MAX_SERVERS] = {0};
  struct ip_addr addrs[SCENARIO_MAX_SERVERS], falsetickers[SCENARIO_MAX_SERVERS];
  unsigned n_false = 0;
  struct sim_metrics *metrics = NULL;
  struct client *client = NULL;
  struct refstate ref;
  struct client_params params;
  struct observer obs = {0};
  struct ext_step ext = {0};
  int ret = -ENOMEM;

  memset(out, 0, sizeof(*out));
  out->seed = seed;
  out->sync_time = INFINITY;
  out->first_selected = INFINITY;
  out->selected = -1;
  if (s->n_servers == 0 || s->n_servers > SCENARIO_MAX_SERVERS)
    return -EINVAL;

  struct sim_world *w = sim_world_new(seed, &start);
  if (!w)
    return -ENOMEM;
  sim_world_set_verbose(w, opt && opt->verbose);
  struct sim_sched *sched = sim_world_sched(w);

  /* The client first (stream 1), then the servers in order. */
  struct sim_platform *chost = sim_world_add_host(w, "client", CLIENT_ADDR, &s->client_clock);
  if (!chost)
    goto done;
  for (unsigned i = 0; i < s->n_servers; i++) {
    char name[SIM_PLATFORM_NAME_LEN], addr[ADDR_STR_LEN];
    struct sim_clock_params clock = {.offset = s->server_offset[i]};
    struct sim_server_config cfg = {.fuzz = s->server_fuzz, .ratelimit = s->server_ratelimit};
    snprintf(name, sizeof(name), "server%u", i + 1);
    server_addr(i, addr);
    if (!addr_parse(addr, &addrs[i]))
      goto done;
    if (s->server_offset[i] != 0.0)
      falsetickers[n_false++] = addrs[i];
    hosts[i] = sim_world_add_host(w, name, addr, &clock);
    if (!hosts[i] || !(servers[i] = sim_server_new(sched, hosts[i], &cfg)) ||
        wire_paths(w, s, chost, hosts[i]) != 0)
      goto done;
  }

  metrics = sim_metrics_new(sched, chost, SAMPLE_INTERVAL);
  if (!metrics)
    goto done;

  ref_state_init(&ref, CLIENT_PRECISION);
  client_params_defaults(&params);
  params.makestep_threshold = s->makestep_threshold;
  params.makestep_limit = s->makestep_threshold > 0.0 ? s->makestep_limit : 0;
  client = client_new(sim_platform_get(chost), &params, &ref);
  if (!client)
    goto done;
  for (unsigned i = 0; i < s->n_servers; i++) {
    struct client_source_params sp;
    client_source_defaults(&sp);
    sp.addr = addrs[i];
    addr_format(&addrs[i], sp.name);
    sp.minpoll = s->minpoll;
    sp.maxpoll = s->maxpoll;
    sp.iburst = s->iburst;
    if (client_add_source(client, &sp) < 0)
      goto done;
  }

  obs = (struct observer){.sched = sched, .next = sim_sched_now(sched), .client = client,
                          .falsetickers = falsetickers, .n_falsetickers = n_false,
                          .last_selected = -1, .out = out, .trace = opt && opt->trace};
  if (!sim_sched_add(sched, obs.next, observe, &obs, &obs))
    goto done;
  if (s->ext_step != 0.0) {
    ext = (struct ext_step){.host = chost, .seconds = s->ext_step};
    if (!sim_world_at(w, s->ext_step_at, do_external_step, &ext))
      goto done;
  }

  client_start(client);
  out->run_status = sim_world_run(w, s->duration);
  out->duration = sim_world_elapsed(w);

  struct sim_metrics_result m;
  double threshold = s->sync_threshold > 0.0 ? s->sync_threshold : SCENARIO_SYNC_THRESHOLD;
  sim_metrics_compute(metrics, threshold, s->settle, &m);
  out->sync_time = m.sync_time;
  out->steady_from = s->settle > 0.0 ? s->settle : isfinite(m.sync_time) ? m.sync_time : 0.0;
  out->max_offset = m.max_offset;
  out->rms_offset = m.rms_offset;
  out->max_freq_error = m.max_freq_error;
  out->rms_freq_error = m.rms_freq_error;
  out->n_steady = m.n_steady;
  /* Half way from the last disturbance to the end. */
  out->late_from = s->late_from > 0.0   ? s->late_from
                   : s->ext_step != 0.0 ? (s->ext_step_at + s->duration) / 2.0
                                        : s->duration / 2.0;
  sim_metrics_compute(metrics, threshold, out->late_from, &m);
  out->late_max_offset = m.max_offset;
  out->late_rms_offset = m.rms_offset;
  out->late_max_freq_error = m.max_freq_error;
  out->late_rms_freq_error = m.rms_freq_error;
  out->steps = m.steps;
  out->final_offset = sim_platform_offset(chost);
  out->client_steps = client_steps(client);
  out->selected = client_selected(client);
  out->n_sources = client_n_sources(client);
  if (out->n_sources > SCENARIO_MAX_SERVERS)
    out->n_sources = SCENARIO_MAX_SERVERS;
  for (unsigned i = 0; i < out->n_sources; i++) {
    struct client_source_report rep;
    struct scenario_source *src = &out->sources[i];
    if (!client_source_report(client, i, &rep)) {
      src->addr = addrs[i];
      src->state = '?';
      continue;
    }
    src->addr = rep.addr;
    src->poll = rep.poll;
    src->reach = rep.reach;
    src->state = rep.state;
    src->n_samples = rep.n_samples;
    src->valid_replies = rep.valid_replies;
    src->bad_replies = rep.bad_replies;
    src->requests = rep.requests;
    src->kod_replies = rep.kod_replies;
    for (unsigned k = 0; k < s->n_servers; k++)
      if (addr_equal(&rep.addr, &addrs[k]))
        src->server_replies = sim_server_stats(servers[k])->replied;
    for (unsigned k = 0; k < n_false; k++)
      if (addr_equal(&rep.addr, &falsetickers[k]))
        src->falseticker = true;
  }
  out->min_tx_interval = sim_platform_min_send_interval(chost);
  out->log_warnings = sim_platform_log_count(chost, PLAT_LOG_WARN);
  out->log_errors = sim_platform_log_count(chost, PLAT_LOG_ERR) +
                    sim_platform_log_count(chost, PLAT_LOG_FATAL);
  out->events = sim_sched_processed(sched);
  if (opt && opt->trace)
    write_trace(opt->trace, s, metrics, &obs);
  ret = 0;

done:
  client_free(client);
  sim_sched_cancel_owner(sched, &obs);
  free(obs.selections);
  sim_metrics_free(metrics);
  for (unsigned i = 0; i < s->n_servers; i++)
    sim_server_free(servers[i]);
  sim_world_free(w);
  out->cpu_seconds = cpu_now() - cpu0;
  return ret;
}

/* ------------------------------------------------------------------- JSON */

static void json_num(FILE *f, const char *key, double v)
{
  if (isfinite(v))
    fprintf(f, ", \"%s\": %.9g", key, v);
  else
    fprintf(f, ", \"%s\": null", key);
}

static void json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

void scenario_print_json(FILE *f, const struct scenario *s, const struct scenario_result *r)
{
  char buf[ADDR_STR_LEN];
  fprintf(f, "{\"scenario\": ");
  json_str(f, s->name);
  fprintf(f, ", \"seed\": %llu", (unsigned long long)r->seed);
  json_num(f, "duration", r->duration);
  json_num(f, "sync_time", r->sync_time);
  json_num(f, "steady_from", r->steady_from);
  json_num(f, "max_offset", r->max_offset);
  json_num(f, "rms_offset", r->rms_offset);
  json_num(f, "max_freq_error", r->max_freq_error);
  json_num(f, "rms_freq_error", r->rms_freq_error);
  fprintf(f, ", \"steady_samples\": %zu", r->n_steady);
  json_num(f, "late_from", r->late_from);
  json_num(f, "late_max_offset", r->late_max_offset);
  json_num(f, "late_rms_offset", r->late_rms_offset);
  json_num(f, "late_max_freq_error", r->late_max_freq_error);
  json_num(f, "late_rms_freq_error", r->late_rms_freq_error);
  json_num(f, "final_offset", r->final_offset);
  fprintf(f, ", \"steps\": %u, \"client_steps\": %u", r->steps, r->client_steps);
  fprintf(f, ", \"selected\": ");
  if (r->selected >= 0 && (unsigned)r->selected < r->n_sources)
    json_str(f, addr_format(&r->sources[r->selected].addr, buf));
  else
    fprintf(f, "null");
  fprintf(f, ", \"falseticker_selected\": %s", r->falseticker_selected ? "true" : "false");
  json_num(f, "first_selected", r->first_selected);
  fprintf(f, ", \"selected_seconds\": %u, \"selection_changes\": %u", r->selected_seconds,
          r->selection_changes);
  fprintf(f, ", \"reach\": [");
  for (unsigned i = 0; i < r->n_sources; i++)
    fprintf(f, "%s%u", i ? ", " : "", r->sources[i].reach);
  fprintf(f, "], \"sources\": [");
  for (unsigned i = 0; i < r->n_sources; i++) {
    const struct scenario_source *src = &r->sources[i];
    char state[2] = {src->state ? src->state : '?', 0};
    fprintf(f, "%s{\"address\": ", i ? ", " : "");
    json_str(f, addr_format(&src->addr, buf));
    fprintf(f, ", \"falseticker\": %s, \"state\": ", src->falseticker ? "true" : "false");
    json_str(f, state);
    fprintf(f, ", \"reach\": %u, \"poll\": %d, \"samples\": %u, \"valid\": %llu, \"bad\": %llu",
            src->reach, src->poll, src->n_samples, (unsigned long long)src->valid_replies,
            (unsigned long long)src->bad_replies);
    fprintf(f, ", \"requests\": %llu, \"kods\": %llu, \"server_replies\": %llu}",
            (unsigned long long)src->requests, (unsigned long long)src->kod_replies,
            (unsigned long long)src->server_replies);
  }
  fprintf(f, "], \"warnings\": %u, \"errors\": %u", r->log_warnings, r->log_errors);
  json_num(f, "min_tx_interval", r->min_tx_interval);
  fprintf(f, ", \"events\": %llu, \"run_status\": %d", (unsigned long long)r->events,
          r->run_status);
  fprintf(f, ", \"cpu_seconds\": %.3f}\n", r->cpu_seconds);
}
