// The player: one step counter drives a whole scene. Buttons, the timeline, the keyboard, hover
// and the URL all call go(step); the scene redraws from that one number in onStep.
import { t } from "./i18n.js";

export const SPEEDS = [0.5, 1, 2, 4, 8, 16, 32]; // steps per second

const reducedMotion = () => window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;

// Icons as SVG paths (24x24), so they look the same whatever fonts the machine has.
const ICONS = {
  first: "M6 5h2v14H6zM20 5v14L9 12z",
  back: "M16 5v14L5 12z",
  play: "M7 5v14l12-7z",
  pause: "M6 5h4v14H6zM14 5h4v14h-4z",
  forward: "M8 5v14l11-7z",
  last: "M16 5h2v14h-2zM4 5v14l11-7z",
};

function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

function button(label, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "btn";
  b.dataset.action = action;
  b.setAttribute("aria-label", label);
  b.title = label;
  b.append(icon(action));
  return b;
}

export class Player {
  /**
   * @param {HTMLElement} root  where the controls go
   * @param {object} o
   * @param {(step:number)=>void} o.onStep  draw the scene for this step
   * @param {(step:number)=>string} o.narrate  the step in words, for the aria-live region
   * @param {HTMLElement} o.narration  the aria-live element
   * @param {(state:{step:number,speed:number})=>void} [o.onChange]  store step and speed (URL)
   */
  constructor(root, { onStep, narrate, narration, onChange = () => {}, step = 0, speed = 2 }) {
    Object.assign(this, { onStep, narrate, narration, onChange });
    this.count = 0;
    this.available = 0;
    this.step = step;
    this.speed = SPEEDS.includes(speed) ? speed : 2;
    this.timer = null;
    root.replaceChildren();
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", t("player.label"));
    this.buttons = {
      first: button(t("player.first"), "first"),
      back: button(t("player.back"), "back"),
      play: button(t("player.play"), "play"),
      forward: button(t("player.forward"), "forward"),
      last: button(t("player.last"), "last"),
    };
    this.buttons.play.classList.add("btn-play");
    const group = document.createElement("div");
    group.className = "player-buttons";
    group.append(...Object.values(this.buttons));
    this.timeline = document.createElement("input");
    this.timeline.type = "range";
    this.timeline.min = "0";
    this.timeline.className = "timeline";
    this.timeline.setAttribute("aria-label", t("player.timeline"));
    this.label = document.createElement("span");
    this.label.className = "step-label";
    const speedLabel = document.createElement("label");
    speedLabel.className = "speed";
    speedLabel.append(t("player.speed"), " ");
    this.speedSelect = document.createElement("select");
    for (const s of SPEEDS) {
      const option = document.createElement("option");
      option.value = String(s);
      option.textContent = t("player.per_second", { n: s });
      this.speedSelect.append(option);
    }
    this.speedSelect.value = String(this.speed);
    speedLabel.append(this.speedSelect);
    const help = document.createElement("span");
    help.className = "keys-help";
    help.textContent = t("player.keys");
    root.append(group, this.timeline, this.label, speedLabel, help);

    group.addEventListener("click", (e) => {
      const action = e.target.closest("button")?.dataset.action;
      if (action === "first") this.go(0);
      else if (action === "back") this.go(this.step - 1);
      else if (action === "forward") this.go(this.step + 1);
      else if (action === "last") this.go(this.count - 1);
      else if (action === "play") this.toggle();
      if (action && action !== "play") this.pause();
    });
    this.timeline.addEventListener("input", () => {
      this.pause();
      this.go(Number(this.timeline.value));
    });
    this.speedSelect.addEventListener("change", () => this.setSpeed(Number(this.speedSelect.value)));
    this._onKey = (e) => this.key(e);
    document.addEventListener("keydown", this._onKey);
    this.render();
  }

