/*
 * W1's WebSocket echo load, in C. The Node load generator sat at 93 % of its core against raw `ws`, so the
 * ceiling it measured could have been its own; this program does only the wire work (single-threaded epoll,
 * non-blocking sockets, one message in flight per client) and stays near 70 %. Measured with both, the
 * server's core is saturated either way (bench/README.md, "Method"): the ceiling is the server's.
 *
 * Everything protocol-specific comes from the harness (bench/src/load/ws-sessions.mjs builds it) on stdin:
 * see echo-spec.c.
 *
 * A received text payload holding `#` is an echo: its 8 digits must be the sequence sent. Anything else
 * (SockJS `h` heartbeats) is ignored. Output, JSON lines on stdout: {"event":"open"} once every client is
 * open, {"event":"measure"} when the measured phase starts, {"event":"done",...} with its counts and RTT
 * percentiles when it ends, or {"event":"error","message":...} and exit status 1. After `done` no message is
 * sent; the connections are reset when stdin reaches end of file (the harness has read its CPU marks), so
 * the program never outlives the harness either.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "echo-spec.h"

#define IN_CAP 65536
#define OUT_CAP 8192
#define HIST_US 100000 /* RTTs bucketed per microsecond up to 100 ms; longer ones counted apart */
#define OPEN_TIMEOUT_MS 10000
#define LINGER_MS 30000
#define STDIN_KEY UINT64_MAX

enum conn_state { CONNECTING, UPGRADING, OPENING, OPEN };
enum phase { PH_CONNECT, PH_WARMUP, PH_MEASURE, PH_STOPPED };

struct conn {
  int fd;
  enum conn_state state;
  int want_out; /* EPOLLOUT registered */
  uint32_t seq; /* sequence number of the message in flight */
  int64_t sent_ns;
  unsigned char *frame; /* this client's copy of the message frame, stamped in place */
  size_t in_len, out_len;
  unsigned char in[IN_CAP];
  unsigned char out[OUT_CAP];
};

static struct spec spec;

static int epfd;
static struct conn *conns;
static enum phase phase = PH_CONNECT;
static int opened;
static uint64_t round_trips, mismatched, pings, slow, wakeups;
static uint32_t hist[HIST_US];

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void watch(struct conn *c, int want_out) {
  struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.u64 = (uint64_t)(c - conns)};
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) fail("epoll_ctl: %s", strerror(errno));
  c->want_out = want_out;
}

/* Write now; what the socket does not take waits for EPOLLOUT, in order. */
static void send_bytes(struct conn *c, const unsigned char *data, size_t len) {
  if (c->out_len == 0 && c->state != CONNECTING) {
    ssize_t w = write(c->fd, data, len);
    if (w < 0 && errno != EAGAIN) fail("write: %s", strerror(errno));
    if (w > 0) {
      data += w;
      len -= (size_t)w;
    }
    if (len == 0) return;
  }
  if (c->out_len + len > OUT_CAP) fail("a client's send backlog passed %d bytes", OUT_CAP);
  memcpy(c->out + c->out_len, data, len);
  c->out_len += len;
  if (!c->want_out) watch(c, 1);
}

static void flush_out(struct conn *c) {
  ssize_t w = write(c->fd, c->out, c->out_len);
  if (w < 0 && errno != EAGAIN) fail("write: %s", strerror(errno));
  if (w > 0) {
    memmove(c->out, c->out + w, c->out_len - (size_t)w);
    c->out_len -= (size_t)w;
  }
  if (c->out_len == 0) watch(c, 0);
}

/* 8 decimal digits of v at p, zero-padded. */
static void stamp_digits(unsigned char *p, uint32_t v) {
  for (int i = 7; i >= 0; i--, v /= 10) p[i] = (unsigned char)('0' + v % 10);
}

static void send_message(struct conn *c) {
  c->seq++;
  stamp_digits(c->frame + spec.marker + 1, c->seq % 100000000u);
  c->sent_ns = now_ns();
  send_bytes(c, c->frame, spec.frame.len);
}

static int has_prefix(const unsigned char *p, size_t len, struct bytes prefix) {
  return len >= prefix.len && memcmp(p, prefix.data, prefix.len) == 0;
}

