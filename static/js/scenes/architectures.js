// /architectures: the layer tables of classic CNNs as the API walks them (output shape, parameters,
// MACs, receptive field, jump), where the parameters and the compute go, how the receptive field
// grows, and VGG-16's fully connected layers read as convolutions. Every figure comes from
// GET /api/architectures/{name}; the page only groups rows and adds them up per stage for the chart.
import { lang, t } from "../i18n.js";
import { Scene } from "../scene.js";
import { onResizeSettled } from "../stage.js";

export const NETWORKS = ["lenet5", "alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "se_resnet50"];
const SIZES = ["default", 32, 64, 96, 128, 160, 192, 224, 256, 320, 384, 448, 512];
// The smallest input each network can walk (every layer keeps at least one row and column).
const MIN_SIZE = { lenet5: 16, alexnet: 63, vgg16: 32, googlenet: 31, resnet18: 8, resnet50: 8, se_resnet50: 8 };

const TABLE = [
  {
    name: "net",
    type: "choice",
    choices: NETWORKS,
    default: "vgg16",
    label: "arch.ctl.net",
    group: "arch",
    choiceLabel: (c) => t(`arch.net.${c}`),
  },
  {
    name: "size",
    type: "choice",
    choices: SIZES,
    default: "default",
    label: "arch.ctl.size",
    group: "arch",
    choiceLabel: (c) => (c === "default" ? t("arch.size_default") : `${c}×${c}`),
  },
  {
    name: "view",
    type: "choice",
    choices: ["all", "weighted", "blocks"],
    default: "all",
    label: "arch.ctl.view",
    group: "arch",
    choiceLabel: (c) => t(`arch.view.${c}`),
  },
];

function constrain(v) {
  const min = MIN_SIZE[v.net] ?? 8;
  const allowed = SIZES.filter((s) => s === "default" || s >= min);
  const why = allowed.length < SIZES.length ? t("arch.why_size", { min }) : "";
  return { size: { allowed, fallback: "default", why } };
}

const els = {
  variant: document.getElementById("arch-variant"),
  totals: document.getElementById("arch-totals"),
  table: document.getElementById("arch-table"),
  bars: document.getElementById("arch-bars"),
  field: document.getElementById("arch-field"),
  fc: document.getElementById("arch-fc"),
};

const SVG = "http://www.w3.org/2000/svg";
const LOCALE = lang === "zh" ? "zh-CN" : "en-US";
const fmt = (n) => Number(n).toLocaleString(LOCALE);
const shape = (s) => s.join("×");
const cache = new Map();
let data = null;

async function fetchTable(name, size, signal) {
  const key = `${name}@${size}`;
  if (!cache.has(key)) {
    const query = size === "default" ? "" : `?input_size=${size}`;
    const response = await fetch(`/api/architectures/${name}${query}`, { signal });
    const body = await response.json();
    if (!response.ok) throw new Error(body?.error?.message || body?.detail || response.statusText);
    cache.set(key, body);
  }
  return cache.get(key);
}

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
    if (!entry) out.push((entry = { key, params: 0, macs: 0 }));
    entry.params += layer.params;
    entry.macs += layer.macs;
  }
  return out;
}

