/* stratumc: the control client. The command protocol (chrony's, version 6)
 * is not implemented in this version; stratumc says so plainly instead of
 * pretending. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--version") == 0) {
      printf("stratumc (Stratum) version %s\n", STRATUM_VERSION);
      return 0;
    }
    if (strcmp(argv[i], "-h") == 0 && i + 1 == argc) {
      printf("Usage: stratumc [-v]\n");
      return 0;
    }
  }
  fprintf(stderr, "stratumc: the control protocol is not implemented in this version\n");
  return 1;
}
