// Every colour and mark the scenes draw on their canvases, in one place. The page's own colours
// (text, muted text, the accent) are read from the style sheet's custom properties, so a canvas
// and the HTML around it agree; the marks have no counterpart in CSS and are fixed here.

function cssColour(name, fallback) {
  const value = window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export const COLOUR = {
  /** Text and lines on light cells and charts. */
  ink: cssColour("--ink", "#1d2430"),
  /** Axis labels and ticks. */
  muted: cssColour("--muted", "#5b6578"),
  /** The edge of the real input inside its padding; parameter bars. */
  accent: cssColour("--accent", "#1f3b63"),
  /** Compute (MACs) bars beside the parameter bars. */
  accent2: cssColour("--accent-2", "#c45a00"),
  /** The current window, cell or kernel: near-black, above any colour of the value scale. */
  mark: "#111827",
  /** Hover marks and max-pool switches: purple, apart from the blue-orange value scale for every reader. */
  hover: "#7b2cbf",
  /** A padding cell that holds no value. */
  pad: "#eef0f4",
  /** A cell nobody has written yet. */
  blank: "#ffffff",
  /** A gap the stride spreads between upstream values. */
  gap: "#f4f5f8",
  /** A zero the operation adds (a spread or untouched cell), written in grey. */
  faint: "#8a93a3",
  /** A receptive field cut by the edge of the input. */
  clipped: "#c2410c",
  /** Taps a transposed convolution crops away. */
  cropped: "#7b2c6f",
  /** A cell where two answers that must agree differ. */
  mismatch: "#b00020",
  /** Inside a receptive field, and a layer the step has not reached. */
  field: "#fcd9b6",
  later: "#f1f3f6",
  /** The two series of a chart (running mean and variance). */
  blue: "#1f5fa8",
  orange: "#bf5400",
  /** A max-pool switch on the home page's small preview. */
  switchPreview: "#6d28d9",
  /** Around a picture: where padding would be. */
  margin: "#eceff4",
  /** Grid lines between cells, and chart rules. */
  rule: "rgba(29,36,48,0.18)",
  chartRule: "rgba(29,36,48,0.25)",
  /** The hatching of a padding cell, and of a cell no window visits. */
  padHatch: "rgba(60,70,90,0.28)",
  unvisitedHatch: "rgba(150,40,110,0.55)",
  /** The band on a chart at the step the shown batch uses. */
  band: "rgba(123,44,191,0.12)",
  /** A light edge that keeps a mark visible on any picture. */
  halo: "rgba(255,255,255,0.9)",
};

/** Overlay styles for Grid.setOverlays: add `cells` (and change what differs). */
export const MARK = {
  /** The step's own cell or window. */
  current: { stroke: COLOUR.mark, width: 3 },
  /** Each cell a step reads or writes. */
  tap: { stroke: COLOUR.mark, width: 2 },
  /** One frame around a block of cells (a window, a kernel, a channel). */
  frame: { stroke: COLOUR.mark, width: 3, outline: true },
  /** What the pointer's cell is tied to: dashed, so the current marks show between the dashes. */
  hover: { stroke: COLOUR.hover, width: 3, dash: [5, 3] },
  /** The cell under the pointer itself. */
  pointer: { stroke: COLOUR.hover, width: 3 },
  /** A max-pool switch, the value being normalised. */
  chosen: { stroke: COLOUR.hover, width: 4 },
  cropped: { stroke: COLOUR.cropped, width: 2, dash: [3, 3] },
  mismatch: { stroke: COLOUR.mismatch, width: 3 },
  /** Cells that changed between two answers. */
  differs: { stroke: COLOUR.mark, width: 3, dash: [4, 2] },
  /** Cells an average leaves out of its count. */
  notCounted: { fill: "rgba(70,78,94,0.55)", stroke: null, width: 0 },
  /** Everything but the channel in use, washed out. */
  dim: { fill: "rgba(255,255,255,0.62)", stroke: null, width: 0 },
};

/** A receptive field on a grid: the unit, the whole field (reaching into padding), the part on the map. */
export const FIELD = {
  unit: { fill: "rgba(17,24,39,0.75)", stroke: COLOUR.mark, width: 2 },
  theory: { stroke: COLOUR.mark, width: 2, outline: true, dash: [5, 3] },
  clipped: { stroke: COLOUR.clipped, width: 3, outline: true },
};

/** The same on a picture (a photo or a feature map): boxes drawn in CSS pixels. */
export const PICTURE = {
  box: { stroke: COLOUR.mark, dash: [5, 3], width: 1.5 },
  clipped: { stroke: COLOUR.clipped, width: 2.5 },
  unit: { stroke: COLOUR.hover, width: 2.5 },
};

/** Every cell of a rows x cols block starting at (top, left). */
export function allCells(rows, cols = rows, top = 0, left = 0) {
  const cells = [];
  for (let r = top; r < top + rows; r += 1) for (let c = left; c < left + cols; c += 1) cells.push([r, c]);
  return cells;
}

/** The cells a frame's window reads: every (row, column) of its `rows` and `cols`. */
export const windowCells = (f) => f.rows.flatMap((r) => f.cols.map((c) => [r, c]));

/** The dashed edge of the real H x W input inside a padded grid, so padding stands apart. */
export const inputEdge = (H, W) => ({
  cells: [
    [0, 0],
    [H - 1, W - 1],
  ],
  stroke: COLOUR.accent,
  width: 2,
  outline: true,
  dash: [2, 2],
});

/** A window's frame: dashed when its taps are spread apart by a dilation. */
export const windowFrame = (cells, dilated) => ({ cells, ...MARK.frame, dash: dilated ? [4, 3] : null });