static void on_echo(struct conn *c, const unsigned char *mark) {
  uint32_t seq = 0;
  for (int i = 1; i <= 8; i++) seq = seq * 10 + (uint32_t)(mark[i] - '0');
  if (seq != c->seq % 100000000u) mismatched++;
  if (phase == PH_MEASURE) {
    int64_t rtt_us = (now_ns() - c->sent_ns) / 1000;
    round_trips++;
    if (rtt_us < HIST_US) hist[rtt_us]++;
    else slow++;
  }
  if (phase != PH_STOPPED) send_message(c);
}

static void on_message(struct conn *c, const unsigned char *p, size_t len) {
  if (c->state == OPEN) {
    const unsigned char *mark = memchr(p, '#', len);
    if (mark != NULL && (size_t)(mark - p) + 9 <= len) {
      on_echo(c, mark);
      return;
    }
  }
  for (int i = 0; i < spec.n_replies; i++) {
    if (has_prefix(p, len, spec.replies[i].prefix)) {
      pings++;
      send_bytes(c, spec.replies[i].frame.data, spec.replies[i].frame.len);
      return;
    }
  }
  if (c->state == OPENING && has_prefix(p, len, spec.ready)) {
    c->state = OPEN;
    opened++;
  }
}

/* Server frames: never masked; control frames answered or ended on. */
static void parse_frames(struct conn *c) {
  size_t i = 0;
  while (c->in_len - i >= 2) {
    const unsigned char *f = c->in + i;
    size_t avail = c->in_len - i, off = 2;
    uint64_t len = f[1] & 0x7f;
    if (f[1] & 0x80) fail("the server sent a masked frame");
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t)f[2] << 8 | f[3];
      off = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int k = 2; k < 10; k++) len = len << 8 | f[k];
      off = 10;
    }
    if (off + len > IN_CAP) fail("a server frame of %llu bytes", (unsigned long long)len);
    if (avail < off + len) break;
    int opcode = f[0] & 0x0f;
    const unsigned char *payload = f + off;
    if (!(f[0] & 0x80) || opcode == 0x0) fail("the server sent a fragmented message");
    if (opcode == 0x9) {
      if (len > 125) fail("a ping of %llu bytes", (unsigned long long)len);
      unsigned char pong[2 + 4 + 125] = {0x8a, (unsigned char)(0x80 | len)};
      memcpy(pong + 6, payload, (size_t)len);
      send_bytes(c, pong, 6 + (size_t)len);
    } else if (opcode == 0x8) {
      if (phase != PH_STOPPED) fail("the server closed a session (close frame)");
    } else if (opcode == 0x1 || opcode == 0x2) {
      on_message(c, payload, (size_t)len);
    }
    i += off + (size_t)len;
  }
  memmove(c->in, c->in + i, c->in_len - i);
  c->in_len -= i;
}

static void on_upgrade_reply(struct conn *c) {
  unsigned char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
  if (end == NULL) {
    if (c->in_len == IN_CAP) fail("upgrade response head too large");
    return;
  }
  if (c->in_len < 12 || memcmp(c->in, "HTTP/1.1 101", 12) != 0) {
    unsigned char *eol = memmem(c->in, c->in_len, "\r\n", 2);
    fail("upgrade refused: %.*s", (int)(eol - c->in), (const char *)c->in);
  }
  size_t head = (size_t)(end - c->in) + 4;
  memmove(c->in, c->in + head, c->in_len - head);
  c->in_len -= head;
  if (spec.ready.len == 0) {
    c->state = OPEN;
    opened++;
  } else c->state = OPENING;
}

static void on_readable(struct conn *c) {
  ssize_t r = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
  if (r < 0) {
    if (errno == EAGAIN) return;
    fail("read: %s", strerror(errno));
  }
  if (r == 0) {
    if (phase == PH_STOPPED) return;
    fail("the server closed a connection");
  }
  c->in_len += (size_t)r;
  if (c->state == UPGRADING) on_upgrade_reply(c);
  if (c->state != UPGRADING) parse_frames(c);
}

static void on_writable(struct conn *c) {
  if (c->state == CONNECTING) {
    int error = 0;
    socklen_t n = sizeof error;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &n);
    if (error != 0) fail("connect to 127.0.0.1:%d: %s", spec.port, strerror(error));
    c->state = UPGRADING;
    watch(c, 0);
    if (spec.client_id != NO_OFFSET) stamp_digits(spec.upgrade.data + spec.client_id, (uint32_t)(c - conns));
    send_bytes(c, spec.upgrade.data, spec.upgrade.len);
  } else if (c->out_len > 0) flush_out(c);
  else watch(c, 0);
}

