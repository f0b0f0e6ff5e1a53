import { authBar } from './auth-bar.js';
import { detailView } from './detail-view.js';
import { galleryView } from './gallery-view.js';
import { generateView } from './generate-view.js';
import { forgetUrls } from './images.js';

const main = document.getElementById('main')!;

/** Hash routes: #/ (upload and gallery), #/generate, #/image/<id>. */
function route(): void {
  const hash = location.hash.replace(/^#/, '') || '/';
  const image = /^\/image\/([^/]+)$/.exec(hash);
  main.replaceChildren(image ? detailView(decodeURIComponent(image[1])) : hash === '/generate' ? generateView() : galleryView());
  main.focus({ preventScroll: false });
  window.scrollTo(0, 0);
}

document.getElementById('top')!.replaceChildren(
  authBar(() => {
    forgetUrls();
    route();
  }),
);
window.addEventListener('hashchange', route);
route();
