/*
 * Run parameters. Full: the figures that go into BENCHMARKS.md. Quick: the same code paths with short phases
 * and smaller populations, for developing the harness (its figures are indicative only).
 */

export const FULL = {
  reps: 3,
  deadlineMs: 45 * 60_000,
  echo: { clients: 50, warmupMs: 2000, measureMs: 5000 },
  fanout: { wsSubscribers: 1000, httpSubscribers: 200, windows: [1, 32], warmupMs: 2000, measureMs: 4000 },
  idle: { ws: [500, 2000], http: [125, 500], settleMs: 500 },
  connect: { concurrency: 50, warmupMs: 2000, measureMs: 4000 },
  // 800, not 1000: RabbitMQ on this machine runs with a 1024 file limit, which it turns into 832 sockets.
  stomp: { subscribers: 800, windows: [1, 32], warmupMs: 2000, measureMs: 4000 },
  // W7: W2's population through our broker (no RabbitMQ beside it, so no 800 limit), history on and off.
  history: { subscribers: 1000, windows: [1, 32], warmupMs: 2000, measureMs: 4000 },
  resume: { subscribers: 1000, missed: 100, seen: 10, warmupRounds: 1, timeoutMs: 30_000 },
};

export const QUICK = {
  reps: 2,
  deadlineMs: 12 * 60_000,
  echo: { clients: 50, warmupMs: 500, measureMs: 1500 },
  fanout: { wsSubscribers: 200, httpSubscribers: 50, windows: [1, 32], warmupMs: 500, measureMs: 1500 },
  idle: { ws: [100, 400], http: [50, 200], settleMs: 200 },
  connect: { concurrency: 50, warmupMs: 500, measureMs: 1500 },
  stomp: { subscribers: 200, windows: [1, 32], warmupMs: 500, measureMs: 1500 },
  history: { subscribers: 200, windows: [1, 32], warmupMs: 500, measureMs: 1500 },
  resume: { subscribers: 200, missed: 100, seen: 10, warmupRounds: 1, timeoutMs: 30_000 },
};

/** @typedef {typeof FULL} Config */

export const WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8'];
