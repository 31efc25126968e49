// Every setting of a scene is declared once, in a table. The same table builds the controls,
// writes the URL (history.replaceState, defaults left out) and reads it back, so a reloaded or
// shared link gives the same scene. A scene's constrain() keeps impossible settings unreachable.
import { t } from "./i18n.js";

/**
 * A row of the table:
 *   {name, type: "int" | "choice" | "bool" | "text", default, min, max, choices, label, group,
 *    hidden, choiceLabel(value) -> string}
 * `name` is the URL parameter; `label` an i18n key; `hidden` rows live in the URL only (the player's
 * step and speed, hand edits); `choices` of a "choice" row may be numbers or strings.
 */
/**
 * Row builders for a scene whose labels are `${prefix}.${name}` ("pool.ctl" -> "pool.ctl.k"):
 *   int(name, group, default, min, max), choice(name, group, choices, default, choiceLabel),
 *   bool(name, group, default); `more` adds or changes fields.
 */
export function rowsFor(prefix) {
  const row = (name, type, group, fields) => ({ name, type, label: `${prefix}.${name}`, group, ...fields });
  return {
    int: (name, group, def, min, max, more = {}) => row(name, "int", group, { default: def, min, max, ...more }),
    choice: (name, group, choices, def, choiceLabel, more = {}) =>
      row(name, "choice", group, { choices, default: def, choiceLabel, ...more }),
    bool: (name, group, def, more = {}) => row(name, "bool", group, { default: def, ...more }),
  };
}

export class SceneState {
  constructor(table, { constrain = () => ({}), onChange = () => {} } = {}) {
    this.table = table;
    this.byName = Object.fromEntries(table.map((row) => [row.name, row]));
    this.constrain = constrain;
    this.onChange = onChange;
    this.limits = {};
    this.values = Object.fromEntries(table.map((row) => [row.name, row.default]));
    this.inputs = {};
  }

  get(name) {
    return this.values[name];
  }

  /** Read every row from the URL; anything missing or malformed falls back to its default. */
  readUrl(search = window.location.search) {
    const params = new URLSearchParams(search);
    for (const row of this.table) {
      if (!params.has(row.name)) continue;
      const value = this.parse(row, params.get(row.name));
      if (value !== null) this.values[row.name] = value;
    }
    this.settle();
  }

  parse(row, raw) {
    if (row.type === "int") {
      if (!/^-?\d+$/.test(raw)) return null;
      return Number(raw);
    }
    if (row.type === "bool")
      return raw === "1" || raw === "true" ? true : raw === "0" || raw === "false" ? false : null;
    if (row.type === "choice") {
      const match = row.choices.find((c) => String(c) === raw);
      return match === undefined ? null : match;
    }
    return raw;
  }

  format(row, value) {
    if (row.type === "bool") return value ? "1" : "0";
    return String(value);
  }

  /** Apply the scene's constraints until nothing moves (each pass may narrow another control). */
  settle() {
    for (let pass = 0; pass < 6; pass += 1) {
      this.limits = this.constrain({ ...this.values }) || {};
      let moved = false;
      for (const [name, limit] of Object.entries(this.limits)) {
        const row = this.byName[name];
        if (!row || !limit) continue;
        let value = this.values[name];
        if (row.type === "int" || (row.type === "choice" && typeof value === "number")) {
          const min = limit.min ?? row.min;
          const max = limit.max ?? row.max;
          if (min !== undefined && value < min) value = min;
          if (max !== undefined && value > max) value = max;
        }
        if (limit.allowed && !limit.allowed.includes(value)) {
          value = limit.fallback !== undefined ? limit.fallback : limit.allowed[0];
        }
        if (value !== this.values[name]) {
          this.values[name] = value;
          moved = true;
        }
      }
      if (!moved) return;
    }
  }

  /** Set some values as a learner would, settle the constraints, update controls and URL. */
  set(changes, { notify = true } = {}) {
    Object.assign(this.values, changes);
    this.settle();
    this.syncControls();
    this.writeUrl();
    if (notify) this.onChange({ ...this.values });
  }

