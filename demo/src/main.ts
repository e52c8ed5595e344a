/*
 * The chat page's entry. Where to look:
 *   chat-client.ts   everything done with the Sockwire SDK (connect, resumed subscriptions, send(), reconnects)
 *   store.ts         the page's state
 *   ui/              the views (DOM only; user text always through textContent)
 *   ../shared/       the protocol both the page and the server use
 *   ../server/       the server: @sockwire/server's SockJS endpoint and embedded STOMP broker
 */
import './styles/base.css';
import './styles/login.css';
import './styles/chat.css';
import './styles/conversation.css';
import './styles/responsive.css';
import { App } from './app.js';

new App().start();
