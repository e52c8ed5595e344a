/*
 * What every protocol adapter offers a workload: open a session, send application messages, and report every
 * received frame or chunk as a byte range (workloads look for their '#' markers in it, whatever the framing).
 */

/**
 * @typedef {object} SessionOptions
 * @property {number} port
 * @property {'echo' | 'bcast'} group which application: echo to the sender, or broadcast to the group
 * @property {(buf: Buffer, start: number, end: number) => void} onData
 * @property {'subscriber' | 'publisher'} [role] fan-out role (STOMP publishers do not subscribe)
 * @property {boolean} [info] fetch `/info` first, as a real SockJS client does (connect-rate workload)
 * @property {(error?: Error) => void} [onClose] the session ended after it was open
 */

/**
 * @typedef {object} Session
 * @property {() => Promise<void>} open resolves when the server's open frame arrived
 * @property {(payload: string) => void} send one message; HTTP adapters batch while a send is in flight
 * @property {() => void} reset drop every connection with a TCP reset
 */

/**
 * A promise with its settle functions, for adapters whose open is driven by parser callbacks.
 * @returns {{ promise: Promise<void>, resolve: () => void, reject: (e: Error) => void }}
 */
export function deferred() {
  /** @type {() => void} */
  let resolve = () => {};
  /** @type {(e: Error) => void} */
  let reject = () => {};
  const promise = new Promise((res, rej) => {
    resolve = () => res(undefined);
    reject = rej;
  });
  // An open that fails after the workload stopped waiting must not crash the harness.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

let counter = 0;
/**
 * A fresh SockJS session id: unique in the run, 10 characters of [0-9a-z] (sockjs-client sends 8; our server
 * takes 8 to 64 letters and digits).
 */
export function sessionId() {
  counter++;
  const random = Math.random().toString(36).slice(2, 8).padEnd(6, '0');
  return `${counter.toString(36).padStart(4, '0')}${random}`;
}

/**
 * Does the range hold a SockJS open frame at a line start (`o`, or EventSource's `data: o`)?
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} end
 */
export function hasOpenFrame(buf, start, end) {
  for (let i = buf.indexOf(0x6f, start); i >= 0 && i < end; i = buf.indexOf(0x6f, i + 1)) {
    const before = i === start ? 0x0a : buf[i - 1];
    if (
      before === 0x0a ||
      (before === 0x20 && buf.toString('latin1', Math.max(start, i - 6), i) === 'data: ')
    )
      return true;
  }
  return false;
}
