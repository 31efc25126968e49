// The kit every scene is made with. It owns the run (what one set of settings loaded), the
// abortable frame stream that fills it, when the stage is built (on the stream's header, and again
// once a resize settles), the hover state and the line above the stage that reads it, and the test
// hook `window.convscope`. A scene module gives its settings table, how to make its run and stage,
// and how to draw and narrate one step:
//
//   new SteppedScene({
//     table, constrain, title,          the settings (urlstate.js rows), their limits, the name
//     request(v, signal) -> {url, body}  the frame stream to read (may be async; more fields are
//                                        kept on the request handed to begin)
//     prepare(v)                         before the stream: what needs only the settings
//     begin(v, header, request) -> {}    the run's own fields from the stream's header
//     headed(run, signal)                once the stage is built from the header
//     ingest(run, frame, index)          fold one new frame into the run's lookups (once each)
//     count(run), available(run)         steps in all and steps drawable (default: frames)
//     finish(run, result, signal)        after the stream's last line (comparisons, totals)
//     incomplete: "key"                  the error when the stream ends before its last frame
//     build(run)                         make the stage (may return a promise)
//     draw(run, step), narrate(run, step)
//     hoverText(run, hover)              with it, a hover state and the line that says it
//     hoverLine: true                    the line alone, for a scene that writes it itself
//     load(v, signal)                    instead of one stream: load and call install(run, ...)
//     hook(scene)                        what window.convscope shows (default: scene and run)
//   }).start();
//
// A run is {v, header, frames, ...begin()}; `scene.run` is the one shown, null while loading.

import { addHoverInfo } from "../draw/dom.js";
import { t } from "../i18n.js";
import { onResizeSettled, Scene } from "./scene.js";
import { streamFrames } from "./stream.js";

const byId = (id) => document.getElementById(id);

export class SteppedScene extends Scene {
  constructor(o) {
    super(o);
    this.o = o;
    this.run = null;
    this.built = false;
    this.hover = null;
    /** The parts of the page every scene template has (null where a template has none). */
    this.els = {
      stage: byId("stage"),
      detail: byId("detail-body"),
      formula: byId("formula"),
      formulaNote: byId("formula-note"),
      limits: byId("limits"),
      legend: byId("legend"),
    };
    this.hoverInfo = o.hoverText || o.hoverLine ? addHoverInfo(this.els.stage) : null;
    onResizeSettled(() => this.restage().then((done) => done && this.redraw()));
    window.convscope = o.hook
      ? o.hook(this)
      : {
          scene: this,
          get run() {
            return this.scene.run;
          },
        };
  }

  layout(v) {
    this.o.layout?.(v, this);
  }

  draw(step) {
    if (this.run && this.built) this.o.draw(this.run, step);
  }

  narrate(step) {
    return this.run ? this.o.narrate(this.run, step) : "";
  }

  /** Build the stage for the run shown; resolves to whether there was one to build. */
  async restage() {
    if (!this.run || !this.built) return false;
    await this.o.build(this.run);
    return true;
  }

  /** Show `run`: build its stage, then `count` steps of which `available` can be drawn. */
  async install(run, { count = run.header.frame_count, available = count, build = true } = {}) {
    this.run = run;
    if (build) {
      this.built = false;
      const building = this.o.build(run);
      this.built = true;
      await building;
    }
    this.expect(count);
    this.arrived(available);
  }

  /** Read a whole frame stream (for a scene whose own load installs the run): {header, frames, result}. */
  fetchFrames(url, body, signal) {
    return streamFrames(url, body, { signal });
  }

  /** Point at `next` (or nothing): redraw the step with its marks and say what it is. */
  setHover(next) {
    if (!this.run || !this.built) return;
    this.hover = next;
    this.redraw();
    if (this.hoverInfo) this.hoverInfo.textContent = next ? this.o.hoverText(this.run, next) : "";
  }

  /** A grid's onHover that points at `make(r, c)` (a plain object), or at nothing off the grid. */
  hovers(make) {
    return (r, c) => this.setHover(r === null ? null : make(r, c));
  }

  async load(v, signal) {
    this.hover = null;
    if (this.o.load) {
      await this.o.load(v, signal);
      return;
    }
    this.run = null;
    this.built = false;
    this.o.prepare?.(v);
    const request = await this.o.request(v, signal);
    if (signal.aborted) return;
    const { result } = await streamFrames(request.url, request.body, {
      signal,
      onHeader: (header) => !signal.aborted && this.headed(v, header, request, signal),
      onFrames: (frames) => !signal.aborted && this.run && this.ingest(frames),
    });
    if (signal.aborted || !this.run) return;
    if (this.o.incomplete && this.run.frames.length !== this.run.header.frame_count) {
      throw new Error(t(this.o.incomplete));
    }
    await this.o.finish?.(this.run, result, signal);
  }

  headed(v, header, request, signal) {
    const run = { v, header, frames: [], ...this.o.begin(v, header, request) };
    this.run = run;
    this.o.build(run);
    this.built = true;
    this.o.headed?.(run, signal);
    this.expect(this.o.count ? this.o.count(run) : header.frame_count);
  }

  /** Fold the frames that are new since the last call, then tell the player. */
  ingest(frames) {
    const run = this.run;
    for (let i = run.frames.length; i < frames.length; i += 1) this.o.ingest?.(run, frames[i], i);
    run.frames = frames.slice();
    this.arrived(this.o.available ? this.o.available(run) : frames.length);
    // What depends on every frame (cells no window visits, final scales) shows once all are in.
    if (frames.length === run.header.frame_count) this.redraw();
  }
}