function el(tag, attrs = {}, text = null, ns = null) {
  const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

// ---- the layer table ----

function visibleRows(v) {
  const layers = data.layers.map((layer, index) => ({ layer, index }));
  if (v.view === "weighted") return layers.filter(({ layer }) => layer.params > 0 || layer.type === "input");
  if (v.view !== "blocks") return layers;
  // One row per block: its last row (the concat or the addition) with the block's sums.
  const rows = [];
  for (const item of layers) {
    const block = item.layer.block;
    const last = rows[rows.length - 1];
    if (block && last && last.block === block) {
      last.params += item.layer.params;
      last.macs += item.layer.macs;
      last.layer = item.layer;
      last.indices.push(item.index);
    } else {
      rows.push({
        block,
        layer: item.layer,
        index: item.index,
        indices: [item.index],
        params: item.layer.params,
        macs: item.layer.macs,
      });
    }
  }
  return rows.map((r) => ({ ...r, index: r.indices[r.indices.length - 1] }));
}

function drawTable(v) {
  const table = el("table", { class: "arch-table" });
  table.append(el("caption", {}, t("arch.table_caption", { net: t(`arch.net.${v.net}`), size: data.input_size })));
  const head = el("tr");
  for (const key of ["name", "type", "shape", "params", "macs", "field", "jump"])
    head.append(el("th", { scope: "col" }, t(`arch.col.${key}`)));
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const body = el("tbody");
  let parity = 0;
  let lastBlock = null;
  for (const row of visibleRows(v)) {
    const layer = row.layer;
    const block = row.block !== undefined ? row.block : layer.block;
    if (block !== lastBlock && block) parity = 1 - parity;
    const tr = el("tr", { "data-layer": String(row.index) });
    if (row.indices) tr.dataset.layers = row.indices.join(",");
    if (block) {
      tr.classList.add("in-block", parity ? "block-odd" : "block-even");
      if (block !== lastBlock) tr.classList.add("block-start");
    }
    lastBlock = block;
    const name = v.view === "blocks" && block ? block : layer.name;
    const type = v.view === "blocks" && block ? t("arch.type.block") : t(`arch.type.${layer.type}`);
    const params = row.params !== undefined ? row.params : layer.params;
    const macs = row.macs !== undefined ? row.macs : layer.macs;
    tr.append(
      el("th", { scope: "row" }, name),
      el("td", {}, type),
      el("td", { class: "num" }, shape(layer.output_shape)),
    );
    tr.append(el("td", { class: "num" }, fmt(params)), el("td", { class: "num" }, fmt(macs)));
    tr.append(el("td", { class: "num" }, fmt(layer.receptive_field)), el("td", { class: "num" }, fmt(layer.jump)));
    body.append(tr);
  }
  table.append(body);
  const foot = el("tfoot");
  const total = el("tr", { class: "arch-total" });
  total.append(el("th", { scope: "row", colspan: "3" }, t("arch.total")));
  total.append(el("td", { class: "num", "data-total": "params" }, fmt(data.total_params)));
  total.append(el("td", { class: "num", "data-total": "macs" }, fmt(data.total_macs)));
  total.append(el("td", { colspan: "2" }));
  foot.append(total);
  table.append(foot);
  els.table.replaceChildren(table);
  els.totals.textContent = t("arch.totals", {
    params: fmt(data.total_params),
    macs: fmt(data.total_macs),
    layers: data.layers.length - 1,
  });
  els.variant.textContent = t(`arch.variant.${v.net}`);
}

// ---- the charts ----

function chartWidth(box) {
  return Math.max(260, Math.min(640, box.clientWidth - 4 || 600));
}

function drawBars() {
  const list = stages(data.layers);
  const width = chartWidth(els.bars);
  const labelW = Math.min(110, width * 0.28);
  const barW = width - labelW - 70;
  const rowH = 30;
  const top = 26;
  const height = top + list.length * rowH + 6;
  const svg = el(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      width: String(width),
      height: String(height),
      role: "img",
      "aria-label": t("arch.bars_aria"),
    },
    null,
    SVG,
  );
  const keyY = 12;
  svg.append(
    el("rect", { x: String(labelW), y: String(keyY - 8), width: "12", height: "8", class: "bar-params" }, null, SVG),
  );
  svg.append(el("text", { x: String(labelW + 16), y: String(keyY), class: "chart-text" }, t("arch.bars_params"), SVG));
  svg.append(
    el(
      "rect",
      { x: String(labelW + barW / 2), y: String(keyY - 8), width: "12", height: "8", class: "bar-macs" },
      null,
      SVG,
    ),
  );
  svg.append(
    el("text", { x: String(labelW + barW / 2 + 16), y: String(keyY), class: "chart-text" }, t("arch.bars_macs"), SVG),
  );
  list.forEach((s, i) => {
    const y = top + i * rowH;
    const pShare = data.total_params ? s.params / data.total_params : 0;
    const mShare = data.total_macs ? s.macs / data.total_macs : 0;
    const g = el("g", { "data-stage": s.key }, null, SVG);
    g.append(el("title", {}, t("arch.bar_title", { stage: s.key, params: fmt(s.params), macs: fmt(s.macs) }), SVG));
    g.append(
      el("text", { x: String(labelW - 6), y: String(y + 15), "text-anchor": "end", class: "chart-text" }, s.key, SVG),
    );
    g.append(
      el(
        "rect",
        {
          x: String(labelW),
          y: String(y + 2),
          width: String(Math.max(1, pShare * barW)),
          height: "11",
          class: "bar-params",
        },
        null,
        SVG,
      ),
    );
    g.append(
      el(
        "rect",
        {
          x: String(labelW),
          y: String(y + 14),
          width: String(Math.max(1, mShare * barW)),
          height: "11",
          class: "bar-macs",
        },
        null,
        SVG,
      ),
    );
    g.append(
      el(
        "text",
        { x: String(labelW + pShare * barW + 4), y: String(y + 11), class: "chart-small" },
        `${(pShare * 100).toFixed(1)}%`,
        SVG,
      ),
    );
    g.append(
      el(
        "text",
        { x: String(labelW + mShare * barW + 4), y: String(y + 23), class: "chart-small" },
        `${(mShare * 100).toFixed(1)}%`,
        SVG,
      ),
    );
    svg.append(g);
  });
  els.bars.replaceChildren(svg);
}

