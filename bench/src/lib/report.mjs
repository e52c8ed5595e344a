/*
 * The markdown report of a run: one table per workload, every figure a median over repetitions with its
 * min-max, every ratio computed inside a repetition (ours / reference of the same repetition) and then the
 * median of those ratios, so that a noisy repetition moves both sides of a ratio together.
 */
import { CEILING, SOCKJS } from '../targets.mjs';
import { kib, ms, num, rate, ratio, table } from './format.mjs';
import { efficiency, errorRow, loadCell, ratioOf, spread, values } from './report-cells.mjs';
import { goalsTable } from './report-goals.mjs';
import { median } from './stats.mjs';

/** @typedef {import('./report-cells.mjs').Results} Results @typedef {import('./report-cells.mjs').Def} Def */

/**
 * @param {Results} results
 * @param {string} key
 * @param {Def[]} defs
 * @param {string} unit
 */
function throughputTable(results, key, defs, unit, { latency = 'p50 / p99 ms', per = 'op' } = {}) {
  const header = [
    'target',
    `${unit} (min–max)`,
    '÷ ceiling',
    '÷ sockjs-node',
    latency,
    `server µs/${per}`,
    'CPU ÷ ceiling',
    'CPU ÷ sockjs-node',
    'load CPU',
  ];
  const rows = [];
  for (const def of defs) {
    if (results[key]?.[def.id] === undefined) continue;
    const failed = errorRow(results, key, def, header.length);
    if (failed) {
      rows.push(failed);
      continue;
    }
    rows.push([
      def.label,
      spread(values(results, key, def.id, 'rate')),
      ratio(ratioOf(results, key, def.id, CEILING[def.family])),
      ratio(ratioOf(results, key, def.id, SOCKJS[def.family])),
      `${ms(median(values(results, key, def.id, 'p50')))} / ${ms(median(values(results, key, def.id, 'p99')))}`,
      num(median(values(results, key, def.id, 'serverUsPerOp'))),
      ratio(efficiency(results, key, def.id, CEILING[def.family])),
      ratio(efficiency(results, key, def.id, SOCKJS[def.family])),
      loadCell(values(results, key, def.id, 'loadCpu')),
    ]);
  }
  return table(header, rows);
}

/** @param {Results} results @param {Def[]} defs */
function idleTable(results, defs) {
  const header = [
    'target',
    'sessions',
    'heap KiB/session (min–max)',
    'RSS KiB/session (min–max)',
    'heap ÷ sockjs-node',
    'RSS ÷ sockjs-node',
  ];
  const rows = [];
  for (const def of defs) {
    if (results.W3?.[def.id] === undefined) continue;
    const failed = errorRow(results, 'W3', def, header.length);
    if (failed) {
      rows.push(failed);
      continue;
    }
    const ref = SOCKJS[def.family];
    rows.push([
      def.label,
      String(median(values(results, 'W3', def.id, 'sessions'))),
      spread(values(results, 'W3', def.id, 'heapPerSession'), kib),
      spread(values(results, 'W3', def.id, 'rssPerSession'), kib),
      ratio(ratioOf(results, 'W3', def.id, ref, 'heapPerSession')),
      ratio(ratioOf(results, 'W3', def.id, ref, 'rssPerSession')),
    ]);
  }
  return table(header, rows);
}

/** @param {Results} results @param {Def[]} defs */
function stompTable(results, defs) {
  const header = [
    'broker',
    'in flight',
    'deliveries/s (min–max)',
    '÷ RabbitMQ',
    'messages/s',
    'p50 / p99 ms',
    'broker µs/delivery',
    'load CPU',
  ];
  const rows = [];
  for (const key of Object.keys(results).filter((k) => k.startsWith('W6-'))) {
    for (const def of defs) {
      if (results[key]?.[def.id] === undefined) continue;
      const failed = errorRow(results, key, def, header.length);
      if (failed) {
        rows.push(failed);
        continue;
      }
      rows.push([
        def.label,
        key.slice(4),
        spread(values(results, key, def.id, 'rate')),
        ratio(ratioOf(results, key, def.id, 'rabbitmq-web-stomp')),
        rate(median(values(results, key, def.id, 'messagesPerSecond'))),
        `${ms(median(values(results, key, def.id, 'p50')))} / ${ms(median(values(results, key, def.id, 'p99')))}`,
        num(median(values(results, key, def.id, 'serverUsPerOp')), 2),
        loadCell(values(results, key, def.id, 'loadCpu')),
      ]);
    }
  }
  return table(header, rows);
}

/**
 * @param {Record<string, any>} sizes
 * @param {{ id: string, label: string }[]} defs
 */
function bundleTable(sizes, defs) {
  const rows = defs.map((d) => {
    const s = sizes[d.id];
    if (s === undefined) return null;
    if (s.error) return [d.label, `error: ${s.error}`, '', ''];
    return [d.label, String(s.min), String(s.gzip), kib(s.gzip)];
  });
  return table(['bundle', 'min B', 'min+gzip -9 B', 'KiB'], /** @type {string[][]} */ (rows.filter(Boolean)));
}

