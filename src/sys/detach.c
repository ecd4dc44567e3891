#include "sys/detach.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int detach_start(void)
{
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid > 0) {
    unsigned char status = 1;
    close(pipefd[1]);
    if (read(pipefd[0], &status, 1) != 1)
      status = 1;
    _exit(status);
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

void detach_done(int fd, int status)
{
  unsigned char b = (unsigned char)status;
  if (fd < 0)
    return;
  if (write(fd, &b, 1) < 0) {
    /* The parent is gone; nothing to tell. */
  }
  close(fd);
}
