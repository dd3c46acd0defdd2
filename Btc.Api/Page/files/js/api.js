// Calls to the API: JSON, the key in X-Api-Key when the user gave one, and every failure as a sentence.
const KEY = 'btc.apiKey';

export const key = {
  get: () => localStorage.getItem(KEY) || '',
  set: value => localStorage.setItem(KEY, value),
  forget: () => localStorage.removeItem(KEY),
};

const keyListeners = [];

/** Called with a sentence when the API wants a key or refused the one given. */
export function onKeyNeeded(listener) {
  keyListeners.push(listener);
}

export function headers() {
  const k = key.get();
  return k ? { 'X-Api-Key': k } : {};
}

export class ApiError extends Error {
  constructor(status, title, sentence) {
    super(sentence);
    this.status = status;
    this.title = title;
  }
}

const early = new Map();

/** Asks for a path now; the next get() of it takes this answer (early.js: the first chart's reads). */
export function prefetch(path) {
  const answer = ask(path);
  // Kept for get(): a failure here is seen there, not reported as unhandled.
  answer.catch(() => {});
  early.set(path, answer);
}

/** The answer's JSON, or an ApiError whose message is a sentence for the page. */
export function get(path, signal) {
  const answer = early.get(path);
  if (!answer) return ask(path, signal);
  early.delete(path);
  // Asked before main.js listened for a key request: a refusal is asked again, so that the page asks for a key.
  return answer.catch(e => (e.status === 401 ? ask(path, signal) : Promise.reject(e)));
}

async function ask(path, signal) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json', ...headers() }, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'away', 'The API is not answering; the page asks again in a minute.');
  }
  if (response.ok) return response.json();
  throw await failure(response);
}

export async function failure(response) {
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    // A proxy's page or an empty body: the status says enough.
  }
  if (response.status === 401) {
    const sentence = key.get()
      ? 'The API refused the key this browser keeps: it is unknown or was revoked. Enter another key.'
      : 'This API needs a key. Enter one an operator made with "Btc.Api keys create NAME".';
    keyListeners.forEach(listener => listener(sentence));
    return new ApiError(401, 'key', sentence);
  }
  if (response.status === 429) {
    return new ApiError(429, 'limited', 'The API asks this browser to slow down; the page asks again shortly.');
  }
  const detail = problem.detail ? ` (${problem.detail})` : '';
  return new ApiError(response.status, problem.title || String(response.status),
    `The API answered ${response.status}${detail}.`);
}
