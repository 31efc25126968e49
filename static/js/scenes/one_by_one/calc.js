// The calculators of /one-by-one: an inception module with every branch editable (POST
// /api/inception) and a bottleneck block against two 3x3 convolutions (POST /api/bottleneck).
// The boxes are built once, with the settings' own controls moved into them, so typing and tabbing
// keep their place; each answer only rewrites the numbers, every one of which the API sent.
import { el } from "../../draw/dom.js";
import { num, t } from "../../i18n.js";

const fmt = (n) => Number(n).toLocaleString("en-US");
// Which layer boxes each branch has, top to bottom; `when` names the toggle a box depends on.
const BRANCHES = [
  { name: "1x1", layers: [{ name: "1x1", control: "b1" }] },
  {
    name: "3x3",
    layers: [
      { name: "3x3_reduce", control: "b3r", when: "reduce" },
      { name: "3x3", control: "b3" },
    ],
  },
  {
    name: "5x5",
    layers: [
      { name: "5x5_reduce", control: "b5r", when: "reduce" },
      { name: "5x5", control: "b5" },
    ],
  },
  { name: "pool", layers: [{ name: "pool" }, { name: "pool_proj", control: "bp", when: "proj" }] },
];
const DESIGN_COLUMNS = ["weights", "ratio", "with_biases", "channels", "shape", "macs"];

const controlOf = (name) => document.getElementById(`ctl-${name}`)?.closest(".control");

/** Move the listed settings' controls (label, input and reason) into `parent`. */
function adopt(parent, names) {
  for (const name of names) {
    const control = controlOf(name);
    if (control) parent.append(control);
  }
}

/** Drop the settings form's fieldsets that the moves left empty. */
function dropEmptyGroups() {
  for (const fieldset of document.querySelectorAll("#controls fieldset")) {
    if (!fieldset.querySelector(".control")) fieldset.remove();
  }
}

export class Calculators {
  constructor() {
    this.boxes = new Map(); // layer name -> {box, title, product, macs}
    this.branchFoot = new Map();
    this.buildInception(document.getElementById("obo-calc-body"));
    this.buildBottleneck(document.getElementById("obo-neck-body"));
    dropEmptyGroups();
  }

  buildInception(root) {
    const inputs = el("fieldset", "control-group obo-calc-input");
    inputs.append(el("legend", "", t("group.obo_calc")));
    adopt(inputs, ["h", "w", "c", "reduce", "proj", "k5"]);
    const branches = el("div", "obo-branches");
    for (const branch of BRANCHES) {
      const column = el("section", "obo-branch");
      column.dataset.branch = branch.name;
      column.append(el("h3", "", t(`obo.branch.${branch.name}`)));
      column.append(el("p", "obo-from"));
      for (const layer of branch.layers) {
        const box = el("div", "obo-layer");
        box.dataset.layer = layer.name;
        const title = el("h4");
        box.append(title);
        if (layer.control) adopt(box, [layer.control]);
        const product = el("p", "obo-product");
        const macs = el("p", "obo-macs");
        box.append(product, macs);
        column.append(box);
        this.boxes.set(layer.name, { box, title, product, macs, when: layer.when });
      }
      const foot = el("p", "obo-branch-total");
      column.append(foot);
      this.branchFoot.set(branch.name, foot);
      branches.append(column);
    }
    this.concat = el("p", "obo-concat");
    this.concat.id = "obo-concat";
    this.totals = el("p", "obo-totals");
    this.totals.id = "obo-totals";
    // The caption sits above the scrolling box, so a phone reads it whole.
    const caption = el("p", "note obo-designs-caption", t("obo.designs_caption"));
    const wrap = el("div", "obo-table-wrap");
    this.table = el("table", "obo-designs");
    this.table.id = "obo-designs";
    wrap.append(this.table);
    root.append(inputs, branches, this.concat, this.totals, caption, wrap);
  }

  buildBottleneck(root) {
    const inputs = el("fieldset", "control-group obo-neck-input");
    inputs.append(el("legend", "", t("group.obo_neck")));
    adopt(inputs, ["rs", "rc", "rb"]);
    this.neck = el("div", "obo-neck-stacks");
    this.neckRatio = el("p", "obo-totals");
    this.neckRatio.id = "obo-neck-ratio";
    root.append(inputs, this.neck, this.neckRatio);
  }

