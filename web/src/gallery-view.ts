import { ImageKind } from '../../gen/image/v1/asset_pb.js';
import { api } from './rpc.js';
import { showError, clearError } from './errors.js';
import { field, h, select, uid } from './dom.js';
import { imageCard } from './images.js';
import { section } from './action-form.js';
import { uploadPanel } from './upload-panel.js';

const PAGE_SIZE = 12;

/** Upload, then the gallery: ListImages a page at a time, filtered by kind. */
export function galleryView(): HTMLElement {
  const kind = select('kind', [
    [String(ImageKind.UNSPECIFIED), 'All'],
    [String(ImageKind.UPLOADED), 'Uploaded'],
    [String(ImageKind.GENERATED), 'Generated'],
    [String(ImageKind.PROCESSED), 'Processed'],
  ]);
  const grid = h('div', { class: 'grid', 'data-testid': 'gallery', 'aria-live': 'polite' });
  const errorBox = h('div', { class: 'error', role: 'alert', id: uid('err'), hidden: true });
  const previous = h('button', { type: 'button', class: 'secondary' }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary' }, 'Next page');
  const pageLabel = h('span', { class: 'page' });
  // Tokens of the pages seen, so "previous" can go back without the service keeping state.
  let tokens = [''];
  let page = 0;
  let nextToken = '';

  async function load(): Promise<void> {
    clearError(errorBox);
    grid.setAttribute('aria-busy', 'true');
    try {
      const r = await api().images.listImages({ pageSize: PAGE_SIZE, pageToken: tokens[page], kind: Number(kind.value) });
      nextToken = r.nextPageToken;
      grid.replaceChildren(...(r.images.length ? r.images.map((a) => imageCard(a)) : [h('p', {}, 'No images yet.')]));
    } catch (error) {
      grid.replaceChildren();
      showError(errorBox, error);
    } finally {
      grid.removeAttribute('aria-busy');
      previous.disabled = page === 0;
      next.disabled = !nextToken;
      pageLabel.textContent = `Page ${page + 1}`;
    }
  }
  kind.addEventListener('change', () => {
    tokens = [''];
    page = 0;
    void load();
  });
  previous.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    void load();
  });
  next.addEventListener('click', () => {
    tokens[page + 1] = nextToken;
    page++;
    void load();
  });
  void load();

  return h(
    'div',
    { class: 'view' },
    uploadPanel((asset) => {
      location.hash = `#/image/${asset.imageId}`;
    }),
    section('Gallery', h('div', { class: 'toolbar' }, field('Kind', kind), h('div', { class: 'pager' }, previous, pageLabel, next)), errorBox, grid),
  );
}
