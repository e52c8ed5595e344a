/**
 * A socket's close in plain words, for people rather than developers (the code and reason go to the
 * connection panel). SockJS and WebSocket codes: 1001 the server is going away, 1006 the connection dropped,
 * 1002 with "Cannot connect to server" nothing answered, 2011 no heartbeat for too long.
 */
export function describeClose(code: number, reason: string): string {
  if (reason.startsWith('Cannot connect to server')) return "Can't reach the chat server";
  switch (code) {
    case 1000:
      return 'The chat server closed the connection';
    case 1001:
      return 'The chat server went away (it may be restarting)';
    case 1006:
      return 'The connection dropped';
    case 1011:
    case 1013:
      return 'The chat server had a problem';
    case 2011:
      return 'The chat server stopped answering';
    default:
      return 'The connection was interrupted';
  }
}
