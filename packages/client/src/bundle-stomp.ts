// <script src="sockwire-stomp.min.js">: window.Sockwire with the main entry, ReconnectingSocket and the STOMP
// client, @stomp/stompjs bundled in (a page without a bundler has no other way to load it).
export * from './bundle-reconnect.js';
export * from './stomp.js';
