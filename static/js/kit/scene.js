// The frame of every scene page: the settings table and its controls, the player, the narration,
// the share button and error reporting, wired together once. Loading, drawing and narrating are
// methods for a subclass (kit/stepped.js) to give; this class decides when each happens.
import { t } from "../i18n.js";
import { Player, SPEEDS } from "../player.js";
import { shareButton } from "../share.js";
import { SceneState } from "../urlstate.js";

export const config = JSON.parse(document.getElementById("page-config")?.textContent || "{}");

/** Rows every scene shares: the player's step and speed live in the URL too. */
export const PLAYER_ROWS = [
  { name: "step", type: "int", default: 0, min: 0, max: 1_000_000, hidden: true },
  { name: "speed", type: "choice", choices: SPEEDS, default: 2, hidden: true },
];

/** Call `rebuild` once the window has stopped resizing for `delay` ms. */
export function onResizeSettled(rebuild, delay = 150) {
  let timer = null;
  window.addEventListener("resize", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(rebuild, delay);
  });
}

/** The share box, and in an embed the link to the full page that follows the URL. */
function shareAndOpen(title) {
  const shareEl = document.getElementById("share");
  if (shareEl) {
    shareButton(shareEl, {
      title: title || document.title,
      heightOf: () => document.getElementById("scene").scrollHeight + 48,
    });
  }
  const openFull = document.getElementById("embed-open");
  if (openFull) {
    const update = () => {
      openFull.href = window.location.pathname.replace(/^\/embed\//, "/") + window.location.search;
    };
    update();
    document.addEventListener("convscope:url", update);
  }
}

export class Scene {
  /**
   * @param {object} o
   * @param {object[]} o.table  control rows (see urlstate.js); PLAYER_ROWS are added
   * @param {(values)=>object} o.constrain  limits per control name
   * @param {string} [o.title]  the scene's name for the share snippet
   */
  constructor({ table, constrain, title }) {
    this.title = title;
    this.state = new SceneState([...table, ...PLAYER_ROWS], {
      constrain,
      onChange: (values) => this.changed(values),
    });
    this.state.readUrl();
    this.errorEl = document.getElementById("error");
    this.state.build(document.getElementById("controls"));
    this.player = new Player(document.getElementById("player"), {
      onStep: (step) => this.draw(step),
      narrate: (step) => this.narrate(step),
      narration: document.getElementById("narration"),
      step: this.state.get("step"),
      speed: this.state.get("speed"),
      onChange: (position) => this.stepped(position),
    });
    shareAndOpen(title);
    this.lastKey = null;
    this.controller = null;
    this.loading = false; // true while a run's frames are being fetched (tests wait on it)
  }

  /** Load what `values` describe (abort with `signal`); call expect(count) and arrived(n). */
  async load(_values, _signal) {}

  /** Draw one step. */
  draw(_step) {}

  /** One step in words. */
  narrate(_step) {
    return "";
  }

  /** After values change, before loading (e.g. rebuild an editor). */
  layout(_values) {}

  get values() {
    return this.state.values;
  }

  start() {
    this.changed(this.state.values, true);
  }

  /** The player moved: keep its step and speed in the URL. */
  stepped({ step, speed }) {
    if (step === this.state.get("step") && speed === this.state.get("speed")) return;
    Object.assign(this.state.values, { step, speed });
    // Browsers throttle (and warn about) frequent history updates: while playing fast,
    // write the step at most a few times a second; a paused step is written at once.
    window.clearTimeout(this.urlTimer);
    if (this.player?.timer) this.urlTimer = window.setTimeout(() => this.state.writeUrl(), 400);
    else this.state.writeUrl();
  }

  /** Values changed: reload frames unless only the player's step or speed moved. */
  changed(values, first = false) {
    const keyOf = (skip) =>
      JSON.stringify(Object.fromEntries(Object.entries(values).filter(([k]) => !skip.includes(k))));
    const key = keyOf(["step", "speed"]);
    if (key === this.lastKey) return;
    // A typed-in number changes the values but not the layout: stay on the same step.
    const onlyEdits = keyOf(["step", "speed", "edits"]) === this.lastLayoutKey;
    const step = first || onlyEdits ? this.player.step : 0;
    this.lastKey = key;
    this.lastLayoutKey = keyOf(["step", "speed", "edits"]);
    this.layout(values);
    this.reload(step);
  }

  async reload(step = 0) {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.showError(null);
    this.startStep = step;
    this.loading = true;
    const stage = document.getElementById("stage");
    stage?.classList.remove("is-stale");
    try {
      await this.load({ ...this.state.values }, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) return;
      this.player.reset(0);
      stage?.classList.add("is-stale"); // what is still drawn belongs to the previous settings
      this.showError(error.message || String(error));
    }
    if (this.controller === controller) this.loading = false;
  }

  /** The stream's header is in: `count` steps are coming. */
  expect(count) {
    this.player.reset(count, this.startStep);
  }

  /** `n` frames have arrived. */
  arrived(n) {
    this.player.setAvailable(n);
  }

  redraw() {
    if (this.player.step < this.player.available) this.draw(this.player.step);
  }

  /** Show step `step` (a frame index from a click, a tab): pause and go there. */
  jump(step) {
    if (step === undefined) return;
    this.player.pause();
    this.player.go(step);
  }

  showError(message) {
    if (!this.errorEl) return;
    this.errorEl.hidden = !message;
    this.errorEl.textContent = message ? t("ui.error", { message }) : "";
  }
}
