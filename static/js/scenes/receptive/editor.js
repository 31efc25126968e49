// The layer editor of /receptive-field, inside the settings form: a row per layer with its type,
// kernel, stride, padding and dilation, a button to remove it, and buttons to add a conv or a pool.
// When the input is too small for the whole stack asked for, it says the last layers were dropped.
import { el } from "../../draw/dom.js";
import { t } from "../../i18n.js";
import { editorBox, numberInput, rebuild, select, smallButton } from "../shared/stack_editor.js";
import {
  formatLayers,
  MAX_DILATION,
  MAX_KERNEL,
  MAX_LAYERS,
  MAX_PADDING,
  MAX_STRIDE,
  newLayer,
  parseLayers,
  possibleLayers,
} from "./settings.js";

/** Each field of a row: its setting and its range. */
const FIELDS = {
  k: ["kernel_size", 1, MAX_KERNEL],
  s: ["stride", 1, MAX_STRIDE],
  p: ["padding", 0, MAX_PADDING],
  d: ["dilation", 1, MAX_DILATION],
};

function head() {
  const row = el("div", "rf-layer rf-layer-head");
  row.setAttribute("aria-hidden", "true");
  for (const key of ["rf.col.n", "rf.ctl.type", "rf.ctl.k", "rf.ctl.s", "rf.ctl.p", "rf.ctl.d"]) {
    row.append(el("span", "", t(key)));
  }
  row.append(el("span"));
  return row;
}

function layerRow(layer, i, count) {
  const row = el("div", "rf-layer");
  row.append(el("span", "rf-layer-n", String(i + 1)));
  const aria = (what) => t("rf.aria_field", { n: i + 1, what: t(`rf.ctl.${what}`) });
  const types = ["conv", "pool"].map((choice) => [choice, t(`rf.type.${choice}`)]);
  const type = select(types, layer.type, aria("type"));
  Object.assign(type.dataset, { field: "type", control: `l${i}-type` });
  row.append(type);
  for (const [name, [setting, lo, hi]] of Object.entries(FIELDS)) {
    const most = name === "p" && layer.type === "pool" ? Math.floor(layer.kernel_size / 2) : hi;
    const input = numberInput(layer[setting], lo, most);
    Object.assign(input.dataset, { field: name, control: `l${i}-${name}` });
    input.setAttribute("aria-label", aria(name));
    row.append(input);
  }
  const label = t("rf.remove", { n: i + 1 });
  row.append(smallButton("×", { remove: String(i) }, { label, disabled: count <= 1 }));
  return row;
}

/**
 * The editor, built in `form`. `commit(layers)` receives the stack after each change; `requested()`
 * is the stack last asked for. Returns {element, render(v)}.
 */
export function layerEditor(form, { commit, requested }) {
  const box = editorBox(form, "group-rf_layers rf-editor");
  const rows = () => [...box.querySelectorAll(".rf-layer:not(.rf-layer-head)")];
  const shown = () =>
    rows().map((row) => {
      const get = (name) => row.querySelector(`[data-field=${name}]`).value;
      const layer = { type: get("type") };
      for (const [name, [setting]] of Object.entries(FIELDS)) layer[setting] = Number(get(name));
      return layer;
    });
  box.addEventListener("change", (e) => {
    if (!e.target.dataset.field) return;
    const layers = shown();
    // A new type starts from that type's usual settings.
    if (e.target.dataset.field === "type")
      layers[rows().indexOf(e.target.closest(".rf-layer"))] = newLayer(e.target.value);
    commit(layers.filter((l) => Number.isFinite(l.kernel_size)));
  });
  box.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const layers = shown();
    if (button.dataset.remove !== undefined) layers.splice(Number(button.dataset.remove), 1);
    else if (button.dataset.add) layers.push(newLayer(button.dataset.add));
    else return;
    commit(layers);
  });

  function render(v) {
    const layers = possibleLayers(v.size, v.layers);
    rebuild(box, "group.rf_layers", () => {
      box.append(head(), ...layers.map((layer, i) => layerRow(layer, i, layers.length)));
      const add = el("p", "rf-add");
      for (const kind of ["conv", "pool"]) {
        add.append(smallButton(t(`rf.add_${kind}`), { add: kind }, { disabled: layers.length >= MAX_LAYERS }));
      }
      const dropped = el("p", "control-why");
      dropped.id = "rf-dropped";
      dropped.setAttribute("role", "status");
      if (parseLayers(requested()).length > possibleLayers(v.size, requested()).length) {
        dropped.textContent = t("why.rf_dropped");
      }
      box.append(add, dropped);
    });
    box.dataset.shown = formatLayers(layers);
    box.dataset.size = String(v.size);
  }
  return { element: box, render };
}