  /** Fill the inception boxes and the designs table from one /api/inception answer. */
  showInception(result, v) {
    const [C, H, W] = result.input_shape;
    const layers = new Map();
    for (const branch of result.module.branches) for (const layer of branch.layers) layers.set(layer.name, layer);
    for (const [name, parts] of this.boxes) {
      const layer = layers.get(name);
      parts.box.classList.toggle("is-off", !layer);
      if (!layer) {
        // A reduction or projection switched off: its count waits, greyed, and is not counted.
        const k = name.startsWith("5x5") ? result.kernel_5x5 : 3;
        parts.title.textContent = t(name === "pool_proj" ? "obo.layer.proj" : "obo.layer.reduce");
        parts.product.textContent =
          name === "pool_proj" ? t("obo.off_proj", { c: C }) : t("obo.off_reduce", { c: C, k });
        parts.macs.textContent = "";
        continue;
      }
      parts.title.textContent = this.layerTitle(layer, name);
      if (layer.type === "max_pool") {
        parts.product.textContent = t("obo.pool_product", { c: layer.out_channels });
        parts.macs.textContent = t("obo.pool_macs");
      } else {
        parts.product.textContent = t("obo.product", { factors: layer.factors.join("×"), n: fmt(layer.weights) });
        parts.macs.textContent = t("obo.macs", { n: fmt(layer.weights), h: H, w: W, macs: fmt(layer.macs) });
      }
      parts.box.dataset.weights = String(layer.weights);
    }
    for (const branch of result.module.branches) {
      const foot = this.branchFoot.get(branch.name);
      // A branch of two convolutions shows its sum: 18,432 + 110,592 = 129,024.
      const parts = branch.layers.filter((l) => l.type === "conv").map((l) => fmt(l.weights));
      const sum = parts.length > 1 ? `${parts.join(" + ")} = ${fmt(branch.weights)}` : fmt(branch.weights);
      foot.textContent = t("obo.branch_total", { sum, c: branch.out_channels });
      foot.dataset.weights = String(branch.weights);
      foot.closest(".obo-branch").querySelector(".obo-from").textContent = t("obo.from", { c: C, h: H, w: W });
    }
    const m = result.module;
    const [outC, outH, outW] = m.output_shape;
    this.concat.textContent = t("obo.concat", {
      sum: m.branches.map((b) => b.out_channels).join(" + "),
      c: outC,
      h: outH,
      w: outW,
    });
    this.concat.dataset.channels = String(m.output_channels);
    this.totals.textContent = t("obo.totals", {
      sum: `${m.branches.map((b) => fmt(b.weights)).join(" + ")} = ${fmt(m.weights)}`,
      p: fmt(m.params_with_biases),
      b: fmt(m.biases),
      macs: fmt(m.macs),
    });
    this.totals.dataset.weights = String(m.weights);
    this.showDesigns(result, v);
  }

  layerTitle(layer, name) {
    if (layer.type === "max_pool") return t("obo.layer.pool");
    if (name === "pool_proj") return t("obo.layer.proj");
    if (name.endsWith("_reduce")) return t("obo.layer.reduce");
    return t("obo.layer.conv", { k: layer.kernel_size });
  }

  showDesigns(result, v) {
    const head = el("tr");
    head.append(el("th", "", t("obo.col.design")));
    for (const key of DESIGN_COLUMNS) head.append(el("th", "num", t(`obo.col.${key}`)));
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    const rows = result.designs.map((d) => ({ ...d, label: t(`obo.design.${d.design}`) }));
    const m = result.module;
    const matches = rows.some(
      (d) => d.use_reductions === m.use_reductions && d.use_pool_projection === m.use_pool_projection,
    );
    if (!matches) rows.push({ ...m, design: "yours", label: t("obo.design.yours"), weights_ratio: null });
    for (const d of rows) {
      const tr = el("tr");
      tr.dataset.design = d.design;
      const current = d.use_reductions === v.reduce && d.use_pool_projection === v.proj;
      tr.classList.toggle("is-current", current);
      tr.append(el("th", "", d.label));
      const [c, h, w] = d.output_shape;
      const cells = {
        weights: fmt(d.weights),
        ratio: d.weights_ratio === null ? "—" : num(d.weights_ratio, 2),
        with_biases: fmt(d.params_with_biases),
        channels: String(d.output_channels),
        shape: `${h}×${w}×${c}`,
        macs: fmt(d.macs),
      };
      for (const key of DESIGN_COLUMNS) {
        const td = el("td", "num", cells[key]);
        td.dataset.col = key;
        tr.append(td);
      }
      tbody.append(tr);
    }
    this.table.replaceChildren(thead, tbody);
  }

  /** Both stacks of one /api/bottleneck answer, layer by layer, and the ratio. */
  showBottleneck(result) {
    const [, H, W] = result.input_shape;
    this.neck.replaceChildren(
      ...["bottleneck", "plain"].map((key) => {
        const stack = result[key];
        const part = el("section", "obo-stack");
        part.dataset.stack = key;
        part.append(el("h3", "", t(`obo.stack.${key}`)));
        const list = el("ol");
        for (const layer of stack.layers) {
          const item = el("li");
          item.append(
            el(
              "span",
              "obo-layer-name",
              `${t("obo.layer.conv", { k: layer.kernel_size })} ${layer.in_channels} → ${layer.out_channels}`,
            ),
            el("span", "obo-product", t("obo.product", { factors: layer.factors.join("×"), n: fmt(layer.weights) })),
          );
          list.append(item);
        }
        const total = el(
          "p",
          "obo-branch-total",
          t("obo.stack_total", { n: fmt(stack.weights), macs: fmt(stack.macs), h: H, w: W }),
        );
        total.dataset.weights = String(stack.weights);
        part.append(list, total);
        return part;
      }),
    );
    this.neckRatio.textContent = t("obo.neck_ratio", {
      r: num(result.weights_ratio, 3),
      a: fmt(result.bottleneck.weights),
      b: fmt(result.plain.weights),
    });
  }
}
