#include "sys/detach.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the child writes to the waiting parent: zero or more fatal messages
 * (lines of text), then, when start-up ends, STATUS_MARK and the status
 * byte. A child that dies first leaves only messages: status 1. */
#define STATUS_MARK '\0'
#define MESSAGES_MAX 4096

static void wait_for_child(int fd)
{
  char buf[MESSAGES_MAX];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
    if (n < 0)
      break;
    len += (size_t)n;
  }
  int status = 1;
  if (len >= 2 && buf[len - 2] == STATUS_MARK) {
    status = (unsigned char)buf[len - 1];
    len -= 2;
  }
  if (len > 0)
    (void)fwrite(buf, 1, len, stderr);
  _exit(status);
}

/* chronyd closes what its parent left open: only stdio (on /dev/null) and
 * the pipe to the parent stay. */
static void close_inherited(int keep)
{
  if (keep > STDERR_FILENO + 1)
    (void)close_range(STDERR_FILENO + 1, (unsigned)keep - 1, 0);
  (void)close_range((unsigned)keep + 1, ~0U, 0);
}

int detach_start(void)
{
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid > 0) {
    close(pipefd[1]);
    wait_for_child(pipefd[0]);
  }
  close(pipefd[0]);
  setsid();
  /* A second fork, so the daemon can never reacquire a terminal. */
  pid = fork();
  if (pid < 0)
    _exit(1);
  if (pid > 0)
    _exit(0);
  if (chdir("/") < 0)
    _exit(1);
  close_inherited(pipefd[1]);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO)
      close(null);
  }
  return pipefd[1];
}

void detach_message(int fd, const char *text)
{
  if (fd < 0)
    return;
  size_t len = strlen(text);
  /* Best effort: the parent may be gone. */
  if (write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1)
    return;
}

void detach_done(int fd, int status)
{
  unsigned char b[2] = {STATUS_MARK, (unsigned char)status};
  if (fd < 0)
    return;
  if (write(fd, b, sizeof(b)) < 0) {
    /* The parent is gone; nothing to tell. */
  }
  close(fd);
}
