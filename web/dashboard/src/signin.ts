/**
 * Sign-in: an operator account of `admins` (name + password), or an API key
 * exchanged for the same kind of cookie session (POST /api/v1/session).
 */
import { api, ApiError } from './api.js';
import { field, h } from './dom.js';

/** What POST/GET /api/v1/session answer for a live session. */
export interface SessionInfo {
  operator: string;
  csrf: string;
  expires: number;
}

/** Text for a refused sign-in. */
function refusal(err: unknown): string {
  if (!(err instanceof ApiError)) return 'The gateway did not answer.';
  if (err.code === 5105) return 'Too many failed attempts from this address: wait a minute, then try again.';
  if (err.status === 401) return 'Wrong name, password or key.';
  return `Refused: ${err.message}`;
}

/** The sign-in screen; calls `done` with the new session. */
export function signInScreen(done: (s: SessionInfo) => void, notice = ''): HTMLElement {
  const status = h('p', { class: 'status error', role: 'alert', id: 'signin-error' }, notice);
  const name = h('input', { name: 'name', autocomplete: 'username', required: true, autofocus: true });
  const pwd = h('input', { name: 'pwd', type: 'password', autocomplete: 'current-password', required: true });
  const key = h('input', { name: 'apiKey', type: 'password', autocomplete: 'off', required: true });
  const attempt = (form: HTMLFormElement, call: () => Promise<SessionInfo>) => (e: Event) => {
    e.preventDefault();
    status.textContent = '';
    const button = form.querySelector('button')!;
    button.disabled = true;
    call()
      .then(done, (err: unknown) => {
        status.textContent = refusal(err);
      })
      .finally(() => (button.disabled = false));
  };
  const operatorForm: HTMLFormElement = h('form', { id: 'signin-operator', 'aria-label': 'Sign in as an operator' }, field('Operator', name), field('Password', pwd), h('button', { type: 'submit' }, 'Sign in'));
  operatorForm.addEventListener('submit', attempt(operatorForm, () => api<SessionInfo>('POST', '/api/v1/session', { name: name.value, pwd: pwd.value })));
  const keyForm: HTMLFormElement = h('form', { id: 'signin-key', 'aria-label': 'Sign in with an API key' }, field('API key', key), h('button', { type: 'submit' }, 'Sign in with key'));
  keyForm.addEventListener('submit', attempt(keyForm, () => api<SessionInfo>('POST', '/api/v1/session', {}, { authorization: `Bearer ${key.value}` })));
  return h(
    'main',
    { class: 'signin' },
    h('h1', {}, 'tim-gateway'),
    h('p', { class: 'lede' }, 'Operators’ dashboard'),
    status,
    operatorForm,
    h('details', {}, h('summary', {}, 'Use an API key instead'), keyForm),
  );
}
