/*
 * The generator's input: what the harness (bench/src/load/native-echo.mjs, with the protocol bytes from
 * ws-sessions.mjs) writes on its stdin, as text lines ended by `run`:
 *
 *   port <n>                 clients <n>              warmup-ms <n>            measure-ms <n>
 *   upgrade <hex>            the HTTP upgrade request, sent as is but for the client id
 *   client-id <offset>       optional: 8 digits in the upgrade request stamped with the client's index (SockJS
 *                            session ids must differ between clients)
 *   frame <hex>              the masked client frame of one message (zero masking key: payload as is)
 *   marker <offset>          where `#` + 8 digits sit in that frame: the sequence number is stamped there
 *   ready <hex> | ready -    payload prefix of the server's open message (`-`: open on the 101)
 *   reply <hex> <hex>        a payload prefix and the frame to answer it with (engine.io ping "2" -> "3")
 */
#define _GNU_SOURCE
#include "echo-spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

void fail(const char *fmt, ...) {
  char message[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  /* The message may quote a server's status line: keep the JSON valid. */
  for (char *c = message; *c; c++)
    if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = '?';
  printf("{\"event\":\"error\",\"message\":\"%s\"}\n", message);
  fflush(stdout);
  exit(1);
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static struct bytes parse_hex(const char *field, const char *hex) {
  size_t n = strlen(hex);
  if (n % 2 != 0) fail("spec: %s: odd number of hex digits", field);
  struct bytes b = {.data = malloc(n / 2 + 1), .len = n / 2};
  if (b.data == NULL) fail("out of memory");
  for (size_t i = 0; i < b.len; i++) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) fail("spec: %s: not hex", field);
    b.data[i] = (unsigned char)(hi << 4 | lo);
  }
  return b;
}

static int parse_int(const char *field, const char *text) {
  char *end;
  long v = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < 0 || v > 100000000) fail("spec: %s: not a count", field);
  return (int)v;
}

void read_spec(struct spec *spec, size_t max_upgrade) {
  *spec = (struct spec){.warmup_ms = -1, .measure_ms = -1, .marker = NO_OFFSET, .client_id = NO_OFFSET};
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int ran = 0;
  while (!ran && (n = getline(&line, &cap, stdin)) > 0) {
    if (line[n - 1] == '\n') line[n - 1] = '\0';
    char *key = strtok(line, " ");
    char *a = strtok(NULL, " ");
    char *b = strtok(NULL, " ");
    if (key == NULL) continue;
    if (strcmp(key, "run") == 0) ran = 1;
    else if (a == NULL) fail("spec: %s without a value", key);
    else if (strcmp(key, "port") == 0) spec->port = parse_int(key, a);
    else if (strcmp(key, "clients") == 0) spec->clients = parse_int(key, a);
    else if (strcmp(key, "warmup-ms") == 0) spec->warmup_ms = parse_int(key, a);
    else if (strcmp(key, "measure-ms") == 0) spec->measure_ms = parse_int(key, a);
    else if (strcmp(key, "upgrade") == 0) spec->upgrade = parse_hex(key, a);
    else if (strcmp(key, "frame") == 0) spec->frame = parse_hex(key, a);
    else if (strcmp(key, "marker") == 0) spec->marker = (size_t)parse_int(key, a);
    else if (strcmp(key, "client-id") == 0) spec->client_id = (size_t)parse_int(key, a);
    else if (strcmp(key, "ready") == 0) spec->ready = strcmp(a, "-") == 0 ? (struct bytes){0} : parse_hex(key, a);
    else if (strcmp(key, "reply") == 0) {
      if (b == NULL) fail("spec: reply needs a prefix and a frame");
      if (spec->n_replies == MAX_REPLIES) fail("spec: more than %d replies", MAX_REPLIES);
      spec->replies[spec->n_replies++] = (struct reply){parse_hex(key, a), parse_hex(key, b)};
    } else fail("spec: unknown field %s", key);
  }
  free(line);
  if (!ran) fail("spec: stdin ended before `run`");
  if (spec->port <= 0 || spec->port > 65535) fail("spec: port missing");
  if (spec->clients <= 0) fail("spec: clients missing");
  if (spec->warmup_ms < 0 || spec->measure_ms <= 0) fail("spec: warmup-ms or measure-ms missing");
  if (spec->upgrade.len == 0 || spec->frame.len == 0) fail("spec: upgrade or frame missing");
  if (spec->frame.len < 9 || spec->marker > spec->frame.len - 9 || spec->frame.data[spec->marker] != '#')
    fail("spec: marker %zu is not a `#` followed by 8 digits in the frame", spec->marker);
  if (spec->client_id != NO_OFFSET && (spec->upgrade.len < 8 || spec->client_id > spec->upgrade.len - 8))
    fail("spec: client-id %zu is outside the upgrade request", spec->client_id);
  if (spec->upgrade.len > max_upgrade) fail("spec: upgrade request over %zu bytes", max_upgrade);
}
