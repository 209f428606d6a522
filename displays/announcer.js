// The lobby call, one at a time: chime, then the call spoken (or captioned) in each language.
//
// Calls queue so they never overlap; a recall is queued again like a new call. Every step is a
// record in `announcements` (newest last, bounded) so the state of the queue can be seen:
//   {call, ticket, counter, recall, kind: "chime"|"speech", lang, text,
//    state: "queued"|"playing"|"done"|"dropped", mode, queuedAt, startedAt, endedAt}
// Speech uses the Web Speech API when the TV has a voice for the language (offline voices
// only: see displays/README.md); without one the call is captioned on screen for as long as it
// takes to read. The chime is a bundled WAV file, so the fallback always works offline.

const KEEP_RECORDS = 120;
const CHIME_MS = 1700; // the bundled chime's length, used when audio cannot play
const MAX_UTTERANCE_MS = 20000; // speak() can hang on some systems: never wait longer
const MAX_AGE_MS = 120000;
const MAX_PENDING = 60; // queued steps (chime + one per language), about a dozen calls // a call not yet announced two minutes later is dropped, not spoken

/** How long a caption stays up when there is no voice: enough time to read it. */
export function captionMs(text) {
  return Math.min(6000, Math.max(2500, [...text].length * 55));
}

export class Announcer extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.chimeUrl   the bundled chime
   * @param {() => number} [options.now] server-aligned clock in ms
   */
  constructor({ chimeUrl, now = () => Date.now() }) {
    super();
    this.now = now;
    this.announcements = [];
    this.pending = [];
    this.current = null; // the step being played, and how to cut it short
    this.cut = null;
    this.running = false;
    this.soundBlocked = false;
    this.chime = typeof Audio === "function" ? new Audio(chimeUrl) : null;
    if (this.chime) this.chime.preload = "auto";
    this.speech = globalThis.speechSynthesis || null;
  }

  /** True while nothing is queued or playing. */
  get idle() {
    return !this.running && this.pending.length === 0;
  }

  /**
   * Queue a call. `texts` is [{lang, text, spoken}] in speaking order; `at` is the call's time.
   */
  enqueue(call, texts) {
    const base = { call: call.id, ticket: call.ticket, counter: call.counter, recall: call.recall || 0, at: call.at };
    const queuedAt = Date.now();
    const records = [
      { ...base, kind: "chime", lang: "", text: "", spoken: "" },
      ...texts.map((t) => ({ ...base, kind: "speech", lang: t.lang, text: t.text, spoken: t.spoken || t.text })),
    ].map((r) => ({ ...r, state: "queued", mode: "", queuedAt, startedAt: 0, endedAt: 0 }));
    this.pending.push(...records);
    this.announcements.push(...records);
    // A burst (a whole row of counters calling at once, after an outage) must not build a
    // queue that takes many minutes: the oldest waiting steps give way.
    while (this.pending.length > MAX_PENDING) {
      const dropped = this.pending.shift();
      dropped.state = "dropped";
    }
    this.#trim();
    this.#emit("queue");
    if (!this.running) this.#run();
  }

  /**
   * Drop queued steps of calls that no longer stand (the visitor came, went elsewhere or was
   * called again at another counter): the lobby must not be sent to a counter that is done.
   */
  keepOnly(callIds) {
    const playing = this.current;
    if (playing && !callIds.has(playing.call)) {
      // Stop mid-sentence rather than send the lobby to a counter the visitor has left.
      playing.state = "dropped";
      if (this.speech) this.speech.cancel();
      if (this.chime) this.chime.pause();
      if (this.cut) this.cut();
    }
    const before = this.pending.length;
    this.pending = this.pending.filter((record) => {
      if (callIds.has(record.call)) return true;
      record.state = "dropped";
      return false;
    });
    if (this.pending.length !== before) this.#emit("queue");
  }

  /** The voice for a language, if this machine has one: an offline (local) voice first. */
  voiceFor(lang) {
    if (!this.speech) return null;
    const voices = (this.speech.getVoices() || []).filter((v) => v.lang.toLowerCase().startsWith(lang));
    // A network voice fails without internet; its error falls back to the caption.
    return voices.find((v) => v.localService) || voices[0] || null;
  }

  /** Try to (re)enable audio after a user gesture (kiosks set the autoplay flag instead). */
  async unlock() {
    if (!this.chime) return;
    try {
      this.chime.muted = true;
      await this.chime.play();
      this.chime.pause();
      this.chime.muted = false;
      this.soundBlocked = false;
      this.#emit("sound", { blocked: false });
    } catch {
      this.chime.muted = false;
    }
  }

  async #run() {
    this.running = true;
    try {
      while (this.pending.length) {
        const record = this.pending.shift();
        if (this.now() - record.at * 1000 > MAX_AGE_MS) {
          record.state = "dropped";
          this.#emit("queue");
          continue;
        }
        record.state = "playing";
        record.startedAt = Date.now();
        this.current = record;
        this.#emit("start", record);
        const cut = new Promise((resolve) => {
          this.cut = resolve;
        });
        try {
          await Promise.race([record.kind === "chime" ? this.#playChime(record) : this.#speak(record), cut]);
        } catch {
          // A broken audio device must not stop the queue.
        }
        this.current = null;
        this.cut = null;
        if (record.state === "playing") record.state = "done";
        record.endedAt = Date.now();
        this.#emit("end", record);
      }
    } finally {
      this.running = false;
      this.#emit("idle");
    }
  }

  async #playChime(record) {
    if (!this.chime) {
      record.mode = "none";
      await sleep(CHIME_MS);
      return;
    }
    this.chime.currentTime = 0;
    const ended = new Promise((resolve) => {
      const done = () => {
        this.chime.removeEventListener("ended", done);
        resolve();
      };
      this.chime.addEventListener("ended", done);
      setTimeout(done, CHIME_MS + 800);
    });
    try {
      // play() may neither resolve nor fail on a machine without audio output: do not wait.
      const playing = await Promise.race([this.chime.play().then(() => true), sleep(1500).then(() => false)]);
      if (!playing) {
        this.chime.pause();
        throw new Error("audio did not start");
      }
      record.mode = "audio";
      if (this.soundBlocked) {
        this.soundBlocked = false;
        this.#emit("sound", { blocked: false });
      }
      await ended;
    } catch {
      // Autoplay refused (no kiosk flag, no gesture yet) or no audio device: keep the rhythm.
      record.mode = "silent";
      if (!this.soundBlocked) {
        this.soundBlocked = true;
        this.#emit("sound", { blocked: true });
      }
      await sleep(CHIME_MS);
    }
  }

  async #speak(record) {
    const voice = this.voiceFor(record.lang);
    if (!voice) {
      record.mode = "caption";
      await sleep(captionMs(record.text));
      return;
    }
    record.mode = "voice";
    await new Promise((resolve) => {
      const utterance = new SpeechSynthesisUtterance(record.spoken);
      utterance.voice = voice;
      utterance.lang = voice.lang;
      utterance.rate = record.lang === "ja" ? 0.95 : 0.9;
      let settled = false;
      const finish = (mode) => {
        if (settled) return;
        settled = true;
        if (mode) record.mode = mode;
        clearTimeout(guard);
        resolve();
      };
      utterance.onend = () => finish("");
      utterance.onerror = () => finish("caption");
      const guard = setTimeout(() => {
        this.speech.cancel();
        finish("caption");
      }, Math.min(MAX_UTTERANCE_MS, Math.max(captionMs(record.text), [...record.spoken].length * 250)));
      this.speech.speak(utterance);
    });
  }

  #trim() {
    // Bounded history: a board runs for weeks.
    const excess = this.announcements.length - KEEP_RECORDS;
    if (excess > 0) this.announcements.splice(0, excess);
  }

  #emit(name, detail = null) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
