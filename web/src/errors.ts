import { Code, ConnectError } from '@connectrpc/connect';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { append, h } from './dom.js';

interface FieldProblem {
  field: string;
  description: string;
}

interface Failure {
  code: string;
  message: string;
  fields: FieldProblem[];
  reason?: string;
  metadata: Record<string, string>;
}

/** What the service said: its code and message, and the fields and reason it named in the details. */
function failure(error: unknown): Failure {
  const e = ConnectError.from(error);
  const fields = e.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
  const info = e.findDetails(ErrorInfoSchema)[0];
  return { code: Code[e.code] ?? String(e.code), message: e.rawMessage, fields, reason: info?.reason, metadata: info ? { ...info.metadata } : {} };
}

/**
 * Shows a failure in `box` (next to the form that caused it) and marks the controls whose name is the
 * field the service named, so the message is read out with them.
 */
export function showError(box: HTMLElement, error: unknown, form?: HTMLElement): void {
  const f = failure(error);
  const items = f.fields.map((p) => h('li', {}, h('code', {}, p.field), ': ', p.description));
  const extra = Object.entries(f.metadata).map(([k, v]) => `${k}=${v}`).join(', ');
  box.replaceChildren();
  append(box, [
    h('strong', {}, f.code),
    ' ',
    f.message,
    f.reason ? h('span', { class: 'reason' }, ` (${f.reason}${extra ? `: ${extra}` : ''})`) : null,
    items.length ? h('ul', {}, ...items) : null,
  ]);
  box.hidden = false;
  if (!form) return;
  for (const p of f.fields) {
    const leaf = p.field.split('.').pop() ?? p.field;
    const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(p.field)}"], [name="${CSS.escape(leaf)}"]`);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-errormessage', box.id);
    }
  }
}

export function clearError(box: HTMLElement, form?: HTMLElement): void {
  box.hidden = true;
  box.replaceChildren();
  form?.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}
