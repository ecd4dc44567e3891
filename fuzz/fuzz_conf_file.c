/* Fuzz target: a whole configuration through conf_parse_text, then print it.
 * When the text is accepted, the printed configuration must parse without
 * error and print the same again (the -p round trip), unless a printed line
 * is too long to be read back (e.g. a 2000-character refclock parameter
 * followed by the options print adds). No file is read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_lexer.h"
#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(const struct config *c, size_t *len)
{
  char *text = NULL;
  FILE *out = open_memstream(&text, len);
  conf_print(c, out);
  fclose(out);
  return text;
}

static size_t longest_line(const char *text)
{
  size_t longest = 0;
  while (*text) {
    size_t n = strcspn(text, "\n");
    longest = n > longest ? n : longest;
    text += n + (text[n] == '\n');
  }
  return longest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct config c;
  struct conf_diag d = {0};
  size_t len;
  conf_init(&c);
  conf_parse_text(&c, (const char *)data, size, "fuzz.conf", &d);
  char *text = print(&c, &len);

  if (d.n_errors == 0 && longest_line(text) < CONF_LINE_MAX - 1) {
    struct config again;
    struct conf_diag d2 = {0};
    size_t len2;
    conf_init(&again);
    conf_parse_text(&again, text, len, "printed.conf", &d2);
    char *text2 = print(&again, &len2);
    if (d2.n_errors != 0 || len2 != len || memcmp(text, text2, len) != 0) {
      fprintf(stderr, "round trip failed:\n%s\n---\n%s\n", text, text2);
      abort();
    }
    free(text2);
    conf_free(&again);
    conf_diag_free(&d2);
  }

  free(text);
  conf_free(&c);
  conf_diag_free(&d);
  return 0;
}
