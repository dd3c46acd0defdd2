// A coin's new prices as they are stored: its Server-Sent Events stream, read with fetch so that the key goes in
// X-Api-Key (never in the address). When the stream fails, the series is asked again once a minute instead.
import { headers, failure, get } from './api.js';

const MINUTE = 60_000;

export class LiveFeed {
  /** onPrice([unixSeconds, price]); onState(sentence) says how the page learns of new prices. */
  constructor(coin, currency, since, onPrice, onState) {
    Object.assign(this, { coin, currency, last: since, onPrice, onState });
    this.abort = new AbortController();
    this.timer = 0;
    this.run();
  }

  stop() {
    this.abort.abort();
    clearTimeout(this.timer);
  }

  get base() {
    return `/stock/${encodeURIComponent(this.coin)}/${encodeURIComponent(this.currency)}`;
  }

  async run() {
    try {
      await this.stream();
      // The server ended the stream (it is stopping, or this page fell behind): open it again from the last point.
      if (!this.abort.signal.aborted) this.timer = setTimeout(() => this.run(), 2000);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.onState(e.status === 401 ? e.message
        : 'Live updates paused: the API is not answering. The page asks again every minute.');
      this.timer = setTimeout(() => this.poll(), MINUTE);
    }
  }

  async stream() {
    const since = this.last ? { 'Last-Event-ID': String(this.last) } : {};
    let response;
    try {
      response = await fetch(`${this.base}/live`, {
        headers: { Accept: 'text/event-stream', ...headers(), ...since }, signal: this.abort.signal });
    } catch (e) {
      throw { status: 0, message: e.message };
    }
    if (!response.ok) throw await failure(response);
    this.onState('Live: new prices appear as they are stored.');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw { status: 0, message: e.message };
      }
      if (chunk.done) return;
      buffer += chunk.value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  dispatch(block) {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (event !== 'message' || !data) return;
    const point = JSON.parse(data);
    this.last = point[0];
    this.onPrice(point);
  }

  /** The fallback: the polled points after the last one, once a minute, then the stream once more. */
  async poll() {
    try {
      const from = this.last ? `from=${this.last + 1}&` : '';
      const points = await get(`${this.base}?${from}source=polled`, this.abort.signal);
      for (const point of points) {
        this.last = point[0];
        this.onPrice(point);
      }
    } catch (e) {
      if (this.abort.signal.aborted) return;
      // 404: nothing new in the window yet, which is no failure.
      if (e.status !== 404) this.onState(e.message);
    }
    if (!this.abort.signal.aborted) this.run();
  }
}
