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
/** @typedef {import('../src/scenario-types.js').StompArgs} StompArgs */
/** @typedef {import('../src/scenario-types.js').StompResult} StompResult */
/** @typedef {import('../src/scenario-types.js').StompAppReply} StompAppReply */

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
    const fallback = args.fallbackDelay === undefined ? {} : { fallbackDelay: args.fallbackDelay };
    return new window.Sockwire.SockwireSocket(args.url, { ...options, ...fallback });
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

/**
 * Our STOMP client (stompjs inside sockwire-stomp.min.js) on one transport against our broker: connect, SEND
 * every message to a topic it subscribed to, each with a receipt, and an application SEND whose handler answers
 * on another topic; wait for every receipt and message, then deactivate and report.
 * @param {StompArgs} args
 * @returns {Promise<StompResult>}
 */
function stomp(args) {
  const log = createLog(`stomp ${args.library} ${args.url} ${args.transport} ${args.topic}`);
  if (!window.Sockwire) throw new Error('window.Sockwire is missing: sockwire-stomp.min.js did not load');
  const createStompClient = window.Sockwire.createStompClient;
  if (!createStompClient) {
    throw new Error('window.Sockwire.createStompClient is missing: this page has no sockwire-stomp.min.js');
  }
  const SockJS = window.SockJS;
  if (args.library === 'sockjs-client' && !SockJS) {
    throw new Error('window.SockJS is missing: sockjs.min.js did not load');
  }
  return new Promise((resolve) => {
    const client = createStompClient(args.url, {
      socket: { transports: [args.transport] },
      // A close must end the scenario, not start a reconnect that would hide it.
      reconnectDelay: 0,
      // stompjs logs commands and headers (never bodies): where a stuck connection stopped.
      debug: (line) => {
        if (line !== 'Received data') log.add(`stompjs: ${line}`);
      },
      onJsonError: (e, message) => end(`reply on ${message.headers.destination} is not JSON: ${e.message}`),
    });
    if (args.library === 'sockjs-client' && SockJS) {
      client.webSocketFactory = () => new SockJS(args.url, null, { transports: [args.transport] });
    }
    let connected = false;
    /** @type {string | null} */
    let transport = null;
    /** @type {string | null} */
    let version = null;
    /** @type {string[]} */
    const receipts = [];
    /** @type {string[]} */
    const received = [];
    /** @type {StompAppReply | null} */
    let appReply = null;
    let deactivated = false;
    /** @type {CloseInfo | null} */
    let close = null;
    /** @type {string | null} */
    let error = null;
    let ended = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let closeWait;
    const sends = args.messages.length + 1;

    const report = () => {
      clearTimeout(deadline);
      clearTimeout(closeWait);
      resolve({
        connected,
        transport,
        version,
        receipts,
        received,
        appReply,
        deactivated,
        close,
        error,
        log: log.lines,
      });
    };
    /** Ends the scenario: deactivate (DISCONNECT, then the socket closes), report when it resolved or did not. */
    const end = (/** @type {string | null} */ why) => {
      if (ended) return;
      ended = true;
      error = why;
      if (why) log.add(`ending: ${why}`);
      log.add('deactivate()');
      closeWait = setTimeout(() => {
        log.add(`deactivate() did not resolve within ${CLOSE_WAIT_MS} ms`);
        report();
      }, CLOSE_WAIT_MS);
      client.deactivate().then(
        () => {
          deactivated = !client.active && !client.connected;
          log.add(`deactivated: active=${client.active} connected=${client.connected}`);
          report();
        },
        (/** @type {unknown} */ e) => {
          log.add(`deactivate() rejected: ${String(e)}`);
          report();
        },
      );
    };
    const deadline = setTimeout(() => end(`timed out after ${args.timeoutMs} ms`), args.timeoutMs);
    const check = () => {
      if (receipts.length === sends && received.length === args.messages.length && appReply) end(null);
    };

    // Made before activate(): ours makes them on CONNECTED, before onConnect runs.
    client.subscribe(args.topic, (message) => {
      received.push(message.body);
      log.add(`message ${received.length} on ${message.headers.destination}: ${preview(message.body)}`);
      check();
    });
    client.subscribeJson(args.app.reply, (/** @type {StompAppReply} */ value) => {
      appReply = value;
      log.add(`application reply on ${args.app.reply}: ${preview(JSON.stringify(value))}`);
      check();
    });

    /** @param {string} destination @param {string} body @param {string} receipt */
    const send = (destination, body, receipt) => {
      client.watchForReceipt(receipt, () => {
        receipts.push(receipt);
        log.add(`receipt ${receipt}`);
        check();
      });
      client.publish({ destination, body, headers: { receipt } });
    };
    client.onConnect = (frame) => {
      connected = true;
      version = frame.headers.version || null;
      const socket = client.webSocket;
      transport = socket ? socket.transport || null : null;
      log.add(`CONNECTED version ${version} over ${transport}`);
      for (const [i, body] of args.messages.entries()) send(args.topic, body, `r-${i}`);
      send(args.app.send, args.appText, 'r-app');
      log.add(`sent ${sends} SENDs`);
    };
    client.onStompError = (frame) => {
      end(`ERROR frame: ${frame.headers.message} ${preview(frame.body)}`);
    };
    client.onWebSocketError = () => log.add('socket error event');
    client.onWebSocketClose = (event) => {
      close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      log.add(`close ${event.code} ${JSON.stringify(event.reason)} wasClean=${event.wasClean}`);
      if (!ended) end(connected ? 'closed before every message came back' : 'closed before CONNECTED');
    };
    log.add(`activate() on ${args.library === 'sockwire' ? 'ours' : 'sockjs-client'}`);
    client.activate();
  });
}

/** @type {import('../src/page-globals.js').ScenarioTable} */
const scenarios = { echo, stomp };

/** @type {import('../src/page-globals.js').RunScenario} */
window.runScenario = (name, args) => {
  try {
    return scenarios[name](args).catch((/** @type {unknown} */ e) => ({ thrown: String(e) }));
  } catch (e) {
    return Promise.resolve({ thrown: String(e) });
  }
};
