// The share button: the link to this exact scene (its URL holds every setting) and an <iframe>
// snippet for the /embed/ version of it.
import { t } from "./i18n.js";

export function embedUrl(location = window.location) {
  const path = location.pathname.startsWith("/embed/") ? location.pathname : `/embed${location.pathname}`;
  return `${location.origin}${path}${location.search}`;
}

export function siteUrl(location = window.location) {
  const path = location.pathname.replace(/^\/embed\//, "/");
  return `${location.origin}${path}${location.search}`;
}

const attribute = (text) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

export function iframeSnippet(height, title) {
  return `<iframe src="${attribute(embedUrl())}" title="${attribute(title)}" width="100%" height="${Math.ceil(height)}" style="border:0;max-width:100%" loading="lazy"></iframe>`;
}

export function shareButton(container, { title, heightOf }) {
  container.replaceChildren();
  const details = document.createElement("details");
  details.className = "share-box";
  const summary = document.createElement("summary");
  summary.textContent = t("share.button");
  summary.dataset.action = "share";
  details.append(summary);
  const fields = [
    ["share.link", () => siteUrl()],
    ["share.embed", () => iframeSnippet(heightOf(), title)],
  ];
  const refs = [];
  for (const [key, make] of fields) {
    const label = document.createElement("label");
    label.textContent = t(key);
    const area = document.createElement("textarea");
    area.readOnly = true;
    area.rows = key === "share.link" ? 2 : 3;
    area.dataset.share = key.split(".")[1];
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "btn btn-small";
    copy.textContent = t("share.copy");
    copy.addEventListener("click", async () => {
      area.select();
      try {
        await navigator.clipboard.writeText(area.value);
        copy.textContent = t("share.copied");
      } catch {
        copy.textContent = t("share.select");
      }
      window.setTimeout(() => (copy.textContent = t("share.copy")), 1500);
    });
    label.append(area);
    details.append(label, copy);
    refs.push([area, make]);
  }
  const refresh = () => {
    for (const [area, make] of refs) area.value = make();
  };
  details.addEventListener("toggle", refresh);
  document.addEventListener("convscope:url", () => details.open && refresh());
  container.append(details);
}
