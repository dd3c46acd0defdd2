// Run before the page's main module (and the charts library it waits for): the address's series and the budget are
// asked for at once, and main.js's reads of the same paths take these answers.
import { prefetch } from './api.js';
import { readAddress, seriesPaths, windowStart, WINDOWS } from './view.js';

const view = readAddress();
if (view.coin) {
  Object.values(seriesPaths(view, windowStart(WINDOWS[view.window]))).forEach(prefetch);
}
prefetch('/budget');
