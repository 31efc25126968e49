// The layer-stack builder of /feature-maps: one row per layer with its type and settings, buttons to
// move a layer up or down or remove it, and buttons to add a conv, pool or batch-norm layer. Every
// change goes back to the URL as the compact layer list; the options offered are only the possible
// ones (sizes a bank exists in, "same" only at stride 1, pool padding at most half the window).
import { t } from "../i18n.js";
import {
  ACTIVATIONS,
  BANKS,
  FIXED_3,
  fixLayer,
  formatLayers,
  KERNEL_SIZES,
  MAX_LAYERS,
  newConv,
  newNorm,
  newPool,
  parseLayers,
} from "./feature_maps_settings.js";

const range = (lo, hi) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

function select(choices, value, label) {
  const el = document.createElement("select");
  for (const [v, text, disabled] of choices) {
    const option = document.createElement("option");
    option.value = String(v);
    option.textContent = text;
    option.disabled = Boolean(disabled);
    el.append(option);
  }
  el.value = String(value);
  el.setAttribute("aria-label", label);
  return el;
}

function field(row, i, name, control, labelKey) {
  const wrap = document.createElement("label");
  wrap.className = "fm-field";
  const caption = document.createElement("span");
  caption.textContent = t(labelKey);
  control.dataset.field = name;
  control.dataset.control = `l${i}-${name}`;
  wrap.append(caption, control);
  row.append(wrap);
}

function numberInput(value, lo, hi) {
  const el = document.createElement("input");
  el.type = "number";
  el.inputMode = "numeric";
  el.min = String(lo);
  el.max = String(hi);
  el.step = "1";
  el.value = String(value);
  return el;
}

function fields(row, i, l) {
  const aria = (key) => t("fm.aria_field", { n: i + 1, what: t(key) });
  if (l.type === "conv") {
    field(
      row,
      i,
      "bank",
      select(
        BANKS.map((b) => [b, t(`fm.bank.${b}`)]),
        l.bank,
        aria("fm.ctl.bank"),
      ),
      "fm.ctl.bank",
    );
    const sizes = FIXED_3.includes(l.bank)
      ? [3]
      : KERNEL_SIZES.filter((k) => k >= (["sobel", "gabor"].includes(l.bank) ? 3 : 1));
    field(
      row,
      i,
      "size",
      select(
        sizes.map((k) => [k, `${k}×${k}`]),
        l.size,
        aria("fm.ctl.size"),
      ),
      "fm.ctl.size",
    );
    if (l.bank === "gabor" || l.bank === "random") field(row, i, "count", numberInput(l.count, 1, 16), "fm.ctl.count");
    if (l.bank === "random") field(row, i, "seed", numberInput(l.seed, 0, 9999), "fm.ctl.seed");
    field(
      row,
      i,
      "stride",
      select(
        range(1, 4).map((s) => [s, String(s)]),
        l.stride,
        aria("fm.ctl.stride"),
      ),
      "fm.ctl.stride",
    );
    const pads = [
      ["auto", t("fm.pad.auto")],
      ["same", t("fm.pad.same"), l.stride !== 1],
      ["valid", t("fm.pad.valid")],
      ...range(1, 7).map((p) => [p, String(p)]),
    ];
    field(row, i, "padding", select(pads, l.padding, aria("fm.ctl.padding")), "fm.ctl.padding");
    field(
      row,
      i,
      "dilation",
      select(
        range(1, 4).map((d) => [d, String(d)]),
        l.dilation,
        aria("fm.ctl.dilation"),
      ),
      "fm.ctl.dilation",
    );
    field(
      row,
      i,
      "activation",
      select(
        ACTIVATIONS.map((a) => [a, t(`fm.act.${a}`)]),
        l.activation,
        aria("fm.ctl.activation"),
      ),
      "fm.ctl.activation",
    );
  } else if (l.type === "pool") {
    field(
      row,
      i,
      "mode",
      select(
        ["max", "avg"].map((m) => [m, t(`fm.pool.${m}`)]),
        l.mode,
        aria("fm.ctl.mode"),
      ),
      "fm.ctl.mode",
    );
    field(
      row,
      i,
      "kernel",
      select(
        range(1, 8).map((k) => [k, `${k}×${k}`]),
        l.kernel,
        aria("fm.ctl.kernel"),
      ),
      "fm.ctl.kernel",
    );
    const strides = [[0, t("fm.stride.kernel")], ...range(1, 8).map((s) => [s, String(s)])];
    field(row, i, "stride", select(strides, l.stride, aria("fm.ctl.stride")), "fm.ctl.stride");
    field(
      row,
      i,
      "padding",
      select(
        range(0, Math.floor(l.kernel / 2)).map((p) => [p, String(p)]),
        l.padding,
        aria("fm.ctl.padding"),
      ),
      "fm.ctl.padding",
    );
    const ceil = document.createElement("input");
    ceil.type = "checkbox";
    ceil.checked = l.ceil;
    field(row, i, "ceil", ceil, "fm.ctl.ceil");
  } else {
    const note = document.createElement("span");
    note.className = "fm-bn-note";
    note.textContent = t("fm.bn_note");
    row.append(note);
  }
}

