/* control: command sockets (see control.h). */
#include "daemon/control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/conf_client.h"
#include "sys/log.h"

/* As chronyd: the directory (0770, the daemon user's, checked by layout.h)
 * is the guard, so members of the daemon's group can use the socket. */
#define SOCKET_MODE 0666

/* conf's opencommands bits are the core's, one for one. */
_Static_assert(CONF_OPEN_ACTIVITY == CMDSRV_OPEN_ACTIVITY && CONF_OPEN_AUTHDATA == CMDSRV_OPEN_AUTHDATA &&
               CONF_OPEN_CLIENTS == CMDSRV_OPEN_CLIENTS && CONF_OPEN_MANUAL == CMDSRV_OPEN_MANUAL &&
               CONF_OPEN_NTPDATA == CMDSRV_OPEN_NTPDATA && CONF_OPEN_RTCDATA == CMDSRV_OPEN_RTCDATA &&
               CONF_OPEN_SELECTDATA == CMDSRV_OPEN_SELECTDATA &&
               CONF_OPEN_SERVERSTATS == CMDSRV_OPEN_SERVERSTATS &&
               CONF_OPEN_SMOOTHING == CMDSRV_OPEN_SMOOTHING &&
               CONF_OPEN_SOURCENAME == CMDSRV_OPEN_SOURCENAME &&
               CONF_OPEN_SOURCES == CMDSRV_OPEN_SOURCES &&
               CONF_OPEN_SOURCESTATS == CMDSRV_OPEN_SOURCESTATS &&
               CONF_OPEN_TRACKING == CMDSRV_OPEN_TRACKING,
               "opencommands bits differ");

static void open_udp(struct control *c, const struct config *cfg, enum addr_family f,
                     const struct ip_addr *bind_addr)
{
  char a[ADDR_STR_LEN];
  int sock = c->plat->ops->udp_open(c->plat->ctx, f, bind_addr, cfg->cmdport, cmdsrv_receive,
                                    &c->srv);
  if (sock < 0) {
    log_printf(PLAT_LOG_ERR, "Could not open command socket on %s:%u : %s",
               addr_format(bind_addr, a), cfg->cmdport, strerror(-sock));
    return;
  }
  c->udp[f == ADDR_INET6] = sock;
}

/* Requests from the Unix socket: every command, replies to the sender. */
static void on_unix_readable(void *arg, int fd)
{
  struct control *c = arg;
  uint8_t req[CMD_MAX_PACKET], out[CMD_MAX_PACKET];
  for (int i = 0; i < 16; i++) {          /* a bounded batch per wakeup */
    struct sockaddr_un from;
    socklen_t from_len = sizeof(from);
    ssize_t n = recvfrom(fd, req, sizeof(req), MSG_DONTWAIT, (struct sockaddr *)&from, &from_len);
    if (n < 0)
      return;
    /* A sender with no address (an unbound socket) could not see an answer,
     * so it has no business asking: chronyc and stratumc always bind. */
    if (from_len <= sizeof(sa_family_t) || from.sun_family != AF_UNIX) {
      if (log_rate_ok(&c->last_unbound_log, LOG_ERROR_INTERVAL))
        log_printf(PLAT_LOG_WARN, "Refused command from unbound socket");
      continue;
    }
    size_t len = cmdsrv_process(&c->srv, req, (size_t)n, true, out, sizeof(out));
    if (len > 0)
      (void)sendto(fd, out, len, MSG_DONTWAIT, (struct sockaddr *)&from, from_len);
  }
}

static bool open_unix(struct control *c, const char *path)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sa.sun_path)) {
    log_printf(PLAT_LOG_ERR, "Unix socket path %s too long", path);
    return false;
  }
  strcpy(sa.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    goto fail;
  unlink(path);                           /* a stale socket of an earlier run */
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, SOCKET_MODE) < 0 ||
      loop_add_fd(c->loop, fd, on_unix_readable, c) < 0) {
    close(fd);
    goto fail;
  }
  c->unix_fd = fd;
  c->unix_path = strdup(path);
  return true;
fail:
  log_printf(PLAT_LOG_ERR, "Could not open command socket on %s : %s", path, strerror(errno));
  return false;
}

bool control_start(struct control *c, const struct config *cfg, int family, struct loop *loop,
                   const struct platform *plat, struct refstate *ref, struct ntp_server *ntp)
{
  struct ip_addr lo4, lo6;
  c->plat = plat;
  c->loop = loop;
  c->udp[0] = c->udp[1] = c->unix_fd = -1;
  c->unix_path = NULL;
  c->last_unbound_log = -1.0;
  cmdsrv_init(&c->srv, plat, ref, ntp);
  if (!conf_cmdsrv(cfg, &c->srv))
    return false;
  addr_parse("127.0.0.1", &lo4);
  addr_parse("::1", &lo6);
  bool wanted = false;
  if (cfg->cmdport != 0) {
    if (family == 0 || family == ADDR_INET4) {
      open_udp(c, cfg, ADDR_INET4, cfg->have_bindcmd4 ? &cfg->bindcmd4 : &lo4);
      wanted = true;
    }
    if (family == 0 || family == ADDR_INET6) {
      open_udp(c, cfg, ADDR_INET6, cfg->have_bindcmd6 ? &cfg->bindcmd6 : &lo6);
      wanted = true;
    }
  }
  if (cfg->bindcmdpath) {
    open_unix(c, cfg->bindcmdpath);
    wanted = true;
  }
  return !wanted || c->udp[0] >= 0 || c->udp[1] >= 0 || c->unix_fd >= 0;
}

void control_stop(struct control *c)
{
  if (!c->plat)
    return;                               /* never started */
  for (int f = 0; f < 2; f++)
    if (c->udp[f] >= 0)
      c->plat->ops->udp_close(c->plat->ctx, c->udp[f]);
  if (c->unix_fd >= 0) {
    loop_remove_fd(c->loop, c->unix_fd);
    close(c->unix_fd);
    unlink(c->unix_path);
  }
  free(c->unix_path);
  c->udp[0] = c->udp[1] = c->unix_fd = -1;
  c->unix_path = NULL;
  cmdsrv_free(&c->srv);
}