  /** Keyboard: Space play/pause, Left/Right step, Home/End, +/- speed. Typing in a field wins. */
  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    const typing =
      target instanceof HTMLElement &&
      (target.isContentEditable ||
        target.tagName === "TEXTAREA" ||
        target.tagName === "SELECT" ||
        (target.tagName === "INPUT" && target.type !== "range" && target.type !== "checkbox"));
    if (typing) return;
    const to = (step) => () => {
      this.pause();
      this.go(step);
    };
    const handled = {
      " ": () => this.toggle(),
      ArrowRight: to(this.step + 1),
      ArrowLeft: to(this.step - 1),
      Home: to(0),
      End: to(this.count - 1),
      "+": () => this.faster(1),
      "=": () => this.faster(1),
      "-": () => this.faster(-1),
      _: () => this.faster(-1),
    }[e.key];
    if (!handled) return;
    if (
      e.key === " " &&
      target instanceof HTMLElement &&
      (target.tagName === "BUTTON" || target.tagName === "SUMMARY" || target.type === "checkbox")
    ) {
      // Space on a focused button, checkbox or disclosure already does its own thing.
      return;
    }
    e.preventDefault();
    handled();
  }

  /** A new run of frames: `count` steps expected, none available yet. */
  reset(count, step = 0) {
    this.pause();
    this.count = count;
    this.available = 0;
    this.step = Math.max(0, Math.min(step, Math.max(0, count - 1)));
    this.render();
  }

  /** More frames arrived; draw the current step as soon as it exists. */
  setAvailable(n) {
    const before = this.available;
    this.available = n;
    if (before <= this.step && n > this.step) this.go(this.step, true);
    else this.render();
  }

  go(step, force = false) {
    if (!this.count) return;
    const next = Math.max(0, Math.min(this.count - 1, Math.round(step)));
    if (next === this.step && !force && this.drawn === next) return;
    this.step = next;
    if (next < this.available) {
      this.drawn = next;
      this.onStep(next);
      this.narration.textContent = this.narrate(next);
    }
    this.render();
    this.onChange({ step: this.step, speed: this.speed });
  }

  toggle() {
    if (this.timer) this.pause();
    else this.play();
  }

  play() {
    if (!this.count) return;
    if (this.step >= this.count - 1) this.go(0);
    // While playing, announce nothing: a screen reader cannot keep up with 8 steps a second.
    this.narration.setAttribute("aria-live", "off");
    const tick = () => {
      if (this.step >= this.count - 1) {
        this.pause();
        return;
      }
      if (this.step + 1 < this.available) this.go(this.step + 1);
      this.timer = window.setTimeout(tick, this.interval());
    };
    this.timer = window.setTimeout(tick, this.interval());
    this.render();
  }

  /** Milliseconds between steps; with reduced motion asked for, never more than 4 changes a second. */
  interval() {
    return 1000 / (reducedMotion() ? Math.min(this.speed, 4) : this.speed);
  }

  pause() {
    if (this.timer) window.clearTimeout(this.timer);
    this.timer = null;
    this.narration.setAttribute("aria-live", "polite");
    this.render();
  }

  setSpeed(speed) {
    this.speed = speed;
    this.speedSelect.value = String(speed);
    this.onChange({ step: this.step, speed: this.speed });
  }

  faster(direction) {
    const i = SPEEDS.indexOf(this.speed) + direction;
    if (i >= 0 && i < SPEEDS.length) this.setSpeed(SPEEDS[i]);
  }

  render() {
    const playing = Boolean(this.timer);
    this.buttons.play.replaceChildren(icon(playing ? "pause" : "play"));
    const playLabel = playing ? t("player.pause") : t("player.play");
    this.buttons.play.setAttribute("aria-label", playLabel);
    this.buttons.play.title = playLabel;
    this.buttons.play.setAttribute("aria-pressed", String(playing));
    this.timeline.max = String(Math.max(0, this.count - 1));
    this.timeline.value = String(this.step);
    this.timeline.disabled = this.count < 2;
    const loading = this.available < this.count;
    this.label.textContent = this.count
      ? t(loading ? "player.step_loading" : "player.step", {
          step: this.step + 1,
          count: this.count,
          loaded: this.available,
        })
      : t("player.no_steps");
    this.buttons.first.disabled = this.buttons.back.disabled = this.step <= 0;
    this.buttons.last.disabled = this.buttons.forward.disabled = this.step >= this.count - 1;
  }

  destroy() {
    this.pause();
    document.removeEventListener("keydown", this._onKey);
  }
}
