// The coin search: an ARIA combobox over GET /coins?search=…, results as you type; arrows move (and open the closed
// list at its first or last coin), Enter opens, Escape closes (and clears when already closed).
import { get } from './api.js';

export function setUpSearch(input, list, status, open) {
  let results = [];
  let active = -1;
  let asked = 0;
  let timer = 0;

  const show = expanded => {
    list.hidden = !expanded;
    input.setAttribute('aria-expanded', String(expanded));
  };
  const mark = index => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', list.children[index].id);
      list.children[index].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };
  const choose = coin => {
    results = [];
    render();
    input.value = '';
    status.textContent = '';
    open(coin.id, coin.name && `${coin.name} (${coin.symbol.toUpperCase()})`);
  };
  const render = () => {
    list.replaceChildren(...results.map((coin, i) => {
      const li = document.createElement('li');
      li.id = `coin-option-${i}`;
      li.setAttribute('role', 'option');
      li.dataset.id = coin.id;
      li.textContent = `${coin.name} (${coin.symbol.toUpperCase()})`;
      const id = document.createElement('span');
      id.className = 'muted';
      id.textContent = ` ${coin.id}`;
      li.append(id);
      li.addEventListener('mousedown', e => {
        e.preventDefault();
        choose(coin);
      });
      return li;
    }));
    mark(results.length ? 0 : -1);
    show(results.length > 0);
  };
  const search = async () => {
    const term = input.value.trim();
    const mine = ++asked;
    if (!term) {
      results = [];
      render();
      status.textContent = '';
      return;
    }
    try {
      const found = await get(`/coins?search=${encodeURIComponent(term)}&limit=10`);
      if (mine !== asked) return;
      results = found;
      status.textContent = found.length ? `${found.length} coins found.` : `No coin matches “${term}”.`;
    } catch (e) {
      if (mine !== asked) return;
      results = [];
      status.textContent = `Search is not available: ${e.message} Enter opens the id as typed.`;
    }
    render();
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  input.addEventListener('keydown', e => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!results.length) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      if (list.hidden) {
        show(true);
        mark(step > 0 ? 0 : results.length - 1);
      } else {
        mark((active + step + results.length) % results.length);
      }
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (active >= 0 && !list.hidden) choose(results[active]);
      else if (input.value.trim()) choose({ id: input.value.trim() });
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        show(false);
      } else {
        input.value = '';
        results = [];
        render();
      }
    }
  });
  input.addEventListener('blur', () => show(false));
}