static void open_clients(void) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)spec.port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < spec.clients; i++) {
    struct conn *c = &conns[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) fail("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
      fail("connect: %s", strerror(errno));
    c->state = CONNECTING;
    c->frame = malloc(spec.frame.len);
    if (c->frame == NULL) fail("out of memory");
    memcpy(c->frame, spec.frame.data, spec.frame.len);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = (uint64_t)i};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) fail("epoll_ctl: %s", strerror(errno));
    c->want_out = 1;
  }
}

static double percentile_ms(uint64_t counted, double q) {
  if (counted == 0) return 0;
  uint64_t rank = (uint64_t)(q / 100.0 * (double)counted + 0.999999), seen = 0;
  if (rank == 0) rank = 1;
  for (int us = 0; us < HIST_US; us++) {
    seen += hist[us];
    if (seen >= rank) return us / 1000.0;
  }
  return HIST_US / 1000.0;
}

static void report_done(double seconds) {
  printf("{\"event\":\"done\",\"roundTrips\":%llu,\"seconds\":%.6f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,"
         "\"over100Ms\":%llu,\"mismatched\":%llu,\"replies\":%llu,\"wakeups\":%llu,\"clients\":%d}\n",
         (unsigned long long)round_trips, seconds, percentile_ms(round_trips, 50), percentile_ms(round_trips, 99),
         (unsigned long long)slow, (unsigned long long)mismatched, (unsigned long long)pings,
         (unsigned long long)wakeups, spec.clients);
  fflush(stdout);
}

/* Reset every connection (no TIME_WAIT left on the load side) and exit. */
static void finish(int status) {
  struct linger reset = {.l_onoff = 1, .l_linger = 0};
  for (int i = 0; i < spec.clients; i++) {
    setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(conns[i].fd);
  }
  exit(status);
}

int main(void) {
  read_spec(&spec, OUT_CAP);
  epfd = epoll_create1(0);
  if (epfd < 0) fail("epoll_create1: %s", strerror(errno));
  struct epoll_event in_ev = {.events = EPOLLIN, .data.u64 = STDIN_KEY};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &in_ev) < 0) fail("epoll on stdin: %s", strerror(errno));
  conns = calloc((size_t)spec.clients, sizeof *conns);
  if (conns == NULL) fail("out of memory");
  open_clients();

  int64_t phase_end = now_ns() + (int64_t)OPEN_TIMEOUT_MS * 1000000, measure_start = 0;
  struct epoll_event events[256];
  for (;;) {
    int64_t now = now_ns();
    int timeout = now >= phase_end ? 0 : (int)((phase_end - now + 999999) / 1000000);
    int n = epoll_wait(epfd, events, 256, timeout);
    if (n < 0 && errno != EINTR) fail("epoll_wait: %s", strerror(errno));
    if (n > 0 && phase == PH_MEASURE) wakeups++;
    for (int e = 0; e < n; e++) {
      if (events[e].data.u64 == STDIN_KEY) {
        char sink[256];
        ssize_t r = read(STDIN_FILENO, sink, sizeof sink);
        if (r <= 0) {
          if (phase != PH_STOPPED) fail("stdin closed before the phase ended");
          finish(0);
        }
        continue;
      }
      struct conn *c = &conns[events[e].data.u64];
      if (events[e].events & (EPOLLOUT | EPOLLERR)) on_writable(c);
      if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
    }
    now = now_ns();
    if (phase == PH_CONNECT && opened == spec.clients) {
      printf("{\"event\":\"open\"}\n");
      fflush(stdout);
      for (int i = 0; i < spec.clients; i++) send_message(&conns[i]);
      phase = PH_WARMUP;
      phase_end = now + (int64_t)spec.warmup_ms * 1000000;
    } else if (now < phase_end) {
      continue;
    } else if (phase == PH_CONNECT) {
      fail("%d of %d clients open after %d ms", opened, spec.clients, OPEN_TIMEOUT_MS);
    } else if (phase == PH_WARMUP) {
      printf("{\"event\":\"measure\"}\n");
      fflush(stdout);
      phase = PH_MEASURE;
      measure_start = now_ns();
      phase_end = measure_start + (int64_t)spec.measure_ms * 1000000;
    } else if (phase == PH_MEASURE) {
      phase = PH_STOPPED;
      report_done((double)(now - measure_start) / 1e9);
      phase_end = now + (int64_t)LINGER_MS * 1000000;
    } else {
      finish(0); /* the harness never closed stdin: do not linger forever */
    }
  }
}
