// /architectures' two charts, as SVG: where the parameters and the compute go, stage by stage, and
// how the receptive field grows layer by layer (with the step's layer marked). Every figure is the
// API's; the page only adds them up per stage.
import { lang, t } from "../../i18n.js";

const NS = "http://www.w3.org/2000/svg";
const LOCALE = lang === "zh" ? "zh-CN" : "en-US";
export const fmt = (n) => Number(n).toLocaleString(LOCALE);

/** <tag attrs>text</tag> in SVG; attribute values may be numbers. */
function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

const chartWidth = (box) => Math.max(260, Math.min(640, box.clientWidth - 4 || 600));
const canvasOf = (width, height, label) =>
  svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label });

/** The stage a layer belongs to in the chart: its block's stage, or its own name's stem. */
function stageOf(layer, previous) {
  if (layer.block) return layer.block.split(".")[0];
  if (layer.type === "batch_norm" && previous) return previous;
  return layer.name.split(".")[0].replace(/_\d+$/, "");
}

function stages(layers) {
  const out = [];
  let previous = null;
  for (const layer of layers) {
    const key = stageOf(layer, previous);
    previous = key;
    if (!layer.params && !layer.macs) continue;
    let entry = out.find((s) => s.key === key);
    if (!entry) {
      entry = { key, params: 0, macs: 0 };
      out.push(entry);
    }
    entry.params += layer.params;
    entry.macs += layer.macs;
  }
  return out;
}

/** Each stage's share of the parameters and of the MACs, as two bars. */
export function drawBars(box, data) {
  const list = stages(data.layers);
  const width = chartWidth(box);
  const labelW = Math.min(110, width * 0.28);
  const barW = width - labelW - 70;
  const [rowH, top, keyY] = [30, 26, 12];
  const chart = canvasOf(width, top + list.length * rowH + 6, t("arch.bars_aria"));
  for (const [x, cls, key] of [
    [labelW, "bar-params", "arch.bars_params"],
    [labelW + barW / 2, "bar-macs", "arch.bars_macs"],
  ]) {
    chart.append(svg("rect", { x, y: keyY - 8, width: 12, height: 8, class: cls }));
    chart.append(svg("text", { x: x + 16, y: keyY, class: "chart-text" }, t(key)));
  }
  list.forEach((s, i) => {
    const y = top + i * rowH;
    const shares = [
      data.total_params ? s.params / data.total_params : 0,
      data.total_macs ? s.macs / data.total_macs : 0,
    ];
    const g = svg("g", { "data-stage": s.key });
    g.append(svg("title", {}, t("arch.bar_title", { stage: s.key, params: fmt(s.params), macs: fmt(s.macs) })));
    g.append(svg("text", { x: labelW - 6, y: y + 15, "text-anchor": "end", class: "chart-text" }, s.key));
    shares.forEach((share, b) => {
      const width = Math.max(1, share * barW);
      g.append(svg("rect", { x: labelW, y: y + 2 + 12 * b, width, height: 11, class: b ? "bar-macs" : "bar-params" }));
    });
    shares.forEach((share, b) => {
      const attrs = { x: labelW + share * barW + 4, y: y + 11 + 12 * b, class: "chart-small" };
      g.append(svg("text", attrs, `${(share * 100).toFixed(1)}%`));
    });
    chart.append(g);
  });
  box.replaceChildren(chart);
}

/** The receptive field after each layer as a staircase, the input's side dashed, the step's layer dotted. */
export function drawField(box, data, step) {
  const layers = data.layers;
  const [width, height, left, bottom] = [chartWidth(box), 200, 48, 28];
  const plotW = width - left - 10;
  const plotH = height - bottom - 12;
  const maxField = Math.max(data.input_size, ...layers.map((l) => l.receptive_field));
  const x = (i) => left + (layers.length > 1 ? (i / (layers.length - 1)) * plotW : 0);
  const y = (f) => 12 + plotH - (f / maxField) * plotH;
  const chart = canvasOf(width, height, t("arch.field_aria"));
  chart.append(svg("line", { x1: left, y1: y(0), x2: left + plotW, y2: y(0), class: "axis" }));
  chart.append(svg("line", { x1: left, y1: 12, x2: left, y2: y(0), class: "axis" }));
  for (const tick of [0, maxField / 2, maxField]) {
    const value = Math.round(tick);
    chart.append(svg("text", { x: left - 4, y: y(value) + 4, "text-anchor": "end", class: "chart-small" }, fmt(value)));
  }
  // The input's side as a dashed line: a field beyond it reaches into the padding.
  const side = y(data.input_size);
  chart.append(svg("line", { x1: left, y1: side, x2: left + plotW, y2: side, class: "input-line" }));
  const inputText = t("arch.field_input", { size: data.input_size });
  chart.append(svg("text", { x: left + 4, y: side - 4, class: "chart-small" }, inputText));
  const d = layers
    .map((l, i) => (i === 0 ? `M${x(0)},${y(l.receptive_field)}` : `H${x(i)}V${y(l.receptive_field)}`))
    .join("");
  chart.append(svg("path", { d, class: "field-line" }));
  const current = layers[Math.min(step, layers.length - 1)];
  chart.append(svg("circle", { cx: x(step), cy: y(current.receptive_field), r: 4, class: "field-dot" }));
  const axis = { x: left + plotW / 2, y: height - 8, "text-anchor": "middle", class: "chart-small" };
  chart.append(svg("text", axis, t("arch.field_xaxis")));
  box.replaceChildren(chart);
}
