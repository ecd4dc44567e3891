#include "stratumc/terminal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "stratumc/cmdparse.h"

#define PROMPT "stratumc> "

bool sc_terminal_wanted(void)
{
  return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

/* libedit's generator: the next command name starting with text. */
static char *next_command(const char *text, int state)
{
  static unsigned i;
  const char *name;
  if (state == 0)
    i = 0;
  while ((name = sc_command_name(i++)))
    if (strncmp(name, text, strlen(text)) == 0)
      return strdup(name);
  return NULL;
}

/* Only the first word is a command. */
static char **complete(const char *text, int start, int end)
{
  (void)end;
  return start == 0 ? rl_completion_matches(text, next_command) : NULL;
}

bool sc_terminal_run(bool (*process)(void *arg, char *line), void *arg, const bool *quit)
{
  char *line = NULL;
  bool ok = true;
  printf("stratumc (Stratum) version %s\n"
         "stratumd's control client, speaking chronyc's commands. "
         "Type help for the list.\n\n",
         STRATUM_VERSION);
  rl_attempted_completion_function = complete;
  rl_basic_word_break_characters = " \t\n\r";
  while (!*quit && (line = readline(PROMPT)) != NULL) {
    if (*line)
      add_history(line);
    ok = process(arg, line);
    free(line);
  }
  if (!line)
    putchar('\n');                        /* after ^D, as chronyc */
  return ok;
}
