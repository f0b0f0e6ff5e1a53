import { Code, ConnectError } from '@connectrpc/connect';
import { api, chooseTransport, credential, setCredential, transportName, type TransportName } from './rpc.js';
import { clearError, showError } from './errors.js';
import { field, h, select, uid } from './dom.js';

/**
 * The header: protocol choice and sign-in. How the service answers an anonymous ListImages says whether
 * it is open (development mode, or AUTH_MODE=none behind a gateway) or wants a credential.
 */
export function authBar(onChange: () => void): HTMLElement {
  const state = h('p', { class: 'auth-state', role: 'status', 'data-testid': 'auth-state' });
  const protocol = select('transport', [['connect', 'Connect'], ['grpc-web', 'gRPC-Web']], transportName());
  protocol.addEventListener('change', () => {
    chooseTransport(protocol.value as TransportName);
    void refresh();
  });
  const secret = h('input', { type: 'password', name: 'credential', autocomplete: 'off', placeholder: 'isk_… or a JWT' });
  const errorBox = h('div', { class: 'error', role: 'alert', id: uid('err'), hidden: true });
  const signOut = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Sign out');
  const entry = h('div', { class: 'signin' }, field('API key or bearer token', secret, 'Kept in this tab only.'), h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Sign in')));
  const form = h('form', { class: 'signin', 'aria-label': 'Sign in' }, entry, signOut, errorBox);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errorBox, form);
    setCredential(secret.value.trim());
    api()
      .images.listImages({ pageSize: 1 })
      .then(
        () => {
          secret.value = '';
          void refresh();
          onChange();
        },
        (error: unknown) => {
          setCredential(null);
          showError(errorBox, error, form);
          void refresh();
        },
      );
  });
  signOut.addEventListener('click', () => {
    setCredential(null);
    void refresh();
    onChange();
  });

  async function refresh(): Promise<void> {
    const held = credential();
    signOut.hidden = !held;
    entry.hidden = !!held;
    if (held) {
      state.textContent = `Signed in with ${held.startsWith('isk_') ? `API key ${held.slice(0, 20)}…` : 'a bearer token'}.`;
      state.dataset.mode = 'signed-in';
      return;
    }
    try {
      await api().anonymous.listImages({ pageSize: 1 });
      state.textContent = 'Open service: anonymous calls are accepted (development mode, or authentication left to a gateway).';
      state.dataset.mode = 'open';
    } catch (error) {
      const e = ConnectError.from(error);
      const wants = e.code === Code.Unauthenticated;
      state.textContent = wants ? 'Sign in: the service wants an API key or a bearer token.' : `The service did not answer: ${e.message}`;
      state.dataset.mode = wants ? 'sign-in' : 'unreachable';
    }
  }
  void refresh();

  return h(
    'div',
    { class: 'bar' },
    h('h1', {}, h('a', { href: '#/' }, 'Image service')),
    h('nav', { 'aria-label': 'Sections' }, h('a', { href: '#/' }, 'Gallery'), h('a', { href: '#/generate' }, 'Generate')),
    field('Protocol', protocol),
    state,
    form,
  );
}
