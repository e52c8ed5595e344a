/* The echo generator's input (echo-spec.c) and its one way out on error. */
#ifndef ECHO_SPEC_H
#define ECHO_SPEC_H

#include <stddef.h>

#define MAX_REPLIES 8
#define NO_OFFSET ((size_t)-1)

struct bytes {
  unsigned char *data;
  size_t len;
};

struct reply {
  struct bytes prefix;
  struct bytes frame;
};

struct spec {
  int port, clients, warmup_ms, measure_ms;
  struct bytes upgrade, frame, ready;
  size_t marker, client_id; /* client_id: NO_OFFSET when the upgrade request carries none */
  struct reply replies[MAX_REPLIES];
  int n_replies;
};

/* Print {"event":"error","message":...} on stdout and exit with status 1. */
void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Read and check the spec from stdin, up to and including its `run` line. */
void read_spec(struct spec *spec, size_t max_upgrade);

#endif
