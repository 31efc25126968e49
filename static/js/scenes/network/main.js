// /network: a trained TinyVGG reads a digit, drawn on the pad, picked from MNIST's test digits or
// photographed. The drawing or photo goes to POST /api/networks/tinyvgg/classify-image, so the
// server's one preparation (engine/digits.py) applies; a test digit or a shared link's digit goes
// to /forward. The stage shows every layer's output; the player steps through the layers; a click
// on a map (or the unit form) shows a unit and links to /conv or /pool.
import { el } from "../../draw/dom.js";
import { num, t } from "../../i18n.js";
import { SteppedScene } from "../../kit/stepped.js";
import { getJson, postJson, request } from "../../kit/stream.js";
import { bytesOf, decodeDigit, encodeDigit, rowsOf } from "./codec.js";
import { digitSource } from "./source.js";
import { buildLayers, callOf, digitGrid, markUnit, shapeText, softmaxTable } from "./stage.js";
import { unitDetail, unitForm } from "./unit.js";

const NAME = "tinyvgg";
const API = `/api/networks/${NAME}`;
const TABLE = [
  { name: "digit", type: "int", default: 0, min: -1, max: 9999, hidden: true },
  { name: "d", type: "text", default: "", hidden: true },
];

let candidate = null; // a drawing or photo to classify
const answers = new Map(); // the classify answers by the URL code of their digit
let unit = null;
const detailOnce = getJson(API);
const galleryOnce = getJson(`${API}/gallery`);
const byId = (id) => document.getElementById(id);

async function classify(file, signal) {
  const form = new FormData();
  form.append("image", file, file.name || "digit");
  const headers = { Accept: "application/json" };
  return (await request(`${API}/classify-image`, { method: "POST", body: form, signal, headers })).json();
}

async function answerFor(v, gallery, signal) {
  if (candidate) {
    const file = candidate;
    candidate = null;
    const answer = await classify(file, signal);
    const code = encodeDigit(answer.input);
    answers.set(code, answer);
    scene.state.set({ digit: -1, d: code }, { notify: false });
    scene.lastKey = JSON.stringify({ ...scene.values, step: undefined, speed: undefined });
    return { answer, input: answer.input, source: "drawn" };
  }
  if (v.digit < 0 && v.d) {
    if (answers.has(v.d)) return { answer: answers.get(v.d), input: answers.get(v.d).input, source: "drawn" };
    const input = decodeDigit(v.d);
    if (input) return { answer: await postJson(`${API}/forward`, { input }, { signal }), input, source: "link" };
  }
  const index = Math.max(0, Math.min(gallery.digits.length - 1, v.digit));
  const input = rowsOf(gallery.digits[index].bytes, gallery.scale);
  const answer = await postJson(`${API}/forward`, { input }, { signal });
  return { answer, input, source: "gallery", index, label: gallery.digits[index].label };
}

let galleryPrepared = null;
async function galleryData() {
  galleryPrepared ??= galleryOnce.then((g) => ({
    ...g,
    digits: g.digits.map((d) => ({ ...d, bytes: bytesOf(d.pixels) })),
  }));
  return galleryPrepared;
}

function showPrediction(run) {
  const { answer } = run;
  const p = answer.probabilities[answer.prediction];
  let text = t("net.prediction", { d: run.detail.classes[answer.prediction], p: num(p * 100, 1) });
  if (run.source === "gallery") text += ` ${t("net.prediction_label", { n: run.index, label: run.label })}`;
  const box = byId("net-prediction");
  box.textContent = text;
  box.dataset.prediction = String(answer.prediction);
  byId("net-softmax").replaceChildren(softmaxTable(answer, run.detail.classes));
}

function showUnit(run) {
  const body = byId("detail-body");
  if (!unit || unit.layer >= run.answer.layers.length) {
    body.replaceChildren(el("p", "note", t("net.unit_hint")), unitForm(run, { layer: 0, c: 0, y: 0, x: 0 }, choose));
    return;
  }
  body.replaceChildren(unitDetail(run, unit), unitForm(run, unit, choose));
}

function choose(next) {
  unit = next;
  if (!scene.run) return;
  markUnit(scene.run.parts, unit);
  showUnit(scene.run);
}

function build(run) {
  const stage = scene.els.stage;
  stage.replaceChildren();
  const seen = el("section", "net-layer net-input");
  seen.append(el("h3", "", t("net.input_title")), el("p", "net-shape", "1 × 28 × 28"));
  const g = digitGrid(run.input, 28 * 6 + 18);
  g.draw();
  seen.append(g.el);
  stage.append(seen);
  run.parts = buildLayers(stage, run, choose);
  markUnit(run.parts, unit);
  showPrediction(run);
  showUnit(run);
}

function draw(run, step) {
  for (const [i, part] of run.parts.entries()) part.section.classList.toggle("is-current", i === step);
}

function narrate(run, step) {
  const row = run.detail.layers[step];
  return t("net.narrate", { n: step, call: callOf(row), shape: shapeText(row.output_shape), params: row.parameters });
}

const scene = new SteppedScene({
  table: TABLE,
  constrain: () => ({}),
  title: t("scene.network.title"),
  async load(v, signal) {
    const [detail, gallery] = await Promise.all([detailOnce, galleryData()]);
    const got = await answerFor(v, gallery, signal);
    if (signal.aborted) return;
    source.gallery.show(got.source === "gallery" ? got.index : -1);
    await scene.install({ v, detail, ...got }, { count: detail.layers.length });
  },
  build,
  draw,
  narrate,
});

function use(file) {
  candidate = file;
  scene.lastKey = null;
  scene.state.set({ digit: -1 });
}

const controls = byId("controls");
const gallery = await galleryData();
const source = digitSource(gallery.digits, { use, pick: (i) => scene.state.set({ digit: i, d: "" }) });
controls.prepend(source.element);
scene.start();
describeNetwork(await detailOnce);

function describeNetwork(detail) {
  byId("net-code").textContent = detail.torch_code;
  byId("net-accuracy").textContent = t("net.accuracy", {
    p: num(detail.test_accuracy * 100, 2),
    n: detail.parameters.toLocaleString(),
  });
  const log = byId("net-log");
  log.replaceChildren();
  const head = el("tr");
  for (const key of ["net.log_epoch", "net.log_loss", "net.log_train", "net.log_val", "net.log_seconds"]) {
    head.append(el("th", "", t(key)));
  }
  log.append(head);
  for (const e of detail.training_log) {
    const tr = el("tr");
    const cells = [e.epoch, num(e.train_loss, 4), num(e.train_accuracy * 100, 2), num(e.validation_accuracy * 100, 2)];
    for (const text of [...cells, num(e.seconds, 1)]) tr.append(el("td", "", String(text)));
    log.append(tr);
  }
}
