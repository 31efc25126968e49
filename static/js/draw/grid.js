// One generic grid drawer for every tensor plane on every page. The caller says what each cell
// looks like (fill colour, text, pattern), or gives its value and a colour scale; the grid draws it
// on a canvas, writes numbers only when they are legible, scales with a zoom factor and reports
// hover and click in the caller's own coordinates (rows may start at -padding).
import { num } from "../i18n.js";
import { crisp, font, write } from "./canvas.js";
import { inkFor } from "./colour.js";
import { COLOUR } from "./style.js";

const PATTERNS = {
  pad: { stroke: COLOUR.padHatch, gap: 6 },
  unvisited: { stroke: COLOUR.unvisitedHatch, gap: 5 },
};

const DEFAULTS = {
  rowStart: 0,
  colStart: 0,
  text: () => null,
  pattern: () => null,
  ink: (_r, _c, fill) => inkFor(fill),
  onHover: null,
  onClick: null,
  maxCell: 46,
  minCell: 3,
  zoom: 1,
  axes: true,
  caption: "",
};

/** A k x k kernel slice set beside others: no axes, cells of about `cell` px (at most 40). */
export function kernelGrid(k, width, options, cell = 40) {
  return new Grid({
    rows: k,
    cols: k,
    fitWidth: Math.min(cell * k + 18, width / 3),
    maxCell: 40,
    axes: false,
    ...options,
  });
}

export class Grid {
  /**
   * @param {object} o
   * @param {number} o.rows @param {number} o.cols  size of the plane drawn
   * @param {number} [o.rowStart=0] @param {number} [o.colStart=0]  coordinate of the first row/column
   * @param {(r:number,c:number)=>string|null} [o.fill]  CSS colour of a cell (null: blank)
   * @param {(r:number,c:number)=>string|null} [o.text]  number written in the cell
   * @param {(r:number,c:number)=>number|null} [o.value]  instead of fill and text: the cell's value
   *   coloured by `o.colour(value)` and written with `o.digits` decimals; no value: `o.empty` or blank
   * @param {(r:number,c:number)=>string|null} [o.pattern]  "pad" | "unvisited" | null
   * @param {(r:number,c:number,fill:string)=>string} [o.ink]  text colour (default: legible on the fill)
   * @param {string} [o.caption] @param {string} [o.label]  caption, and accessible name (the caption)
   * @param {string} [o.name]  the figure's data-grid name; @param {HTMLElement} [o.parent] where it goes
   */
  constructor(o) {
    Object.assign(this, DEFAULTS, o);
    if (o.value) {
      const { value, colour, digits = 2, empty = null } = o;
      this.fill ??= (r, c) => {
        const x = value(r, c);
        return x === null || x === undefined ? empty : colour(x);
      };
      if (!o.text) this.text = (r, c) => num(value(r, c), digits);
    }
    this.overlays = [];
    this.el = document.createElement("figure");
    this.el.className = "grid";
    if (o.name !== undefined) this.el.dataset.grid = o.name;
    if (this.caption) {
      const cap = document.createElement("figcaption");
      cap.textContent = this.caption;
      this.captionEl = cap;
      this.el.append(cap);
    }
    this.scroller = document.createElement("div");
    this.scroller.className = "grid-scroll";
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", this.label || this.caption || "");
    this.scroller.append(this.canvas);
    this.el.append(this.scroller);
    this.hovered = null;
    this.canvas.addEventListener("pointermove", (e) => this._hover(this.cellAt(e)));
    this.canvas.addEventListener("pointerleave", () => this._hover(null));
    this.canvas.addEventListener("click", (e) => {
      const cell = this.cellAt(e);
      if (cell && this.onClick) this.onClick(cell[0], cell[1], this.cellRect(cell[0], cell[1]));
    });
    this.fitTo(this.fitWidth || 320);
    o.parent?.append(this.el);
  }

  _hover(cell) {
    const key = cell ? cell.join(",") : null;
    if (key === (this.hovered ? this.hovered.join(",") : null)) return;
    this.hovered = cell;
    if (this.onHover) this.onHover(cell ? cell[0] : null, cell ? cell[1] : null);
    this.canvas.style.cursor = cell && (this.onClick || this.onHover) ? "pointer" : "default";
  }

  /** Choose the cell size so the grid fits `width` CSS pixels (before zoom). */
  fitTo(width) {
    this.fitWidth = width;
    const margin = 18;
    const fitted = Math.floor((width - margin) / this.cols);
    this.baseCell = Math.max(this.minCell, Math.min(this.maxCell, fitted));
    this.layout();
  }

  setZoom(zoom) {
    this.zoom = zoom;
    this.layout();
  }

  layout() {
    this.cell = Math.max(2, Math.round(this.baseCell * this.zoom));
    this.margin = this.axes && this.cell >= 12 ? 16 : 0;
    const w = this.margin + this.cols * this.cell + 1;
    const h = this.margin + this.rows * this.cell + 1;
    this.ratio = crisp(this.canvas, w, h).ratio;
  }

  cellAt(event) {
    const box = this.canvas.getBoundingClientRect();
    const x = event.clientX - box.left - this.margin;
    const y = event.clientY - box.top - this.margin;
    if (x < 0 || y < 0) return null;
    const c = Math.floor(x / this.cell);
    const r = Math.floor(y / this.cell);
    if (r >= this.rows || c >= this.cols) return null;
    return [r + this.rowStart, c + this.colStart];
  }

  /** Rectangle of a cell in CSS pixels, relative to the viewport. */
  cellRect(r, c) {
    const box = this.canvas.getBoundingClientRect();
    return {
      left: box.left + this.margin + (c - this.colStart) * this.cell,
      top: box.top + this.margin + (r - this.rowStart) * this.cell,
      size: this.cell,
    };
  }

