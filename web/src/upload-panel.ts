import type { ImageAsset } from '../../gen/image/v1/asset_pb.js';
import { api } from './rpc.js';
import { clearError, showError } from './errors.js';
import { bytes, h, uid } from './dom.js';
import { section } from './action-form.js';

/** Reads a file with progress events (the part of an upload a browser can measure). */
function readFile(file: File, onProgress: (loaded: number) => void): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => onProgress(e.loaded);
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsArrayBuffer(file);
  });
}

/**
 * Drag and drop or the file picker. Progress is honest: reading the file is measured; the call itself
 * is one UploadImage (browsers' fetch cannot stream a request body, so connect-web has no client
 * streaming), shown as sending until the service answers.
 */
export function uploadPanel(onUploaded: (asset: ImageAsset) => void): HTMLElement {
  const input = h('input', { type: 'file', name: 'file_data', accept: 'image/*', id: uid('file'), class: 'visually-hidden', 'data-testid': 'upload-input' });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', 'data-testid': 'upload-status' });
  const errorBox = h('div', { class: 'error', role: 'alert', id: uid('err'), hidden: true });
  const zone = h(
    'label',
    { class: 'dropzone', for: input.id },
    h('strong', {}, 'Drop an image here'),
    h('span', {}, ' or choose a file'),
  );

  async function upload(file: File): Promise<void> {
    clearError(errorBox);
    progress.hidden = false;
    progress.max = file.size || 1;
    progress.value = 0;
    try {
      const data = await readFile(file, (loaded) => {
        progress.value = loaded;
        status.textContent = `Reading ${file.name}: ${bytes(loaded)} of ${bytes(file.size)}`;
      });
      progress.removeAttribute('value');
      status.textContent = `Sending ${file.name} (${bytes(data.length)}) to the service…`;
      const r = await api().images.uploadImage({ fileData: data, filename: file.name, contentType: file.type });
      progress.max = 1;
      progress.value = 1;
      status.textContent = `Stored ${file.name}.`;
      if (r.image) onUploaded(r.image);
    } catch (error) {
      progress.hidden = true;
      status.textContent = '';
      showError(errorBox, error);
    }
  }
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void upload(file);
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void upload(file);
  });
  return section('Upload', input, zone, progress, status, errorBox);
}
