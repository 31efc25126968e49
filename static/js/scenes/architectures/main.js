// /architectures: the layer tables of classic CNNs as the API walks them (output shape, parameters,
// MACs, receptive field, jump), where the parameters and the compute go, how the receptive field
// grows, and VGG-16's fully connected layers read as convolutions. Every figure comes from
// GET /api/architectures/{name}; the page only groups rows and adds them up per stage for the chart.
import { t } from "../../i18n.js";
import { SteppedScene } from "../../kit/stepped.js";
import { getJson } from "../../kit/stream.js";
import { rowsFor } from "../../urlstate.js";
import { drawBars, drawField, fmt } from "./charts.js";

export const NETWORKS = ["lenet5", "alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "se_resnet50"];
const SIZES = ["default", 32, 64, 96, 128, 160, 192, 224, 256, 320, 384, 448, 512];
// The smallest input each network can walk (every layer keeps at least one row and column).
const MIN_SIZE = { lenet5: 16, alexnet: 63, vgg16: 32, googlenet: 31, resnet18: 8, resnet50: 8, se_resnet50: 8 };

const { choice } = rowsFor("arch.ctl");
const sizeLabel = (c) => (c === "default" ? t("arch.size_default") : `${c}×${c}`);

const TABLE = [
  choice("net", "arch", NETWORKS, "vgg16", (c) => t(`arch.net.${c}`)),
  choice("size", "arch", SIZES, "default", sizeLabel),
  choice("view", "arch", ["all", "weighted", "blocks"], "all", (c) => t(`arch.view.${c}`)),
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

const shape = (s) => s.join("×");
const cache = new Map();

async function fetchTable(name, size, signal) {
  const key = `${name}@${size}`;
  if (!cache.has(key)) {
    const query = size === "default" ? "" : `?input_size=${size}`;
    cache.set(key, await getJson(`/api/architectures/${name}${query}`, { signal }));
  }
  return cache.get(key);
}

/** <tag attrs>text</tag>. */
function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

// ---- the layer table ----

function visibleRows(v, data) {
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

function drawTable(v, data) {
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
  for (const row of visibleRows(v, data)) {
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
const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.architectures.title"),
  async load(v, signal) {
    const data = await fetchTable(v.net, v.size, signal);
    drawTable(v, data);
    await scene.install({ v, data }, { count: data.layers.length });
    if (!fcDrawn) {
      await drawFc(signal);
      fcDrawn = true;
    }
  },
  build: (run) => drawBars(els.bars, run.data),
  draw(run, step) {
    highlight(step);
    drawField(els.field, run.data, step);
  },
  narrate(run, step) {
    const layer = run.data.layers[step];
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
  hook: (scene) => ({ scene }),
});
scene.start();
