import type { ImageAsset } from '../../gen/image/v1/asset_pb.js';
import { api } from './rpc.js';
import { field, h, numberInput, slider } from './dom.js';
import { actionForm, section } from './action-form.js';
import { imageCard } from './images.js';

/** Variations streamed one by one as the service finishes each, and a refinement with prompt and strength. */
export function generationSections(asset: ImageAsset, onDerived: (a: ImageAsset) => void): HTMLElement {
  const count = numberInput('num_variations', 4, 1, 16);
  const strength = slider('variation_strength', 0.5, 0, 1, 0.05);
  const prompt = h('input', { type: 'text', name: 'prompt', placeholder: 'optional' });
  const variations = actionForm(
    'Generate variations',
    [h('div', { class: 'row' }, field('Variations', count), field('Strength', strength.input, undefined, strength.wrap)), field('Prompt', prompt)],
    async ({ result, status }) => {
      const list = h('ol', { class: 'grid variations', 'data-testid': 'variations', 'aria-live': 'polite' });
      result.replaceChildren(list);
      let received = 0;
      for await (const m of api().images.generateVariations({ imageId: asset.imageId, numVariations: Number(count.value), variationStrength: Number(strength.input.value), prompt: prompt.value })) {
        if (!m.image) continue;
        received++;
        onDerived(m.image);
        list.append(h('li', { 'data-index': m.index ?? received - 1 }, imageCard(m.image, `Variation ${(m.index ?? received - 1) + 1}`)));
        status.textContent = `${received} of ${m.total} variations arrived.`;
      }
      return `All ${received} variations arrived.`;
    },
    'variations',
  );

  const refinement = h('input', { type: 'text', name: 'refinement_prompt', value: 'warmer light' });
  const refineStrength = slider('refinement_strength', 0.4, 0, 1, 0.05);
  const refine = actionForm(
    'Refine',
    [field('Refinement prompt', refinement), field('Strength', refineStrength.input, undefined, refineStrength.wrap)],
    async ({ result }) => {
      const r = await api().images.refineImage({ imageId: asset.imageId, refinementPrompt: refinement.value, refinementStrength: Number(refineStrength.input.value) });
      if (!r.image) return;
      onDerived(r.image);
      result.replaceChildren(imageCard(r.image, 'Refined: new image'));
      return 'Refined: stored as a new image.';
    },
    'refine',
  );
  return section('Variations and refinement', variations, refine);
}
