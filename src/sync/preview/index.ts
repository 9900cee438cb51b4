export { previewSync, type PreviewDeps } from './preview.js';
export { suggestName, similarity } from './suggest.js';
