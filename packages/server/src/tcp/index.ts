export { type ListenTcpOptions, listenTcp, type StompTcpServer } from './listen-tcp.js';
export { TcpConnection, type TcpConnectionOptions } from './tcp-connection.js';
