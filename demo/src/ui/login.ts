import { checkNickname } from '../../shared/protocol.js';
import type { TransportChoice } from '../chat-client.js';
import { byId, setText } from './dom.js';
import { fillTransportSelect, isTransportChoice } from './transports.js';

/** The nickname form. Checks the nickname as the server will, so most mistakes never make a round trip. */
export class LoginView {
  private readonly root = byId<HTMLElement>('login');
  private readonly form = byId<HTMLFormElement>('login-form');
  private readonly nickname = byId<HTMLInputElement>('nickname');
  private readonly transport = byId<HTMLSelectElement>('login-transport');
  private readonly error = byId<HTMLElement>('login-error');

  constructor(onSubmit: (nickname: string, transport: TransportChoice) => void) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = checkNickname(this.nickname.value);
      if (!checked.ok) return this.fail(checked.reason);
      const transport = this.transport.value;
      onSubmit(checked.value, isTransportChoice(transport) ? transport : 'auto');
    });
    this.nickname.addEventListener('input', () => this.fail(''));
  }

  show(nickname: string, transport: TransportChoice, error = ''): void {
    this.nickname.value = nickname;
    fillTransportSelect(this.transport, transport, true);
    this.root.hidden = false;
    this.fail(error);
    this.nickname.focus();
    this.nickname.select();
  }

  hide(): void {
    this.root.hidden = true;
  }

  private fail(message: string): void {
    setText(this.error, message);
    this.nickname.setAttribute('aria-invalid', message === '' ? 'false' : 'true');
  }
}
