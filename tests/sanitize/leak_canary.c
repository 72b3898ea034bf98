/* Leaks one block on purpose: LeakSanitizer must report it and fail the run. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  char *volatile block = malloc(64);
  if (block == NULL) return 0;
  block[0] = 'x';
  block = NULL; /* the only pointer is gone */
  puts("leaked 64 bytes");
  return 0;
}
