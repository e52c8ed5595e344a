import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStompBroker } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { conformanceTable } from './conformance/cases/index.js';
import { type CaseResult, runCase } from './conformance/runner.js';
import { tcpTarget, webSocketTarget } from './support/targets.js';

/**
 * A report, not part of the test suite (its name does not end in .test.ts): runs the conformance table against
 * a local RabbitMQ (STOMP on 61613, Web-STOMP on 15674) next to our broker and writes where they differ. Each
 * case fails only if our broker misses it (the test suite checks that too); RabbitMQ's differences are the
 * report. Run it with
 *
 *   rabbitmq-plugins enable rabbitmq_stomp rabbitmq_web_stomp
 *   STOMP_RABBITMQ_REPORT=report.md npm run report:rabbitmq
 */
const host = process.env.STOMP_RABBITMQ_HOST ?? '127.0.0.1';

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function rabbitmqctl(args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile('rabbitmqctl', args, { timeout: 30_000 }, (_e, stdout) => resolve(stdout)),
  );
}

describe('RabbitMQ comparison', () => {
  const broker = createStompBroker();
  let ours: StompTcpServer;
  const rows: Array<{ group: string; name: string; specific: boolean; results: CaseResult[] }> = [];

  beforeAll(async () => {
    ours = await listenTcp({ broker, port: 0 });
  });

  afterAll(async () => {
    await broker.close();
    await ours.close();
    // The table's queues (named after this process) outlive the run on a real broker: remove them.
    const report = renderReport(rows);
    const names = (await rabbitmqctl(['list_queues', '-q', '--no-table-headers', 'name'])).split('\n');
    for (const name of names.map((n) => n.trim()).filter((n) => n.startsWith(`c${process.pid}-`))) {
      await rabbitmqctl(['delete_queue', name]);
    }
    if (process.env.STOMP_RABBITMQ_REPORT) writeFileSync(process.env.STOMP_RABBITMQ_REPORT, report);
    else process.stdout.write(report);
  }, 300_000);

  it('RabbitMQ STOMP and Web-STOMP are listening', async () => {
    expect(
      await reachable(61613),
      'RabbitMQ STOMP is not on 61613: rabbitmq-plugins enable rabbitmq_stomp',
    ).toBe(true);
    expect(
      await reachable(15674),
      'RabbitMQ Web-STOMP is not on 15674: rabbitmq-plugins enable rabbitmq_web_stomp',
    ).toBe(true);
  });

  for (const testCase of conformanceTable) {
    it(`${testCase.group}: ${testCase.name}`, async () => {
      const results = [
        await runCase(tcpTarget('sockwire tcp', ours.port), testCase),
        await runCase(tcpTarget('rabbitmq tcp', 61613, host), testCase),
        await runCase(webSocketTarget('rabbitmq web-stomp', `ws://${host}:15674/ws`), testCase),
      ];
      rows.push({
        group: testCase.group,
        name: testCase.name,
        specific: testCase.serverSpecific === true,
        results,
      });
      expect(results[0]?.ok, results[0]?.failure).toBe(true);
    });
  }
});

function renderReport(
  rows: Array<{ group: string; name: string; specific: boolean; results: CaseResult[] }>,
): string {
  const mark = (result: CaseResult | undefined) => (result?.ok ? 'as specified' : 'differs');
  const lines = [
    '# Conformance table: Sockwire vs RabbitMQ',
    '',
    `Run ${new Date().toISOString().slice(0, 10)}; ${rows.length} cases. "differs" = the broker did not do what the table (the STOMP 1.2 spec, or our`,
    'documented choice where marked *) expects; the first difference is quoted.',
    '',
    '| group | case | Sockwire TCP | RabbitMQ TCP | RabbitMQ Web-STOMP |',
    '|---|---|---|---|---|',
  ];
  const notes: string[] = [];
  for (const row of rows) {
    const [ours, tcp, ws] = row.results;
    lines.push(
      `| ${row.group} | ${row.name}${row.specific ? ' *' : ''} | ${mark(ours)} | ${mark(tcp)} | ${mark(ws)} |`,
    );
    for (const [label, result] of [
      ['Sockwire', ours],
      ['RabbitMQ TCP', tcp],
      ['RabbitMQ Web-STOMP', ws],
    ] as const) {
      if (result && !result.ok)
        notes.push(`- **${row.name}** (${label}): ${(result.failure ?? '').replace(/\|/g, '\\|')}`);
    }
  }
  const count = (i: number) => rows.filter((row) => row.results[i]?.ok).length;
  lines.push(
    '',
    `Totals as specified: Sockwire ${count(0)}/${rows.length}, RabbitMQ TCP ${count(1)}/${rows.length}, Web-STOMP ${count(2)}/${rows.length}.`,
  );
  lines.push('', '## Differences', '', ...notes, '');
  return lines.join('\n');
}