function valueOf(control) {
  if (control.type === "checkbox") return control.checked;
  const raw = control.value;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

/**
 * The editor inside the controls form. `commit(text)` receives the new layer list.
 * Returns {render(text)} to redraw it from the URL's list.
 */
export function layerEditor(form, commit) {
  const box = document.createElement("fieldset");
  box.className = "control-group group-fm_layers fm-editor";
  form.append(box);
  let layers = [];

  const change = (next) => commit(formatLayers(next.map(fixLayer)));

  box.addEventListener("change", (e) => {
    const control = e.target;
    if (!control.dataset.field) return;
    const i = Number(control.closest("[data-layer]").dataset.layer);
    const next = layers.map((l) => ({ ...l }));
    const name = control.dataset.field;
    if (name === "type") next[i] = { conv: newConv, pool: newPool, batch_norm: newNorm }[control.value]();
    else if (name === "bank")
      next[i] = { ...newConv(control.value), stride: next[i].stride, activation: next[i].activation };
    else {
      const value = valueOf(control);
      if (value === "" || Number.isNaN(value)) return render(formatLayers(layers));
      next[i][name] = value;
    }
    change(next);
  });
  box.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-act]");
    if (!button) return;
    const next = layers.map((l) => ({ ...l }));
    const i = Number(button.dataset.index);
    const act = button.dataset.act;
    if (act === "remove") next.splice(i, 1);
    else if (act === "up") [next[i - 1], next[i]] = [next[i], next[i - 1]];
    else if (act === "down") [next[i], next[i + 1]] = [next[i + 1], next[i]];
    else if (act === "add-conv") next.push(newConv(next.some((l) => l.type === "conv") ? "gabor" : "sobel"));
    else if (act === "add-pool") next.push(newPool());
    else if (act === "add-bn") next.push(newNorm());
    change(next);
  });

  function render(text) {
    layers = parseLayers(text);
    const focused = box.contains(document.activeElement)
      ? document.activeElement.dataset.control || document.activeElement.dataset.key
      : null;
    box.replaceChildren();
    const legend = document.createElement("legend");
    legend.textContent = t("group.fm_layers");
    box.append(legend);
    const list = document.createElement("ol");
    list.className = "fm-layers-list";
    layers.forEach((l, i) => {
      const row = document.createElement("li");
      row.className = `fm-layer fm-layer-${l.type}`;
      row.dataset.layer = String(i);
      const n = document.createElement("span");
      n.className = "fm-layer-n";
      n.textContent = String(i + 1);
      row.append(n);
      const type = select(
        ["conv", "pool", "batch_norm"].map((k) => [k, t(`fm.type.${k}`)]),
        l.type,
        t("fm.aria_field", { n: i + 1, what: t("fm.ctl.type") }),
      );
      field(row, i, "type", type, "fm.ctl.type");
      fields(row, i, l);
      const tools = document.createElement("span");
      tools.className = "fm-layer-tools";
      for (const [act, glyph, key, disabled] of [
        ["up", "↑", "fm.move_up", i === 0],
        ["down", "↓", "fm.move_down", i === layers.length - 1],
        ["remove", "×", "fm.remove", layers.length <= 1],
      ]) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-small";
        b.textContent = glyph;
        b.dataset.act = act;
        b.dataset.index = String(i);
        b.dataset.key = `${act}-${i}`;
        b.disabled = disabled;
        b.title = t(key, { n: i + 1 });
        b.setAttribute("aria-label", t(key, { n: i + 1 }));
        tools.append(b);
      }
      row.append(tools);
      list.append(row);
    });
    box.append(list);
    const add = document.createElement("p");
    add.className = "fm-add";
    for (const [act, key] of [
      ["add-conv", "fm.add_conv"],
      ["add-pool", "fm.add_pool"],
      ["add-bn", "fm.add_bn"],
    ]) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-small";
      b.dataset.act = act;
      b.dataset.key = act;
      b.textContent = t(key);
      b.disabled = layers.length >= MAX_LAYERS;
      add.append(b);
    }
    const limit = document.createElement("span");
    limit.className = "control-why";
    limit.textContent = layers.length >= MAX_LAYERS ? t("fm.max_layers", { n: MAX_LAYERS }) : "";
    add.append(limit);
    box.append(add);
    box.dataset.shown = text;
    if (focused) box.querySelector(`[data-control="${focused}"],[data-key="${focused}"]`)?.focus();
  }
  return { render, element: box };
}
