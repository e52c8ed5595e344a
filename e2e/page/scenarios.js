/*
 * Page-side scenarios, loaded as a plain <script> into the test page of every engine, so that Chromium and
 * Firefox (through Playwright's evaluate) and WebKitGTK (through WebDriver's executeAsync) run the very same
 * code. `window.runScenario(name, args)` resolves with the scenario's result and never rejects: an exception
 * becomes `{ thrown }`, so that every engine reports failures the same way.
 *
 * Written in ES2017 without modules or build step: it must load unchanged in all three engines.
 * Type-checked through JSDoc against src/scenario-types.ts (see e2e/tsconfig.json).
 */

/** @typedef {import('../src/scenario-types.js').EchoArgs} EchoArgs */
/** @typedef {import('../src/scenario-types.js').EchoResult} EchoResult */
/** @typedef {import('../src/scenario-types.js').CloseInfo} CloseInfo */
/** @typedef {import('../src/page-globals.js').PageSocket} PageSocket */

/** How long the scenario waits for the close event after its own close(): a bound, not a delay. */
const CLOSE_WAIT_MS = 3000;

/**
 * A timestamped event log, mirrored into the page so that a failure screenshot shows what happened.
 * @param {string} title
 */
function createLog(title) {
  const started = performance.now();
  /** @type {string[]} */
  const lines = [];
  const view = document.createElement('pre');
  view.textContent = `${title}\n`;
  document.body.appendChild(view);
  return {
    lines,
    /** @param {string} line */
    add(line) {
      const entry = `${(performance.now() - started).toFixed(0).padStart(6)} ms  ${line}`;
      lines.push(entry);
      view.textContent += `${entry}\n`;
    },
  };
}

/**
 * Opens a socket of either library; throws when the library is not on the page.
 * @param {EchoArgs} args
 * @returns {PageSocket}
 */
function openSocket(args) {
  const options = args.transports ? { transports: args.transports } : {};
  if (args.library === 'sockwire') {
    if (!window.Sockwire) throw new Error('window.Sockwire is missing: sockwire.min.js did not load');
    return new window.Sockwire.SockwireSocket(args.url, options);
  }
  if (!window.SockJS) throw new Error('window.SockJS is missing: sockjs.min.js did not load');
  return new window.SockJS(args.url, null, options);
}

/** @param {string} text */
function preview(text) {
  return text.length > 40
    ? `${JSON.stringify(text.slice(0, 40))}... (${text.length} chars)`
    : JSON.stringify(text);
}

/**
 * Open, send every message at once, wait until as many came back, close, and report.
 * @param {EchoArgs} args
 * @returns {Promise<EchoResult>}
 */
function echo(args) {
  const log = createLog(`echo ${args.library} ${args.url} ${JSON.stringify(args.transports || 'default')}`);
  const started = performance.now();
  const socket = openSocket(args);
  log.add(`constructed; this page has ${typeof WebSocket === 'function' ? 'a' : 'no'} WebSocket`);
  return new Promise((resolve) => {
    let opened = false;
    /** @type {string | null} */
    let transport = null;
    /** @type {number | null} */
    let openMs = null;
    /** @type {string[]} */
    const received = [];
    /** @type {CloseInfo | null} */
    let close = null;
    /** @type {string | null} */
    let error = null;
    let ended = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let closeWait;

    const report = () => {
      clearTimeout(deadline);
      clearTimeout(closeWait);
      resolve({ opened, transport, openMs, received, close, error, log: log.lines });
    };
    /** Ends the scenario: close our side, then report once the close event came (or did not, in time). */
    const end = (/** @type {string | null} */ why) => {
      if (ended) return;
      ended = true;
      error = why;
      if (why) log.add(`ending: ${why}`);
      if (close) return report();
      closeWait = setTimeout(() => {
        log.add(`no close event ${CLOSE_WAIT_MS} ms after close()`);
        report();
      }, CLOSE_WAIT_MS);
      socket.close();
    };
    const deadline = setTimeout(() => end(`timed out after ${args.timeoutMs} ms`), args.timeoutMs);

    socket.onopen = () => {
      opened = true;
      openMs = Math.round(performance.now() - started);
      transport = socket.transport || null;
      log.add(`open over ${transport} after ${openMs} ms`);
      for (const message of args.messages) socket.send(message);
      log.add(`sent ${args.messages.length} messages`);
      if (args.messages.length === 0) end(null);
    };
    // A close request is not echoed: the server's close frame answers it.
    const echoes = args.messages.length - (args.serverCloses ? 1 : 0);
    socket.onmessage = (event) => {
      const data = String(event.data);
      received.push(data);
      log.add(`message ${received.length}: ${preview(data)}`);
      if (received.length === echoes && !args.serverCloses) end(null);
    };
    socket.onclose = (event) => {
      close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      log.add(`close ${event.code} ${JSON.stringify(event.reason)} wasClean=${event.wasClean}`);
      if (ended) report();
      else if (args.serverCloses && received.length === echoes) end(null);
      else end(opened ? 'closed before every echo came back' : 'closed before opening');
    };
  });
}

const scenarios = { echo };

/** @type {import('../src/page-globals.js').RunScenario} */
window.runScenario = (name, args) => {
  try {
    return scenarios[name](args).catch((/** @type {unknown} */ e) => ({ thrown: String(e) }));
  } catch (e) {
    return Promise.resolve({ thrown: String(e) });
  }
};
