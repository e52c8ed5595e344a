/*
 * The goals of issue 6, checked against a run's ratios (throughput, and CPU efficiency beside it).
 */
import { ratio, table } from './format.mjs';
import { efficiency, ratioOf } from './report-cells.mjs';

/** @typedef {import('./report-cells.mjs').Results} Results */

/**
 * The goals of issue 6 against this run's ratios (throughput, and CPU efficiency beside it).
 * @param {Results} results
 * @param {Record<string, any>} sizes
 */
export function goalsTable(results, sizes) {
  /** @type {string[][]} */
  const rows = [];
  /**
   * @param {string} goal
   * @param {string} key
   * @param {string} id ours
   * @param {string} ref
   * @param {number} bound
   */
  const check = (goal, key, id, ref, bound) => {
    const value = ratioOf(results, key, id, ref);
    if (!Number.isFinite(value)) return;
    const cpu = efficiency(results, key, id, ref);
    rows.push([goal, id, ratio(value), value >= bound ? 'reached' : '**not reached**', ratio(cpu)]);
  };
  check('W1 WebSocket ≥ 0.9x raw ws', 'W1', 'sockwire-ws', 'raw-ws', 0.9);
  for (const t of ['xhr-streaming', 'eventsource']) {
    check('W1 streaming ≥ 0.8x raw chunked HTTP', 'W1', `sockwire-${t}`, 'raw-stream', 0.8);
  }
  check('W1 polling ≥ 2x sockjs-node', 'W1', 'sockwire-xhr-polling', 'sockjs-xhr-polling', 2);
  for (const key of Object.keys(results).filter((k) => k.startsWith('W2-'))) {
    const w = key.slice(4);
    check(`W2 (${w} in flight) WebSocket ≥ 0.95x raw ws`, key, 'sockwire-ws', 'raw-ws', 0.95);
    for (const t of ['xhr-streaming', 'eventsource']) {
      check(
        `W2 (${w} in flight) streaming ≥ 0.95x raw chunked HTTP`,
        key,
        `sockwire-${t}`,
        'raw-stream',
        0.95,
      );
    }
    check(
      `W2 (${w} in flight) polling ≥ 2x sockjs-node`,
      key,
      'sockwire-xhr-polling',
      'sockjs-xhr-polling',
      2,
    );
  }
  for (const [t, ref] of [
    ['ws', 'sockjs-ws'],
    ['xhr-streaming', 'sockjs-xhr-streaming'],
    ['xhr-polling', 'sockjs-xhr-polling'],
  ]) {
    const value = ratioOf(results, 'W3', `sockwire-${t}`, /** @type {string} */ (ref), 'heapPerSession');
    if (Number.isFinite(value)) {
      rows.push([
        'W3 heap per idle session ≤ 0.5x sockjs-node',
        `sockwire-${t}`,
        ratio(value),
        value <= 0.5 ? 'reached' : '**not reached**',
        '',
      ]);
    }
  }
  const core = sizes['sockwire-min-js'];
  if (core && !core.error) {
    rows.push([
      'W5 core ≤ 4 KB min+gzip',
      '`sockwire.min.js`',
      `${core.gzip} B`,
      core.gzip <= 4096 ? 'reached' : '**not reached**',
      '',
    ]);
  }
  const withStomp = sizes['sockwire-stomp'];
  const stomp = sizes.stompjs;
  if (withStomp && stomp && !withStomp.error && !stomp.error) {
    const over = withStomp.gzip - stomp.gzip;
    rows.push([
      'W5 with STOMP ≤ @stomp/stompjs + 2 KB',
      'Sockwire + stompjs',
      `+${over} B`,
      over <= 2048 ? 'reached' : '**not reached**',
      '',
    ]);
  }
  for (const key of Object.keys(results).filter((k) => k.startsWith('W6-'))) {
    for (const id of ['sockwire-stomp-ws', 'sockwire-stomp-sockjs']) {
      check(`W6 (${key.slice(4)} in flight) ≥ RabbitMQ`, key, id, 'rabbitmq-web-stomp', 1);
    }
  }
  return table(['goal', 'target', 'median ratio', 'verdict', 'CPU efficiency ratio'], rows);
}
