import { TRANSPORTS, type TransportChoice } from '../chat-client.js';
import { h } from './dom.js';

const LABELS: Readonly<Record<TransportChoice, string>> = {
  auto: 'Automatic',
  websocket: 'WebSocket',
  'xhr-streaming': 'XHR streaming',
  eventsource: 'EventSource',
  'xhr-polling': 'XHR polling',
};

/** A transport's display name ('xhr-polling' → 'XHR polling'). */
export function transportLabel(name: string): string {
  return isTransportChoice(name) && name !== 'auto' ? LABELS[name] : name;
}

export function isTransportChoice(value: string | null): value is TransportChoice {
  return value === 'auto' || (TRANSPORTS as readonly string[]).includes(value ?? '');
}

/** Fills a <select> with the transport choices; `long` explains "Automatic" where there is room. */
export function fillTransportSelect(select: HTMLSelectElement, value: TransportChoice, long = false): void {
  const label = (choice: TransportChoice) =>
    long && choice === 'auto' ? 'Automatic (best available)' : LABELS[choice];
  select.replaceChildren(
    ...(['auto', ...TRANSPORTS] as const).map((choice) => h('option', { value: choice }, label(choice))),
  );
  select.value = value;
}
