/*
 * Page side of tests/offline-resume.spec.ts: one STOMP client of the SDK (`Sockwire.createStompClient`, from
 * sockwire-stomp.min.js) that stays alive while the test takes the network away and brings it back. It records
 * every message its subscription's callback gets (body, offset, epoch), every `onGap`, every connect and socket
 * close, and how each `client.send()` settled. Driven step by step through `window.offlineResume` (see
 * src/offline-resume-types.ts); every method answers with a snapshot as JSON text.
 *
 * Injected as a script after the page loaded (Playwright's addScriptTag, WebDriver's execute), so the whole
 * file is one function expression that only assigns `window.offlineResume`. ES2017, no modules, like
 * scenarios.js: it must run unchanged in all three engines. Type-checked through JSDoc.
 */
(() => {
  /** @typedef {import('../src/offline-resume-types.js').ResumeStartArgs} ResumeStartArgs */
  /** @typedef {import('../src/offline-resume-types.js').ResumeMessage} ResumeMessage */
  /** @typedef {import('../src/offline-resume-types.js').ResumeGap} ResumeGap */
  /** @typedef {import('../src/offline-resume-types.js').ResumeSend} ResumeSend */
  /** @typedef {import('../src/offline-resume-types.js').ResumeSnapshot} ResumeSnapshot */
  /** @typedef {import('../src/offline-resume-types.js').ResumeStompClient} ResumeStompClient */
  /** @typedef {import('../src/offline-resume-types.js').ResumeClientFactory} ResumeClientFactory */
  /** @typedef {import('../src/scenario-types.js').CloseInfo} CloseInfo */

  /** How long `stop()` waits for `deactivate()`: a bound, not a delay. */
  const STOP_WAIT_MS = 3000;

  const started = performance.now();
  /** @type {string[]} */
  const lines = [];
  const view = document.createElement('pre');
  view.textContent = 'offline-resume\n';
  document.body.appendChild(view);
  /** @param {string} line */
  const add = (line) => {
    const entry = `${(performance.now() - started).toFixed(0).padStart(6)} ms  ${line}`;
    lines.push(entry);
    view.textContent += `${entry}\n`;
  };

  /** @type {ResumeStompClient | null} */
  let client = null;
  let sendTo = '';
  let connects = 0;
  /** @type {(string | null)[]} */
  const transports = [];
  /** @type {CloseInfo[]} */
  const closes = [];
  /** @type {ResumeMessage[]} */
  const received = [];
  /** @type {ResumeGap[]} */
  const gaps = [];
  /** @type {ResumeSend[]} */
  const sends = [];
  /** @type {string[]} */
  const problems = [];

  const snapshot = () => {
    /** @type {ResumeSnapshot} */
    const state = {
      connected: client ? client.connected : false,
      connects,
      transports,
      closes,
      received,
      gaps,
      sends,
      problems,
      log: lines,
    };
    return JSON.stringify(state);
  };

  /** @returns {ResumeStompClient} */
  const current = () => {
    if (!client) throw new Error('offlineResume.start() was not called');
    return client;
  };

  /** @param {string | undefined} text */
  const numberOrNull = (text) => (text === undefined || text === '' ? null : Number(text));

  /** @param {ResumeStartArgs} args */
  const start = (args) => {
    if (client) throw new Error('offlineResume.start() was called twice');
    const sockwire = window.Sockwire;
    const factory = sockwire ? sockwire.createStompClient : undefined;
    if (!factory) {
      throw new Error('window.Sockwire.createStompClient is missing: sockwire-stomp.min.js did not load');
    }
    // page-globals.ts describes createStompClient with the options scenarios.js uses; this page uses more.
    const create = /** @type {ResumeClientFactory} */ (/** @type {unknown} */ (factory));
    add(`start ${args.url} over ${args.transport}, ${args.topic}`);
    const made = create(args.url, {
      socket: { transports: [args.transport] },
      minDelay: args.minDelay,
      maxDelay: args.maxDelay,
      onGap: (gap) => {
        gaps.push({
          subscriptionId: gap.subscriptionId,
          destination: gap.destination,
          reason: gap.reason,
          requested: gap.requested === undefined ? null : gap.requested,
          resumedAt: gap.resumedAt === undefined ? null : gap.resumedAt,
        });
        add(
          `onGap ${gap.reason} on ${gap.destination}: requested ${gap.requested}, resumed at ${gap.resumedAt}`,
        );
      },
      debug: (line) => {
        if (line !== 'Received data') add(`stompjs: ${line}`);
      },
    });
    // Before activate(): the SDK makes it on every CONNECTED, resuming from the last offset it delivered.
    made.subscribe(args.topic, (message) => {
      const offset = numberOrNull(message.headers['x-stream-offset']);
      const epoch = message.headers['x-stream-epoch'];
      received.push({ body: message.body, offset, epoch: epoch === undefined ? null : epoch });
      add(`message ${received.length}: ${JSON.stringify(message.body)} offset ${offset}`);
    });
    made.onConnect = () => {
      connects++;
      const socket = made.webSocket;
      transports.push(socket ? socket.transport || null : null);
      add(`CONNECTED #${connects} over ${transports[transports.length - 1]}`);
    };
    made.onWebSocketClose = (event) => {
      closes.push({ code: event.code, reason: event.reason, wasClean: event.wasClean });
      add(`socket closed ${event.code} ${JSON.stringify(event.reason)} wasClean=${event.wasClean}`);
    };
    made.onStompError = (frame) => {
      problems.push(`ERROR frame: ${frame.headers.message} ${frame.body}`);
      add(`ERROR frame: ${frame.headers.message}`);
    };
    client = made;
    sendTo = args.sendTo;
    made.activate();
    return snapshot();
  };

  /** `client.send(text)`, as when a person types a message and presses Enter; its promise is recorded. */
  /** @param {string} text */
  const type = (text) => {
    const made = current();
    /** @type {ResumeSend} */
    const entry = {
      text,
      connectedWhenTyped: made.connected,
      state: 'pending',
      failure: null,
      connectsWhenSettled: null,
    };
    sends.push(entry);
    add(`send(${JSON.stringify(text)}) while ${made.connected ? 'connected' : 'disconnected'}`);
    made.send(sendTo, text).then(
      () => {
        entry.state = 'confirmed';
        entry.connectsWhenSettled = connects;
        add(`send(${JSON.stringify(text)}) confirmed (RECEIPT) after connect #${connects}`);
      },
      (/** @type {unknown} */ error) => {
        entry.state = 'rejected';
        entry.failure = String(error);
        entry.connectsWhenSettled = connects;
        add(`send(${JSON.stringify(text)}) rejected: ${String(error)}`);
      },
    );
    return snapshot();
  };

  /** @returns {Promise<string>} */
  const stop = () => {
    const made = current();
    add('deactivate()');
    return new Promise((resolve) => {
      const bound = setTimeout(() => {
        problems.push(`deactivate() did not resolve within ${STOP_WAIT_MS} ms`);
        resolve(snapshot());
      }, STOP_WAIT_MS);
      made.deactivate().then(
        () => {
          clearTimeout(bound);
          add(`deactivated: active=${made.active} connected=${made.connected}`);
          resolve(snapshot());
        },
        (/** @type {unknown} */ error) => {
          clearTimeout(bound);
          problems.push(`deactivate() rejected: ${String(error)}`);
          resolve(snapshot());
        },
      );
    });
  };

  /**
   * @param {import('../src/offline-resume-types.js').ResumeMethod} method
   * @param {unknown} arg
   * @returns {Promise<string>}
   */
  const call = (method, arg) => {
    try {
      if (method === 'start') return Promise.resolve(start(/** @type {ResumeStartArgs} */ (arg)));
      if (method === 'type') return Promise.resolve(type(String(arg)));
      if (method === 'stop') return stop();
      return Promise.resolve(snapshot());
    } catch (error) {
      return Promise.resolve(JSON.stringify({ thrown: String(error) }));
    }
  };

  window.offlineResume = { start, snapshot, type, stop, call };
})();
