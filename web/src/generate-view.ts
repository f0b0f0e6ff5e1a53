import { api } from './rpc.js';
import { field, h, numberInput, select } from './dom.js';
import { actionForm, section } from './action-form.js';

/** A new image from a prompt: model (ListModels), style, size, negative prompt and seed. */
export function generateView(): HTMLElement {
  const model = select('model', []);
  api()
    .images.listModels({})
    .then(
      (r) => model.replaceChildren(...r.models.filter((m) => m.textToImage !== false).map((m) => h('option', { value: m.name, selected: m.isDefault === true }, `${m.name} (${m.provider})${m.description ? ` — ${m.description}` : ''}`))),
      () => model.replaceChildren(h('option', { value: '' }, 'service default')),
    );
  const prompt = h('textarea', { name: 'prompt', rows: 3, required: true }, 'a lighthouse on a rocky coast at dusk');
  const style = h('input', { type: 'text', name: 'style', list: 'styles', placeholder: 'optional' });
  const styles = h('datalist', { id: 'styles' }, ...['photographic', 'watercolor', 'oil painting', 'digital art', 'line art'].map((s) => h('option', { value: s })));
  const width = numberInput('width', 512, 64, 2048);
  const height = numberInput('height', 384, 64, 2048);
  const negative = h('input', { type: 'text', name: 'negative_prompt', placeholder: 'optional' });
  const seed = h('input', { type: 'number', name: 'seed', placeholder: 'random', step: 1 });
  const form = actionForm(
    'Generate',
    [field('Prompt', prompt), field('Model', model), field('Style', style), styles, h('div', { class: 'row' }, field('Width', width), field('Height', height), field('Seed', seed)), field('Negative prompt', negative)],
    async () => {
      const r = await api().images.generateImage({
        prompt: prompt.value,
        model: model.value,
        style: style.value,
        width: Number(width.value),
        height: Number(height.value),
        negativePrompt: negative.value,
        seed: seed.value ? BigInt(seed.value) : undefined,
      });
      if (r.image) location.hash = `#/image/${r.image.imageId}`;
      return 'Generated.';
    },
    'generate',
  );
  return h('div', { class: 'view' }, section('Generate from a prompt', form));
}
