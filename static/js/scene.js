// The frame of every scene page: the settings table and its controls, the player, the narration,
// the share button and error reporting, wired together once. A scene module supplies its table,
// its constraints, how to load frames for a set of values, and how to draw and narrate one step.
import { t } from "./i18n.js";
import { Player, SPEEDS } from "./player.js";
import { shareButton } from "./share.js";
import { SceneState } from "./urlstate.js";

export const config = JSON.parse(document.getElementById("page-config")?.textContent || "{}");

/** Rows every scene shares: the player's step and speed live in the URL too. */
export const PLAYER_ROWS = [
  { name: "step", type: "int", default: 0, min: 0, max: 1_000_000, hidden: true },
  { name: "speed", type: "choice", choices: SPEEDS, default: 2, hidden: true },
];

export class Scene {
  /**
   * @param {object} o
   * @param {object[]} o.table  control rows (see urlstate.js); PLAYER_ROWS are added
   * @param {(values)=>object} o.constrain  limits per control name
   * @param {(values, signal, scene)=>Promise<void>} o.load  fetch frames; call scene.expect(count) and scene.arrived(n)
   * @param {(step)=>void} o.draw  draw one step
   * @param {(step)=>string} o.narrate  one step in words
   * @param {(values)=>void} [o.layout]  after values change, before loading (e.g. update the formula)
   */
  constructor({ table, constrain, load, draw, narrate, layout = () => {}, title }) {
    Object.assign(this, { load, draw, narrate, layout, title });
    this.state = new SceneState([...table, ...PLAYER_ROWS], {
      constrain,
      onChange: (values) => this.changed(values),
    });
    this.state.readUrl();
    this.errorEl = document.getElementById("error");
    this.statusEl = document.getElementById("limits");
    this.state.build(document.getElementById("controls"));
    this.player = new Player(document.getElementById("player"), {
      onStep: (step) => this.draw(step),
      narrate: (step) => this.narrate(step),
      narration: document.getElementById("narration"),
      step: this.state.get("step"),
      speed: this.state.get("speed"),
      onChange: ({ step, speed }) => {
        if (step !== this.state.get("step") || speed !== this.state.get("speed")) {
          Object.assign(this.state.values, { step, speed });
          // Browsers throttle (and warn about) frequent history updates: while playing fast,
          // write the step at most a few times a second; a paused step is written at once.
          window.clearTimeout(this.urlTimer);
          if (this.player && this.player.timer) this.urlTimer = window.setTimeout(() => this.state.writeUrl(), 400);
          else this.state.writeUrl();
        }
      },
    });
    const shareEl = document.getElementById("share");
    if (shareEl) {
      shareButton(shareEl, {
        title: title || document.title,
        heightOf: () => document.getElementById("scene").scrollHeight + 48,
      });
    }
    const openFull = document.getElementById("embed-open");
    if (openFull) {
      const update = () =>
        (openFull.href = window.location.pathname.replace(/^\/embed\//, "/") + window.location.search);
      update();
      document.addEventListener("convscope:url", update);
    }
    this.lastKey = null;
    this.controller = null;
    this.loading = false; // true while a run's frames are being fetched (tests wait on it)
  }

  get values() {
    return this.state.values;
  }

  start() {
    this.changed(this.state.values, true);
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
      await this.load({ ...this.state.values }, controller.signal, this);
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

  showError(message) {
    if (!this.errorEl) return;
    this.errorEl.hidden = !message;
    this.errorEl.textContent = message ? t("ui.error", { message }) : "";
  }
}
