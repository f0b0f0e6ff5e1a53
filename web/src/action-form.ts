import { clearError, showError } from './errors.js';
import { h, uid } from './dom.js';

export interface ActionForm {
  form: HTMLFormElement;
  /** Where the action's results go. */
  result: HTMLElement;
  status: HTMLElement;
}

/**
 * A form whose submit runs one call: the button is busy meanwhile, the call's state is announced, and a
 * failure is shown right under the form with the fields the service named.
 */
export function actionForm(label: string, controls: Node[], run: (f: ActionForm) => Promise<string | void>, testId?: string): HTMLFormElement {
  const errorBox = h('div', { class: 'error', role: 'alert', id: uid('err'), hidden: true });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const result = h('div', { class: 'result' });
  const button = h('button', { type: 'submit' }, label);
  const form = h('form', { class: 'action', 'data-testid': testId }, ...controls, h('div', { class: 'buttons' }, button), status, errorBox, result);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errorBox, form);
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    status.textContent = `${label}…`;
    run({ form, result, status }).then(
      (done) => (status.textContent = done ?? 'Done.'),
      (error: unknown) => {
        status.textContent = '';
        showError(errorBox, error, form);
      },
    ).finally(() => {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    });
  });
  return form;
}

export function section(title: string, ...content: Node[]): HTMLElement {
  const id = uid('s');
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}