  /** The URL for these values: defaults left out, ?lang= kept if the page had it. */
  url(values = this.values, base = window.location.pathname) {
    const params = new URLSearchParams();
    const current = new URLSearchParams(window.location.search);
    if (current.has("lang")) params.set("lang", current.get("lang"));
    for (const row of this.table) {
      const value = values[row.name];
      if (value === row.default || value === undefined) continue;
      params.set(row.name, this.format(row, value));
    }
    const query = params.toString();
    return base + (query ? `?${query}` : "");
  }

  writeUrl() {
    const next = this.url();
    if (next !== window.location.pathname + window.location.search) {
      window.history.replaceState(null, "", next);
    }
    document.dispatchEvent(new CustomEvent("convscope:url"));
  }

  /** Build a labelled control for every visible row, grouped into fieldsets by `group`. */
  build(form) {
    form.replaceChildren();
    form.addEventListener("submit", (e) => e.preventDefault());
    const groups = new Map();
    for (const row of this.table) {
      if (row.hidden) continue;
      const key = row.group || "main";
      if (!groups.has(key)) {
        const fieldset = document.createElement("fieldset");
        fieldset.className = `control-group group-${key}`;
        const legend = document.createElement("legend");
        legend.textContent = t(`group.${key}`);
        fieldset.append(legend);
        groups.set(key, fieldset);
        form.append(fieldset);
      }
      groups.get(key).append(this.control(row));
    }
    this.syncControls();
  }

  control(row) {
    const wrap = document.createElement("div");
    wrap.className = `control control-${row.type}`;
    const id = `ctl-${row.name}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = t(row.label);
    let input;
    if (row.type === "choice") {
      input = document.createElement("select");
      for (const choice of row.choices) {
        const option = document.createElement("option");
        option.value = String(choice);
        option.textContent = row.choiceLabel ? row.choiceLabel(choice) : String(choice);
        input.append(option);
      }
    } else if (row.type === "bool") {
      input = document.createElement("input");
      input.type = "checkbox";
    } else {
      input = document.createElement("input");
      input.type = row.type === "int" ? "number" : "text";
      if (row.type === "int") {
        input.inputMode = "numeric";
        input.step = "1";
      }
    }
    input.id = id;
    input.name = row.name;
    input.dataset.control = row.name;
    input.addEventListener("change", () => {
      let value;
      if (row.type === "bool") value = input.checked;
      else value = this.parse(row, input.value.trim());
      if (value === null) {
        this.syncControls();
        return;
      }
      this.set({ [row.name]: value });
    });
    this.inputs[row.name] = input;
    if (row.type === "bool") wrap.append(input, label);
    else wrap.append(label, input);
    const why = document.createElement("span");
    why.className = "control-why";
    why.id = `${id}-why`;
    wrap.append(why);
    input.setAttribute("aria-describedby", why.id);
    return wrap;
  }

  /** Push values and limits into the controls: bounds, disabled options, the reason for a limit. */
  syncControls() {
    for (const [name, input] of Object.entries(this.inputs)) {
      const row = this.byName[name];
      const limit = this.limits[name] || {};
      const value = this.values[name];
      if (row.type === "bool") input.checked = Boolean(value);
      else input.value = String(value);
      if (row.type === "int") {
        const min = limit.min ?? row.min;
        const max = limit.max ?? row.max;
        if (min !== undefined) input.min = String(min);
        if (max !== undefined) input.max = String(max);
      }
      if (row.type === "choice") {
        for (const option of input.options) {
          const choice = row.choices.find((c) => String(c) === option.value);
          option.disabled = Boolean(limit.allowed && !limit.allowed.includes(choice));
        }
      }
      input.disabled = Boolean(limit.disabled);
      input.closest(".control").classList.toggle("is-disabled", Boolean(limit.disabled));
      const why = document.getElementById(`${input.id}-why`);
      if (why) why.textContent = limit.why || "";
    }
  }
}