function drawField(step) {
  const layers = data.layers;
  const width = chartWidth(els.field);
  const height = 200;
  const left = 48;
  const bottom = 28;
  const plotW = width - left - 10;
  const plotH = height - bottom - 12;
  const maxField = Math.max(data.input_size, ...layers.map((l) => l.receptive_field));
  const x = (i) => left + (layers.length > 1 ? (i / (layers.length - 1)) * plotW : 0);
  const y = (f) => 12 + plotH - (f / maxField) * plotH;
  const svg = el(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      width: String(width),
      height: String(height),
      role: "img",
      "aria-label": t("arch.field_aria"),
    },
    null,
    SVG,
  );
  svg.append(
    el(
      "line",
      { x1: String(left), y1: String(y(0)), x2: String(left + plotW), y2: String(y(0)), class: "axis" },
      null,
      SVG,
    ),
  );
  svg.append(
    el("line", { x1: String(left), y1: String(12), x2: String(left), y2: String(y(0)), class: "axis" }, null, SVG),
  );
  for (const tick of [0, maxField / 2, maxField]) {
    const value = Math.round(tick);
    svg.append(
      el(
        "text",
        { x: String(left - 4), y: String(y(value) + 4), "text-anchor": "end", class: "chart-small" },
        fmt(value),
        SVG,
      ),
    );
  }
  // The input's side as a dashed line: a field beyond it reaches into the padding.
  svg.append(
    el(
      "line",
      {
        x1: String(left),
        y1: String(y(data.input_size)),
        x2: String(left + plotW),
        y2: String(y(data.input_size)),
        class: "input-line",
      },
      null,
      SVG,
    ),
  );
  svg.append(
    el(
      "text",
      { x: String(left + 4), y: String(y(data.input_size) - 4), class: "chart-small" },
      t("arch.field_input", { size: data.input_size }),
      SVG,
    ),
  );
  let d = "";
  layers.forEach((l, i) => {
    d += i === 0 ? `M${x(0)},${y(l.receptive_field)}` : `H${x(i)}V${y(l.receptive_field)}`;
  });
  svg.append(el("path", { d, class: "field-line" }, null, SVG));
  const current = layers[Math.min(step, layers.length - 1)];
  svg.append(
    el(
      "circle",
      { cx: String(x(step)), cy: String(y(current.receptive_field)), r: "4", class: "field-dot" },
      null,
      SVG,
    ),
  );
  svg.append(
    el(
      "text",
      { x: String(left + plotW / 2), y: String(height - 8), "text-anchor": "middle", class: "chart-small" },
      t("arch.field_xaxis"),
      SVG,
    ),
  );
  els.field.replaceChildren(svg);
}