  /** Scroll the grid's box (not the page) so that cell (r, c) is in view, when zoom made it scroll. */
  reveal(r, c) {
    const box = this.scroller;
    if (box.scrollWidth <= box.clientWidth && box.scrollHeight <= box.clientHeight) return;
    const x = this.margin + (c - this.colStart) * this.cell;
    const y = this.margin + (r - this.rowStart) * this.cell;
    const pad = this.cell * 2;
    if (x < box.scrollLeft + pad || x + this.cell > box.scrollLeft + box.clientWidth - pad) {
      box.scrollLeft = Math.max(0, x - box.clientWidth / 2);
    }
    if (y < box.scrollTop + pad || y + this.cell > box.scrollTop + box.clientHeight - pad) {
      box.scrollTop = Math.max(0, y - box.clientHeight / 2);
    }
  }

  /** Overlays: [{cells: [[r, c], ...], stroke, width, fill, dash, outline}] drawn in order. */
  setOverlays(list) {
    this.overlays = list.filter(Boolean);
  }

  draw() {
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.margin) this._axes(ctx);
    this._cells(ctx);
    if (this.cell >= 6) this._lines(ctx);
    for (const overlay of this.overlays) this._overlay(ctx, overlay);
  }

  /** Row and column numbers in the margin: every one, or every 2nd or 8th when cells are small. */
  _axes(ctx) {
    const { cell, margin } = this;
    const every = cell >= 22 ? 1 : cell >= 14 ? 2 : 8;
    const label = (n, x, y) => n % every === 0 && write(ctx, String(n), x, y, { size: 10, colour: COLOUR.muted });
    for (let c = 0; c < this.cols; c += 1) label(c + this.colStart, margin + c * cell + cell / 2, margin / 2 + 1);
    for (let r = 0; r < this.rows; r += 1) label(r + this.rowStart, margin / 2, margin + r * cell + cell / 2);
  }

  _cells(ctx) {
    const { cell, margin } = this;
    const fontSize = Math.min(15, Math.floor(cell * 0.36));
    for (let r = 0; r < this.rows; r += 1) {
      for (let c = 0; c < this.cols; c += 1) {
        const [R, C] = [r + this.rowStart, c + this.colStart];
        const [x, y] = [margin + c * cell, margin + r * cell];
        const fill = this.fill(R, C);
        ctx.fillStyle = fill || COLOUR.blank;
        ctx.fillRect(x, y, cell, cell);
        const pattern = this.pattern(R, C);
        if (pattern) this._hatch(ctx, x, y, cell, PATTERNS[pattern]);
        if (fontSize >= 8) this._number(ctx, this.text(R, C), x, y, fontSize, () => this.ink(R, C, fill));
      }
    }
  }

  /** A cell's text, shrunk to fit the cell, and left out when it would be too small to read. */
  _number(ctx, text, x, y, fontSize, ink) {
    if (text === null || text === undefined || text === "") return;
    const { cell } = this;
    let size = fontSize;
    ctx.font = font(size);
    const width = ctx.measureText(text).width;
    if (width > cell - 4) size = Math.floor((size * (cell - 4)) / width);
    if (size >= 7) write(ctx, text, x + cell / 2, y + cell / 2 + 0.5, { size, colour: ink() });
  }

  _lines(ctx) {
    const { cell, margin, rows, cols } = this;
    ctx.strokeStyle = COLOUR.rule;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r <= rows; r += 1) {
      ctx.moveTo(margin, margin + r * cell + 0.5);
      ctx.lineTo(margin + cols * cell, margin + r * cell + 0.5);
    }
    for (let c = 0; c <= cols; c += 1) {
      ctx.moveTo(margin + c * cell + 0.5, margin);
      ctx.lineTo(margin + c * cell + 0.5, margin + rows * cell);
    }
    ctx.stroke();
  }

  _hatch(ctx, x, y, size, { stroke, gap }) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, size, size);
    ctx.clip();
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let d = -size; d < size; d += gap) {
      ctx.moveTo(x + d, y + size);
      ctx.lineTo(x + d + size, y);
    }
    ctx.stroke();
    ctx.restore();
  }

  _overlay(ctx, { cells, stroke = COLOUR.mark, width = 2, fill = null, dash = null, outline = false }) {
    const { cell, margin } = this;
    const inside = cells.filter(
      ([r, c]) =>
        r >= this.rowStart && r < this.rowStart + this.rows && c >= this.colStart && c < this.colStart + this.cols,
    );
    if (!inside.length) return;
    ctx.save();
    if (dash) ctx.setLineDash(dash);
    const rectOf = ([r, c]) => [margin + (c - this.colStart) * cell, margin + (r - this.rowStart) * cell];
    if (fill) {
      ctx.fillStyle = fill;
      for (const p of inside) {
        const [x, y] = rectOf(p);
        ctx.fillRect(x, y, cell, cell);
      }
    }
    ctx.strokeStyle = stroke;
    ctx.lineWidth = width;
    if (outline) {
      let [r0, c0, r1, c1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const [r, c] of inside) {
        r0 = Math.min(r0, r);
        c0 = Math.min(c0, c);
        r1 = Math.max(r1, r);
        c1 = Math.max(c1, c);
      }
      const [x, y] = rectOf([r0, c0]);
      ctx.strokeRect(x + width / 2, y + width / 2, (c1 - c0 + 1) * cell - width, (r1 - r0 + 1) * cell - width);
    } else if (stroke && width) {
      for (const p of inside) {
        const [x, y] = rectOf(p);
        ctx.strokeRect(x + width / 2, y + width / 2, cell - width, cell - width);
      }
    }
    ctx.restore();
  }
}
