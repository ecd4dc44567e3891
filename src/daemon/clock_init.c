#include "daemon/clock_init.h"

#include <stdio.h>
#include <sys/stat.h>

#include "conf/adjtime.h"
#include "conf/rtcfile.h"
#include "core/rtcinit.h"
#include "sys/atomic_file.h"
#include "sys/log.h"

static int64_t driftfile_time(const struct config *cfg)
{
  struct stat st;
  return cfg->driftfile && stat(cfg->driftfile, &st) == 0 ? st.st_mtime : 0;
}

/* Whether the RTC keeps UTC: hwclockfile's word over rtconutc, as chronyd
 * (a missing file says nothing). */
bool clock_rtc_on_utc(const struct config *cfg)
{
  char text[4096];
  if (!cfg->hwclockfile || !cfg->hwclockfile[0])
    return cfg->rtconutc;
  FILE *f = fopen(cfg->hwclockfile, "re");
  if (!f)
    return cfg->rtconutc;
  size_t len = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[len] = '\0';
  switch (adjtime_parse(text)) {
  case ADJTIME_UTC: return true;
  case ADJTIME_LOCAL: return false;
  case ADJTIME_UNKNOWN: break;
  }
  log_printf(PLAT_LOG_WARN, "Could not read RTC LOCAL/UTC setting from %s", cfg->hwclockfile);
  return cfg->rtconutc;
}

void clock_rtcfile_coefs(const struct config *cfg, struct rtct_coefs *out)
{
  char text[256];
  struct rtcfile_coefs c;
  *out = (struct rtct_coefs){0};
  if (!cfg->rtcfile || atomic_file_read(cfg->rtcfile, text, sizeof(text) - 1) < 0)
    return;
  if (!rtcfile_parse(text, &c)) {
    log_printf(PLAT_LOG_WARN, "Could not read coefficients from %s", cfg->rtcfile);
    return;
  }
  *out = (struct rtct_coefs){.valid = c.valid, .ref_time = c.ref_time, .fast = c.offset,
                             .gain = c.rate_ppm * 1e-6};
}

bool clock_init_from_rtc(const struct config *cfg, const struct platform *plat, bool control)
{
  struct rtci_params p = {.device = cfg->rtcdevice, .utc = clock_rtc_on_utc(cfg),
                          .driftfile_time = driftfile_time(cfg), .control = control};
  clock_rtcfile_coefs(cfg, &p.file);
  return rtci_set_clock(plat, &p);
}