/**
 * @param {{ meta: Record<string, any>, config: any, results: Results, bundles?: Record<string, any>, noise: any }} run
 * @param {{ targets: Def[], stompTargets: Def[], bundleDefs: { id: string, label: string }[] }} defs
 */
export function renderReport(run, defs) {
  const { meta, config, results } = run;
  const out = [];
  out.push(`Run ${meta.date} · ${meta.mode} · ${config.reps} repetitions · \`${meta.command}\``);
  out.push('');
  out.push(
    `Machine: ${meta.machine}. Node ${meta.node}. Servers pinned to core 1, load generator to core 0. ` +
      `Other work on the machine during the measured phases (share of a core, median / max): server core ` +
      `${num(run.noise.serverCore[0] * 100, 0)} % / ${num(run.noise.serverCore[1] * 100, 0)} %, load core ` +
      `${num(run.noise.loadCore[0] * 100, 0)} % / ${num(run.noise.loadCore[1] * 100, 0)} %; load average ${meta.loadBefore} before, ${meta.loadAfter} after.`,
  );
  out.push('');
  if (meta.staleDist) {
    out.push(
      "**The server's sources were newer than its built dist during this run: the figures are of the older build.**",
    );
    out.push('');
  }
  out.push(
    `Versions: ${Object.entries(meta.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  out.push('');
  out.push(
    'Ratios are medians of per-repetition ratios. ⚠: the load generator used more than 85 % of its core in some',
  );
  out.push(
    "repetition, so that figure is a lower bound of the server's capacity. Server µs/op is user+system CPU of the",
  );
  out.push(
    'server process (all threads) over the measured phase, divided by the operations in it; "CPU ÷" columns are',
  );
  out.push(
    "the reference's µs/op over ours (above 1x we spend less), the steadiest comparison on a shared machine.",
  );
  out.push('');
  if (results.W1) {
    out.push(`### W1 echo (${config.echo.clients} clients, one 100 B message in flight each)`);
    out.push('');
    // Runs saved before the native generator existed were all driven by the JS clients.
    out.push(
      meta.echoLoad === 'native'
        ? "Load: the WebSocket rows from `bench/native/echo-load.c` (C, one epoll thread), the HTTP rows from the harness's JS clients."
        : "Load: the harness's JS clients (`--load js`).",
    );
    out.push('');
    out.push(
      throughputTable(results, 'W1', defs.targets, 'round trips/s', {
        per: 'round trip',
        latency: 'RTT p50 / p99 ms',
      }),
    );
    out.push('');
  }
  for (const key of Object.keys(results).filter((k) => k.startsWith('W2-'))) {
    const w = key.slice(4);
    out.push(
      `### W2 fan-out, ${w} message${w === '1' ? '' : 's'} in flight (one publisher; ${config.fanout.wsSubscribers} WebSocket / ${config.fanout.httpSubscribers} HTTP subscribers; 100 B)`,
    );
    out.push('');
    out.push(
      throughputTable(results, key, defs.targets, 'deliveries/s', {
        per: 'delivery',
        latency: 'latency p50 / p99 ms',
      }),
    );
    out.push('');
  }
  if (results.W3) {
    out.push(
      `### W3 idle memory per session (slope from ${config.idle.ws[0]} to ${config.idle.ws[1]} WebSocket, ${config.idle.http[0]} to ${config.idle.http[1]} HTTP sessions; after gc)`,
    );
    out.push('');
    out.push(idleTable(results, defs.targets));
    out.push('');
  }
  if (results.W4) {
    out.push(
      `### W4 connect rate (${config.connect.concurrency} in flight; SockJS: GET /info first; warm-up first)`,
    );
    out.push('');
    out.push(
      throughputTable(results, 'W4', defs.targets, 'sessions/s', {
        per: 'session',
        latency: 'connect p50 / p99 ms',
      }),
    );
    out.push('');
  }
  if (run.bundles) {
    out.push('### W5 browser bundles (esbuild, minified IIFE, es2022; gzip -9)');
    out.push('');
    out.push(bundleTable(run.bundles, defs.bundleDefs));
    out.push('');
  }
  if (Object.keys(results).some((k) => k.startsWith('W6-'))) {
    out.push(
      `### W6 STOMP fan-out through the broker (${config.stomp.subscribers} subscribers on one topic, one publisher, 100 B)`,
    );
    out.push('');
    if (meta.stompFromSource) {
      out.push(
        'Our broker is not exported by the built `@sockwire/server` yet: it was bundled from its sources by esbuild for this run.',
      );
      out.push('');
    }
    out.push(stompTable(results, defs.stompTargets));
    out.push('');
  }
  out.push('### Goals (issue 6)');
  out.push('');
  out.push(goalsTable(results, run.bundles ?? {}));
  out.push('');
  return out.join('\n');
}
