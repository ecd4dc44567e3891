#include "sys/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;
static char last_status[256];
static bool tried;

bool notify_open(void)
{
  const char *path = getenv("NOTIFY_SOCKET");
  tried = true;
  if (notify_fd >= 0)
    return true;
  if (!path || !*path)
    return true;
  size_t len = strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(notify_addr.sun_path)) {
    errno = EINVAL;
    return false;
  }
  memset(&notify_addr, 0, sizeof(notify_addr));
  notify_addr.sun_family = AF_UNIX;
  memcpy(notify_addr.sun_path, path, len);
  if (path[0] == '@')
    notify_addr.sun_path[0] = '\0';  /* abstract: no terminating NUL counted */
  notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
  notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  return notify_fd >= 0;
}

bool notify_send(const char *message)
{
  if (!tried)
    notify_open();
  if (notify_fd < 0)
    return true;
  ssize_t n = sendto(notify_fd, message, strlen(message), MSG_NOSIGNAL | MSG_DONTWAIT,
                     (const struct sockaddr *)&notify_addr, notify_len);
  return n == (ssize_t)strlen(message);
}

void notify_status(const char *text)
{
  char msg[sizeof(last_status) + 8];
  if (!tried)
    notify_open();
  if (notify_fd < 0 || strncmp(text, last_status, sizeof(last_status)) == 0)
    return;
  snprintf(last_status, sizeof(last_status), "%s", text);
  snprintf(msg, sizeof(msg), "STATUS=%s", last_status);
  notify_send(msg);
}

void notify_close(void)
{
  if (notify_fd >= 0)
    close(notify_fd);
  notify_fd = -1;
  tried = false;
  last_status[0] = '\0';
}