// ---- VGG-16's fully connected layers as convolutions; GAP against FC ----

async function drawFc(signal) {
  const vgg = await fetchTable("vgg16", 224, signal);
  const resnet = await fetchTable("resnet50", 224, signal);
  const byName = Object.fromEntries(vgg.layers.map((l) => [l.name, l]));
  const fc6 = byName.fc6;
  const before = vgg.layers[vgg.layers.indexOf(fc6) - 1];
  const [c, h, w] = before.output_shape;
  const out6 = fc6.config.out_features;
  const parts = [];
  parts.push(el("p", {}, t("arch.fc_intro")));
  const list = el("ul");
  list.append(
    el(
      "li",
      {},
      t("arch.fc6", {
        c,
        h,
        w,
        out: fmt(out6),
        weights: fmt(fc6.config.in_features * out6),
        macs: fmt(fc6.macs),
        params: fmt(fc6.params),
      }),
    ),
  );
  for (const name of ["fc7", "fc8"]) {
    const l = byName[name];
    list.append(
      el(
        "li",
        {},
        t("arch.fc_1x1", {
          name,
          cin: fmt(l.config.in_features),
          out: fmt(l.config.out_features),
          params: fmt(l.params),
        }),
      ),
    );
  }
  parts.push(list, el("p", {}, t("arch.fc_slide")));
  const fcParams = fc6.params + byName.fc7.params + byName.fc8.params;
  const rfc = resnet.layers.find((l) => l.name === "fc");
  parts.push(
    el(
      "p",
      { "data-gap": "" },
      t("arch.gap", {
        vggfc: fmt(fcParams),
        vggtotal: fmt(vgg.total_params),
        fc: fmt(rfc.params),
        cin: fmt(rfc.config.in_features),
      }),
    ),
  );
  parts.push(el("p", {}, t("arch.gap_why")));
  els.fc.replaceChildren(...parts);
}

// ---- the scene ----

function highlight(step) {
  for (const tr of els.table.querySelectorAll("tr.is-current")) tr.classList.remove("is-current");
  const rows = [...els.table.querySelectorAll("tbody tr")];
  const row =
    rows.find((r) => r.dataset.layer === String(step)) ||
    rows.find((r) => (r.dataset.layers || "").split(",").includes(String(step))) ||
    rows.filter((r) => Number(r.dataset.layer) <= step).pop();
  if (row) row.classList.add("is-current");
}

let fcDrawn = false;
const scene = new Scene({
  table: TABLE,
  constrain,
  title: t("scene.architectures.title"),
  async load(v, signal, sc) {
    data = await fetchTable(v.net, v.size, signal);
    drawTable(v);
    drawBars();
    sc.expect(data.layers.length);
    sc.arrived(data.layers.length);
    if (!fcDrawn) {
      await drawFc(signal);
      fcDrawn = true;
    }
  },
  draw(step) {
    if (!data) return;
    highlight(step);
    drawField(step);
  },
  narrate(step) {
    const layer = data.layers[step];
    if (!layer) return "";
    return t("arch.narrate", {
      name: layer.name,
      type: t(`arch.type.${layer.type}`),
      shape: shape(layer.output_shape),
      params: fmt(layer.params),
      macs: fmt(layer.macs),
      field: fmt(layer.receptive_field),
      jump: fmt(layer.jump),
    });
  },
});
scene.start();
onResizeSettled(() => {
  if (!data) return;
  drawBars();
  scene.redraw();
});
window.convscope = { scene };
