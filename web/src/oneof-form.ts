import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { field, h, numberInput, select } from './dom.js';

// Starting values that show an effect; the service checks every range and names the field otherwise.
const DEFAULTS: Record<string, number | string | boolean> = {
  sigma: 2, m1: 1, m2: 2, radius: 0.8, amount: 1, size: 3, intensity: 1, factor: 1.3, degrees: 90, gamma: 2.2,
  color: '#3366cc', strength: 0.6, blockSize: 12, levels: 4, level: 128, lower: 1, upper: 99, width: 64, height: 64,
  maxSlope: 3, shadowColor: '#1b2a49', highlightColor: '#f6d186', blackPoint: 10, whitePoint: 245,
};

export interface OneofForm {
  controls: HTMLElement;
  /** The chosen case and its message's values, as protobuf-es init for the oneof. */
  value(): { case: string; value: Record<string, unknown> };
  label(): string;
}

const words = (name: string) => name.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());

/**
 * A select of a message's oneof cases (Filter.filter_type, ColorTransformation.kind) and inputs for the
 * chosen case's scalar fields, from the generated descriptors: a new filter in the proto appears here.
 */
export function oneofForm(schema: DescMessage, selected: string): OneofForm {
  const oneof = schema.oneofs[0];
  const cases = oneof.fields.filter((f) => f.message && f.message.fields.every((x) => x.fieldKind === 'scalar'));
  const kind = select(oneof.name, cases.map((f) => [f.localName, words(f.localName)]), selected);
  const params = h('div', { class: 'params' });
  const current = () => cases.find((f) => f.localName === kind.value) ?? cases[0];
  function render(): void {
    params.replaceChildren(...(current().message?.fields ?? []).map((f) => field(words(f.localName), input(f))));
  }
  kind.addEventListener('change', render);
  render();
  return {
    controls: h('div', { class: 'oneof' }, field(words(oneof.localName), kind), params),
    value() {
      const c = current();
      const value: Record<string, unknown> = {};
      for (const f of c.message?.fields ?? []) {
        const el = params.querySelector<HTMLInputElement>(`[name="${f.name}"]`);
        if (!el) continue;
        value[f.localName] = f.scalar === ScalarType.BOOL ? el.checked : f.scalar === ScalarType.STRING ? el.value : Number(el.value);
      }
      return { case: c.localName, value };
    },
    label: () => words(current().localName),
  };
}

function input(f: DescField): HTMLInputElement {
  const d = DEFAULTS[f.localName];
  if (f.scalar === ScalarType.BOOL) return h('input', { type: 'checkbox', name: f.name, checked: d === true });
  if (f.scalar === ScalarType.STRING) return h('input', { type: f.localName.toLowerCase().includes('color') ? 'color' : 'text', name: f.name, value: String(d ?? '') });
  const integer = f.scalar === ScalarType.INT32 || f.scalar === ScalarType.INT64;
  return numberInput(f.name, typeof d === 'number' ? d : 0, undefined, undefined, integer ? 1 : 'any');
}
