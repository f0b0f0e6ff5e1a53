type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** Builds an element: `on*` keys become listeners, `true` an empty attribute, false/undefined nothing. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else if (value !== false && value !== undefined) el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'number' ? String(child) : child);
  }
}

let ids = 0;
/** A page-unique id for label/aria wiring. */
export function uid(prefix: string): string {
  return `${prefix}-${++ids}`;
}

/** A labelled control: the label names it for screen readers and the service's field name finds it. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string, shown: Node = control): HTMLElement {
  control.id ||= uid('f');
  const hintEl = hint ? h('small', { id: `${control.id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), shown, hintEl);
}

export function select(name: string, options: [value: string, label: string][], selected?: string): HTMLSelectElement {
  return h('select', { name }, ...options.map(([value, label]) => h('option', { value, selected: value === selected }, label)));
}

export function numberInput(name: string, value: number, min?: number, max?: number, step: number | 'any' = 1): HTMLInputElement {
  return h('input', { type: 'number', name, value, min, max, step, inputmode: 'decimal' });
}

/** A range input that shows its value beside it. */
export function slider(name: string, value: number, min: number, max: number, step: number): { input: HTMLInputElement; wrap: HTMLElement } {
  const input = h('input', { type: 'range', name, value, min, max, step });
  const out = h('output', { 'aria-hidden': 'true' }, String(value));
  input.addEventListener('input', () => (out.textContent = input.value));
  return { input, wrap: h('span', { class: 'slider' }, input, out) };
}

export function bytes(n: number | bigint): string {
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KB`;
  return `${(v / 1024 / 1024).toFixed(1)} MB`;
}
