// The learner's own photo on /feature-maps, by drag and drop, paste or the file picker. A photo
// cannot live in a link; it is kept for this tab in sessionStorage, so a reload shows it again.
const STORE_KEY = "convscope.feature-maps.photo";

function dataUrlOf(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Keep the photo for this tab: the file itself, or (past the storage quota) the server's
 *  downscaled copy `fallbackUrl`, which gives the same maps. Returns true when something was kept. */
export async function rememberPhoto(file, fallbackUrl) {
  const entries = [];
  try {
    entries.push({ name: file.name || "photo", url: await dataUrlOf(file) });
  } catch {
    /* unreadable: only the fallback */
  }
  if (fallbackUrl) entries.push({ name: file.name || "photo", url: fallbackUrl, downscaled: true });
  for (const entry of entries) {
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(entry));
      return true;
    } catch {
      /* over the quota or storage disabled: try the smaller copy */
    }
  }
  return false;
}

/** The photo kept for this tab, as a File, or null. */
export function recallPhoto() {
  let entry = null;
  try {
    entry = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
  } catch {
    return null;
  }
  if (!entry || typeof entry.url !== "string" || !entry.url.startsWith("data:")) return null;
  // Decoded by hand: the page's CSP allows requests to this site only, not to data: URLs.
  const [head, body] = entry.url.split(",", 2);
  const type = /^data:([^;,]*)/.exec(head)?.[1] || "application/octet-stream";
  const bytes = Uint8Array.from(atob(body || ""), (ch) => ch.charCodeAt(0));
  return new File([bytes], entry.name || "photo", { type });
}

/** The image file in a paste or a drop, or null. */
export function imageFrom(transfer) {
  if (!transfer) return null;
  for (const file of transfer.files || []) if (file) return file;
  for (const item of transfer.items || []) {
    if (item.kind === "file") {
      const file = item.getAsFile();
      if (file) return file;
    }
  }
  return null;
}
